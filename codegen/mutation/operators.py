"""One function's mutants as whole-module source texts, made with cosmic-ray's operators."""

from __future__ import annotations

import functools
from dataclasses import dataclass

# Operators left out: ExceptionReplacer writes a name only cosmic-ray defines (the sandbox never
# imports cosmic-ray), RemoveDecorator changes lines outside a function's def, and the variable
# operators need arguments chosen per project.
_LEFT_OUT = {"core/ExceptionReplacer", "core/RemoveDecorator"}


@dataclass(frozen=True)
class MutantSource:
    """A mutated module: the operator, the first changed line, and the new text of the module."""

    operator: str
    line: int
    source: str


@functools.cache
def _operators() -> tuple[tuple[str, object], ...]:
    from cosmic_ray.plugins import get_operator, operator_names

    chosen = []
    for name in operator_names():
        operator_class = get_operator(name)
        if name not in _LEFT_OUT and not operator_class.arguments():
            chosen.append((name, operator_class()))
    return tuple(chosen)


def _wrapped(function_lines: list[str]) -> str:
    """The function's text, parsable on its own: an indented method sits under an ``if 1:``."""
    text = "".join(function_lines)
    return "if 1:\n" + text if text[:1] in (" ", "\t") else text


def _positions(text: str) -> list[tuple[str, int, int]]:
    """(operator name, occurrence, line in ``text``) for every mutation the operators offer."""
    from cosmic_ray.ast import ast_nodes, get_ast

    tree = get_ast(text)
    found = []
    for name, operator in _operators():
        occurrence = 0
        for node in ast_nodes(tree):
            for (line, _), _ in operator.mutation_positions(node):  # type: ignore[attr-defined]
                found.append((name, occurrence, line))
                occurrence += 1
    return found


def _spread(items: list, cap: int) -> list:
    """At most ``cap`` of ``items``, taken evenly from the whole list (the whole function)."""
    if len(items) <= cap:
        return items
    step = len(items) / cap
    return [items[int(index * step)] for index in range(cap)]


def function_mutants(
    module_source: str, start: int, end: int, cap: int
) -> tuple[list[MutantSource], int]:
    """The mutants of the function on lines ``start``..``end`` (1-based, inclusive), at most
    ``cap`` of them, and how many there were before the cap."""
    from cosmic_ray.mutating import mutate_code

    lines = module_source.splitlines(keepends=True)
    function_lines = lines[start - 1 : end]
    if function_lines and not function_lines[-1].endswith(("\n", "\r")):
        function_lines[-1] += "\n"
    text = _wrapped(function_lines)
    offset = start - 1 - (text.count("\n") - len(function_lines))  # the `if 1:` line, if added
    positions = sorted(_positions(text), key=lambda found: found[2])
    mutants = []
    for name, occurrence, line in _spread(positions, cap):
        mutated = mutate_code(text, dict(_operators())[name], occurrence)
        if mutated is None or mutated == text:
            continue
        body = mutated.splitlines(keepends=True)[len(text.splitlines()) - len(function_lines) :]
        source = "".join(lines[: start - 1] + body + lines[end:])
        if source != module_source:
            mutants.append(MutantSource(name, line + offset, source))
    return mutants, len(positions)
