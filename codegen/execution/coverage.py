"""Coverage per function: coverage.py's executable and missing lines intersected with each body."""

from __future__ import annotations

import ast
import bisect
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from .. import source, top_level
from .results import ChildRun, FunctionCoverage, RunSpec


@dataclass
class MeasuredCoverage:
    measured: bool = False
    percent: float | None = None
    functions: list[FunctionCoverage] = field(default_factory=list)
    problem: str | None = None
    statements: set[int] = field(default_factory=set)  # the module's executable lines
    missing: set[int] = field(default_factory=set)  # those of them no test ran


class ModuleLines:
    """The module's statements as coverage.py finds them in the text we hold (never in the run's
    copy, which the run could rewrite), and the lines a run executed mapped onto them."""

    def __init__(self, module_source: str, tree: ast.Module | None, offset: int = 0):
        """`module_source`: the module's lines from `offset` + 1 on (an excerpt of a long one)."""
        from coverage.config import DEFAULT_EXCLUDE
        from coverage.misc import join_regex
        from coverage.parser import PythonParser

        # The child measures with coverage.py's defaults (no configuration file): the same here.
        self._parser = PythonParser(text=module_source, exclude=join_regex(DEFAULT_EXCLUDE))
        self._parser.parse_source()
        self._offset = offset
        self.statements: set[int] = {line + offset for line in self._parser.statements}
        self._tree = tree

    def _translate(self, lines: Iterable[int]) -> set[int]:
        """coverage.py's translate_lines, in the module's line numbers."""
        offset = self._offset
        inside = {line - offset for line in lines if line > offset}
        return {line + offset for line in self._parser.translate_lines(inside)}

    def executed(self, lines: set[int]) -> set[int]:
        return self._translate(lines) & self.statements

    def bodies_run_without_their_def(self, lines: set[int]) -> list[str]:
        """Functions with a line that ran in their body although their ``def`` never ran.

        A body runs only after its ``def`` statement made the function, and coverage runs from
        before the module is imported: such lines were made up, not measured.
        """
        ran = self._translate(lines)
        # Definitions sit only in statement lists: source.definitions skips every expression,
        # where ast.walk took 0.8 s over a 20,000-line module
        tree = self._tree
        nodes = [] if tree is None else [node for node, _, _ in source.definitions(tree)]
        found = []
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [line.lineno for line in node.decorator_list])
                header = self._translate(range(first, node.body[0].lineno))
                body = self.executed(set(range(node.body[0].lineno, (node.end_lineno or 0) + 1)))
                if body & ran and not header & ran:
                    found.append(node.name)
        return found


@functools.lru_cache(maxsize=1)  # an AST is ~50 times its text: keep only the last run's
def module_tree(module_source: str) -> ast.Module | None:
    """The module's AST, or None when it does not parse: parsed once per run, however many checks
    and the editor's results read it (a 20,000-line module takes ~0.3 s to parse)."""
    return source.parse_or_none(module_source)


@functools.lru_cache(maxsize=1)
def analysed(module_source: str, measured: tuple[str, ...] = ()) -> ast.Module | None:
    """What a run's coverage reads of the module: the `measured` top-level functions alone, parsed
    one by one with the module's line numbers (a long module is never parsed whole), or, with none
    given or one not found that way, the whole module's tree. None: the module does not parse."""
    if measured:
        nodes = top_level.top_level_functions(module_source, measured)
        if nodes is not None:
            return ast.Module(body=list(nodes), type_ignores=[])
    return module_tree(module_source)


@functools.lru_cache(maxsize=1)  # the distrust check and the coverage read the same text
def _module_lines(module_source: str, measured: tuple[str, ...]) -> ModuleLines | str:
    try:
        text, offset = measured_text(module_source, measured)
        return ModuleLines(text, analysed(module_source, measured), offset)
    except Exception as error:  # coverage.py's NotPython, or a parse this Python cannot do
        return f"coverage.py could not read the module's statements here ({error})"


def forged_coverage(spec: RunSpec, run: ChildRun) -> str | None:
    """Why the lines the run reports cannot have been measured, if they cannot."""
    data = run.first("coverage")
    if data is None or analysed(spec.module_source, spec.measured) is None:
        return None
    lines = _module_lines(spec.module_source, spec.measured)
    if isinstance(lines, str):
        return None
    names = lines.bodies_run_without_their_def(_line_numbers(data.get("executed"), spec))
    if names:
        return f"it reported lines of {', '.join(names)} as run, but never ran its def"
    return None


