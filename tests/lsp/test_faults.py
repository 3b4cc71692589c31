"""Model faults, edits while the model works, cancellation, rejected edits: a message, and no
edit."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tests.helpers.lsp_editor import action, shared_editor
from tests.loopback_model import Reply

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor(env={"CODEGEN_TIMEOUT": "2"})

EVERYTHING = "Generate function, runner and tests"


@pytest.mark.parametrize(
    "reply, expected",
    [
        (Reply.error(500, "the model server broke"), "500"),
        (Reply(refusal="I cannot help with that."), "I cannot help with that."),
        (Reply(content="{bad json"), "function"),
        (Reply.code("GeneratedCode", "def broken(:"), "syntax error"),
        (Reply(delay=3), "did not answer"),
    ],
    ids=["server-error", "refusal", "bad-json", "syntax-error", "timeout"],
)
async def test_model_fault_shows_message_and_changes_nothing(editor, reply, expected):
    editor.model.enqueue(reply)
    uri = editor.place("prompt_module.py")
    before = editor.text(uri)
    outcome = await editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    assert not outcome["applied"]
    assert editor.applied_edits == []
    assert editor.text(uri) == before
    assert not editor.test_file(uri).exists()
    errors = editor.messages(types.MessageType.Error)
    assert errors and expected.lower() in errors[-1].lower(), errors
    # The progress the server created has ended.
    [reports] = editor.client.progress_reports.values()
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    # ...and the server still answers.
    assert await editor.code_actions(uri, 3)


async def generation_under_way(editor) -> tuple[str, asyncio.Future]:
    """Starts "Generate function" on prompt_module.py, the model answering after 1 s; 0.4 s in."""
    editor.model.enqueue(Reply(delay=1.0))
    uri = editor.place("prompt_module.py")
    generation = asyncio.ensure_future(
        editor.run(action(await editor.code_actions(uri, 3), "Generate function"))
    )
    await asyncio.sleep(0.4)
    return uri, generation


async def test_prompt_edited_while_the_model_works(editor):
    uri, generation = await generation_under_way(editor)
    edited = editor.text(uri).replace("with a window of n points", "with a window of k points")
    editor.change(uri, edited)
    outcome = await generation
    assert not outcome["applied"]
    assert editor.applied_edits == []
    assert editor.text(uri) == edited
    assert any("prompt comment changed" in m for m in editor.messages(types.MessageType.Warning))


async def test_unrelated_edit_while_the_model_works_is_kept(editor):
    uri, generation = await generation_under_way(editor)
    editor.change(uri, "X = 1\n\n" + editor.text(uri))  # the prompt moves down two lines
    outcome = await generation
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert text.startswith("X = 1\n") and "def moving_average" in text and "# compute" not in text
    assert "import os\nfrom typing import List\n" in text
    assert editor.applied_edits[0].document_changes[0].text_document.version == 2


async def test_cancel_mid_generation(editor):
    editor.model.enqueue(Reply(delay=3.0))
    uri = editor.place("prompt_module.py")
    generation = asyncio.ensure_future(
        editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    )
    for _ in range(100):
        await asyncio.sleep(0.05)
        if editor.client.progress_reports and editor.model.requests:
            break
    [token] = editor.client.progress_reports
    editor.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    outcome = await asyncio.wait_for(generation, 2.5)  # well before the model would have answered
    assert not outcome["applied"] and "cancelled" in outcome["message"]
    assert editor.applied_edits == []
    assert isinstance(editor.client.progress_reports[token][-1], types.WorkDoneProgressEnd)
    assert await editor.code_actions(uri, 3)


async def test_rejected_edit_is_reported(editor):
    editor.accept_edits = False
    uri = editor.place("prompt_module.py")
    outcome = await editor.run(action(await editor.code_actions(uri, 3), EVERYTHING))
    assert not outcome["applied"]
    assert len(editor.rejected_edits) == 1
    assert any("did not apply" in m for m in editor.messages(types.MessageType.Warning))
    assert not editor.test_file(uri).exists()


async def test_several_generations_at_once(editor):
    editor.model.delay = 0.5
    first, second = editor.place("prompt_module.py"), editor.place("prompt_module.py")
    runs = [
        editor.run(action(await editor.code_actions(uri, 3), EVERYTHING)) for uri in (first, second)
    ]
    pending = asyncio.ensure_future(asyncio.gather(*runs))
    await asyncio.sleep(0.2)
    # The server answers other requests while both generations wait for the model.
    answered = asyncio.get_running_loop().time()
    assert await editor.code_actions(first, 8)
    assert asyncio.get_running_loop().time() - answered < 0.3
    outcomes = await pending
    assert all(outcome["applied"] for outcome in outcomes), outcomes
    # Concurrently, each with its own progress: both began before either ended.
    kinds = [kind for _, kind in editor.progress_log if kind in ("begin", "end")]
    assert kinds == ["begin", "begin", "end", "end"]
    assert len(editor.client.progress_reports) == 2
    assert editor.test_file(first).is_file() and editor.test_file(second).is_file()
