"""One reader of test files: the test classes and test functions a unittest or pytest file
declares, found in one walk of one parsed tree.

``read_test_file`` keeps the last few files it read, so the readers of one run (the execution
summary's declared ids, the possible bugs after repair, the server's per-function results and
test explorer) share one parse of the same text.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from typing import TypeGuard

from .source import parse_or_none

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class DeclaredTest:
    """A test method of a top-level class, or a top-level test function (pytest's)."""

    __test__ = False  # not a pytest test class, despite the name

    id: str  # the id runs report: "TestClass.test_x" or "test_f"
    name: str  # "test_x"
    parent: str | None  # the class, None for a test function
    line: int  # the def line, 1-based
    node: FunctionNode


@dataclass(frozen=True)
class DeclaredClass:
    """A top-level class with test methods of its own."""

    name: str
    line: int  # 1-based
    tests: tuple[DeclaredTest, ...]


@dataclass(frozen=True)
class TestFile:
    """What a test file declares. A file that does not parse declares nothing."""

    __test__ = False

    # Top-level classes with test methods and top-level test functions, in file order
    entries: tuple[DeclaredClass | DeclaredTest, ...]
    # Every class anywhere in the file: its name -> (its methods' names, its bases' names)
    classes: dict[str, tuple[frozenset[str], tuple[str, ...]]]
    imports: frozenset[str]  # the top-level packages it imports, anywhere in the file

    @property
    def tests(self) -> list[DeclaredTest]:
        """Every declared test, in file order."""
        found: list[DeclaredTest] = []
        for entry in self.entries:
            found.extend(entry.tests if isinstance(entry, DeclaredClass) else (entry,))
        return found

    @property
    def test_functions(self) -> list[DeclaredTest]:
        return [entry for entry in self.entries if isinstance(entry, DeclaredTest)]

    def methods(self, name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """A class's method names, those it inherits from classes of this file included."""
        if name not in self.classes or name in seen:
            return set()
        own, bases = self.classes[name]
        found = set(own)
        for base in bases:
            found |= self.methods(base, seen | {name})
        return found


def read_test_file(test_source: str) -> TestFile:
    """The test file's declarations, from one parse (shared with the other readers of this text)."""
    return _read(test_source)


@functools.lru_cache(maxsize=8)
def _read(test_source: str) -> TestFile:
    tree = parse_or_none(test_source)
    if tree is None:
        return TestFile((), {}, frozenset())
    entries: list[DeclaredClass | DeclaredTest] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            tests = tuple(
                DeclaredTest(f"{node.name}.{item.name}", item.name, node.name, item.lineno, item)
                for item in node.body
                if _is_test(item)
            )
            if tests:
                entries.append(DeclaredClass(node.name, node.lineno, tests))
        elif _is_test(node):
            entries.append(DeclaredTest(node.name, node.name, None, node.lineno, node))
    classes: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}
    imports: set[str] = set()
    for found in ast.walk(tree):
        if isinstance(found, ast.ClassDef):
            own = frozenset(item.name for item in found.body if isinstance(item, FunctionNode))
            bases = tuple(base.id for base in found.bases if isinstance(base, ast.Name))
            classes[found.name] = (own, bases)  # of two classes of one name, the last walked
        elif isinstance(found, ast.Import):
            imports.update(alias.name.split(".")[0] for alias in found.names)
        elif isinstance(found, ast.ImportFrom):
            imports.add((found.module or "").split(".")[0])
    return TestFile(tuple(entries), classes, frozenset(imports))


def _is_test(node: ast.stmt) -> TypeGuard[FunctionNode]:
    return isinstance(node, FunctionNode) and node.name.startswith("test")


def declared_test_ids(test_source: str, test_module: str) -> frozenset[str]:
    """Every result id a run of this file can honestly report: its tests, fixtures and import
    error."""
    ids = {test_module, "setUpModule", "tearDownModule"}
    test_file = read_test_file(test_source)
    for name in test_file.classes:
        ids.update(
            f"{name}.{method}" for method in test_file.methods(name) if method.startswith("test")
        )
        ids.update((f"{name}.setUpClass", f"{name}.tearDownClass"))
    ids.update(test.id for test in test_file.test_functions)  # pytest's plain test functions
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
    return {test.id: _names_used(test.node) & names for test in read_test_file(test_source).tests}


def _names_used(node: ast.AST) -> set[str]:
    return {
        child.id if isinstance(child, ast.Name) else child.attr
        for child in ast.walk(node)
        if isinstance(child, (ast.Name, ast.Attribute))
    }
