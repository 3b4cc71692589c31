"""codegen.generate end to end: prompt -> function, runner and tests applied through
workspace/applyEdit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lsprotocol import types

from tests.helpers.lsp_editor import DATA, action, shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()

EVERYTHING = "Generate function, runner and tests"


async def test_generate_function_replaces_prompt_and_merges_imports(editor):
    uri = editor.place("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), "Generate function"))
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert "# compute the moving average" not in text
    assert "def moving_average(series: List[float], window: int) -> List[float]:" in text
    # The function's imports went into the module's block: sorted, each once (autoflake dropped
    # `math`).
    header = text.split("\n\n")[0]
    assert header.splitlines()[1:] == ["import os", "from typing import List"]
    assert text.count("import os") == 1 and text.count("from typing import List") == 1
    assert "def existing(values):" in text  # the rest of the file is untouched
    assert "if __name__" not in text  # "Generate function" adds no runner
    assert editor.model.kinds() == ["GeneratedCode"]
    assert len(editor.applied_edits) == 1
    assert editor.applied_edits[0].document_changes[0].text_document.version == 1


async def test_generate_everything_creates_test_file_and_runs_it(editor):
    uri = editor.place("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 4), EVERYTHING))
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert "def moving_average" in text and text.count("def main()") == 1
    assert text.rstrip().endswith("main()")
    tests = editor.test_file(uri).read_text()
    module = Path(uri).stem
    assert f"from {module} import moving_average" in tests and "your_module" not in tests
    operations = editor.applied_edits[0].document_changes
    assert any(
        isinstance(op, types.CreateFile) and op.uri.endswith(f"test_{module}.py")
        for op in operations
    )
    assert "3/3 tests passed" in outcome["message"]
    assert sorted(editor.model.kinds()) == ["GeneratedCode", "ProgramRunner", "UnitTest"]
    # One cancellable progress, a report per stage, then its end.
    [reports] = editor.client.progress_reports.values()
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
    messages = [r.message for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    for stage in ("function", "runner", "unit tests", "Formatting", "Running the tests", "Scoring"):
        assert any(stage in message for message in messages), (stage, messages)
    assert (
        isinstance(reports[-1], types.WorkDoneProgressEnd)
        and "3/3 tests passed" in reports[-1].message
    )
    # The test results are shown inline at once.
    hints = await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=100, character=0)
            ),
        )
    )
    assert any("tests 3/3" in hint.label and "100% covered" in hint.label for hint in hints)
    assert editor.refreshes >= 1


async def test_existing_main_is_left_alone(editor):
    uri = editor.place("with_main.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 2), EVERYTHING))
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert text.count("def main()") == 1 and 'print("already here")' in text
    assert "already has a main()" in outcome["message"]
    assert "ProgramRunner" not in editor.model.kinds()
    # "Generate runner" on a module that has one does not even ask the model.
    def_line = text.splitlines().index(
        "def moving_average(series: List[float], window: int) -> List[float]:"
    )
    outcome = await editor.run(
        action(await editor.code_actions(uri, def_line), "Generate runner (main)")
    )
    assert not outcome["applied"] and "already has a main()" in outcome["message"]
    assert "ProgramRunner" not in editor.model.kinds()


async def test_runner_for_a_function(editor):
    uri = editor.place("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 9), "Generate runner (main)"))
    assert outcome["applied"], outcome
    assert editor.model.kinds() == ["ProgramRunner"]
    text = editor.text(uri)
    assert text.count("def main(") == 1 and text.rstrip().endswith("main()")
    assert text.startswith((DATA / "prompt_module.py").read_text().rstrip())


async def test_existing_test_file_is_kept_and_extended(editor):
    uri = editor.place("prompt_module.py")
    module = Path(uri).stem
    existing = (
        (DATA / "test_existing.py").read_text().replace("from prompt_module", f"from {module}")
    )
    editor.test_file(uri).write_text(existing)
    outcome = await editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    assert outcome["applied"], outcome
    tests = editor.test_file(uri).read_text()
    assert (
        "class TestExisting(unittest.TestCase):" in tests and "def test_sums_values(self):" in tests
    )
    assert "class TestMovingAverage(unittest.TestCase):" in tests
    assert tests.count("import unittest") == 1
    assert f"from {module} import existing, moving_average" in tests
    assert tests.index("class TestMovingAverage") < tests.index('if __name__ == "__main__":')
    assert tests.count('if __name__ == "__main__":') == 1
    assert not any(
        isinstance(op, types.CreateFile) for op in editor.applied_edits[0].document_changes
    )
    assert existing.splitlines()[5:8] == tests.splitlines()[5:8]
    assert "4/4 tests passed" in outcome["message"]


async def test_generate_tests_for_a_function(editor):
    uri = editor.place("prompt_module.py")
    before = editor.text(uri)
    outcome = await editor.run(action(await editor.code_actions(uri, 8), "Generate tests"))
    assert outcome["applied"], outcome
    assert editor.model.kinds() == ["UnitTest"]
    assert "def existing(values):" in editor.model.requests[0]["messages"][-1]["content"]
    assert editor.test_file(uri).is_file()
    assert editor.text(uri) == before  # the module is unchanged


async def test_progress_shows_tokens_and_time_while_the_model_writes(editor):
    editor.model.piece_delay = 0.03  # 40 pieces a reply: about 1.2 s of streaming per stage
    try:
        uri = editor.place("prompt_module.py")
        outcome = await editor.run(action(await editor.code_actions(uri, 4), EVERYTHING))
    finally:
        editor.model.piece_delay = 0.0
    assert outcome["applied"], outcome
    [reports] = editor.client.progress_reports.values()
    messages = [r.message for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    assert any(re.search(r"function.*: \d+ tokens, \d+ s", message) for message in messages), (
        messages
    )
