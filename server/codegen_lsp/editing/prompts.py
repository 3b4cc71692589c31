"""Find the comment prompt or the top-level function at a line, scanning only the lines nearby."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from codegen.source import parse_or_none, without_bom

# Comments that talk to tools, not to people.
_DIRECTIVE = re.compile(
    r"#+\s*(type:|noqa|pragma|pylint:|mypy:|pyright:|isort:|fmt:|flake8|ruff:|-\*-|vim?:|coding[:=])",
    re.IGNORECASE,
)
_DEF = re.compile(r"(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(")
_CLASS = re.compile(r"class[ \t]+(\w+)[ \t]*[(:]")
# A prompt is a paragraph, not a file: never scan further than this for its ends.
MAX_PROMPT_LINES = 200


@dataclass(frozen=True)
class Prompt:
    """A block of comment lines asking for code, at the top level or in a top-level class's body
    (`class_name`: the code is its method); lines are 0-based, `end_line` inclusive."""

    start_line: int
    end_line: int
    indent: str
    text: str
    comment_lines: tuple[str, ...]
    class_name: str | None = None


@dataclass(frozen=True)
class FunctionAt:
    """A top-level function enclosing a position: its name and 0-based `def` line."""

    name: str
    def_line: int


def prompt_at(lines: Sequence[str], line: int) -> Prompt | None:
    """The comment prompt containing `line`, or None (also for a line past the end)."""
    if not 0 <= line < len(lines) or not _is_prompt_line(lines, line):
        return None
    indent = _indent(_line(lines, line))
    # In a class body a prompt asks for a method; in a function body (or any other block) a comment
    # is a note, not a request for code
    class_name = _enclosing_class(lines, line, len(indent)) if indent else None
    if indent and class_name is None:
        return None
    start = line
    while start > 0 and line - start < MAX_PROMPT_LINES and _continues(lines, start - 1, indent):
        start -= 1
    end = line
    while (
        end + 1 < len(lines)
        and end - line < MAX_PROMPT_LINES
        and _continues(lines, end + 1, indent)
    ):
        end += 1
    comment_lines = tuple(_line(lines, i).rstrip("\r\n") for i in range(start, end + 1))
    text = " ".join(filter(None, (_comment_text(c) for c in comment_lines)))
    if not text:
        return None
    return Prompt(start, end, indent, text, comment_lines, class_name)


def _enclosing_class(lines: Sequence[str], line: int, width: int) -> str | None:
    """The name of the top-level class whose body holds `line` (indented `width`), judged by
    indentation alone; None when the block holding it is anything else."""
    for index in range(line - 1, -1, -1):
        text = _line(lines, index)
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(_indent(text))
        if indent == 0 and stripped[0] in ")]}":  # the closing bracket of a wrapped class line
            continue
        if indent < width:
            match = _CLASS.match(text)
            return match.group(1) if match else None
    return None


def find_prompt(lines: Sequence[str], prompt: Prompt) -> Prompt | None:
    """Where the same prompt comment is now (nearest its old place), or None if it changed or
    went."""
    wanted = prompt.comment_lines
    candidates = [i for i in range(len(lines)) if _line(lines, i).rstrip("\r\n") == wanted[0]]
    for start in sorted(candidates, key=lambda i: abs(i - prompt.start_line)):
        found = prompt_at(lines, start)
        if found is not None and found.comment_lines == wanted:
            return found
    return None


def function_at(lines: Sequence[str], line: int) -> FunctionAt | None:
    """The top-level `def` whose line or body holds `line`, judged by indentation alone."""
    if not 0 <= line < len(lines):
        return None
    index = line
    floor = None  # the smallest indentation seen between the line and the scan position
    while index >= 0:
        text = _line(lines, index)
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            index -= 1
            continue
        indent = len(_indent(text))
        if indent == 0 and stripped[0] in ")]}":  # the closing bracket of a wrapped signature
            index -= 1
            continue
        if floor is None or indent < floor:
            if indent == 0:
                match = _DEF.match(stripped)
                return FunctionAt(match.group(1), index) if match else None
            floor = indent
        index -= 1
    return None


def looks_like_code(text: str) -> bool:
    """True for commented-out code (`x = 1`, `print(x)`, `if ready:`), False for prose."""
    text = text.strip()
    if not text:
        return False
    source = text + "\n    pass" if text.endswith(":") else text
    tree = parse_or_none(source)
    if tree is None:
        return False
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        value = tree.body[0].value
        if isinstance(value, ast.UnaryOp):
            value = value.operand
        # A lone word or literal ("TODO", "fast") is prose, not code.
        return not isinstance(value, (ast.Name, ast.Constant))
    return True


def _line(lines: Sequence[str], index: int) -> str:
    """Line `index` as the user sees it: a byte-order mark opening the file is not part of it."""
    return without_bom(lines[index]) if index == 0 else lines[index]


def _is_prompt_line(lines: Sequence[str], index: int) -> bool:
    stripped = _line(lines, index).strip()
    if not stripped.startswith("#"):
        return False
    if index == 0 and stripped.startswith("#!"):
        return False
    if _DIRECTIVE.match(stripped):
        return False
    return not looks_like_code(_comment_text(stripped))


def _continues(lines: Sequence[str], index: int, indent: str) -> bool:
    return _indent(_line(lines, index)) == indent and _is_prompt_line(lines, index)


def _comment_text(comment: str) -> str:
    return comment.strip().lstrip("#").strip()


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t"))]


def _defines(line: str, name: str, pattern: re.Pattern[str]) -> bool:
    match = pattern.match(line)
    return match is not None and match.group(1) == name


def function_block(lines: Sequence[str], name: str) -> tuple[int, int] | None:
    """[start, end) lines of the top-level function `name`, decorators included, by indentation
    alone."""
    return _block(lines, name, _DEF)


def class_block(lines: Sequence[str], name: str) -> tuple[int, int] | None:
    """[start, end) lines of the top-level class `name`, decorators included, by indentation
    alone."""
    return _block(lines, name, _CLASS)


def _block(lines: Sequence[str], name: str, pattern: re.Pattern[str]) -> tuple[int, int] | None:
    index = next(
        (number for number, text in enumerate(lines) if _defines(text, name, pattern)), None
    )
    if index is None:
        return None
    start = index
    while start > 0 and lines[start - 1].startswith("@"):
        start -= 1
    end = index + 1
    last_code = index + 1
    while end < len(lines):
        text = lines[end]
        stripped = text.strip()
        if (
            stripped
            and not stripped.startswith("#")
            and not text[0].isspace()
            and stripped[0] not in ")]}"
        ):
            break
        end += 1
        if stripped and not stripped.startswith("#"):
            last_code = end
    return start, last_code
