"""Client capabilities change what the server sends: code action tags, edits without
documentChanges."""

from __future__ import annotations

from lsprotocol import types

from tests.helpers.lsp_editor import capabilities, copy_data


async def test_no_tag_without_client_support(start_editor, workspace):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(caps=capabilities(tags=False))
    uri = editor.open("prompt_module.py")
    actions = await editor.code_actions(uri, 3)
    assert actions and all(action.tags is None for action in actions)


async def test_client_without_document_changes(start_editor, workspace, model):
    """Old clients take only `changes`: the module is edited, the new test file written by the
    server."""
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(
        model=model,
        caps=capabilities(document_changes=False),
        options={"runTestsAfterGeneration": False},
    )
    uri = editor.open("prompt_module.py")
    outcome = await editor.run(
        next(
            a
            for a in await editor.code_actions(uri, 3)
            if a.title == "Generate function, runner and tests"
        )
    )
    assert outcome["applied"], outcome
    assert (
        editor.applied_edits[0].document_changes is None and uri in editor.applied_edits[0].changes
    )
    assert "def moving_average" in editor.text(uri)
    assert (
        "from prompt_module import moving_average"
        in (workspace / "test_prompt_module.py").read_text()
    )


async def test_without_work_done_progress_messages_say_start_and_end(
    start_editor, workspace, model
):
    """A client like eglot 1.9 (no window.workDoneProgress): no progress requests, a message at each
    end."""
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(
        model=model, caps=capabilities(progress=False), options={"runTestsAfterGeneration": False}
    )
    uri = editor.open("prompt_module.py")
    picked = next(a for a in await editor.code_actions(uri, 3) if a.title == "Generate function")
    answer = await editor.execute(picked.command.command, *picked.command.arguments)
    # Said before the answer: eglot 1.9 reads what follows an answer in the same read only once more
    # arrives.
    [started] = [m for m in editor.messages(types.MessageType.Info) if "started" in m]
    assert "generate function" in started and "Cancel" in started
    outcome = await editor.outcome(answer["token"])
    assert outcome["applied"], outcome
    assert editor.client.progress_reports == {}
    assert editor.messages(types.MessageType.Info)[-1] == outcome["message"]
