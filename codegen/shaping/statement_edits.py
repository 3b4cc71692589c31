"""Edits of whole statements in a source text, placed by AST positions and applied back to front."""

from __future__ import annotations

import ast
from collections.abc import Iterator


def statements_with_blocks(
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


class StatementEdits:
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
