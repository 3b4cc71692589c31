"""Seed scores and findings kept per top-level statement, so an edit re-parses only the statements
it touched.

The seed's quality score is a clamped sum of integer-counted credits (0.2 per documented or
annotated scope, 0.1 per name, minus 0.2 for a long line), so each statement keeps its counts and
the module's score is `quality.seed_quality_sum` of their totals: the same float, bit for bit, as
scoring the whole text.
"""

from __future__ import annotations

import ast
import bisect
import itertools
import operator
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import cast

from .. import source
from . import quality
from .statement_analysis import Statement, is_test_scope
from .statements import StatementIndex

_OK, _SCORED, _NAMES, _HAS_CR, _LONG_LINE, _FUNCTIONS = map(
    operator.attrgetter,
    ("ok", "scored_scopes", "rewarded_names", "has_cr", "long_line", "seed_function_count"),
)
# What IncrementalModule keeps running totals of, in this order: scored scopes, rewarded names, seed
# functions, statements that fail to parse alone, statements holding a "\r", statements holding a
# long line.
_TOTALS = (_SCORED, _NAMES, _FUNCTIONS, lambda statement: not statement.ok, _HAS_CR, _LONG_LINE)


def _value(total, statement: Statement) -> int:
    return int(total(statement))


def _shifted(finding: quality.Finding, offset: int) -> quality.Finding:
    if not offset:
        return finding
    return quality.Finding(
        finding.code,
        finding.message,
        finding.function,
        finding.start_line + offset,
        finding.end_line + offset,
        finding.start_col,
        finding.end_col,
    )


@dataclass(frozen=True)
class ModuleAnalysis:
    """The whole module's scores and findings, assembled from its `statements` (`starts`: the
    0-based first line of each). Two flat tuples, not one of pairs: building 14,000 pairs after each
    edit of a 200,000-line file took 3-15 ms, mostly in the garbage collector."""

    syntax_error: quality.Finding | None
    quality_score: float
    seed_function_count: int
    starts: tuple[int, ...]
    statements: tuple[Statement, ...]
    shown: tuple[frozenset[str] | None, int] | None = (
        None  # (referenced names, findings outside test functions)
    )

    def seed_scores(self, tests: str) -> quality.SeedScores:
        coverage = (
            0.0
            if self.syntax_error
            else quality.coverage_from_function_count(self.seed_function_count, tests)
        )
        return quality.SeedScores(self.quality_score, coverage, (self.quality_score + coverage) / 2)

    def part_findings(self, tests: str | None) -> Iterator[tuple[int, tuple[quality.Finding, ...]]]:
        """(line offset, findings with lines relative to the part) per part, in order."""
        if self.syntax_error is not None:
            yield 0, (self.syntax_error,)
            return
        referenced = quality._referenced_names(tests)
        for offset, statement in zip(self.starts, self.statements, strict=True):
            yield offset, statement.findings(referenced)

    def shown_count(self, tests: str | None) -> int:
        """How many findings `tests` leaves outside test functions (known at once for the tests
        analysed with)."""
        referenced = quality._referenced_names(tests)
        if self.shown is not None and self.shown[0] == referenced:
            return self.shown[1]
        return sum(1 for finding in self.findings(tests) if not is_test_scope(finding.function))

    def findings(self, tests: str | None = None) -> Iterator[quality.Finding]:
        """The same findings as `quality.findings(text, tests)`, in the same order."""
        for offset, findings in self.part_findings(tests):
            for finding in findings:
                yield _shifted(finding, offset)

    def functions(self) -> Iterator[quality.FunctionInfo]:
        """The same functions as `quality.functions(text)`."""
        for offset, statement in zip(self.starts, self.statements, strict=True):
            for function in statement.functions():
                yield function.info.shifted(offset)

    def part_at(self, line: int) -> tuple[int, Statement] | None:
        """The part holding 0-based `line`."""
        index = bisect.bisect_right(self.starts, line) - 1
        return (self.starts[index], self.statements[index]) if index >= 0 else None

    def parts_between(self, first_line: int, last_line: int) -> Iterator[tuple[int, Statement]]:
        """The parts overlapping 0-based lines [first_line, last_line]."""
        first = max(0, bisect.bisect_right(self.starts, first_line) - 1)
        for index in range(first, len(self.starts)):
            if self.starts[index] > last_line:
                return
            yield self.starts[index], self.statements[index]


class _Slices:
    """The deadline of the current slice of work; none when the work runs all at once."""

    def __init__(self, seconds: float | None, interrupted: Callable[[], bool] | None = None):
        self.seconds = seconds
        self.interrupted = interrupted if seconds else None
        self.deadline: float | None = None
        self.restart()

    def restart(self) -> None:
        self.deadline = time.perf_counter() + self.seconds if self.seconds else None

    def tired(self) -> bool:
        if self.interrupted is not None and self.interrupted():
            return True
        return self.deadline is not None and time.perf_counter() > self.deadline

    def pause(self) -> Iterator[None]:
        """Yield once when the slice is over, then start the next one."""
        if self.tired():
            yield
            self.restart()


