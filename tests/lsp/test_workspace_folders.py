"""Multi-root workspaces: each file follows the settings of the workspace folder holding it."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from tests.helpers.lsp_editor import action, copy_data, wait_for_message
from tests.loopback_model import asks_for_pytest, request_kind

GENERATE_ALL = "Generate function, runner and tests"


def unit_test_requests(model):
    return [body for body in model.requests if request_kind(body) == "UnitTest"]


async def start_on_prompt_modules(start_editor, model, folders: dict[Path, dict]):
    """The editor on these workspace folders, each with its settings and a prompt_module.py."""
    for folder in folders:
        copy_data("prompt_module.py", folder)
    return await start_editor(model=model, folders=folders)


async def test_each_folder_gets_its_own_test_framework_and_test_location(
    start_editor, workspace, tmp_path, model
):
    beta = tmp_path / "beta"
    editor = await start_on_prompt_modules(
        start_editor,
        model,
        {
            workspace: {
                "testFramework": "pytest",
                "testLocation": "testsFolder",
                "runTestsAfterGeneration": False,
            },
            beta: {
                "testFramework": "unittest",
                "testLocation": "beside",
                "runTestsAfterGeneration": False,
                "diagnosticsDelayMs": -5,
            },
        },
    )
    # Only beta's invalid value is reported, naming beta
    [message] = await wait_for_message(editor, "codegen.diagnosticsDelayMs")
    assert "folder beta: codegen.diagnosticsDelayMs" in message and "folder project" not in message

    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), GENERATE_ALL))
    assert outcome["applied"], outcome
    tests = workspace / "tests" / "test_prompt_module.py"
    assert tests.is_file() and not (workspace / "test_prompt_module.py").exists()
    assert "import pytest" in tests.read_text()
    assert [asks_for_pytest(body) for body in unit_test_requests(model)] == [True]

    beta_uri = editor.open(str(beta / "prompt_module.py"))
    outcome = await editor.run(action(await editor.code_actions(beta_uri, 3), GENERATE_ALL))
    assert outcome["applied"], outcome
    beside = beta / "test_prompt_module.py"
    assert beside.is_file() and not (beta / "tests").exists()
    assert "import unittest" in beside.read_text() and "import pytest" not in beside.read_text()
    assert [asks_for_pytest(body) for body in unit_test_requests(model)] == [True, False]


async def test_a_folder_added_later_is_asked_for_its_settings(
    start_editor, workspace, tmp_path, model
):
    gamma = tmp_path / "gamma"
    copy_data("prompt_module.py", gamma)
    editor = await start_editor(
        model=model, folders={workspace: {"runTestsAfterGeneration": False}}
    )
    gamma_uri = from_fs_path(str(gamma))
    editor.client.set_configuration(
        {"testLocation": "testsFolder", "runTestsAfterGeneration": False, "maxDiagnostics": 0},
        section="codegen",
        scope_uri=gamma_uri,
    )
    editor.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=gamma_uri, name="gamma")], removed=[]
            )
        )
    )
    await wait_for_message(editor, "folder gamma: codegen.maxDiagnostics")

    uri = editor.open(str(gamma / "prompt_module.py"))
    outcome = await editor.run(action(await editor.code_actions(uri, 3), GENERATE_ALL))
    assert outcome["applied"], outcome
    assert (gamma / "tests" / "test_prompt_module.py").is_file()
    assert not (gamma / "test_prompt_module.py").exists()


async def test_without_any_folder_the_settings_apply_to_every_file(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(
        model=model,
        rootless=True,
        configuration={
            "testLocation": "testsFolder",
            "runTestsAfterGeneration": False,
            "maxDiagnostics": 0,
        },
    )
    [message] = await wait_for_message(editor, "codegen.maxDiagnostics")
    assert "folder" not in message

    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), GENERATE_ALL))
    assert outcome["applied"], outcome
    assert (workspace / "tests" / "test_prompt_module.py").is_file()


async def test_a_test_run_uses_the_interpreter_of_the_module_folder(
    start_editor, workspace, tmp_path
):
    beta = tmp_path / "beta"
    for folder in (workspace, beta):
        copy_data("buggy.py", folder)
        copy_data("test_buggy.py", folder)
    editor = await start_editor(
        folders={
            workspace: {},
            beta: {"interpreter": str(tmp_path / "no-such-python"), "maxDiagnostics": 0},
        }
    )
    await wait_for_message(editor, "folder beta: codegen.maxDiagnostics")  # beta's settings are in

    outcome = await editor.command("codegen.runTests", editor.open("buggy.py"))
    assert outcome["ran"] and outcome["run"] == 2, outcome
    outcome = await editor.command("codegen.runTests", editor.open(str(beta / "buggy.py")))
    assert outcome["run"] == 0 and "Could not start the Python interpreter" in outcome["message"], (
        outcome
    )
    assert "no-such-python" in outcome["message"]


CALC = "def add(a, b):\n    return a + b\n"
# A unittest file with one plain test function too: unittest runs 1 test of it, pytest 2
CALC_TESTS = """import unittest

