"""codegen.generateTests, codegen.runTests and codegen.showTrace from the command palette."""

from __future__ import annotations

import json

from lsprotocol import types

from .conftest import copy_data


async def test_generate_tests_for_a_named_function(start_editor, workspace, model):
    copy_data("two_functions.py", workspace)
    editor = await start_editor(model=model, options={"runTestsAfterGeneration": False})
    uri = editor.open("two_functions.py")
    outcome = await editor.command("codegen.generateTests", uri, "double")
    assert outcome["applied"], outcome
    prompt = json.dumps(model.requests[0]["messages"])
    assert "def double" in prompt and "def moving_average" not in prompt
    assert (workspace / "test_two_functions.py").is_file()


async def test_generate_tests_at_a_position(start_editor, workspace, model):
    copy_data("two_functions.py", workspace)
    editor = await start_editor(model=model, options={"runTestsAfterGeneration": False})
    uri = editor.open("two_functions.py")
    outcome = await editor.command("codegen.generateTests", uri, {"line": 7, "character": 4})
    assert outcome["applied"], outcome
    prompt = json.dumps(model.requests[0]["messages"])
    assert "def moving_average" in prompt and "def double" not in prompt


async def test_generate_tests_for_every_untested_function(start_editor, workspace, model):
    copy_data("two_functions.py", workspace)
    (workspace / "test_two_functions.py").write_text(
        "import unittest\n\nfrom two_functions import double\n\n\nclass TestDouble(unittest.TestCase):\n"
        "    def test_double(self):\n        self.assertEqual(double(2), 4)\n"
    )
    editor = await start_editor(model=model, options={"runTestsAfterGeneration": False})
    uri = editor.open("two_functions.py")
    outcome = await editor.command("codegen.generateTests", uri)
    assert outcome["applied"], outcome
    prompt = json.dumps(model.requests[0]["messages"])
    assert "def moving_average" in prompt and "def double" not in prompt
    tests = (workspace / "test_two_functions.py").read_text()
    assert "class TestDouble" in tests and "class TestMovingAverage" in tests
    assert "from two_functions import double, moving_average" in tests
    # Now every function has tests: nothing to do, and the model is not asked.
    outcome = await editor.command("codegen.generateTests", uri)
    assert not outcome["applied"] and "already has tests" in outcome["message"]
    assert len(model.requests) == 1


async def test_run_tests_without_a_test_file(start_editor, workspace):
    copy_data("two_functions.py", workspace)
    editor = await start_editor()
    uri = editor.open("two_functions.py")
    outcome = await editor.command("codegen.runTests", uri)
    assert not outcome["ran"] and "generate tests first" in outcome["message"]


async def test_show_trace(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model, options={"runTestsAfterGeneration": False})
    first = await editor.command("codegen.showTrace")
    assert "No generation has run yet" in first["message"]
    uri = editor.open("prompt_module.py")
    actions = await editor.code_actions(uri, 3)
    assert (await editor.run(actions[0]))["applied"]
    trace = await editor.command("codegen.showTrace")
    assert trace["mode"] == "off" and trace["message"]
    assert editor.messages(types.MessageType.Info)[-1] == trace["message"]
