"""Generated code placed into an existing module's text: its imports after the module's own, its
definitions where a comment holding the prompt stands, else at the end (before a main guard)."""

from __future__ import annotations

import ast
import re

from ..source import parse_or_none
from .statement_edits import StatementEdits

_GUARD = re.compile(r"^if[ \t]+__name__[ \t]*==[ \t]*['\"]__main__['\"]", re.MULTILINE)
_WORDS = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def prompt_comment(text: str, prompt: str) -> tuple[int, int] | None:
    """[first, end) 0-based lines of the top-level comment block whose words are the prompt's."""
    wanted = _words(prompt)
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        if not lines[number].startswith("#"):
            number += 1
            continue
        first = number
        while number < len(lines) and lines[number].startswith("#"):
            number += 1
        if wanted and _words(" ".join(lines[first:number])) == wanted:
            return first, number
    return None


def _split(code: str) -> tuple[list[str], str]:
    """The generated code's top-level imports, and the rest."""
    tree = parse_or_none(code)
    if tree is None:
        return [], code
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    edits = StatementEdits(code)
    for node in imports:
        edits.replace_statement(node, tree.body, [])
    return [ast.unparse(node) for node in imports], edits.apply().strip("\n")


def place_into(module: str, code: str, prompt: str) -> str:
    """`module` with `code` in it: definitions replacing the prompt comment, or at the end before
    an `if __name__ == "__main__":` guard; imports after the module's imports."""
    imports, body = _split(code)
    lines = module.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    block = ["\n\n", body + "\n", "\n\n"]
    found = prompt_comment(module, prompt)
    guard = _GUARD.search("".join(lines))
    if found is not None:
        first, end = found
        lines[first:end] = ["\n", body + "\n"]
    elif guard is not None:
        at = "".join(lines)[: guard.start()].count("\n")
        lines[at:at] = block
    else:
        lines += block[:2]
    text = re.sub(r"\n{4,}", "\n\n\n", "".join(lines).lstrip("\n"))
    tree = parse_or_none(text)
    if tree is None or not imports:
        return text
    edits = StatementEdits(text)
    for statement in imports:
        edits.insert_import(tree, statement)
    return edits.apply()
