"""Replies stream in: the command line and the language server show tokens and time while the model
writes."""

from __future__ import annotations

import re

from codegen.model.llm import ModelClient
from codegen.model.schemas import UnitTest
from codegen.settings import load_settings
from tests.helpers.cli import generate
from tests.loopback_model import LoopbackModel


async def test_the_client_hears_each_piece_of_a_streamed_reply():
    with LoopbackModel() as model:
        client = ModelClient(
            load_settings({"base_url": model.base_url, "max_retries": 0}, environ={})
        )
        heard: list[tuple[str, int, float]] = []
        try:
            reply = await client.ask(
                UnitTest,
                "tests please",
                step="tests",
                prompt="p",
                on_tokens=lambda *report: heard.append(report),
            )
        finally:
            await client.close()
    assert "unittest" in reply.test_code
    assert [pieces for _, pieces, _ in heard] == list(range(1, len(heard) + 1)) and len(heard) > 10
    assert {step for step, _, _ in heard} == {"tests"}
    assert all(b >= a for (_, _, a), (_, _, b) in zip(heard, heard[1:], strict=False))
    assert model.requests[0]["stream"] is True


def test_the_progress_line_shows_tokens_while_the_model_writes(tmp_path, capsys):
    with LoopbackModel(piece_delay=0.12) as model:  # 40 pieces: about 5 s a reply
        code = generate(
            model, tmp_path, "--no-run", module="moving_average", max_retries=None, timeout=None
        )
    assert code == 0
    progress = capsys.readouterr().err
    assert re.search(r"generating the function… \d+ tokens in \d+\.\d s", progress), progress
    assert re.search(r"generating the unit tests… \d+ tokens in \d+\.\d s", progress), progress
