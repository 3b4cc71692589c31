"""Converters from scores and test-run results to inlay hints on `def` lines and on line 1."""

from __future__ import annotations

from lsprotocol import types

from .analysis import DocumentAnalysis
from .diagnostics import Units, score_text
from .run_results import ModuleResults, function_text


def lsp_inlay_hints(
    analysis: DocumentAnalysis,
    results: ModuleResults | None,
    first_line: int,
    last_line: int,
    units: Units,
) -> list[types.InlayHint]:
    """`quality 0.8 · tests 3/3 · 92% covered` after each function's def line, the module's overall
    score on line 1."""
    hints = []
    if analysis.scores is not None and first_line <= 0 <= last_line and analysis.lines:
        scores = analysis.scores
        label = (
            f"overall {score_text(scores.overall_score)} · quality"
            f" {score_text(scores.code_quality_score)} · test coverage"
            f" {score_text(scores.test_coverage_score)}"
        )
        hints.append(_hint(analysis, 0, label, units))
    untested = analysis.untested_between(first_line, last_line)
    for info in analysis.functions_between(first_line, last_line):
        def_line = info.start_line - 1
        function_quality = analysis.function_quality(def_line)
        if info.name not in function_quality or not first_line <= def_line <= last_line:
            continue
        parts = [f"quality {score_text(function_quality[info.name])}"]
        entry = results.functions.get(info.name) if results is not None else None
        if (
            entry is not None
            and function_text(analysis.lines, info.start_line, info.end_line) == entry.source
        ):
            if entry.tests_run:
                parts.append(f"tests {entry.tests_passed}/{entry.tests_run}")
            if entry.coverage_percent is not None:
                parts.append(f"{entry.coverage_percent:.0f}% covered")
        elif info.name in untested:
            parts.append("untested")
        hints.append(_hint(analysis, def_line, " · ".join(parts), units))
    return hints


def _hint(analysis: DocumentAnalysis, line: int, label: str, units: Units) -> types.InlayHint:
    text = analysis.lines[line].rstrip("\r\n")
    return types.InlayHint(
        position=types.Position(line=line, character=units(text)),
        label=label,
        padding_left=True,
    )
