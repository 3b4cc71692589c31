"""Generated code reduced to what is new in its module: definitions and imports the module has
already are left out, and a name the module imports under an alias is used under it."""

from __future__ import annotations

import ast

from ..context.outline import ModuleNames, import_keys
from ..source import parse_or_none, walk_nodes
from .statement_edits import StatementEdits

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _import_text(node: ast.Import | ast.ImportFrom, kept: list[ast.alias]) -> str:
    copy = (
        ast.ImportFrom(node.module, kept, node.level)
        if isinstance(node, ast.ImportFrom)
        else ast.Import(kept)
    )
    return ast.unparse(copy)


def _reduce_import(
    node: ast.Import | ast.ImportFrom, module: ModuleNames, renames: dict[str, str]
) -> list[ast.alias]:
    """The names of an import the module lacks; `renames` learns those it has under another name."""
    kept = []
    for alias, (key, bound) in zip(node.names, import_keys(node), strict=True):
        existing = module.imported.get(key)
        if existing is not None and existing != bound:
            renames[bound] = existing
        elif existing is None and bound not in module.defined:
            kept.append(alias)
    return kept


def without_existing(code: str, module: ModuleNames) -> str:
    """`code` without the top-level definitions and imports `module` already has; references to a
    name it imports under an alias use that alias. Code that does not parse is returned as it is."""
    tree = parse_or_none(code)
    if tree is None:
        return code
    edits = StatementEdits(code)
    renames: dict[str, str] = {}
    kept_nodes: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, _DEFINITIONS) and node.name in module.defined:
            edits.replace_statement(node, tree.body, [])
            continue
        kept_nodes.append(node)
        if isinstance(node, ast.Import | ast.ImportFrom):
            kept = _reduce_import(node, module, renames)
            if len(kept) != len(node.names):
                edits.replace_statement(node, tree.body, [_import_text(node, kept)] if kept else [])
    for name in (name for node in kept_nodes for name in walk_nodes(node)):
        if isinstance(name, ast.Name) and name.id in renames:
            start = edits.offset(name.lineno, name.col_offset)
            edits.changes.append((start, start + len(name.id), renames[name.id]))
    return edits.apply() if edits.changes else code
