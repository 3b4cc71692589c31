"""A long module's top-level statements, found by a line scan and parsed one at a time: what a step
needs of a module (its imports) without handing all of it to Python's parser, which holds the GIL
for seconds on 200,000 lines."""

from __future__ import annotations

import ast

from . import source
from .scoring.statements import StatementIndex


def top_level_imports(text: str) -> list[ast.Import | ast.ImportFrom]:
    """The module's top-level import statements, in order; one that does not parse alone (the
    module is mid-edit) is left out."""
    lines = source.LINE_BREAK.split(text)
    index: StatementIndex[None] = StatementIndex(lines)
    index.resync()
    found: list[ast.Import | ast.ImportFrom] = []
    for first, end in index.spans():
        if not lines[first].startswith(("import ", "from ")):
            continue
        tree = source.parse_or_none("\n".join(lines[first:end]))
        if tree is not None:
            found.extend(n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
    return found
