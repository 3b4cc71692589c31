"""A long module's top-level statements, found by a line scan and parsed one at a time: what a step
needs of a module (its imports, a few functions) without handing all of it to Python's parser,
which holds the GIL for seconds on 200,000 lines."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Collection

from . import source
from .context.outline import statement_spans

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEF = re.compile(r"(?:async[ \t]+)?def[ \t]+(\w+)")


@functools.lru_cache(maxsize=2)
def statements(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The module's lines and the (first, end) lines of each top-level statement. Cached: the test
    run's coverage and the editor's results look in the same composed module (0.5 s of scanning at
    200,000 lines)."""
    lines = source.LINE_BREAK.split(text)
    return lines, statement_spans(lines)


def top_level_imports(text: str) -> list[ast.Import | ast.ImportFrom]:
    """The module's top-level import statements, in order; one that does not parse alone (the
    module is mid-edit) is left out."""
    lines, spans = statements(text)
    found: list[ast.Import | ast.ImportFrom] = []
    for first, end in spans:
        if not lines[first].startswith(("import ", "from ")):
            continue
        tree = source.parse_or_none("\n".join(lines[first:end]))
        if tree is not None:
            found.extend(n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
    return found


def top_level_functions(text: str, names: Collection[str]) -> list[FunctionNode] | None:
    """The top-level definitions of the functions `names`, each parsed alone, with the module's line
    numbers (the last definition of a name wins, as when the module runs); None when one of them is
    not found that way."""
    lines, spans = statements(text)
    wanted, found = set(names), {}
    for first, end in spans:
        if _defined_name(lines, first, end) not in wanted:
            continue
        tree = source.parse_or_none("\n".join(lines[first:end]))
        if tree is not None and len(tree.body) == 1 and isinstance(tree.body[0], _FUNCTIONS):
            node = ast.increment_lineno(tree.body[0], first)
            found[node.name] = node
    return [found[name] for name in names] if set(found) == wanted else None


def function_names(text: str) -> set[str]:
    """The names of the module's top-level functions, by the line scan alone (nothing parsed)."""
    lines, spans = statements(text)
    return {name for first, end in spans if (name := _defined_name(lines, first, end))}


def _defined_name(lines: list[str], first: int, end: int) -> str | None:
    """The name a top-level statement defines with `def` (past its decorators), or None."""
    for line in lines[first:end]:
        match = _DEF.match(line)
        if match:
            return match.group(1)
        if not line.startswith("@") and line[:1] not in ("", " ", "\t", "#", ")"):
            return None
    return None
