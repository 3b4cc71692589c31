"""Text changes that put a generated function and runner into an existing module; the merging of
imports and test files they build on is codegen's (codegen.shaping.merging)."""

from __future__ import annotations

import ast
import re

from codegen.shaping.merging import newline_of, statement_lines
from codegen.shaping.methods import indent_block
from codegen.source import parse_or_none

from ..text import split_lines
from .prompts import Prompt

_RUNNER = re.compile(
    r"^(?:(?:async[ \t]+)?def[ \t]+main[ \t]*\(|if[ \t]+__name__[ \t]*==[ \t]*['\"]__main__['\"]"
    r"|if[ \t]+['\"]__main__['\"][ \t]*==[ \t]*__name__)",
    re.MULTILINE,
)


def has_runner(text: str) -> bool:
    """True when the module already has a top-level `main()` or an `if __name__ == "__main__":`
    guard."""
    return _RUNNER.search(text) is not None


def split_imports(code: str) -> tuple[list[str], str]:
    """The top-level import statements of generated code, and the code without them."""
    tree = parse_or_none(code)
    if tree is None:
        return [], code
    lines = split_lines(code)
    imports: list[str] = []
    dropped: set[int] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            start, end = statement_lines(node)
            imports.append("".join(lines[start:end]).strip() + "\n")
            dropped.update(range(start, end))
    body = "".join(line for i, line in enumerate(lines) if i not in dropped)
    return imports, body.strip("\n") + "\n"


def place_function(text: str, prompt: Prompt, code: str, *, keep_prompt: bool) -> str:
    """Replace the prompt comment (or, with keep_prompt, follow it) with `code`, at its
    indentation."""
    lines = split_lines(text)
    newline = newline_of(lines)
    before = lines[: prompt.start_line]
    after = lines[prompt.end_line + 1 :]
    if before and not before[-1].endswith(("\n", "\r")):
        before[-1] += newline
    block = indent_block(code, prompt.indent).splitlines()
    wanted_blank_lines = 1 if prompt.indent else 2
    kept = [
        line.rstrip("\r\n") + newline for line in lines[prompt.start_line : prompt.end_line + 1]
    ]
    new = (kept if keep_prompt else []) + [line + newline for line in block]
    if not keep_prompt and before and any(line.strip() for line in before):
        new[:0] = [newline] * max(0, wanted_blank_lines - _blank_run(reversed(before)))
    if after and any(line.strip() for line in after):
        new += [newline] * max(0, wanted_blank_lines - _blank_run(after))
    return "".join(before + new + after)


def _blank_run(lines) -> int:
    count = 0
    for line in lines:
        if line.strip():
            break
        count += 1
    return count


def append_runner(text: str, runner: str) -> str:
    """The module with `runner` (a `main()` and its guard) at the end, two blank lines before it."""
    newline = newline_of(split_lines(text))
    body = text.rstrip()
    runner_lines = runner.strip("\n").splitlines()
    return (body + newline * 3 if body else "") + newline.join(runner_lines) + newline
