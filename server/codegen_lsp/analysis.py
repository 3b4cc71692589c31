"""Static analysis of one document version: functions, findings and seed scores, for diagnostics and hints."""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen import quality

from .merging import split_lines


@dataclass(frozen=True)
class DocumentAnalysis:
    """What the quality scorers say about one version of a module (and its test file, if any)."""

    version: int | None
    lines: tuple[str, ...]
    functions: tuple[quality.FunctionInfo, ...]
    findings: tuple[quality.Finding, ...]
    scores: quality.SeedScores | None
    function_quality: dict[str, float] = field(default_factory=dict)
    has_tests: bool = False

    def function_source(self, info: quality.FunctionInfo) -> str:
        return "".join(self.lines[info.start_line - 1 : info.end_line])

    def top_level_function(self, line: int) -> quality.FunctionInfo | None:
        """The top-level function whose def line or body holds 0-based `line`."""
        for info in self.functions:
            if "." not in info.name and info.start_line - 1 <= line <= info.end_line - 1:
                return info
        return None


def analyze(text: str, version: int | None, tests: str | None, *, scored: bool = True) -> DocumentAnalysis:
    """Score and lint `text`; `tests` is the module's test file, when there is one; test files get no scores."""
    functions = tuple(quality.functions(text))
    lines = tuple(split_lines(text))
    analysis = DocumentAnalysis(
        version=version,
        lines=lines,
        functions=functions,
        findings=tuple(quality.findings(text, tests)),
        scores=quality.seed_scores(text, tests or "") if functions and scored else None,
        has_tests=tests is not None,
    )
    for info in functions if scored else ():
        if "." not in info.name and not info.is_test:
            analysis.function_quality[info.name] = quality.code_quality_score(analysis.function_source(info))
    return analysis
