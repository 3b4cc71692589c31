"""Static analysis of one document version, from its per-statement parts: functions, findings, seed
scores."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cached_property

from codegen.scoring import quality
from codegen.scoring.quality_incremental import IncrementalModule, ModuleAnalysis

from .text import split_lines


@dataclass(frozen=True)
class DocumentAnalysis:
    """What the quality scorers say about one version of a module (and its test file, if any)."""

    version: int | None
    lines: tuple[str, ...]
    module: ModuleAnalysis
    tests: str | None = None
    scored: bool = True

    @property
    def has_tests(self) -> bool:
        return self.tests is not None

    def functions_named(self, names: Collection[str]) -> Iterator[quality.FunctionInfo]:
        """The functions called one of `names`, with absolute lines: only those are placed (a
        200,000-line module has 28,000 functions; placing them all held the loop for 0.2 s)."""
        wanted = set(names)
        module = self.module
        for offset, statement in zip(module.starts, module.statements, strict=True):
            for function in statement.functions():
                if function.info.name in wanted:
                    yield function.info.shifted(offset)

    @cached_property
    def scores(self) -> quality.SeedScores | None:
        if not self.scored or not any(
            statement.functions() for statement in self.module.statements
        ):
            return None
        return self.module.seed_scores(self.tests or "")

    def part_findings(self) -> Iterator[tuple[int, tuple[quality.Finding, ...]]]:
        """(0-based line offset, findings relative to it) per top-level statement, in order."""
        return self.module.part_findings(self.tests)

    @property
    def shown_findings(self) -> int:
        """How many findings are outside test functions (those are the ones diagnostics show)."""
        return self.module.shown_count(self.tests)

    @property
    def findings(self) -> Iterator[quality.Finding]:
        return self.module.findings(self.tests)

    def functions_between(self, first_line: int, last_line: int) -> Iterator[quality.FunctionInfo]:
        """Functions whose statement overlaps 0-based lines [first_line, last_line], with absolute
        lines."""
        for offset, statement in self.module.parts_between(first_line, last_line):
            for function in statement.functions():
                yield function.info.shifted(offset)

    def untested_between(self, first_line: int, last_line: int) -> set[str]:
        """Names of the functions no test references, among the statements overlapping those
        lines."""
        referenced = quality._referenced_names(self.tests)
        return {
            finding.function
            for _, statement in self.module.parts_between(first_line, last_line)
            for finding in statement.findings(referenced)
            if finding.code == "untested-function" and finding.function is not None
        }

    def function_quality(self, line: int) -> dict[str, float]:
        """The quality score of each top-level function of the statement holding 0-based `line`."""
        part = self.module.part_at(line)
        if part is None or not self.scored:
            return {}
        return part[1].function_quality()

    def function_source(self, info: quality.FunctionInfo) -> str:
        return "".join(self.lines[info.start_line - 1 : info.end_line])

    def top_level_function(self, line: int) -> quality.FunctionInfo | None:
        """The top-level function whose def line or body holds 0-based `line`."""
        for info in self.functions_between(line, line):
            if "." not in info.name and info.start_line - 1 <= line <= info.end_line - 1:
                return info
        return None


def analyze(
    text: str, version: int | None, tests: str | None, *, scored: bool = True
) -> DocumentAnalysis:
    """Score and lint `text` at once; `tests` is the module's test file, when there is one; test
    files get no scores."""
    lines = split_lines(text)
    return DocumentAnalysis(
        version, tuple(lines), IncrementalModule(lines).analyze(tests), tests, scored
    )
