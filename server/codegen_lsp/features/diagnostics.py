"""Converters from quality findings and test-run results to LSP diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsprotocol import types

from codegen.scoring.statement_analysis import is_test_scope

from ..analysis import DocumentAnalysis
from ..constants import DIAGNOSTIC_SOURCE
from ..run_results import FunctionResults, ModuleResults, function_text

Units = Callable[[str], int]  # length of a string in the client's position units
Diagnostic = dict[str, Any]  # an LSP Diagnostic as JSON
MUTANT_SURVIVED = "mutant-survived"  # a change to the function the tests do not notice


def lsp_diagnostics(
    analysis: DocumentAnalysis, results: ModuleResults | None, units: Units, limit: int = 500
) -> list[Diagnostic]:
    """Test results, the seed scores as a Hint, then findings as Information: at most `limit`
    findings, and one more diagnostic saying how many were left out. Plain JSON-ready dicts:
    converting hundreds of lsprotocol objects costs more than finding them."""
    diagnostics = lsp_test_diagnostics(analysis, results, units) if results is not None else []
    if analysis.scores is not None:
        scores = analysis.scores
        message = (
            f"Seed scores: quality {score_text(scores.code_quality_score)} · test coverage"
            f" {score_text(scores.test_coverage_score)} · overall"
            f" {score_text(scores.overall_score)}"
        )
        seed = _diagnostic(
            analysis, 0, 0, 0, 0, message, "seed-scores", types.DiagnosticSeverity.Hint, units
        )
        seed["data"] = {"scores": scores.as_dict()}  # what clients read; the message is for people
        diagnostics.append(seed)
    room = limit
    for offset, findings in analysis.part_findings():
        if not room:
            break  # the rest is only counted, and the analysis knows that count already
        relative = _relative_diagnostics(analysis, offset, findings, units)[:room]
        room -= len(relative)
        for start_line, start_character, end_line, end_character, message, code in relative:
            diagnostics.append(
                {
                    "range": {
                        "start": {"line": start_line + offset, "character": start_character},
                        "end": {"line": end_line + offset, "character": end_character},
                    },
                    "message": message,
                    "severity": _INFORMATION,
                    "code": code,
                    "source": DIAGNOSTIC_SOURCE,
                }
            )
    left_out = analysis.shown_findings - (limit - room)
    if left_out:
        message = (
            f"{left_out:,} more findings are not shown: at most {limit:,} per file "
            "(raise the codegen.maxDiagnostics setting to see more)"
        )
        diagnostics.append(
            _diagnostic(
                analysis,
                0,
                0,
                0,
                0,
                message,
                "more-findings",
                types.DiagnosticSeverity.Information,
                units,
            )
        )
    return diagnostics


_INFORMATION = types.DiagnosticSeverity.Information.value
# Each statement's findings converted once (lines relative to the statement), keyed by the identity
# of its findings tuple, which stays the same object as long as the statement and the test file do
# not change.
_converted: dict[int, tuple[tuple, list[tuple[int, int, int, int, str, str]]]] = {}


def _relative_diagnostics(analysis: DocumentAnalysis, offset: int, findings: tuple, units: Units):
    known = _converted.get(id(findings))
    if known is not None and known[0] is findings:
        return known[1]
    converted = []
    for finding in findings:
        if is_test_scope(finding.function):
            continue
        start_line, end_line = finding.start_line - 1 + offset, finding.end_line - 1 + offset
        start, end = (
            _line(analysis, start_line)[: finding.start_col],
            _line(analysis, end_line)[: finding.end_col],
        )
        converted.append(
            (
                start_line - offset,
                len(start) if start.isascii() else units(start),
                end_line - offset,
                len(end) if end.isascii() else units(end),
                finding.message,
                finding.code,
            )
        )
    if len(_converted) > 50_000:
        _converted.clear()
    _converted[id(findings)] = (findings, converted)
    return converted


def lsp_test_diagnostics(
    analysis: DocumentAnalysis, results: ModuleResults, units: Units
) -> list[Diagnostic]:
    """Failing tests as Warnings on their function, uncovered lines as Hints."""
    diagnostics = []
    if results.problem:
        diagnostics.append(
            _diagnostic(
                analysis,
                0,
                0,
                0,
                0,
                f"Test run: {results.problem}",
                "test-run-problem",
                types.DiagnosticSeverity.Warning,
                units,
            )
        )
    for info in analysis.functions_named(results.functions):
        entry = results.functions.get(info.name)
        if (
            entry is None
            or function_text(analysis.lines, info.start_line, info.end_line) != entry.source
        ):
            continue  # the function changed since the run: its results no longer describe it
        def_line = info.start_line - 1
        for failure in entry.failures:
            code = "possible-bug" if failure.possible_bug else f"test-{failure.outcome}"
            hint = " — the function may have a bug" if failure.possible_bug else ""
            message = f"{failure.test_id} {failure.outcome}: {failure.message}{hint}"
            diagnostics.append(
                _diagnostic(
                    analysis,
                    def_line,
                    0,
                    def_line,
                    info.def_line_end_col,
                    message,
                    code,
                    types.DiagnosticSeverity.Warning,
                    units,
                )
            )
        diagnostics += _survivor_diagnostics(analysis, entry, def_line, units)
        for first, last in _runs(sorted(entry.missing_offsets)):
            start, end = def_line + first, def_line + last
            if end >= len(analysis.lines):
                continue
            message = (
                "Not covered by the tests"
                if first == last
                else f"Lines {start + 1}-{end + 1} are not covered by the tests"
            )
            diagnostics.append(
                _diagnostic(
                    analysis,
                    start,
                    0,
                    end,
                    len(_line(analysis, end)),
                    message,
                    "uncovered-lines",
                    types.DiagnosticSeverity.Hint,
                    units,
                )
            )
    return diagnostics


def _survivor_diagnostics(
    analysis: DocumentAnalysis, entry: FunctionResults, def_line: int, units: Units
) -> list[Diagnostic]:
    """Each mutant the tests let through, as Information on its line; `data` names it for the
    code action that asks for a test catching it."""
    found = []
    for mutant in entry.survivors:
        line = def_line + mutant.offset
        if not 0 <= line < len(analysis.lines):
            continue
        text = _line(analysis, line)
        diagnostic = _diagnostic(
            analysis,
            line,
            len(text) - len(text.lstrip()),
            line,
            len(text),
            f"{mutant.description} here goes unnoticed by the tests",
            MUTANT_SURVIVED,
            types.DiagnosticSeverity.Information,
            units,
        )
        diagnostic["data"] = {
            "mutantId": mutant.id,
            "function": entry.name,
            "description": mutant.description,
        }
        found.append(diagnostic)
    return found


def score_text(value: float) -> str:
    """0.8, 0.53, 1 — two decimals at most, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def _diagnostic(
    analysis: DocumentAnalysis,
    start_line: int,
    start_col: int,
    end_line: int,
    end_col: int,
    message: str,
    code: str,
    severity: types.DiagnosticSeverity,
    units: Units,
) -> Diagnostic:
    start_text, end_text = (
        _line(analysis, start_line)[:start_col],
        _line(analysis, end_line)[:end_col],
    )
    return {
        "range": {
            "start": {
                "line": start_line,
                "character": len(start_text) if start_text.isascii() else units(start_text),
            },
            "end": {
                "line": end_line,
                "character": len(end_text) if end_text.isascii() else units(end_text),
            },
        },
        "message": message,
        "severity": severity.value,
        "code": code,
        "source": DIAGNOSTIC_SOURCE,
    }


def _line(analysis: DocumentAnalysis, index: int) -> str:
    if 0 <= index < len(analysis.lines):
        return analysis.lines[index].rstrip("\r\n")
    return ""


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs
