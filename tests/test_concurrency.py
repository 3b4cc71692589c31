"""Servers as users run them: one-slot servers that cut a reply when a second request arrives,
streams that stop early, and a whole JSON body answered to a streamed request."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from codegen.model.structured_output import MAX_CODE_BYTES
from codegen.session import traced_session
from codegen.settings import load_settings
from tests.helpers.cli import PROMPT
from tests.helpers.cli import generate as generate_with
from tests.loopback_model import MOVING_AVERAGE, LoopbackModel, Reply

ROOT = Path(__file__).resolve().parents[1]
# Long enough that the runner's reply is still streaming when the tests request arrives (the two
# are sent together), short enough for a quick test: 40 pieces, about 0.8 s a reply.
PIECE_DELAY = 0.02


generate = partial(generate_with, module="ma", max_retries=None, timeout=20)


def test_a_one_slot_server_that_cuts_a_reply_still_gets_runner_and_tests(tmp_path, capsys):
    """llama-cpp-python's default: the tests request stops the runner's stream; the runner is
    asked again once the tests are written, and every file is whole."""
    with LoopbackModel(slots=1, piece_delay=PIECE_DELAY) as model:
        assert generate(model, tmp_path) == 0, capsys.readouterr().err
    assert model.cuts() == ["ProgramRunner"] or model.cuts() == ["UnitTest"]
    module = (tmp_path / "ma.py").read_text()
    assert "def moving_average(" in module and 'if __name__ == "__main__":' in module
    assert "from ma import moving_average" in (tmp_path / "test_ma.py").read_text()
    assert "Tests: 3/3 passed" in capsys.readouterr().out


def test_after_a_cut_the_session_sends_runner_and_tests_one_after_the_other():
    settings = load_settings({"tracing": "off", "run_tests": False}, environ={})

    async def two_generations(model: LoopbackModel) -> None:
        async with traced_session(settings.model_copy(update={"base_url": model.base_url})) as s:
            await s.generate(PROMPT, module_name="ma")
            assert model.cuts(), "the first generation was not cut: the test proves nothing"
            model.exchanges.clear()
            result = await s.generate(PROMPT, module_name="ma")
        assert "def main()" in result.program_runner and "class Test" in result.unit_tests

    with LoopbackModel(slots=1, piece_delay=PIECE_DELAY) as model:
        asyncio.run(two_generations(model))
    assert model.cuts() == []
    assert sorted(model.kinds()[-2:]) == ["ProgramRunner", "UnitTest"]
    assert not model.overlapping("ProgramRunner", "UnitTest")


def test_a_server_with_two_slots_keeps_runner_and_tests_side_by_side():
    settings = load_settings({"tracing": "off", "run_tests": False}, environ={})

    async def two_generations(model: LoopbackModel) -> None:
        async with traced_session(settings.model_copy(update={"base_url": model.base_url})) as s:
            for _ in range(2):
                await s.generate(PROMPT, module_name="ma")
                assert model.overlapping("ProgramRunner", "UnitTest")
                model.exchanges.clear()

    with LoopbackModel(slots=2, piece_delay=PIECE_DELAY) as model:
        asyncio.run(two_generations(model))
    assert model.cuts() == []


def test_concurrency_serial_sends_one_request_at_a_time(tmp_path, capsys):
    with LoopbackModel(slots=1, piece_delay=PIECE_DELAY) as model:
        assert generate(model, tmp_path, "--no-run", "--concurrency", "serial") == 0
    assert model.cuts() == []
    assert not model.overlapping("ProgramRunner", "UnitTest")


def test_concurrency_comes_from_the_environment_too(monkeypatch):
    monkeypatch.setenv("CODEGEN_CONCURRENCY", "parallel")
    assert load_settings().concurrency == "parallel"
    with pytest.raises(Exception, match="concurrency"):
        load_settings({"concurrency": "sometimes"})


@pytest.mark.parametrize("how", ["done", "close"])
def test_a_stream_cut_once_is_asked_again(model, tmp_path, capsys, how):
    model.enqueue(Reply(kind="GeneratedCode", cut=how))
    assert generate(model, tmp_path, "--no-run") == 0, capsys.readouterr().err
    assert model.kinds().count("GeneratedCode") == 2
    assert "def moving_average(" in (tmp_path / "ma.py").read_text()


def test_a_stream_cut_twice_says_the_server_closed_the_reply_early(model, tmp_path, capsys):
    model.enqueue(Reply(kind="GeneratedCode", cut="close"), Reply(kind="GeneratedCode", cut="done"))
    assert generate(model, tmp_path) == 1
    err = capsys.readouterr().err
    assert "function: The server at" in err and "closed the reply early, twice" in err
    assert "--concurrency serial" in err and "Traceback" not in err
    assert model.kinds() == ["GeneratedCode", "GeneratedCode"]
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_a_whole_json_reply_to_a_streamed_request_is_the_reply(tmp_path, capsys):
    with LoopbackModel(whole_replies=True) as model:
        assert generate(model, tmp_path) == 0, capsys.readouterr().err
    assert all(request["stream"] for request in model.requests)
    assert "def moving_average(" in (tmp_path / "ma.py").read_text()
    assert "Tests: 3/3 passed" in capsys.readouterr().out


def _generate_traced(model: LoopbackModel, home: Path, out: Path) -> subprocess.CompletedProcess:
    """`codegen generate` as a user runs it, tracing to local files: its own process, so
    whatever weave prints reaches the stderr read here."""
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "WANDB_ERROR_REPORTING": "false",
    }
    command = [sys.executable, "-m", "codegen", "generate", PROMPT, "--out", str(out)]
    command += ["--module", "ma", "--base-url", model.base_url, "--tracing", "local", "--no-run"]
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_no_traceback_reaches_the_terminal_when_streams_stop_early(tmp_path):
    """A cut stream (asked again) and an oversized reply (codegen stops it as it arrives), traced:
    weave's capture of the partial reply prints nothing."""
    huge = MOVING_AVERAGE + "\n" + "padding = 1\n" * (MAX_CODE_BYTES // 4)
    with LoopbackModel() as model:
        model.enqueue(
            Reply(kind="GeneratedCode", cut="done"),
            Reply(kind="GeneratedCode"),
            Reply.code("UnitTest", huge),
        )
        completed = _generate_traced(model, tmp_path / "home", tmp_path / "out")
    assert completed.returncode == 1
    assert "tests: The model's reply (stopped as it arrived)" in completed.stderr
    assert "Traceback" not in completed.stderr and "Error capturing" not in completed.stderr
    assert model.kinds().count("GeneratedCode") == 2  # the cut one was asked again
    assert any((tmp_path / "home" / ".weave" / "wal").rglob("*")), "nothing was traced"
