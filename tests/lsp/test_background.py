"""Long commands answer at once and work on in the background: one job per anchor, progress,
cancel."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tests.helpers.lsp_editor import action, shared_editor
from tests.loopback_model import Reply

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()

EVERYTHING = "Generate function, runner and tests"
GENERATE = "codegen.generate"


async def wait_until(condition, timeout: float = 10.0) -> None:
    async def poll():
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def test_the_command_answers_before_the_model_does(editor):
    editor.model.enqueue(Reply(delay=2.0, kind="GeneratedCode"))
    uri = editor.place("prompt_module.py")
    picked = action(await editor.code_actions(uri, 3), EVERYTHING)
    answer = await editor.execute(picked.command.command, *picked.command.arguments)
    assert answer["started"] and answer["token"].startswith("codegen-"), answer
    # Answered while the model still works: nothing applied, no outcome yet.
    assert editor.applied_edits == [] and answer["token"] not in editor.finished
    outcome = await editor.outcome(answer["token"])
    assert outcome["applied"] and "3/3 tests passed" in outcome["message"], outcome
    # The progress the server created carries the same token, and ended with the outcome.
    reports = editor.client.progress_reports[answer["token"]]
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
    assert (
        isinstance(reports[-1], types.WorkDoneProgressEnd)
        and reports[-1].message == outcome["message"]
    )
    assert "def moving_average" in editor.text(uri)


async def test_a_second_request_for_the_same_prompt_says_one_runs(editor):
    editor.model.enqueue(Reply(delay=6.0, kind="GeneratedCode"))
    uri = editor.place("prompt_module.py")
    actions = await editor.code_actions(uri, 3)
    first = await editor.execute(GENERATE, *action(actions, "Generate function").command.arguments)
    assert first["started"]
    second = await editor.execute(GENERATE, *action(actions, EVERYTHING).command.arguments)
    assert not second["started"] and second["running"] == first["token"]
    assert "already running" in second["message"] and "Cancel" in second["message"]
    assert second["message"] in editor.messages(types.MessageType.Warning)
    # While it runs, the prompt's code actions offer to cancel it instead of starting it again.
    await wait_until(lambda: editor.model.requests)
    [cancel] = await editor.code_actions(uri, 3)
    assert cancel.title.startswith("Cancel") and cancel.kind == "refactor.rewrite.codegen"
    answer = await editor.execute(cancel.command.command, *cancel.command.arguments)
    assert answer["cancelled"] == [first["token"]]
    # Answered once the job ended: its message came first (eglot 1.9 reads what follows an answer
    # late).
    assert "Generation cancelled; nothing was changed." in editor.messages(types.MessageType.Info)
    outcome = await editor.outcome(
        first["token"], timeout=5
    )  # before the model would have answered
    assert not outcome["applied"] and "cancelled" in outcome["message"]
    assert editor.applied_edits == [] and editor.model.kinds() == ["GeneratedCode"]
    # Once it ended, the prompt offers the generation again.
    assert [a.title for a in await editor.code_actions(uri, 3)] == ["Generate function", EVERYTHING]


async def test_cancel_through_the_progress_token(editor):
    editor.model.enqueue(Reply(delay=6.0, kind="GeneratedCode"))
    uri = editor.place("prompt_module.py")
    answer = await editor.execute(
        GENERATE, *action(await editor.code_actions(uri, 3), EVERYTHING).command.arguments
    )
    await wait_until(lambda: editor.model.requests)
    editor.client.window_work_done_progress_cancel(
        types.WorkDoneProgressCancelParams(token=answer["token"])
    )
    outcome = await editor.outcome(answer["token"], timeout=5)
    assert not outcome["applied"] and "cancelled" in outcome["message"]
    assert editor.applied_edits == []


async def test_nothing_to_cancel_says_so(editor):
    answer = await editor.execute("codegen.cancel", {"token": "codegen-gone"})
    assert answer["cancelled"] == [] and "has finished" in answer["message"]


async def test_too_late_to_cancel_once_the_edit_is_sent(editor):
    """Cancelling while the editor applies the edit would report "nothing was changed" about a
    changed file."""
    editor.apply_delay = 1.0
    uri = editor.place("prompt_module.py")
    answer = await editor.execute(
        GENERATE, *action(await editor.code_actions(uri, 3), "Generate function").command.arguments
    )
    reports = lambda: editor.client.progress_reports.get(answer["token"], [])  # noqa: E731
    await wait_until(
        lambda: any(getattr(r, "message", None) == "Applying the edit" for r in reports())
    )
    assert [
        r.cancellable for r in reports() if getattr(r, "message", None) == "Applying the edit"
    ] == [False]
    refused = await editor.execute("codegen.cancel", {"token": answer["token"]})
    assert refused["cancelled"] == [] and "already being applied" in refused["message"]
    outcome = await editor.outcome(answer["token"])
    assert outcome["applied"] and "def moving_average" in editor.text(uri), outcome


async def test_tests_and_runner_jobs_are_per_function(editor):
    editor.model.delay = 1.0
    uri = editor.place("two_functions.py")
    first = await editor.execute("codegen.generateTests", uri, "double")
    again = await editor.execute("codegen.generateTests", uri, "double")
    other = await editor.execute("codegen.generateTests", uri, "moving_average")
    assert first["started"] and other["started"]
    assert (
        not again["started"] and "Tests for double are already being generated" in again["message"]
    )
    outcomes = [await editor.outcome(answer["token"]) for answer in (first, other)]
    assert all(outcome["applied"] for outcome in outcomes), outcomes
