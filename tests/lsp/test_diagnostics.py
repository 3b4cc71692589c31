"""textDocument/publishDiagnostics: findings with codes on open and change, versioned, debounced;
test results."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from tests.helpers.lsp_editor import DATA, shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()


def by_code(diagnostics):
    found: dict[str, list[types.Diagnostic]] = {}
    for diagnostic in diagnostics:
        found.setdefault(diagnostic.code, []).append(diagnostic)
    return found


async def test_findings_on_open_and_change(editor):
    uri = editor.place("prompt_module.py")
    published = await editor.diagnostics(uri)
    assert published.version == 1
    assert all(d.source == "codegen" for d in published.diagnostics)
    codes = by_code(published.diagnostics)
    [docstring] = codes["missing-docstring"]
    assert (
        docstring.range.start.line == 7
        and docstring.severity == types.DiagnosticSeverity.Information
    )
    assert "existing" in docstring.message
    assert codes["missing-type-hints"][0].range.start.line == 7
    assert codes["seed-scores"][0].severity == types.DiagnosticSeverity.Hint

    editor.change(
        uri,
        editor.text(uri).replace(
            "def existing(values):", 'def existing(values: list) -> int:\n    """Sum."""'
        ),
    )
    published = await editor.diagnostics(uri, version=2)
    assert "missing-docstring" not in by_code(published.diagnostics)
    assert "missing-type-hints" not in by_code(published.diagnostics)


async def test_syntax_error_and_long_line(editor):
    uri = editor.open("broken.py", "def f(:\n    pass\n")
    codes = by_code((await editor.diagnostics(uri)).diagnostics)
    assert codes["syntax-error"][0].range.start.line == 0
    editor.change(uri, "X = '" + "x" * 120 + "'\n")
    codes = by_code((await editor.diagnostics(uri, version=2)).diagnostics)
    assert codes["line-too-long"][0].range.start.character == 100


async def test_untested_function_uses_the_test_file(editor):
    uri = editor.place("prompt_module.py")
    assert "untested-function" not in by_code(
        (await editor.diagnostics(uri)).diagnostics
    )  # no test file yet
    test_uri = editor.open(
        editor.test_file(uri).name,
        "import unittest\n\n\nclass TestNothing(unittest.TestCase):\n"
        "    def test_nothing(self):\n        self.assertTrue(True)\n",
    )
    published = await editor.diagnostics(uri)
    [untested] = by_code(published.diagnostics)["untested-function"]
    assert untested.range.start.line == 7
    assert test_uri


async def test_run_tests_reports_failures_and_uncovered_lines(editor):
    uri = editor.place("buggy.py")
    module = Path(uri).stem
    editor.test_file(uri).write_text(
        (DATA / "test_buggy.py").read_text().replace("from buggy ", f"from {module} ")
    )
    await editor.diagnostics(uri)
    outcome = await editor.command("codegen.runTests", uri)
    assert outcome["ran"] and outcome["failed"] == 1 and outcome["passed"] == 1, outcome
    codes = by_code(editor.client.diagnostics[uri])  # published before the command answered
    [failure] = codes["possible-bug"]  # an assertion failed: the code, not the test, may be wrong
    assert failure.severity == types.DiagnosticSeverity.Warning and failure.range.start.line == 0
    assert "test_add" in failure.message
    uncovered = codes["uncovered-lines"]
    assert {d.range.start.line for d in uncovered} == {8, 10}
    assert all(d.severity == types.DiagnosticSeverity.Hint for d in uncovered)
    assert editor.refreshes >= 1
    # Editing one function drops only that function's results.
    editor.change(uri, editor.text(uri).replace("return first - second", "return first + second"))
    codes = by_code((await editor.diagnostics(uri, version=2)).diagnostics)
    assert "possible-bug" not in codes and "uncovered-lines" in codes
