"""OpenAI's reasoning models (o1, o3, o4-mini, gpt-5): `max_tokens` and a temperature refused with a
400, through the real SDK against the loopback model's reasoning profile."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from functools import partial

import pytest

from codegen.session import traced_session
from tests.helpers.cli import PROMPT
from tests.helpers.cli import generate as generate_with
from tests.helpers.session import generate_twice, untraced_settings
from tests.loopback_model import PROFILES, Profile, Reply

IGNORED = "ignores the temperature setting"


generate = partial(generate_with, module="ma", max_retries=2, model_name="o4-mini")


def sampling(model) -> list[dict]:
    """What each request carried of the token limit and temperature, in order."""
    names = ("max_tokens", "max_completion_tokens", "temperature")
    return [{name: r[name] for name in names if name in r} for r in model.requests]


def test_a_generation_against_a_reasoning_model_succeeds_with_max_completion_tokens(
    model, tmp_path, capsys
):
    model.profile = PROFILES["openai-reasoning"]
    assert generate(model, tmp_path, "--max-tokens", "777") == 0, capsys.readouterr().err
    # The refused request is asked again at once; the runner and tests go straight to the new name.
    assert sampling(model) == [{"max_tokens": 777}] + [{"max_completion_tokens": 777}] * 3
    # The function is asked twice in a row; then the runner and the tests at once, in either order.
    kinds = model.kinds()
    assert kinds[:2] == ["GeneratedCode", "GeneratedCode"]
    assert sorted(kinds[2:]) == ["ProgramRunner", "UnitTest"]
    assert "def moving_average(" in (tmp_path / "ma.py").read_text()
    assert "Tests: 3/3 passed" in capsys.readouterr().out


def test_the_token_limit_name_is_remembered_for_the_session_and_not_for_another_endpoint(model):
    # A language server keeps one session per configuration: the reasoning model is probed once.
    # Another configuration (an ordinary endpoint) starts again from max_tokens.
    model.profile = PROFILES["openai-reasoning"]
    reasoning = untraced_settings(model)

    async def generations() -> None:
        await generate_twice(reasoning, model)
        assert sampling(model) == [{"max_completion_tokens": 4096}] * 3
        model.requests.clear()
        model.profile = PROFILES["openai"]
        async with traced_session(reasoning) as session:
            await session.generate(PROMPT, module_name="ma")

    asyncio.run(generations())
    assert sampling(model) == [{"max_tokens": 4096}] * 3


def test_a_temperature_the_model_refuses_is_dropped_and_reported_once(
    model, tmp_path, capsys, caplog
):
    model.profile = PROFILES["openai-reasoning"]
    with caplog.at_level(logging.WARNING, logger="codegen"):
        assert generate(model, tmp_path, "--no-run", "--temperature", "0.2") == 0, (
            capsys.readouterr().err
        )
    assert sampling(model) == [
        {"max_tokens": 4096, "temperature": 0.2},
        {"max_completion_tokens": 4096, "temperature": 0.2},
        *[{"max_completion_tokens": 4096}] * 3,
    ]
    said = [record.getMessage() for record in caplog.records if IGNORED in record.getMessage()]
    assert len(said) == 1, said
    assert (
        "o4-mini" in said[0]
        and "0.2" in said[0]
        and "Only the default (1) value is supported" in said[0]
    )


def test_the_command_line_tells_the_user_the_temperature_is_ignored(model, tmp_path):
    model.profile = PROFILES["openai-reasoning"]
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "codegen",
            "generate",
            PROMPT,
            "--out",
            str(tmp_path),
            "--module",
            "ma",
            "--base-url",
            model.base_url,
            "--tracing",
            "off",
            "--no-run",
            "--model",
            "o4-mini",
            "--temperature",
            "0.2",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr.count(IGNORED) == 1, run.stderr
    assert "Drop --temperature" in run.stderr
    assert (tmp_path / "ma.py").exists()


def test_an_ordinary_endpoint_keeps_max_tokens_and_the_temperature(model, tmp_path, caplog):
    # Local servers take max_tokens (some older ones do not know max_completion_tokens). Run after a
    # reasoning model in the same process, so nothing learnt there may leak into this client.
    model.profile = PROFILES["openai-reasoning"]
    assert generate(model, tmp_path / "first", "--no-run", "--temperature", "0.2") == 0
    model.requests.clear()
    model.profile = PROFILES["ollama"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="codegen"):
        assert generate(model, tmp_path / "second", "--no-run", "--temperature", "0.2") == 0
    assert sampling(model) == [{"max_tokens": 4096, "temperature": 0.2}] * 3
    assert not [record for record in caplog.records if IGNORED in record.getMessage()]


def test_a_token_limit_too_big_after_the_switch_is_an_error_not_another_retry(
    model, tmp_path, capsys
):
    # Only a parameter refused outright is adapted to; a value out of range is the user's to fix.
    model.profile = PROFILES["openai-reasoning"]
    model.enqueue(
        Reply.error(
            400,
            "max_completion_tokens is too large: 500000. This model supports at most"
            " 100000 completion tokens, whereas you provided 500000.",
        )
    )
    assert generate(model, tmp_path, "--max-tokens", "500000") == 1
    err = capsys.readouterr().err
    assert "function:" in err and "max_completion_tokens is too large: 500000" in err
    assert sampling(model) == [{"max_tokens": 500000}, {"max_completion_tokens": 500000}]
    assert not (tmp_path / "ma.py").exists()


def test_a_refusal_of_both_parameters_from_another_profile_shape_is_adapted_to_as_well(
    model, tmp_path
):
    # A proxy that renames the model still answers with the same errors: the body decides, not the
    # name.
    model.profile = Profile("renamed", PROFILES["llama-cpp-python"].rejects, reasoning=True)
    assert (
        generate(model, tmp_path, "--no-run", "--model", "my-proxy-alias", "--temperature", "0")
        == 0
    )
    # The sampling parameters are settled first, then the response format steps down once.
    assert sampling(model)[-3:] == [{"max_completion_tokens": 4096}] * 3
    assert len(model.requests) == 6  # max_tokens, temperature, json_schema refused; three answered


@pytest.mark.parametrize(
    "message, then",
    [
        # A proxy (an Azure deployment, copilot-api) passes OpenAI's message on without `param` or
        # `code`.
        (
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
            "'max_completion_tokens' instead.",
            {"max_completion_tokens": 4096, "temperature": 0.5},
        ),
        # o3-mini refuses any temperature as a parameter, not as a value.
        (
            "Unsupported parameter: 'temperature' is not supported with this model.",
            {"max_tokens": 4096},
        ),
    ],
)
def test_the_refusal_is_read_from_the_message_when_the_body_names_no_parameter(
    model, tmp_path, message, then
):
    model.enqueue(Reply.error(400, message))
    assert generate(model, tmp_path, "--no-run", "--temperature", "0.5") == 0
    assert sampling(model) == [{"max_tokens": 4096, "temperature": 0.5}] + [then] * 3
