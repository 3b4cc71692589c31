"""An untrusted workspace: its tests never run, and every refusal says why and how to trust the folder."""

from __future__ import annotations

from lsprotocol import types

from .conftest import copy_data

TRUST = "Workspaces: Manage Workspace Trust"


def marker_test(module: str, marker) -> str:
    """A test file that leaves a file behind when it runs."""
    return (f"import pathlib\nimport unittest\n\nfrom {module} import existing\n\n\n"
            f"class TestExisting(unittest.TestCase):\n    def test_existing(self):\n"
            f"        pathlib.Path({str(marker)!r}).write_text('ran')\n        self.assertTrue(existing)\n")


async def test_run_tests_refuses_in_an_untrusted_workspace(start_editor, workspace, tmp_path):
    copy_data("prompt_module.py", workspace)
    marker = tmp_path / "the-tests-ran"
    (workspace / "test_prompt_module.py").write_text(marker_test("prompt_module", marker))
    editor = await start_editor(options={"workspaceTrusted": False})
    uri = editor.open("prompt_module.py")
    answer = await editor.command("codegen.runTests", uri)
    assert not answer["started"] and not answer["ran"]
    assert "not trusted" in answer["message"] and TRUST in answer["message"] and "workspaceTrusted" in answer["message"]
    assert answer["message"] in editor.messages(types.MessageType.Warning)
    assert not marker.exists()


async def test_run_tests_runs_in_a_trusted_workspace(start_editor, workspace, tmp_path):
    """The same file in a trusted workspace does run: the refusal above is about trust."""
    copy_data("prompt_module.py", workspace)
    marker = tmp_path / "the-tests-ran"
    (workspace / "test_prompt_module.py").write_text(marker_test("prompt_module", marker))
    editor = await start_editor(options={"workspaceTrusted": True})
    uri = editor.open("prompt_module.py")
    outcome = await editor.command("codegen.runTests", uri)
    assert outcome["ran"] and outcome["passed"] == 1, outcome
    assert marker.read_text() == "ran"


async def test_generation_in_an_untrusted_workspace_says_why_tests_did_not_run(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model, options={"workspaceTrusted": False})
    uri = editor.open("prompt_module.py")
    actions = await editor.code_actions(uri, 3)
    outcome = await editor.run(next(a for a in actions if a.title == "Generate function, runner and tests"))
    assert outcome["applied"] and not outcome["testsRun"], outcome
    assert "Tests not run: this workspace is not trusted" in outcome["message"] and TRUST in outcome["message"]
    assert (workspace / "test_prompt_module.py").is_file()  # written, not run


async def test_generation_with_test_runs_off_says_so(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model, options={"runTestsAfterGeneration": False})
    uri = editor.open("prompt_module.py")
    actions = await editor.code_actions(uri, 3)
    outcome = await editor.run(next(a for a in actions if a.title == "Generate function, runner and tests"))
    assert outcome["applied"] and not outcome["testsRun"], outcome
    assert "Tests not run: codegen.runTestsAfterGeneration is off" in outcome["message"]
