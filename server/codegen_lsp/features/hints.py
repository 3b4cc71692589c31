"""Converters from scores and test-run results to inlay hints on `def` lines and on line 1."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from ..analysis import DocumentAnalysis
from ..run_results import ModuleResults, function_text
from .diagnostics import Units, score_text


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
    module = module_hint(analysis, analysis.lines, first_line, last_line, units)
    if module is not None:
        hints.append(module)
    return hints + function_hints(analysis, results, first_line, last_line, units)


def module_hint(
    analysis: DocumentAnalysis, lines: Sequence[str], first_line: int, last_line: int, units: Units
) -> types.InlayHint | None:
    """The module's overall score at the end of line 1 of `lines`, when that line is in range."""
    if analysis.scores is None or not first_line <= 0 <= last_line or not lines:
        return None
    scores = analysis.scores
    label = (
        f"overall {score_text(scores.overall_score)} · quality"
        f" {score_text(scores.code_quality_score)} · test coverage"
        f" {score_text(scores.test_coverage_score)}"
    )
    return _hint(lines, 0, label, units)


def function_hints(
    analysis: DocumentAnalysis,
    results: ModuleResults | None,
    first_line: int,
    last_line: int,
    units: Units,
) -> list[types.InlayHint]:
    """Each function's quality, test results and coverage, after its def line."""
    hints = []
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
            if entry.mutants_caught is not None:
                parts.append(f"mutants {entry.mutants_caught}/{entry.mutants_counted}")
        elif info.name in untested:
            parts.append("untested")
        hints.append(_hint(analysis.lines, def_line, " · ".join(parts), units))
    return hints


def carried_hints(
    hints: list[types.InlayHint], old: Sequence[str], new: Sequence[str]
) -> list[types.InlayHint]:
    """The function hints of the `old` lines that still stand on an unchanged line of the `new`
    ones: where that line is (the same index, else the same distance from the end, which an edit
    above it keeps) and is still the same text. Two line comparisons per hint, not a diff of the
    whole file."""
    delta = len(new) - len(old)
    carried = []
    for hint in hints:
        line = hint.position.line
        if line >= len(old):
            continue
        for moved in (line, line + delta):
            if 0 <= moved < len(new) and new[moved] == old[line]:
                if moved != line:
                    hint.position = types.Position(line=moved, character=hint.position.character)
                carried.append(hint)
                break
    return carried


def _hint(lines: Sequence[str], line: int, label: str, units: Units) -> types.InlayHint:
    text = lines[line].rstrip("\r\n")
    return types.InlayHint(
        position=types.Position(line=line, character=units(text)),
        label=label,
        padding_left=True,
    )
