"""codegen.generateTests, codegen.runTests and codegen.showTrace from the command palette."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types

from tests.helpers.lsp_editor import shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor(options={"runTestsAfterGeneration": False})


async def test_generate_tests_for_a_named_function(editor):
    uri = editor.place("two_functions.py")
    outcome = await editor.command("codegen.generateTests", uri, "double")
    assert outcome["applied"], outcome
    prompt = json.dumps(editor.model.requests[0]["messages"])
    assert "def double" in prompt and "def moving_average" not in prompt
    assert editor.test_file(uri).is_file()


async def test_generate_tests_at_a_position(editor):
    uri = editor.place("two_functions.py")
    outcome = await editor.command("codegen.generateTests", uri, {"line": 7, "character": 4})
    assert outcome["applied"], outcome
    prompt = json.dumps(editor.model.requests[0]["messages"])
    assert "def moving_average" in prompt and "def double" not in prompt


async def test_generate_tests_for_every_untested_function(editor):
    uri = editor.place("two_functions.py")
    module = Path(uri).stem
    editor.test_file(uri).write_text(
        f"import unittest\n\nfrom {module} import double\n\n\n"
        "class TestDouble(unittest.TestCase):\n"
        "    def test_double(self):\n        self.assertEqual(double(2), 4)\n"
    )
    outcome = await editor.command("codegen.generateTests", uri)
    assert outcome["applied"], outcome
    prompt = json.dumps(editor.model.requests[0]["messages"])
    assert "def moving_average" in prompt and "def double" not in prompt
    tests = editor.test_file(uri).read_text()
    assert "class TestDouble" in tests and "class TestMovingAverage" in tests
    assert f"from {module} import double, moving_average" in tests
    # Now every function has tests: nothing to do, and the model is not asked.
    outcome = await editor.command("codegen.generateTests", uri)
    assert not outcome["applied"] and "already has tests" in outcome["message"]
    assert len(editor.model.requests) == 1


async def test_run_tests_without_a_test_file(editor):
    uri = editor.place("two_functions.py")
    outcome = await editor.command("codegen.runTests", uri)
    assert not outcome["ran"] and "generate tests first" in outcome["message"]


async def test_show_trace(editor):
    uri = editor.place("prompt_module.py")
    actions = await editor.code_actions(uri, 3)
    assert (await editor.run(actions[0]))["applied"]
    trace = await editor.command("codegen.showTrace")
    assert trace["mode"] == "off" and trace["message"]
    assert editor.messages(types.MessageType.Info)[-1] == trace["message"]
