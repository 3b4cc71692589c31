"""Settings from initializationOptions, workspace/configuration and didChangeConfiguration;
trust."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from tests.helpers.lsp_editor import action, copy_data, wait_for_message
from tests.loopback_model import Reply

REVERSE = 'def reverse(text: str) -> str:\n    """The text backwards."""\n    return text[::-1]\n'


async def test_invalid_initialization_options_fall_back_to_defaults(start_editor, workspace):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(
        options={
            "timeout": "soon",
            "testLocation": "nowhere",
            "apiKey": "sk-secret-1234",
            "keepPromptComment": "yes",
            "maxRetries": 2,
        }
    )
    [message] = await wait_for_message(editor, "codegen settings")
    assert (
        "codegen.timeout" in message
        and "codegen.testLocation" in message
        and "codegen.keepPromptComment" in message
    )
    assert "apiKey is ignored" in message and "sk-secret-1234" not in message
    uri = editor.open("prompt_module.py")
    assert len(await editor.code_actions(uri, 3)) == 2  # still serving


async def test_not_an_object(start_editor, workspace):
    editor = await start_editor(configuration=["not", "an", "object"])
    await wait_for_message(editor, "must be an object")


async def test_workspace_configuration_and_change(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(
        model=model, configuration={"testLocation": "testsFolder", "runTestsAfterGeneration": False}
    )
    await asyncio.sleep(0.3)  # the server asks for the configuration after `initialized`
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(
        action(await editor.code_actions(uri, 3), "Generate function, runner and tests")
    )
    assert outcome["applied"], outcome
    assert (workspace / "tests" / "test_prompt_module.py").is_file()
    assert "Tests:" not in outcome["message"]  # runTestsAfterGeneration: false

    editor.client.set_configuration(
        {"keepPromptComment": True, "diagnosticsDelayMs": -5}, section="codegen"
    )
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    await wait_for_message(editor, "codegen.diagnosticsDelayMs")
    editor.change(uri, editor.text(uri) + "\n\n# reverse a string\n")
    last = len(editor.text(uri).splitlines()) - 1
    # a new function: one the module already defines would be dropped from the reply (issue 26)
    model.enqueue(Reply.code("GeneratedCode", REVERSE))
    outcome = await editor.run(action(await editor.code_actions(uri, last), "Generate function"))
    assert outcome["applied"], outcome
    assert "# reverse a string\ndef reverse" in editor.text(uri)


async def test_untrusted_workspace_ignores_workspace_endpoint(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    (workspace / ".env").write_text(f"OPENAI_BASE_URL={model.base_url}\n")
    editor = await start_editor(
        model=None, options={"workspaceTrusted": False, "baseUrl": model.base_url}
    )
    await wait_for_message(editor, "not trusted")
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), "Generate function"))
    assert not outcome["applied"] and "OPENAI_API_KEY" in outcome["message"]
    assert model.requests == []  # neither the .env nor the setting reached the model


async def test_trusted_workspace_reads_its_env_file(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    (workspace / ".env").write_text(f"OPENAI_BASE_URL={model.base_url}\n")
    editor = await start_editor(
        model=None, options={"workspaceTrusted": True, "runTestsAfterGeneration": False}
    )
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), "Generate function"))
    assert outcome["applied"], outcome
    assert model.kinds() == ["GeneratedCode"]


async def test_trust_cannot_come_from_workspace_settings(start_editor, workspace, model):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(
        model=None,
        options={"workspaceTrusted": False},
        configuration={"workspaceTrusted": True, "baseUrl": model.base_url},
    )
    await wait_for_message(editor, "not trusted")
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), "Generate function"))
    assert not outcome["applied"]
    assert model.requests == []


async def test_no_key_and_no_base_url(start_editor, workspace):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=None)
    assert "No generation has run yet" in (await editor.command("codegen.showTrace"))["message"]
    uri = editor.open("prompt_module.py")
    diagnostics = await editor.diagnostics(uri)
    assert diagnostics.diagnostics  # scoring works without any model
    outcome = await editor.run(action(await editor.code_actions(uri, 3), "Generate function"))
    assert not outcome["applied"]
    [message] = editor.messages(types.MessageType.Error)
    assert "OPENAI_API_KEY" in message and "base URL" in message.replace("BASE_URL", "base URL")


async def test_changes_are_debounced_and_stale_results_dropped(start_editor, workspace):
    editor = await start_editor(options={"diagnosticsDelayMs": 300})
    uri = editor.open("quick.py", "def f():\n    pass\n")
    await editor.diagnostics(uri, version=1)
    seen = len(editor.publications)
    for number in range(2, 6):
        editor.change(uri, f"def f{number}():\n    pass\n")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.8)
    versions = [params.version for params in editor.publications[seen:] if params.uri == uri]
    assert versions == [5]
