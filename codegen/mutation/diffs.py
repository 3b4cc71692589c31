"""How a mutant reads to people: a diff `patch -p1` applies, and the change in one phrase."""

from __future__ import annotations

import difflib
import re

CONTEXT = 3  # difflib's default: lines of context around each change
_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def mutant_diff(
    original: list[str], mutated_function: list[str], start: int, end: int, file_name: str
) -> str:
    """A unified diff of the module with ``--- a/<file name>`` / ``+++ b/<file name>`` headers,
    where lines ``start``..``end`` (1-based) of ``original`` (the module's lines, with their ends)
    became ``mutated_function``: the lines around the function only are compared, so a diff costs
    what the function does, whatever the module's length."""
    first = max(start - 1 - CONTEXT, 0)
    after = original[end : end + CONTEXT]
    lines = difflib.unified_diff(
        original[first : end + CONTEXT],
        original[first : start - 1] + mutated_function + after,
        fromfile=f"a/{file_name}",
        tofile=f"b/{file_name}",
        n=CONTEXT,
    )
    # A last line without a newline needs patch's marker, or the hunk does not apply.
    return "".join(
        _shifted(line, first)
        if line.startswith("@@")
        else line
        if line.endswith("\n")
        else line + "\n\\ No newline at end of file\n"
        for line in lines
    )


def _shifted(header: str, offset: int) -> str:
    """A hunk header of the window's diff, its line numbers moved to the module's."""
    match = _HUNK.match(header)
    if match is None or not offset:
        return header
    old, old_count, new, new_count = match.groups()
    return (
        f"@@ -{int(old) + offset}{old_count or ''} +{int(new) + offset}{new_count or ''} @@"
        + header[match.end() :]
    )


_OPERATOR_CHARACTERS = frozenset("<>=!+-*/%&|^~@")


def _in_token(character: str) -> bool:
    return character.isalnum() or character in "_." or character in _OPERATOR_CHARACTERS


def _changed_part(before: str, after: str) -> tuple[str, str]:
    """The differing middle of two lines: common prefix and suffix cut at word boundaries."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    while start > 0 and _in_token(before[start - 1]):
        start -= 1  # widen to whole tokens: `<` → `<=`, not `` → `=`
    while end > 0 and _in_token(before[len(before) - end]):
        end -= 1
    return before[start : len(before) - end].strip(), after[start : len(after) - end].strip()


def describe_change(original: str, mutated: str) -> str:
    """The change as a person says it: "`<` → `<=`", from the first line that differs."""
    before_lines, after_lines = original.splitlines(), mutated.splitlines()
    for before, after in zip(before_lines, after_lines, strict=False):
        if before != after:
            old, new = _changed_part(before, after)
            return f"`{old}` → `{new}`" if old else f"`{new}` added"
    return "a line removed" if len(before_lines) > len(after_lines) else "a line added"
