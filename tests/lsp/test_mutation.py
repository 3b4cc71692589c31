"""Mutation testing after a generation, in the editor: `mutants N/M` on the def line, each
surviving mutant an Information diagnostic, the function's score in the Test Explorer data."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tests.loopback_model import Reply

from .conftest import action, shared_editor
from .test_generate import EVERYTHING
from .test_inlay_hints import hints

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()

# Calls the function and checks nothing: most mutants go unnoticed.
WEAK_TESTS = """import unittest

from your_module import moving_average


class TestMovingAverage(unittest.TestCase):
    def test_runs(self):
        moving_average([1.0, 2.0, 3.0, 4.0], 2)
"""


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
