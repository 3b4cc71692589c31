"""An untrusted workspace: its tests never run, and every refusal says why and how to trust the
folder."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.helpers.lsp_editor import copy_data

TRUST = "Workspaces: Manage Workspace Trust"


async def module_with_tests(start_editor, workspace, *, trusted: bool):
    """A module with a passing test file; (editor, the module's URI).

    (The sandbox lets a test write nothing outside its run folder, so a run shows only in its
    results.)
    """
    copy_data("prompt_module.py", workspace)
    (workspace / "test_prompt_module.py").write_text(
        "import unittest\n\nfrom prompt_module import existing\n\n\n"
        "class TestExisting(unittest.TestCase):\n    def test_existing(self):\n"
        "        self.assertTrue(existing)\n"
    )
    editor = await start_editor(options={"workspaceTrusted": trusted})
    return editor, editor.open("prompt_module.py")


async def test_run_tests_refuses_in_an_untrusted_workspace(start_editor, workspace, tmp_path):
    editor, uri = await module_with_tests(start_editor, workspace, trusted=False)
    answer = await editor.command("codegen.runTests", uri)
    assert not answer["started"] and not answer["ran"]
    assert (
        "not trusted" in answer["message"]
        and TRUST in answer["message"]
        and "workspaceTrusted" in answer["message"]
    )
    assert answer["message"] in editor.messages(types.MessageType.Warning)


async def test_run_tests_runs_in_a_trusted_workspace(start_editor, workspace, tmp_path):
    """The same file in a trusted workspace does run: the refusal above is about trust."""
    editor, uri = await module_with_tests(start_editor, workspace, trusted=True)
    outcome = await editor.command("codegen.runTests", uri)
    assert outcome["ran"] and outcome["passed"] == 1, outcome


@pytest.mark.parametrize(
    "options, why",
    [
        ({"workspaceTrusted": False}, "Tests not run: this workspace is not trusted"),
        (
            {"runTestsAfterGeneration": False},
            "Tests not run: codegen.runTestsAfterGeneration is off",
        ),
    ],
    ids=["untrusted", "turned-off"],
)
async def test_generation_says_why_tests_did_not_run(start_editor, workspace, model, options, why):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model, options=options)
    uri = editor.open("prompt_module.py")
    actions = await editor.code_actions(uri, 3)
    outcome = await editor.run(
        next(a for a in actions if a.title == "Generate function, runner and tests")
    )
    assert outcome["applied"] and not outcome["testsRun"], outcome
    assert why in outcome["message"] and (TRUST in outcome["message"]) == ("not trusted" in why)
    assert (workspace / "test_prompt_module.py").is_file()  # written, not run
