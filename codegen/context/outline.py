"""A module's top-level statements, told apart by their first line alone: imports, definitions,
constants; and what the module already defines and imports."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..scoring.statements import StatementIndex
from ..source import parse_or_none

_DEFINITION = re.compile(r"(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_]\w*)")
_IMPORT = re.compile(r"(?:import|from)[ \t]")
_CONSTANT = re.compile(r"([A-Z_][A-Z0-9_]*)[ \t]*(?::[^=]*)?=(?!=)")


@dataclass(frozen=True)
class Statement:
    """One top-level statement: its kind and name from its first code line, its lines."""

    kind: str  # "import", "def", "class", "constant"
    name: str
    first: int  # 0-based first line
    end: int  # 0-based end line (exclusive)


@functools.lru_cache(maxsize=2)
def text_spans(text: str) -> tuple[tuple[int, int], ...]:
    """`statement_spans` of `text.splitlines(keepends=True)`, cached: a generation's prompts look
    at the same module several times (function, tests, repair), 0.3 s a scan at 200,000 lines."""
    return tuple(statement_spans(text.splitlines(keepends=True)))


def statement_spans(lines: list[str]) -> list[tuple[int, int]]:
    """[first, end) lines of each top-level statement, by the server's own line scan."""
    index: StatementIndex[None] = StatementIndex(lines)
    index.resync()
    return list(index.spans())


def classify(lines: list[str], first: int, end: int) -> Statement | None:
    """What the statement at `first` is, from its text alone (no parse)."""
    for number in range(first, end):
        line = lines[number]
        if line.startswith("@"):
            continue  # a decorator: the definition follows
        if match := _DEFINITION.match(line):
            kind = "class" if match.group(1) == "class" else "def"
            return Statement(kind, match.group(2), first, end)
        if _IMPORT.match(line):
            return Statement("import", "", first, end)
        if match := _CONSTANT.match(line):
            return Statement("constant", match.group(1), first, end)
        return None
    return None


def statements(lines: list[str], spans: Iterable[tuple[int, int]]) -> list[Statement]:
    found = []
    for first, end in spans:
        statement = classify(lines, first, end)
        if statement is not None:
            found.append(statement)
    return found


@dataclass(frozen=True)
class ModuleNames:
    """What a module defines at top level and what it imports: (module, name) -> bound name."""

    defined: frozenset[str]
    imported: dict[tuple[str, str], str]

    @property
    def bound(self) -> set[str]:
        return set(self.defined) | set(self.imported.values())


def import_keys(node: ast.Import | ast.ImportFrom) -> Iterable[tuple[tuple[str, str], str]]:
    """((module, name), bound name) per imported name; `import a.b` binds `a`."""
    for alias in node.names:
        if isinstance(node, ast.Import):
            yield (alias.name, ""), alias.asname or alias.name.split(".")[0]
        else:
            module = "." * node.level + (node.module or "")
            yield (module, alias.name), alias.asname or alias.name


def module_names(text: str, spans: Sequence[tuple[int, int]] | None = None) -> ModuleNames:
    """The module's top-level definitions and imports, parsing only its import statements."""
    lines = text.splitlines(keepends=True)
    found = statements(lines, text_spans(text) if spans is None else spans)
    imported: dict[tuple[str, str], str] = {}
    for statement in found:
        if statement.kind != "import":
            continue
        tree = parse_or_none("".join(lines[statement.first : statement.end]))
        for node in tree.body if tree is not None else ():
            if isinstance(node, ast.Import | ast.ImportFrom):
                imported.update(import_keys(node))
    defined = frozenset(s.name for s in found if s.kind in ("def", "class"))
    return ModuleNames(defined, imported)
