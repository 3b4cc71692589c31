"""Make generated tests and runners use the real module: imports pointed at it, pasted copies
out."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator

from ..source import parse_or_none
from .rebindings import names_bound
from .statement_edits import StatementEdits, statements_with_blocks

# Module names models invent when they are not told (or forget) where the code lives.
PLACEHOLDER_MODULES = frozenset(
    {
        "your_module",
        "yourmodule",
        "my_module",
        "mymodule",
        "module",
        "solution",
        "solutions",
        "main",
        "code",
        "functions",
        "function",
        "implementation",
        "source",
        "src",
        "app",
        "program",
        "script",
        "module_name",
        "your_module_name",
        "your_file",
        "your_script",
        "generated_code",
        "generated",
    }
)


def defined_names(code: str) -> list[str]:
    """Top-level functions and classes of a module, in order."""
    tree = parse_or_none(code)
    if tree is None:
        return []
    return [
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]


def imported_modules(code: str) -> set[str]:
    """The top-level modules a module imports (absolute imports only), anywhere in it."""
    tree = parse_or_none(code)
    if tree is None:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def point_imports_at_module(source: str, module_name: str, names: list[str]) -> str:
    """Rewrite a test file so that the module's `names` come from `module_name`, wherever it imports
    them.

    - imports from a placeholder module (`your_module`, `solution`, …) or a relative import are
      pointed at `module_name`, aliases and star imports kept (`from your_module import f as g` ->
      `from <module_name> import f as g`); so is any import of one of `names` from another module;
    - `import your_module` becomes `import <module_name> as your_module`, so `your_module.f(…)`
      works;
    - top-level copies of the module's functions (a pasted `def`, an assignment such as
      `f = lambda …`) are removed;
    - one `from <module_name> import …` is added for names the file uses but never imports.
    Other rebindings are left for `rebindings` to report. Source that does not parse is returned
    unchanged.
    """
    done = _rewrite_imports(
        source, names, lambda node, wanted: _pointed_imports(node, module_name, wanted)
    )
    if done is None:
        return source
    tree, edits, removed = done
    missing = _unimported(tree, module_name, set(names), removed)
    if missing:
        edits.insert_import(
            tree, f"from {module_name} import {', '.join(n for n in names if n in missing)}"
        )
    return edits.apply()


def strip_definitions_and_imports(runner: str, names: list[str]) -> str:
    """A runner is appended to the module: drop its pasted copies and its imports of the module's
    names."""
    done = _rewrite_imports(runner, names, _runner_imports)
    return runner if done is None else done[1].apply()


# What an import statement becomes, given the module's names: statements, or None to keep it.
_ImportRewrite = Callable[[ast.Import | ast.ImportFrom, set[str]], list[str] | None]


def _rewrite_imports(
    source: str, names: list[str], rewrite: _ImportRewrite
) -> tuple[ast.Module, StatementEdits, set[ast.stmt]] | None:
    """Parse `source`, remove its top-level copies of `names` and replace each import statement by
    what `rewrite(node, wanted)` gives (None keeps it): the tree, the pending edits and the removed
    nodes, or None when `source` does not parse."""
    tree = parse_or_none(source)
    if tree is None:
        return None
    edits = StatementEdits(source)
    wanted = set(names)
    removed = _remove_top_level_copies(tree, wanted, edits)
    for node, block in statements_with_blocks(tree, skip=removed):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            statements = rewrite(node, wanted)
            if statements is not None:
                edits.replace_statement(node, block, statements)
    return tree, edits, removed


def _runner_imports(node: ast.Import | ast.ImportFrom, wanted: set[str]) -> list[str] | None:
    """What a runner's import becomes once the runner is appended to the module; None keeps it."""
    if isinstance(node, ast.Import):
        if not any(_is_placeholder(alias.name, "") for alias in node.names):
            return None
        # `import your_module` + `your_module.f()`: the module the runner runs in is __main__.
        return [
            (
                f"import __main__ as {alias.asname or alias.name.split('.')[0]}"
                if _is_placeholder(alias.name, "")
                else f"import {_alias(alias)}"
            )
            for alias in node.names
        ]
    ours = node.level > 0 or _is_placeholder(node.module, "")
    kept = [alias for alias in node.names if not ours and alias.name not in wanted]
    if len(kept) == len(node.names):
        return None
    # `from your_module import f as g`: f is already defined above the runner; keep g working.
    renames = [
        f"{alias.asname} = {alias.name}"
        for alias in node.names
        if alias.name in wanted and alias.asname and alias.asname != alias.name
    ]
    return ([_import_text(node, kept)] if kept else []) + renames