def measured_coverage(spec: RunSpec, run: ChildRun) -> MeasuredCoverage:
    """What the first run measured, or why it did not."""
    if analysed(spec.module_source, spec.measured) is None:  # the import error says so already
        return MeasuredCoverage()
    data = run.first("coverage")
    if data is not None:
        lines = _module_lines(spec.module_source, spec.measured)
        if isinstance(lines, str):
            return MeasuredCoverage(problem=f"Coverage was not measured: {lines}.")
        statements = lines.statements
        missing = statements - lines.executed(_line_numbers(data.get("executed"), spec))
        covered = len(statements) - len(missing)
        percent = 100.0 if not statements else 100.0 * covered / len(statements)
        return MeasuredCoverage(
            True,
            percent,
            function_coverage(spec.module_source, statements, missing, spec.measured),
            None,
            statements,
            missing,
        )
    unavailable = next((e for e in run.events if e["event"] == "coverage_unavailable"), None)
    if unavailable is None:  # the run was interrupted, which is reported already
        return MeasuredCoverage(problem=None if not run.finished else "Coverage was not measured.")
    reason = str(unavailable.get("reason"))
    if "coverage" in reason and reason.startswith(("ModuleNotFoundError", "ImportError")):
        reason = f"coverage.py could not be imported by {spec.python} ({reason})"
    return MeasuredCoverage(problem=f"Coverage was not measured: {reason}.")


def _line_numbers(values: object, spec: RunSpec) -> set[int]:
    """The child's line numbers, checked: ints within the module, whatever it sent."""
    if not isinstance(values, list):
        return set()
    last = spec.module_source.count("\n") + 1
    return {value for value in values if type(value) is int and 1 <= value <= last}


def function_spans(
    module_source: str, measured: tuple[str, ...] = ()
) -> list[tuple[str, int, int, int | None]]:
    """Top-level functions and (nested) class methods (the `measured` functions, when given):
    (name, def line, end line, first body line).

    The first body line skips a docstring; it is None when the body is only a docstring.
    """
    tree = analysed(module_source, measured)
    if tree is None:
        return []
    spans: list[tuple[str, int, int, int | None]] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                statements = node.body
                if ast.get_docstring(node, clean=False) is not None:
                    statements = statements[1:]
                first = statements[0].lineno if statements else None
                end = node.end_lineno or node.lineno
                spans.append((prefix + node.name, node.lineno, end, first))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return spans


def function_coverage(
    module_source: str, statements: set[int], missing: set[int], measured: tuple[str, ...] = ()
) -> list[FunctionCoverage]:
    """Intersect coverage.py's executable and missing lines with each function's body (each
    `measured` one, when given)."""
    # Sorted once and cut by bisection: a set scan per function was quadratic in a long module
    # (5 s for 2,900 functions in 20,000 lines)
    ordered, ordered_missing = sorted(statements), sorted(missing)
    result = []
    # Methods (a prompt inside a class) are not found as top-level functions: then every function
    # of the module is reported, as without `measured`
    tree = analysed(module_source, measured)
    restricted = bool(measured) and tree is not None and len(tree.body) == len(set(measured))
    for name, start, end, first in function_spans(module_source, measured):
        if restricted and name not in measured:
            continue
        body = [] if first is None else _between(ordered, first, end)
        body_missing = [] if first is None else _between(ordered_missing, first, end)
        result.append(
            FunctionCoverage(
                name=name,
                start_line=start,
                end_line=end,
                covered_lines=len(body) - len(body_missing),
                total_lines=len(body),
                missing_lines=body_missing,
            )
        )
    return result


def measured_text(module_source: str, measured: tuple[str, ...]) -> tuple[str, int]:
    """What coverage.py finds statements in, and the lines before it: the module's lines from the
    first `measured` top-level function to the end of the last, any other lines between them
    commented out. Its parser tokenizes and compiles what it is given, seconds for a long module of
    which only the generated functions are wanted. The whole module (offset 0) when `measured` is
    empty or names something that is not a top-level function."""
    tree = analysed(module_source, measured)
    if not measured or tree is None:
        return module_source, 0
    spans = {
        node.name: (min([node.lineno] + [d.lineno for d in node.decorator_list]), node.end_lineno)
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    if not set(measured) <= set(spans):
        return module_source, 0
    lines = source.LINE_BREAK.split(module_source)
    low = min(first for first, _ in spans.values())
    high = max(last or first for first, last in spans.values())
    # "#", not "": coverage.py's exclusion regex backtracks quadratically over runs of blank lines
    kept = ["#"] * (high - low + 1)
    for first, last in spans.values():
        kept[first - low : (last or first) - low + 1] = lines[first - 1 : last or first]
    return "\n".join(kept), low - 1


def _between(ordered: list[int], first: int, last: int) -> list[int]:
    """The numbers of a sorted list from `first` to `last`, both included."""
    return ordered[bisect.bisect_left(ordered, first) : bisect.bisect_right(ordered, last)]
