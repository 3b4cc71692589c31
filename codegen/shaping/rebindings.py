"""Find where a test file or runner binds the module's names to something other than the module's
own objects."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from ..source import parse_or_none


@dataclass(frozen=True)
class Rebinding:
    """A place where a file binds one of the module's names to something else."""

    name: str
    line: int
    how: str

    def describe(self) -> str:
        return f"`{self.name}` ({self.how}, line {self.line})"


def rebindings(
    source: str, module_name: str, names: list[str], *, module_scope_only: bool = False
) -> list[Rebinding]:
    """Every binding of one of `names` other than an import of it from `module_name`.

    A test file is checked everywhere (a local rebinding shadows the function in that test); a
    runner, which shares the module's namespace, at module scope only (`module_scope_only`).
    """
    tree = parse_or_none(source)
    if tree is None:
        return []
    wanted = set(names)
    module_aliases = _module_aliases(tree, module_name)
    found: list[Rebinding] = []
    for node, scope_is_module in _walk_with_scope(tree):
        if module_scope_only and not scope_is_module:
            continue
        for name, how in names_bound(node, module_name, module_aliases):
            if name in wanted:
                found.append(Rebinding(name, getattr(node, "lineno", 0), how))
    return sorted(found, key=lambda rebinding: (rebinding.line, rebinding.name))


# The nodes that bind one name held in one field, whatever the context: (field, how).
_NAMED_BINDINGS: dict[type[ast.AST], tuple[str, str]] = {
    ast.FunctionDef: ("name", "a def"),
    ast.AsyncFunctionDef: ("name", "a def"),
    ast.ClassDef: ("name", "a class"),
    ast.arg: ("arg", "a parameter"),
    ast.ExceptHandler: ("name", "an except-as"),
    ast.MatchAs: ("name", "a match pattern"),
    ast.MatchStar: ("name", "a match pattern"),
    ast.MatchMapping: ("rest", "a match pattern"),
}


def names_bound(
    node: ast.AST, module_name: str, module_aliases: set[str]
) -> Iterator[tuple[str, str]]:
    """(name, how) for each name `node` binds to something other than the module's own object."""
    named = _NAMED_BINDINGS.get(type(node))
    if named is not None:
        field, how = named
        name = getattr(node, field)
        if name:  # `except E:`, `case _:` and `case {**rest}` without a rest bind nothing
            yield name, how
    elif isinstance(node, (ast.Name, ast.Attribute)):
        yield from _store_bindings(node, module_aliases)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        yield from _import_bindings(node, module_name)


def _store_bindings(
    node: ast.Name | ast.Attribute, module_aliases: set[str]
) -> Iterator[tuple[str, str]]:
    """An assignment or del of a name, or of an attribute of the module object (`m.f = …`)."""
    if not isinstance(node.ctx, (ast.Store, ast.Del)):
        return
    if isinstance(node, ast.Name):
        yield node.id, "an assignment" if isinstance(node.ctx, ast.Store) else "a del"
    elif isinstance(node.value, ast.Name) and node.value.id in module_aliases:
        yield node.attr, f"an assignment to {node.value.id}.{node.attr}"


def _import_bindings(
    node: ast.Import | ast.ImportFrom, module_name: str
) -> Iterator[tuple[str, str]]:
    """The names an import binds, except a name imported under its own name from the module."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield (alias.asname or alias.name).split(".")[0], f"import {alias.name}"
        return
    from_module = node.level == 0 and node.module == module_name
    for alias in node.names:
        bound = alias.asname or alias.name
        if not (from_module and bound == alias.name):
            yield bound, f"from {'.' * node.level}{node.module or ''} import {alias.name}"


def _module_aliases(tree: ast.Module, module_name: str) -> set[str]:
    """Names the file binds to the module object itself (`import m`, `import m as alias`)."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == module_name
    }


def _walk_with_scope(tree: ast.Module) -> Iterator[tuple[ast.AST, bool]]:
    """Every node, with whether it binds in the module's own scope."""
    stack: list[tuple[ast.AST, bool]] = [(tree, True)]
    while stack:
        node, in_module = stack.pop()
        yield node, in_module
        opens_scope = isinstance(
            node,
            (
                ast.FunctionDef,
                ast.AsyncFunctionDef,
                ast.ClassDef,
                ast.Lambda,
                ast.ListComp,
                ast.SetComp,
                ast.DictComp,
                ast.GeneratorExp,
            ),
        )
        for child in ast.iter_child_nodes(node):
            # A def's name, decorators and defaults belong to the enclosing scope; its body does
            # not.
            stays = in_module and not (opens_scope and not _outside_scope(node, child))
            stack.append((child, stays))


def _outside_scope(node: ast.AST, child: ast.AST) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (
            child in node.decorator_list
            or child in getattr(node, "bases", ())
            or (isinstance(child, ast.keyword))
        )
    return False
