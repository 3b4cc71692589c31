"""Mutation testing after a generation, in the editor: `mutants N/M` on the def line, each
surviving mutant an Information diagnostic, the function's score in the Test Explorer data."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tests.helpers.lsp_editor import EVERYTHING, action, shared_editor
from tests.loopback_model import Reply

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()

# Calls the function and checks nothing: most mutants go unnoticed.
WEAK_TESTS = """import unittest

from your_module import moving_average


class TestMovingAverage(unittest.TestCase):
    def test_runs(self):
        moving_average([1.0, 2.0, 3.0, 4.0], 2)
"""


async def hints(editor, uri):
    return await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=0, character=0),
                end=types.Position(line=1000, character=0),
            ),
        )
    )


def value(item, key):
    return item[key] if isinstance(item, dict) else getattr(item, key)


async def test_generation_shows_the_mutation_score_and_each_survivor(editor):
    uri = editor.place("prompt_module.py")
    editor.model.enqueue(Reply.code("UnitTest", WEAK_TESTS))
    waiting = asyncio.ensure_future(editor.client.wait_for_notification("codegen/testResults"))
    outcome = await editor.run(action(await editor.code_actions(uri, 4), EVERYTHING))
    assert outcome["applied"], outcome
    text = editor.text(uri).splitlines()
    def_line = next(i for i, line in enumerate(text) if line.startswith("def moving_average"))
    labels = {hint.position.line: hint.label for hint in await hints(editor, uri)}
    assert "tests 1/1" in labels[def_line] and " · mutants " in labels[def_line]
    caught, counted = labels[def_line].rpartition("mutants ")[2].split("/")
    assert 0 < int(counted) and int(caught) < int(counted)

    # Published before the generation is reported finished
    [*_, last] = [params for params in editor.publications if params.uri == uri]
    published = last.diagnostics
    survivors = [d for d in published if d.code == "mutant-survived"]
    assert len(survivors) == int(counted) - int(caught)
    first = survivors[0]
    assert first.severity == types.DiagnosticSeverity.Information
    assert first.message.endswith(" here goes unnoticed by the tests") and "→" in first.message
    assert value(first.data, "function") == "moving_average"
    assert isinstance(value(first.data, "mutantId"), int)
    assert def_line < first.range.start.line < len(text)

    payload = await asyncio.wait_for(waiting, 30)
    score = value(value(payload, "mutation"), "moving_average")
    assert value(score, "survived") == len(survivors)
    assert value(score, "killed") + value(score, "timeout") == int(caught)


# The steer round's reply: one test that catches `/` → `*` in the first average, one that fails
# on the function as it is.
CATCHING_TESTS = """import unittest

from your_module import moving_average


class TestMovingAverageValues(unittest.TestCase):
    def test_window_of_two_averages_neighbours(self):
        self.assertEqual(moving_average([1.0, 2.0, 3.0, 4.0], 2), [1.5, 2.5, 3.5])

    def test_wrong_expectation(self):
        self.assertEqual(moving_average([1.0, 2.0], 1), [9.9])
"""


def survivor_diagnostics(editor, uri):
    [*_, last] = [params for params in editor.publications if params.uri == uri]
    return [d for d in last.diagnostics if d.code == "mutant-survived"]


async def test_a_test_that_catches_a_surviving_mutant_is_appended_to_the_test_file(editor):
    uri = editor.place("prompt_module.py")
    editor.model.enqueue(Reply.code("UnitTest", WEAK_TESTS))
    outcome = await editor.run(action(await editor.code_actions(uri, 4), EVERYTHING))
    assert outcome["applied"], outcome
    lines = editor.text(uri).splitlines()
    first_average = next(i for i, line in enumerate(lines) if "[total / window]" in line)
    [target] = [
        d
        for d in survivor_diagnostics(editor, uri)
        if d.range.start.line == first_average and d.message.startswith("`/` → `*`")
    ]
    # Asked as VS Code's lightbulb and Ctrl+. ask: quick fixes (they never list source actions)
    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=target.range,
            context=types.CodeActionContext(
                diagnostics=[target], only=[types.CodeActionKind.QuickFix]
            ),
        )
    )
    catch = action(actions, "Generate a test that catches this")
    assert list(catch.diagnostics) == [target] and catch.kind == types.CodeActionKind.QuickFix
    before = editor.test_file(uri).read_text()
    edits = len(editor.applied_edits)
    editor.model.enqueue(Reply.code("UnitTest", CATCHING_TESTS))

    outcome = await editor.run(catch)

    assert outcome["applied"], outcome
    prompt = editor.model.requests[-1]["messages"][-1]["content"]
    assert "go unnoticed" in prompt and "total * window" in prompt  # that mutant's diff alone
    assert prompt.count("--- a/") == 1
    tests = editor.test_file(uri).read_text()
    assert tests.startswith(before.rstrip())  # appended after what was there
    assert "class TestMovingAverage(unittest.TestCase):" in tests  # kept, not overwritten
    assert "def test_window_of_two_averages_neighbours(self):" in tests
    assert "test_wrong_expectation" not in tests and "9.9" not in tests  # dropped
    assert len(editor.applied_edits) == edits + 1
    left = survivor_diagnostics(editor, uri)
    assert not [
        d for d in left if d.range.start.line == first_average and d.message == target.message
    ]
    def_line = next(i for i, line in enumerate(lines) if line.startswith("def moving_average"))
    labels = {hint.position.line: hint.label for hint in await hints(editor, uri)}
    assert "tests 2/2" in labels[def_line]
    caught, counted = labels[def_line].rpartition("mutants ")[2].split("/")
    assert int(counted) - int(caught) == len(left)


async def test_a_run_of_the_whole_test_file_reports_the_mutation_score_too(editor):
    # The Test Explorer's runs and the palette's Run Tests: with `mutation` at its default the
    # score stays on the def line and reaches the explorer, as after a generation.
    uri = editor.place("prompt_module.py")
    editor.model.enqueue(Reply.code("UnitTest", WEAK_TESTS))
    outcome = await editor.run(action(await editor.code_actions(uri, 4), EVERYTHING))
    assert outcome["applied"], outcome
    def_line = next(
        i for i, line in enumerate(editor.text(uri).splitlines()) if line.startswith("def ")
    )
    generated = {hint.position.line: hint.label for hint in await hints(editor, uri)}[def_line]
    waiting = asyncio.ensure_future(editor.client.wait_for_notification("codegen/testResults"))

    outcome = await editor.command("codegen.runTests", uri)

    assert outcome["ran"], outcome
    labels = {hint.position.line: hint.label for hint in await hints(editor, uri)}
    assert labels[def_line] == generated and " · mutants " in labels[def_line]
    caught, counted = labels[def_line].rpartition("mutants ")[2].split("/")
    payload = await asyncio.wait_for(waiting, 30)
    score = value(value(payload, "mutation"), "moving_average")
    assert value(score, "killed") + value(score, "timeout") == int(caught)
    assert len(survivor_diagnostics(editor, uri)) == int(counted) - int(caught)
    # Coverage is the whole module's, as a run without mutants reports it: main() too, untested
    lines = editor.text(uri).splitlines()
    main_body = next(i for i, line in enumerate(lines) if line.startswith("def main")) + 2
    assert main_body in value(value(payload, "coverage"), "missing"), lines[main_body]