from calc import add


class TestAdd(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(1, 2), 3)


def test_plain():
    assert add(2, 2) == 4
"""


async def test_a_test_run_uses_the_folders_test_framework(start_editor, workspace, tmp_path):
    configured, configured_project, plain = workspace, tmp_path / "gamma", tmp_path / "beta"
    for folder in (configured, configured_project, plain):
        folder.mkdir(exist_ok=True)
        (folder / "calc.py").write_text(CALC)
        (folder / "test_calc.py").write_text(CALC_TESTS)
    (configured_project / "pytest.ini").write_text("[pytest]\n")
    editor = await start_editor(
        folders={
            configured: {"testFramework": "pytest"},
            plain: {"maxDiagnostics": 0},
            configured_project: {},
        }
    )
    await wait_for_message(editor, "folder beta: codegen.maxDiagnostics")  # the settings are in

    # The setting decides, as it does for a generation
    outcome = await editor.command("codegen.runTests", editor.open(str(configured / "calc.py")))
    assert outcome["ran"] and (outcome["run"], outcome["passed"]) == (2, 2), outcome
    # `auto`: a project set up for pytest runs it, whatever the file looks like
    outcome = await editor.command(
        "codegen.runTests", editor.open(str(configured_project / "calc.py"))
    )
    assert outcome["ran"] and (outcome["run"], outcome["passed"]) == (2, 2), outcome
    # `auto` elsewhere: the file's own framework (it imports unittest)
    outcome = await editor.command("codegen.runTests", editor.open(str(plain / "calc.py")))
    assert outcome["ran"] and (outcome["run"], outcome["passed"]) == (1, 1), outcome


async def test_when_the_root_folder_goes_the_root_follows_the_workspace(
    start_editor, workspace, tmp_path, model
):
    beta, loose = tmp_path / "beta", tmp_path / "loose"
    copy_data("prompt_module.py", loose)
    workspace_settings = {
        "testLocation": "testsFolder",
        "runTestsAfterGeneration": False,
        "maxDiagnostics": 0,
    }
    beta_settings = {"testLocation": "beside", "runTestsAfterGeneration": False}
    editor = await start_on_prompt_modules(
        start_editor, model, {workspace: workspace_settings, beta: beta_settings}
    )
    await wait_for_message(editor, "folder project: codegen.maxDiagnostics")
    editor.client.set_configuration(
        {"testLocation": "beside", "runTestsAfterGeneration": False, "diagnosticsDelayMs": -5},
        section="codegen",
        scope_uri=from_fs_path(str(beta)),
    )
    editor.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[],
                removed=[
                    types.WorkspaceFolder(uri=from_fs_path(str(workspace)), name=workspace.name)
                ],
            )
        )
    )
    # Only beta is asked: its problem alone, named by no folder (it is the only one)
    [message] = await wait_for_message(editor, "codegen.diagnosticsDelayMs")
    assert "maxDiagnostics" not in message and "folder" not in message, message

    # A file outside every folder now follows beta, the first remaining folder
    uri = editor.open(str(loose / "prompt_module.py"))
    outcome = await editor.run(action(await editor.code_actions(uri, 3), GENERATE_ALL))
    assert outcome["applied"], outcome
    assert (loose / "test_prompt_module.py").is_file() and not (loose / "tests").exists()

    # With no folder left, the defaults apply there (here: the user's settings, scope-less)
    editor.client.set_configuration(
        {
            "testLocation": "testsFolder",
            "runTestsAfterGeneration": False,
            "keepPromptComment": "yes",
        },
        section="codegen",
    )
    editor.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[],
                removed=[types.WorkspaceFolder(uri=from_fs_path(str(beta)), name=beta.name)],
            )
        )
    )
    [message] = await wait_for_message(editor, "codegen.keepPromptComment")
    assert "diagnosticsDelayMs" not in message and "folder" not in message, message
    (loose / "test_prompt_module.py").unlink()
    editor.close_all()
    copy_data("prompt_module.py", loose)
    uri = editor.open(str(loose / "prompt_module.py"))
    outcome = await editor.run(action(await editor.code_actions(uri, 3), GENERATE_ALL))
    assert outcome["applied"], outcome
    assert (loose / "tests" / "test_prompt_module.py").is_file()


async def test_a_generation_on_auto_follows_the_existing_test_file(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    tests = workspace / "tests" / "test_prompt_module.py"
    tests.parent.mkdir()
    tests.write_text(
        "from prompt_module import existing\n\n\ndef test_existing():\n"
        "    assert existing([1, 2]) == 3\n"
    )
    editor = await start_editor(
        model=model,
        folders={workspace: {"testLocation": "testsFolder", "runTestsAfterGeneration": False}},
    )
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), GENERATE_ALL))
    assert outcome["applied"], outcome
    # No pytest configuration anywhere: the file's plain test functions decide, as a test run's
    # would
    assert [asks_for_pytest(body) for body in unit_test_requests(model)] == [True]
    assert "def test_existing" in tests.read_text()
