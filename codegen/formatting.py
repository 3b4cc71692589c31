"""Source clean-up steps for generated code: escapes, fences, autoflake, isort, autopep8."""

from __future__ import annotations

import re
import threading
from functools import cache
from types import ModuleType

from .quality import parse_or_none

_FENCE = re.compile(r"^[ \t]*```[ \t]*([A-Za-z0-9_+-]*)[ \t]*$", re.MULTILINE)


def parses(code: str) -> bool:
    return parse_or_none(code) is not None


def replace_literal_newlines(code: str) -> str:
    """Undo double-escaped replies (`def f():\\n    return 1`) without touching `"\\n"` in real strings.

    Only a reply with no real line breaks, or one that parses only after the replacement, is changed.
    """
    if "\\n" not in code:
        return code
    unescaped = code.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\t", "    ")
    if "\n" not in code.strip() or (not parses(code) and parses(unescaped)):
        return unescaped
    return code


def strip_markdown_fences(code: str) -> str:
    """Keep the code inside ``` fences; with several fenced blocks, join the Python ones."""
    fences = list(_FENCE.finditer(code))
    if not fences:
        return code
    blocks: list[str] = []
    for opening, closing in zip(fences[0::2], fences[1::2]):
        if opening.group(1).lower() in ("", "python", "py", "python3"):
            blocks.append(code[opening.end() : closing.start()].strip("\n"))
    if len(fences) % 2:  # an unclosed fence: take everything after it
        blocks.append(code[fences[-1].end() :].strip("\n"))
    return "\n\n\n".join(block for block in blocks if block.strip()) + "\n" if blocks else code


_IMPORT_LOCK = threading.Lock()


@cache
def _tool(name: str) -> ModuleType:
    """Import a formatter on first use, once: formatting runs in worker threads, and two threads racing
    through isort's first import can see a half-initialized module."""
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


def normalize_text(code: str) -> str:
    """The two text repairs that must precede parsing: literal escapes, then fences."""
    return strip_markdown_fences(replace_literal_newlines(code.replace("\r\n", "\n")))