def _is_placeholder(module: str | None, module_name: str) -> bool:
    if not module or module == module_name:
        return False
    root = module.split(".")[0]
    return root in PLACEHOLDER_MODULES and root not in sys.stdlib_module_names


def _pointed_imports(
    node: ast.Import | ast.ImportFrom, module_name: str, wanted: set[str]
) -> list[str] | None:
    """The statements replacing an import that names a placeholder or one of `wanted`; None to keep
    it."""
    if isinstance(node, ast.Import):
        if not any(_is_placeholder(alias.name, module_name) for alias in node.names):
            return None
        return [
            (
                f"import {module_name} as {alias.asname or alias.name.split('.')[0]}"
                if _is_placeholder(alias.name, module_name)
                else f"import {_alias(alias)}"
            )
            for alias in node.names
        ]
    if node.level == 0 and node.module == module_name:
        return None
    if node.level > 0 and not node.module:
        # `from . import x`: a module beside this file (a placeholder), or a name of that package.
        statements = [
            (
                f"from {module_name} import {_alias(alias)}"
                if alias.name in wanted or alias.name == "*"
                else f"import {module_name} as {alias.asname or alias.name}"
            )
            for alias in node.names
        ]
        return statements
    if node.level > 0 or _is_placeholder(node.module, module_name):
        return [f"from {module_name} import {', '.join(_alias(alias) for alias in node.names)}"]
    ours = [alias for alias in node.names if alias.name in wanted]
    if not ours:
        return None
    others = [alias for alias in node.names if alias.name not in wanted]
    statements = [_import_text(node, others)] if others else []
    return statements + [f"from {module_name} import {', '.join(_alias(alias) for alias in ours)}"]


def _remove_top_level_copies(
    tree: ast.Module, wanted: set[str], edits: StatementEdits
) -> set[ast.stmt]:
    """Pasted definitions and plain assignments (`f = lambda …`) of the module's names, at top
    level."""
    removed = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            copy = node.name in wanted
        elif isinstance(node, ast.Assign):
            copy = all(
                isinstance(target, ast.Name) and target.id in wanted for target in node.targets
            )
        elif isinstance(node, ast.AnnAssign):
            copy = (
                isinstance(node.target, ast.Name)
                and node.target.id in wanted
                and node.value is not None
            )
        else:
            copy = False
        if copy:
            removed.add(node)
            edits.replace_statement(node, tree.body, [])
    return removed


def _unimported(
    tree: ast.Module, module_name: str, wanted: set[str], removed: set[ast.stmt]
) -> set[str]:
    """Of `wanted`, the names the file uses but binds nowhere (once the removed copies are gone)."""
    bound: set[str] = set()
    for node in _walk_skipping(tree, removed):
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            if (
                node.level > 0
                or node.module == module_name
                or _is_placeholder(node.module, module_name)
            ):
                return set()  # a star import from the module brings them all
        for name, _ in names_bound(node, "", set()):
            bound.add(name)
    used = {
        node.id
        for node in _walk_skipping(tree, removed)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    return (used & wanted) - bound


def _walk_skipping(tree: ast.AST, skip: set[ast.stmt]) -> Iterator[ast.AST]:
    """ast.walk without the subtrees in `skip`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if child not in skip)


def _import_text(node: ast.Import | ast.ImportFrom, aliases: list[ast.alias]) -> str:
    names = ", ".join(_alias(alias) for alias in aliases)
    if isinstance(node, ast.Import):
        return f"import {names}"
    return f"from {'.' * node.level}{node.module or ''} import {names}"


def _alias(alias: ast.alias) -> str:
    return f"{alias.name} as {alias.asname}" if alias.asname else alias.name
