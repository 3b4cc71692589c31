"""One reader of test files: the test classes and test functions a unittest or pytest file
declares."""

from __future__ import annotations

import ast

from .source import parse_or_none


def declared_test_ids(test_source: str, test_module: str) -> frozenset[str]:
    """Every result id a run of this file can honestly report: its tests, fixtures and import
    error."""
    ids = {test_module, "setUpModule", "tearDownModule"}
    tree = parse_or_none(test_source)
    if tree is None:
        return frozenset(ids)
    classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}

    def methods(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        node = classes.get(name)
        if node is None or name in seen:
            return set()
        found = {
            item.name
            for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        for base in node.bases:
            if isinstance(base, ast.Name):
                found |= methods(base.id, seen | {name})
        return found

    for name in classes:
        ids.update(f"{name}.{method}" for method in methods(name) if method.startswith("test"))
        ids.update((f"{name}.setUpClass", f"{name}.tearDownClass"))
    ids.update(
        node.name
        for node in tree.body  # pytest's plain test functions
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.name.startswith("test")
    )
    return frozenset(ids)


def is_declared(test_id: str, known: frozenset[str]) -> bool:
    """A declared id, or a parametrized case of one (pytest's `test_f[1-2]`)."""
    return test_id in known or (test_id.endswith("]") and test_id.partition("[")[0] in known)


def declared_test(test_id: str) -> str:
    """The test as written in the file: pytest's parametrized `test_f[1-2]` is case `1-2` of
    `test_f`."""
    return test_id.partition("[")[0]


def functions_used_by_tests(test_source: str, names: set[str]) -> dict[str, set[str]]:
    """Test id (`Class.test_x`, or pytest's plain `test_x`) -> which of `names` that test's body
    uses."""
    tree = parse_or_none(test_source)
    if tree is None:
        return {}
    used_by: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for method in node.body:
                if isinstance(
                    method, (ast.FunctionDef, ast.AsyncFunctionDef)
                ) and method.name.startswith("test"):
                    used_by[f"{node.name}.{method.name}"] = _names_used(method) & names
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(
            "test"
        ):
            used_by[node.name] = _names_used(node) & names
    return used_by


def _names_used(node: ast.AST) -> set[str]:
    return {
        child.id if isinstance(child, ast.Name) else child.attr
        for child in ast.walk(node)
        if isinstance(child, (ast.Name, ast.Attribute))
    }
