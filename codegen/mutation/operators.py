"""One function's mutants as texts of that function alone, made with cosmic-ray's operators."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any

# Operators left out: ExceptionReplacer writes a name only cosmic-ray defines (the sandbox never
# imports cosmic-ray), RemoveDecorator changes lines outside a function's def, and the variable
# operators need arguments chosen per project.
_LEFT_OUT = {"core/ExceptionReplacer", "core/RemoveDecorator"}
# Over this many lines, a function's mutation points are looked for on a sample of its lines
# (evenly spread): asking all ~200 operators about every node of 2,000 lines takes seconds.
LINES_SEARCHED = 200


@dataclass(frozen=True)
class MutantSource:
    """A mutated function: the operator, the first changed line (in the module), and the function's
    new text in `FunctionText`'s form (it compiles on its own)."""

    operator: str
    line: int
    function: str


@dataclass(frozen=True)
class FunctionText:
    """A function's lines as a text that compiles on its own (an indented method under `if 1:`),
    and where they stand in the module."""

    text: str
    prefix_lines: int  # lines of `text` before the function's first line
    start: int  # the function's first line in the module (1-based)

    def module_line(self, line: int) -> int:
        """A line of `text` as a line of the module."""
        return line - self.prefix_lines + self.start - 1


def function_text(module_lines: list[str], start: int, end: int) -> FunctionText:
    """Lines ``start``..``end`` of the module (1-based, inclusive, with line ends) as a text that
    parses alone."""
    function_lines = module_lines[start - 1 : end]
    if function_lines and not function_lines[-1].endswith(("\n", "\r")):
        function_lines[-1] += "\n"
    # An indented method parses on its own under an `if 1:`.
    indented = bool(function_lines) and function_lines[0][:1] in (" ", "\t")
    prefix = "if 1:\n" if indented else ""
    return FunctionText(prefix + "".join(function_lines), int(indented), start)


@dataclass(frozen=True)
class _Point:
    operator: str
    node: int  # the node's place in the walk of the function's tree
    index: int  # which of the operator's mutations of that node
    line: int  # in the parsed text


@functools.cache
def _operators() -> dict[str, Any]:
    from cosmic_ray.plugins import get_operator, operator_names

    chosen = {}
    for name in operator_names():
        operator_class = get_operator(name)
        if name not in _LEFT_OUT and not operator_class.arguments():
            chosen[name] = operator_class()
    return chosen


def _spread(items: list, cap: int) -> list:
    """At most ``cap`` of ``items``, taken evenly from the whole list (the whole function)."""
    if len(items) <= cap:
        return items
    step = len(items) / cap
    return [items[int(index * step)] for index in range(cap)]


def _points(nodes: list, first_line: int) -> tuple[list[_Point], int]:
    """Every mutation the operators offer on ``nodes`` from ``first_line`` on (or on a sample of
    their lines), and the number there are in all (estimated from the sample if one was taken)."""
    lines = sorted({node.start_pos[0] for node in nodes if node.start_pos[0] >= first_line})
    searched = set(_spread(lines, LINES_SEARCHED))
    found = []
    for place, node in enumerate(nodes):
        if node.start_pos[0] not in searched:
            continue
        for name, operator in _operators().items():
            for index, ((line, _), _) in enumerate(operator.mutation_positions(node)):
                found.append(_Point(name, place, index, line))
    found.sort(key=lambda point: point.line)
    return found, round(len(found) * len(lines) / max(1, len(searched)))


def _offset(line_starts: list[int], position: tuple[int, int]) -> int:
    return line_starts[position[0] - 1] + position[1]


def _mutated_text(text: str, line_starts: list[int], nodes: list, point: _Point) -> str:
    """``text`` with one node replaced by the operator's mutation of a copy of it (the parsed
    tree stays as it was, for the next mutant)."""
    node = nodes[point.node]
    parent = node.parent
    twin = copy.deepcopy(node, {id(parent): parent})  # the node alone, not the tree above it
    mutated = _operators()[point.operator].mutate(twin, point.index)
    code = "" if mutated is None else mutated.get_code()
    start = _offset(line_starts, node.get_start_pos_of_prefix())
    return text[:start] + code + text[_offset(line_starts, node.end_pos) :]


def function_mutants(original: FunctionText, cap: int) -> tuple[list[MutantSource], int]:
    """The mutants of the ``original`` function, at most ``cap`` of them, and how many there were
    before the cap."""
    from cosmic_ray.ast import ast_nodes, get_ast

    text = original.text
    line_starts = [0]
    for line in text.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    nodes = list(ast_nodes(get_ast(text)))
    points, offered = _points(nodes, 1 + original.prefix_lines)
    mutants = []
    for point in _spread(points, cap):
        mutated = _mutated_text(text, line_starts, nodes, point)
        if mutated != text:
            first_changed = original.module_line(point.line)
            mutants.append(MutantSource(point.operator, first_changed, mutated))
    return mutants, offered