class IncrementalModule:
    """A module's analysis kept current over a live list of lines (with their endings) that edits
    replace in place."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.index: StatementIndex[Statement] = StatementIndex(lines)
        self.index.on_drop = self._dropped
        self._cache: dict[str, Statement] = {}
        # Running totals over the index's payload, kept by the delta of the statements that enter
        # and leave it: an edit then costs the statements it touched, not a walk over all of them.
        self._totals = [0] * len(_TOTALS)
        # (referenced names, findings outside test functions)
        self._shown: tuple[frozenset[str] | None, int] | None = None

    def _count(self, statement: Statement, sign: int) -> None:
        totals = self._totals
        for position, value in enumerate(map(_value, _TOTALS, itertools.repeat(statement))):
            totals[position] += sign * value
        if self._shown is not None:
            referenced, count = self._shown
            self._shown = referenced, count + sign * statement.shown_count(referenced)

    def _dropped(self, entries: list[Statement | None]) -> None:
        for statement in entries:
            if statement is not None:
                self._count(statement, -1)

    def replace(self, first: int, old_end: int, new_count: int) -> None:
        """Lines [first, old_end) of `lines` were replaced by `new_count` lines."""
        self.index.replace(first, old_end, new_count)

    def analyze(self, tests: str | None = None) -> ModuleAnalysis:
        """The analysis of the current lines, all at once."""
        steps = self.steps(None, tests)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    def steps(
        self,
        slice_seconds: float | None = 0.003,
        tests: str | None = None,
        interrupted: Callable[[], bool] | None = None,
    ) -> Generator[None, None, ModuleAnalysis]:
        """The analysis in slices: yields whenever `slice_seconds` of work is done, or earlier when
        `interrupted()` says something else should run; returns the analysis, which knows at once
        how many findings `tests` leaves outside test functions.

        Work done is kept, so a caller can drop the generator when the lines change and start a new
        one.
        """
        clock = _Slices(slice_seconds, interrupted)
        while not self.index.resync(clock.tired):
            yield
            clock.restart()
        yield from self._analyze_changed(clock)
        starts, statements = tuple(self.index.starts), self._statements()
        if len(self._cache) > 2 * len(statements) + 64:
            self._cache = {statement.text: statement for statement in statements}
        yield from clock.pause()
        scored, names, functions, failed, with_cr, with_long_line = self._totals
        if failed:
            first_error = next(
                number for number, statement in enumerate(statements) if not statement.ok
            )
            return self._with_error(list(starts), list(statements), max(0, first_error - 1))
        referenced = quality._referenced_names(tests)
        # First analysis, or the tests changed
        if self._shown is None or self._shown[0] != referenced:
            yield from self._count_shown(statements, referenced, clock)
        return self._assembled(
            starts,
            statements,
            scored,
            names,
            functions,
            with_cr > 0,
            with_long_line > 0,
            self._shown,
        )

    def _analyze_changed(self, clock: _Slices) -> Iterator[None]:
        """Give every statement whose text changed its analysis (from the cache when the same text
        was seen before), yielding between slices."""
        lines, payload, starts = self.lines, self.index.payload, self.index.starts
        number = -1
        while True:
            try:
                # A C-speed search: most statements are known
                number = payload.index(None, number + 1)
            except ValueError:
                return
            end = starts[number + 1] if number + 1 < len(starts) else len(lines)
            text = "".join(lines[starts[number] : end])
            statement = self._cache.get(text)
            if statement is None:
                statement = self._cache[text] = Statement(text)
            payload[number] = statement
            self._count(statement, 1)
            yield from clock.pause()

    def _statements(self) -> tuple[Statement, ...]:
        """Every statement's analysis; call after `_analyze_changed`, which leaves no payload entry
        None."""
        return cast("tuple[Statement, ...]", tuple(self.index.payload))

    def _count_shown(
        self, statements: tuple[Statement, ...], referenced: frozenset[str] | None, clock: _Slices
    ) -> Iterator[None]:
        """Count afresh the findings outside test functions, for the tests' `referenced` names."""
        count = 0
        for statement in statements:
            count += statement.shown_count(referenced)
            yield from clock.pause()
        self._shown = referenced, count

    def _with_error(
        self, starts: list[int], statements: list[Statement], index: int
    ) -> ModuleAnalysis:
        """A statement failed alone: the text from the one before it to the end decides, as one
        unit.

        The statements before it are complete and parse, so the module parses exactly when that rest
        does (and the parser's message, which may name later lines, is the whole file's).
        """
        start = starts[index]
        rest = "".join(self.lines[start:])
        # So the parser's line numbers, also inside its messages, are the file's
        padded = "\n" * start + rest
        tree = source.parse(padded)
        if isinstance(tree, ast.Module):
            return self._combined(starts[: index + 1], statements[:index] + [Statement(rest)])
        lines = source.LINE_BREAK.split(padded)
        error = quality._syntax_error_finding(tree, padded, lines)
        return ModuleAnalysis(error, 0.0, 0, (), ())

    def _combined(self, starts: list[int], statements: list[Statement]) -> ModuleAnalysis:
        return self._assembled(
            tuple(starts),
            tuple(statements),
            sum(map(_SCORED, statements)),
            sum(map(_NAMES, statements)),
            sum(map(_FUNCTIONS, statements)),
            any(map(_HAS_CR, statements)),
            any(map(_LONG_LINE, statements)),
        )

    def _assembled(
        self,
        starts: tuple[int, ...],
        statements: tuple[Statement, ...],
        scored: int,
        names: int,
        functions: int,
        with_cr: bool,
        long_line: bool,
        shown: tuple[frozenset[str] | None, int] | None = None,
    ) -> ModuleAnalysis:
        """The module's analysis from its statements' totals."""
        module_docstring = next((s.module_docstring for s in statements if s.has_body), False)
        if with_cr:
            # The seed splits on "\n" only: a line may run across a lone "\r" and into the next
            # statement.
            long_line = quality.has_seed_long_line("".join(self.lines))
        score = quality.seed_quality_sum(
            module_docstring + scored, itertools.repeat(None, names), long_line
        )
        return ModuleAnalysis(None, score, functions, starts, statements, shown)
