"""jobs.reported: however a job ends, its outcome says how and the user hears it once."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from codegen.errors import ConfigurationError
from codegen_lsp.jobs import reported
from codegen_lsp.stop import GenerationStopped


class Progress:
    def __init__(self, cancelled: bool = False):
        self.cancelled = cancelled


def run(
    body,
    *,
    progress=None,
    describe=lambda error: str(error) if isinstance(error, ConfigurationError) else None,
):
    shown: list[tuple[str, types.MessageType]] = []

    async def job():
        return await reported(
            lambda message, kind: shown.append((message, kind)),
            progress or Progress(),
            {"x": 1},
            body,
            cancelled="Cancelled.",
            describe=describe,
        )

    return asyncio.run(job()), shown


def test_a_stop_is_said_with_its_own_kind():
    async def body():
        raise GenerationStopped("Nothing to do.", types.MessageType.Info)

    outcome, shown = run(body)
    assert outcome == {"x": 1, "message": "Nothing to do."} and shown == [
        ("Nothing to do.", types.MessageType.Info)
    ]


def test_a_cancel_by_the_user_ends_quietly_with_the_cancelled_message():
    async def body():
        raise asyncio.CancelledError

    outcome, shown = run(body, progress=Progress(cancelled=True))
    assert outcome["message"] == "Cancelled." and shown == [("Cancelled.", types.MessageType.Info)]


def test_a_cancel_not_by_the_user_is_a_shutdown_and_propagates():
    async def body():
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        run(body)


def test_an_error_described_is_shown_as_an_error_and_others_propagate():
    async def configuration():
        raise ConfigurationError("No API key: set OPENAI_API_KEY.")

    outcome, shown = run(configuration)
    assert shown == [("No API key: set OPENAI_API_KEY.", types.MessageType.Error)]

    async def bug():
        raise KeyError("bug")

    with pytest.raises(KeyError):
        run(bug)


def test_a_body_that_finishes_keeps_its_outcome_and_says_nothing_more():
    async def body():
        pass

    assert run(body) == ({"x": 1}, [])
