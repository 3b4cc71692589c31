"""Make generated tests and runners use the real module: imports pointed at it, copies and
rebindings out."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from ..source import parse_or_none

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


@dataclass(frozen=True)
class Rebinding:
    """A place where a file binds one of the module's names to something else."""

    name: str
    line: int
    how: str

    def describe(self) -> str:
        return f"`{self.name}` ({self.how}, line {self.line})"


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


def _rewrite_imports(source: str, names: list[str], rewrite):
    """Parse `source`, remove its top-level copies of `names` and replace each import statement by
    what `rewrite(node, wanted)` gives (None keeps it): the tree, the pending edits and the removed
    nodes, or None when `source` does not parse."""
    tree = parse_or_none(source)
    if tree is None:
        return None
    edits = _Edits(source)
    wanted = set(names)
    removed = _remove_top_level_copies(tree, wanted, edits)
    for node, block in _statements(tree, skip=removed):
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
        for name, how in _bindings(node, module_name, module_aliases):
            if name in wanted:
                found.append(Rebinding(name, getattr(node, "lineno", 0), how))
    return sorted(found, key=lambda rebinding: (rebinding.line, rebinding.name))


# --- what a statement binds ---


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


def _bindings(
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


# --- the rewrites ---


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


def _remove_top_level_copies(tree: ast.Module, wanted: set[str], edits: _Edits) -> set[ast.stmt]:
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
        for name, _ in _bindings(node, "", set()):
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


def _statements(
    tree: ast.Module, *, skip: set[ast.stmt]
) -> Iterator[tuple[ast.stmt, list[ast.stmt]]]:
    """Every statement not in `skip` (nor inside one), nested ones too, with the block holding
    it."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for child in block:
                if child in skip:
                    continue
                if isinstance(child, ast.stmt):
                    yield child, block
                stack.append(child)


class _Edits:
    """Replacements of whole statements in a source text, applied back to front."""

    def __init__(self, source: str):
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.changes: list[tuple[int, int, str]] = []
        self.emptied: dict[int, int] = {}  # id(block) -> statements removed from it

    def offset(self, line: int, byte_col: int) -> int:
        """The str offset of an AST position (1-based line, UTF-8 byte column)."""
        text = self.lines[line - 1] if line - 1 < len(self.lines) else ""
        return self.starts[line - 1] + len(
            text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore")
        )

    def replace_statement(
        self, node: ast.stmt, block: list[ast.stmt], statements: list[str]
    ) -> None:
        first_line = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if first_line == node.lineno:
            start = self.offset(first_line, node.col_offset)
        else:  # a decorated definition starts at its first "@", the first thing on its line
            text = self.lines[first_line - 1]
            start = self.starts[first_line - 1] + len(text) - len(text.lstrip())
        end = self.offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
        line_start = self.starts[first_line - 1]
        indent = self.source[line_start:start]
        owns_line = not indent.strip()
        if not statements:
            self.emptied[id(block)] = self.emptied.get(id(block), 0) + 1
            if self.emptied[id(block)] == len(block):
                statements = ["pass"]  # a block may not be empty
        if not statements and owns_line and self._rest_of_line_is_blank(end):
            start, end = line_start, self._end_of_line(end)
            self.changes.append((start, end, ""))
            return
        separator = ("\n" + indent) if owns_line else "; "
        self.changes.append((start, end, separator.join(statements) or "pass"))

    def insert_import(self, tree: ast.Module, statement: str) -> None:
        """After the docstring and the imports the file starts with: an import placed below code
        would be moved by autopep8 (E402), which can move it into a `try:` block and break the file.
        """
        anchor = None
        for index, node in enumerate(tree.body):
            is_docstring = (
                index == 0
                and isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            )
            if not (is_docstring or isinstance(node, (ast.Import, ast.ImportFrom))):
                break
            anchor = node
        if anchor is None:
            self.changes.append((0, 0, statement + "\n"))
            return
        end = self._end_of_line(
            self.offset(anchor.end_lineno or anchor.lineno, anchor.end_col_offset or 0)
        )
        newline = "" if self.source[:end].endswith("\n") else "\n"
        self.changes.append((end, end, f"{newline}{statement}\n"))

    def _rest_of_line_is_blank(self, offset: int) -> bool:
        rest = self.source[offset : self._end_of_line(offset)]
        return not rest.strip() or rest.strip().startswith("#")

    def _end_of_line(self, offset: int) -> int:
        newline = self.source.find("\n", offset)
        return len(self.source) if newline < 0 else newline + 1

    def apply(self) -> str:
        text = self.source
        for start, end, replacement in sorted(
            self.changes, key=lambda change: (change[0], change[1]), reverse=True
        ):
            text = text[:start] + replacement + text[end:]
        return text
