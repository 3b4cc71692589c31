"""codegen.generate end to end: prompt -> function, runner and tests applied through workspace/applyEdit."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from .conftest import copy_data

EVERYTHING = "Generate function, runner and tests"


def action(actions, title):
    return next(a for a in actions if a.title == title)


async def test_generate_function_replaces_prompt_and_merges_imports(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model)
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), "Generate function"))
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert "# compute the moving average" not in text
    assert "def moving_average(series: List[float], window: int) -> List[float]:" in text
    # Imports merged into the module's block: sorted, each once, nothing unused added twice.
    header = text.split("\n\n")[0]
    assert header.splitlines()[1:] == ["import os", "from typing import List"]
    assert text.count("import os") == 1 and text.count("from typing import List") == 1
    assert "def existing(values):" in text  # the rest of the file is untouched
    assert "if __name__" not in text  # "Generate function" adds no runner
    assert model.kinds() == ["GeneratedCode"]
    assert len(editor.applied_edits) == 1
    edit = editor.applied_edits[0]
    assert edit.document_changes[0].text_document.version == 1


async def test_generate_everything_creates_test_file_and_runs_it(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model)
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 4), EVERYTHING))
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert "def moving_average" in text and text.count("def main()") == 1
    assert text.rstrip().endswith("main()")
    test_file = workspace / "test_prompt_module.py"
    tests = test_file.read_text()
    assert "from prompt_module import moving_average" in tests
    assert "your_module" not in tests
    operations = editor.applied_edits[0].document_changes
    assert any(isinstance(op, types.CreateFile) and op.uri.endswith("test_prompt_module.py") for op in operations)
    assert "3/3 tests passed" in outcome["message"]
    assert sorted(model.kinds()) == ["GeneratedCode", "ProgramRunner", "UnitTest"]


async def test_existing_main_is_left_alone(start_editor, workspace, model):
    copy_data("with_main.py", workspace)
    editor = await start_editor(model=model)
    uri = editor.open("with_main.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 2), EVERYTHING))
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert text.count("def main()") == 1 and 'print("already here")' in text
    assert "already has a main()" in outcome["message"]
    assert "ProgramRunner" not in model.kinds()
    # "Generate runner" on a module with a guard does not even ask the model.
    runner = action(await editor.code_actions(uri, text.splitlines().index("def moving_average(series: List[float], window: int) -> List[float]:")), "Generate runner (main)")
    outcome = await editor.run(runner)
    assert not outcome["applied"] and "already has a main()" in outcome["message"]
    assert "ProgramRunner" not in model.kinds()


async def test_existing_test_file_is_kept_and_extended(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    copy_data("test_existing.py", workspace, "test_prompt_module.py")
    before = (workspace / "test_prompt_module.py").read_text()
    editor = await start_editor(model=model)
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    assert outcome["applied"], outcome
    tests = (workspace / "test_prompt_module.py").read_text()
    assert "class TestExisting(unittest.TestCase):" in tests and "def test_sums_values(self):" in tests
    assert "class TestMovingAverage(unittest.TestCase):" in tests
    assert tests.count("import unittest") == 1
    assert "from prompt_module import existing, moving_average" in tests
    assert tests.index("class TestMovingAverage") < tests.index('if __name__ == "__main__":')
    assert tests.count('if __name__ == "__main__":') == 1
    assert not any(isinstance(op, types.CreateFile) for op in editor.applied_edits[0].document_changes)
    assert before.splitlines()[5:8] == tests.splitlines()[5:8]


async def test_tests_folder_placement(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace, "src_module.py")
    (workspace / "tests").mkdir()
    editor = await start_editor(model=model)
    uri = editor.open("src_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    assert outcome["applied"], outcome
    assert (workspace / "tests" / "test_src_module.py").is_file()
    assert not (workspace / "test_src_module.py").exists()
    assert "from src_module import moving_average" in (workspace / "tests" / "test_src_module.py").read_text()


async def test_beside_setting_overrides_tests_folder(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    (workspace / "tests").mkdir()
    editor = await start_editor(model=model, options={"testLocation": "beside"})
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    assert outcome["applied"], outcome
    assert (workspace / "test_prompt_module.py").is_file()


async def test_generate_tests_for_a_function(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model)
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 8), "Generate tests"))
    assert outcome["applied"], outcome
    assert model.kinds() == ["UnitTest"]
    assert "def existing(values):" in model.requests[0]["messages"][-1]["content"]
    assert (workspace / "test_prompt_module.py").is_file()
    assert editor.text(uri) == (workspace / "prompt_module.py").read_text()  # the module is unchanged


async def test_keep_prompt_comment(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model, options={"keepPromptComment": True})
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), "Generate function"))
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert "# compute the moving average of a time series\n# with a window of n points\ndef moving_average" in text
