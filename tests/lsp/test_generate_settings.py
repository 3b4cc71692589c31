"""codegen.generate under settings that need their own server: test placement, the prompt, the model
request."""

from __future__ import annotations

from tests.helpers.lsp_editor import action, copy_data
from tests.loopback_model import PROFILES, Reply, request_shape

EVERYTHING = "Generate function, runner and tests"


async def test_tests_folder_placement(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace, "src_module.py")
    (workspace / "tests").mkdir()
    editor = await start_editor(model=model)
    uri = editor.open("src_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    assert outcome["applied"], outcome
    assert (workspace / "tests" / "test_src_module.py").is_file()
    assert not (workspace / "test_src_module.py").exists()
    assert (
        "from src_module import moving_average"
        in (workspace / "tests" / "test_src_module.py").read_text()
    )


async def test_beside_setting_overrides_tests_folder(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    (workspace / "tests").mkdir()
    editor = await start_editor(
        model=model, options={"testLocation": "beside", "runTestsAfterGeneration": False}
    )
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    assert outcome["applied"], outcome
    assert (workspace / "test_prompt_module.py").is_file()


async def test_keep_prompt_comment(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model, options={"keepPromptComment": True})
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), "Generate function"))
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert (
        "# compute the moving average of a time series\n# with a window of n points\n"
        "def moving_average" in text
    )


async def test_structured_output_and_max_tokens_settings_reach_the_endpoint(
    start_editor, workspace, model
):
    model.profile = PROFILES["rejects-both"]  # an endpoint that takes no response_format at all
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(
        model=model,
        options={"structuredOutput": "text", "maxTokens": 321, "runTestsAfterGeneration": False},
    )
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    assert outcome["applied"], outcome
    assert [request_shape(r) for r in model.requests] == [
        "text"
    ] * 3  # no probing: the setting decides
    assert {r["max_tokens"] for r in model.requests} == {321}
    assert "def moving_average" in editor.text(uri)


WRONG_EXPECTATION = """import unittest

from your_module import moving_average


class TestMovingAverage(unittest.TestCase):
    def test_window_of_two_averages_neighbours(self):
        self.assertEqual(moving_average([1.0, 2.0, 3.0, 4.0], 2), [1.5, 2.5, 9.9])
"""


async def test_failing_generated_tests_get_the_pipelines_repair_round(
    start_editor, workspace, model
):
    copy_data("prompt_module.py", workspace)
    model.enqueue(Reply.code("UnitTest", WRONG_EXPECTATION))  # then the default (correct) tests
    editor = await start_editor(
        model=model, env={"CODEGEN_REPAIR_ROUNDS": "1"}
    )  # the other tests use 0
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    assert outcome["applied"], outcome
    assert model.kinds().count("UnitTest") == 2  # generation + one repair, as in the CLI
    assert "9.9" in model.requests[-1]["messages"][-1]["content"]  # the model saw the failure
    tests = editor.test_file(uri).read_text()
    assert "9.9" not in tests and "from prompt_module import moving_average" in tests
    assert "3/3 tests passed" in outcome["message"]
