"""Source clean-up steps for generated code: escapes, fences, autoflake, isort, autopep8."""

from __future__ import annotations

import re
import threading
import tokenize
from collections.abc import Callable
from functools import cache
from types import ModuleType

from ..source import AST_LOCK, parse_or_none

_FENCE = re.compile(r"^[ \t]*```[ \t]*([A-Za-z0-9_+-]*)[ \t]*$", re.MULTILINE)


def parses(code: str) -> bool:
    return parse_or_none(code) is not None


def replace_literal_newlines(code: str) -> str:
    """Undo double-escaped replies (`def f():\\n    return 1`) without touching `"\\n"` in real
    strings.

    Only a reply with no real line breaks, or one that parses only after the replacement, is
    changed.
    """
    if "\\n" not in code:
        return code
    unescaped = code.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\t", "    ")
    if "\n" not in code.strip() or (not parses(code) and parses(unescaped)):
        return unescaped
    return code


def strip_markdown_fences(code: str) -> str:
    """Keep the code inside the ``` fences that wrap a reply (prose around them goes); join the
    Python ones.

    A reply that already parses is returned as is, and a fence line inside a string of the fenced
    code (a docstring's fenced example) neither opens nor closes a block: code and strings are never
    touched.
    """
    if "```" not in code or parses(code):
        return code
    lines = code.splitlines(keepends=True)
    # Each fence line's index and match (its language), in line order.
    fences = {
        index: match
        for index, line in enumerate(lines)
        if (match := _FENCE.fullmatch(line.rstrip("\r\n")))
    }
    if not fences:
        return code
    blocks: list[str] = []
    position = 0
    while True:
        opening = next((index for index in fences if index >= position), None)
        if opening is None:
            break
        language = fences[opening].group(1).lower()
        python = language in ("", "python", "py", "python3")
        closing = next(
            (
                index
                for index in fences
                if index > opening
                and not (python and _ends_inside_string(lines[opening + 1 : index]))
            ),
            len(lines),
        )
        if python:
            blocks.append("".join(lines[opening + 1 : closing]).strip("\n"))
        position = closing + 1
    kept = [block for block in blocks if block.strip()]
    return "\n\n\n".join(kept) + "\n" if kept else code


def _ends_inside_string(lines: list[str]) -> bool:
    """Whether Python code cut off after `lines` would end inside an unterminated (triple-quoted)
    string."""
    readline = iter(lines).__next__
    try:
        for _ in tokenize.generate_tokens(readline):
            pass
    except StopIteration:
        return False
    except tokenize.TokenError as error:
        return "string" in str(error)
    except SyntaxError as error:  # 3.12+ tokenizes with the parser's tokenizer, which raises these
        return "string" in str(error.msg)
    return False


_IMPORT_LOCK = threading.Lock()


@cache
def _tool(name: str) -> ModuleType:
    """Import a formatter on first use, once: formatting runs in worker threads, and two threads
    racing through isort's first import can see a half-initialized module."""
    import importlib

    with _IMPORT_LOCK:
        return importlib.import_module(name)


def remove_unused(code: str) -> str:
    """autoflake: drop unused imports and unused local variables."""
    autoflake = _tool("autoflake")
    return autoflake.fix_code(code, remove_all_unused_imports=True, remove_unused_variables=True)


def sort_imports(code: str) -> str:
    return _tool("isort").code(code, profile="black", line_length=100)


def pep8(code: str) -> str:
    """autopep8 at aggressive level 1, lines up to 100 characters (the quality score's limit)."""
    return _tool("autopep8").fix_code(code, options={"aggressive": 1, "max_line_length": 100})


def tidy(code: str, steps: tuple[Callable[[str], str], ...] | None = None) -> str:
    """autoflake -> isort -> autopep8 (or the given steps, in order) on code that parses.

    A step whose output no longer parses is skipped: the tools have bugs (autopep8's E402 fix can
    move an import into a `try:` block), and honest code must never come out broken.
    """
    for step in steps or (remove_unused, sort_imports, pep8):
        with AST_LOCK:  # the tools build ASTs (pyflakes, pycodestyle): see source.AST_LOCK
            formatted = step(code)
        if parses(formatted):
            code = formatted
    return code


def normalize_text(code: str) -> str:
    """The two text repairs that must precede parsing: literal escapes, then fences."""
    return strip_markdown_fences(replace_literal_newlines(code.replace("\r\n", "\n")))
