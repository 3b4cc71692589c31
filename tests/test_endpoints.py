"""Structured output that adapts to the endpoint: `codegen generate` against each server profile,
real SDK."""

from __future__ import annotations

import asyncio
import json
from functools import partial

import pytest

from codegen.model.structured_output import MAX_CODE_BYTES
from tests.helpers.cli import files_in
from tests.helpers.cli import generate as generate_with
from tests.helpers.session import generate_twice, untraced_settings
from tests.loopback_model import MOVING_AVERAGE, PROFILES, Profile, Rejection, Reply, request_shape

generate = partial(generate_with, module="ma", max_retries=2)


def shapes(model) -> list[str]:
    return [request_shape(r) for r in model.requests]


@pytest.mark.parametrize(
    "profile, probe, mode",
    [
        ("openai", [], "json_schema"),
        ("ollama", [], "json_schema"),
        ("vllm", [], "json_schema"),
        ("llama-cpp-python", ["json_schema"], "json_object+schema"),
        ("groq", ["json_schema", "json_object+schema"], "json_object"),
        ("rejects-both", ["json_schema", "json_object+schema", "json_object"], "text"),
    ],
)
def test_generate_works_against_each_endpoint_and_steps_down_once(
    model, tmp_path, capsys, profile, probe, mode
):
    model.profile = PROFILES[profile]
    assert generate(model, tmp_path) == 0, capsys.readouterr().err
    # Each rejected format is asked once (no SDK retries, though a 500 is retryable), then the mode
    # that worked is used for the function, runner and tests alike.
    assert shapes(model) == [*probe, mode, mode, mode]
    assert {r["max_tokens"] for r in model.requests} == {4096}
    assert "def moving_average(" in (tmp_path / "ma.py").read_text()
    assert "from ma import moving_average" in (tmp_path / "test_ma.py").read_text()
    assert "Tests: 3/3 passed" in capsys.readouterr().out
    last = model.requests[-1]
    if (
        mode != "json_schema"
    ):  # the schema is spelled out for every mode that cannot carry it natively
        assert (
            '"test_code"' in last["messages"][0]["content"]
            or '"main_function_code"' in last["messages"][0]["content"]
        )
    if mode == "json_object+schema":
        assert last["response_format"]["schema"]["title"] in ("ProgramRunner", "UnitTest")


def test_the_mode_is_remembered_for_the_session(model):
    # A language server keeps one session per configuration: the endpoint is probed once, not per
    # generation.
    model.profile = PROFILES["llama-cpp-python"]
    asyncio.run(generate_twice(untraced_settings(model), model))
    assert shapes(model) == ["json_object+schema"] * 3


def test_text_mode_takes_the_code_from_a_fenced_block(model, tmp_path):
    model.profile = Profile("fenced", PROFILES["rejects-both"].rejects, text_style="fenced_code")
    assert generate(model, tmp_path, "--no-run") == 0
    assert (tmp_path / "ma.py").read_text().startswith("from typing import List")


def test_an_explicit_text_mode_sends_no_response_format(model, tmp_path):
    assert generate(model, tmp_path, "--no-run", "--structured-output", "text") == 0
    assert shapes(model) == ["text"] * 3 and not any("response_format" in r for r in model.requests)


def test_an_explicit_mode_the_endpoint_rejects_is_an_error_naming_it(model, tmp_path, capsys):
    model.profile = PROFILES["llama-cpp-python"]
    assert generate(model, tmp_path, "--structured-output", "json_schema") == 1
    err = capsys.readouterr().err
    assert "function:" in err and "rejected the structured-output mode 'json_schema'" in err
    assert "Input should be 'text' or 'json_object'" in err and "--structured-output" in err
    assert len(model.requests) == 1  # a 500 naming the response format is not retried
    assert files_in(tmp_path) == []


def test_a_transient_server_error_on_the_first_request_is_still_retried(model, tmp_path):
    model.enqueue(Reply.error(500, "upstream exploded"))
    assert generate(model, tmp_path, "--no-run") == 0
    assert (
        shapes(model) == ["json_schema"] * 4
    )  # the retry, then runner and tests, all in json_schema


@pytest.mark.parametrize(
    "body, content_type, said",
    [
        ("", "application/json", "HTTP 200 and an empty body"),
        (
            "<html><body><h1>Bad Gateway</h1></body></html>",
            "text/html",
            "HTTP 200 and text/html beginning '<html>",
        ),
    ],
)
def test_a_rejection_answered_with_200_and_no_completion(
    model, tmp_path, capsys, body, content_type, said
):
    model.profile = Profile(
        "odd", {"json_schema": Rejection(200, raw_body=body, content_type=content_type)}
    )
    assert generate(model, tmp_path) == 1
    err = capsys.readouterr().err
    assert f"function: {model.base_url} answered the json_schema request with {said}" in err
    assert "--structured-output" in err
    assert len(model.requests) == 1
    assert files_in(tmp_path) == []


def test_a_rejection_answered_with_an_html_error_page_names_it(model, tmp_path, capsys):
    model.profile = Profile(
        "proxy",
        {
            "json_schema": Rejection(
                400, raw_body="<html>Bad Request</html>", content_type="text/html"
            )
        },
    )
    assert generate(model, tmp_path) == 1
    err = capsys.readouterr().err
    assert (
        "function:" in err
        and "rejected the json_schema request (HTTP 400): text/html beginning '<html>Bad" in err
    )
    assert len(model.requests) == 1 and files_in(tmp_path) == []


WRONG_SHAPE = json.dumps({"answer": MOVING_AVERAGE})
IN_PROSE = "Sure! " + json.dumps({"code": MOVING_AVERAGE}) + " Enjoy."


@pytest.mark.parametrize(
    "content, setting, mode, why",
    [
        (WRONG_SHAPE, "json_schema", "json_schema", "Field required)"),
        (WRONG_SHAPE, "json_object", "json_object+schema", "Field required)"),
        (WRONG_SHAPE, "text", "text", "Field required)"),
        (IN_PROSE, "json_schema", "json_schema", "Invalid JSON"),
        (IN_PROSE, "json_object", "json_object+schema", "Invalid JSON"),
    ],
    ids=["wrong-shape-json_schema", "wrong-shape-json_object", "wrong-shape-text",
         "in-prose-json_schema", "in-prose-json_object"],
)  # fmt: skip
def test_valid_json_of_the_wrong_shape_or_json_in_prose_fails_with_the_mode_and_why(
    model, tmp_path, capsys, content, setting, mode, why
):
    model.profile = PROFILES["ollama"]
    model.enqueue(Reply(content=content, kind="GeneratedCode"))
    assert generate(model, tmp_path, "--structured-output", setting) == 1
    err = capsys.readouterr().err
    assert f"function: The model's reply ({mode} mode) is not a valid GeneratedCode ({why}" in err
    assert len(model.requests) == 1 and files_in(tmp_path) == []


def test_a_text_reply_with_neither_json_nor_code_says_so(model, tmp_path, capsys):
    model.enqueue(Reply(content="I would rather not write code today.", kind="GeneratedCode"))
    assert generate(model, tmp_path, "--structured-output", "text") == 1
    err = capsys.readouterr().err
    assert (
        "function: The model's reply (text mode) holds neither a JSON object nor a fenced code "
        "block" in err
    )
    assert len(model.requests) == 1 and files_in(tmp_path) == []


def test_max_tokens_is_sent_with_every_request(model, tmp_path):
    assert generate(model, tmp_path, "--no-run", "--max-tokens", "777") == 0
    assert [r["max_tokens"] for r in model.requests] == [777, 777, 777]


def test_a_10_mb_reply_fails_with_a_message_and_nothing_goes_back_to_the_model(
    model, tmp_path, capsys
):
    huge = MOVING_AVERAGE + "\n" + "padding = 1\n" * 900_000  # ~10.8 MB of valid Python
    model.enqueue(Reply.code("GeneratedCode", huge))
    assert generate(model, tmp_path) == 1
    err = capsys.readouterr().err
    assert (
        f"over the {MAX_CODE_BYTES // 1000} KB of code codegen accepts" in err
        and "function:" in err
    )
    assert "--max-tokens" in err
    assert len(model.requests) == 1  # no runner or tests prompt carried it back to the model
    assert files_in(tmp_path) == []


def test_oversized_tests_fail_the_generation_before_any_repair_request(model, tmp_path, capsys):
    model.enqueue(Reply.code("UnitTest", "import unittest\n" + "x = 1\n" * 60_000))
    assert generate(model, tmp_path) == 1
    assert "tests: The model's" in capsys.readouterr().err
    assert sorted(model.kinds()) == ["GeneratedCode", "ProgramRunner", "UnitTest"]
    assert files_in(tmp_path) == []


@pytest.mark.parametrize(
    "status, message",
    [
        (
            400,
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this "
            "model.",
        ),
        (422, "body -> response_format -> json_schema: extra fields not permitted"),
        (500, "Input should be 'text' or 'json_object' at body.response_format.type"),
    ],
)
def test_a_rejection_naming_the_format_steps_down_without_a_retry(model, tmp_path, status, message):
    model.profile = Profile("rejecting", {"json_schema": Rejection(status, message)})
    assert generate(model, tmp_path, "--no-run") == 0
    assert shapes(model) == [
        "json_schema",
        "json_object+schema",
        "json_object+schema",
        "json_object+schema",
    ]


def test_a_400_that_does_not_name_the_format_is_an_error_not_a_step_down(model, tmp_path, capsys):
    model.enqueue(Reply.error(400, "This model's maximum context length is 8192 tokens."))
    assert generate(model, tmp_path) == 1
    err = capsys.readouterr().err
    assert (
        "function:" in err
        and "rejected the json_schema request (HTTP 400): This model's maximum context" in err
    )
    assert shapes(model) == ["json_schema"] and files_in(tmp_path) == []


def test_the_mode_and_token_limit_come_from_the_environment_too(model, tmp_path, monkeypatch):
    monkeypatch.setenv("CODEGEN_STRUCTURED_OUTPUT", "text")
    monkeypatch.setenv("CODEGEN_MAX_TOKENS", "512")
    assert generate(model, tmp_path, "--no-run") == 0
    assert shapes(model) == ["text"] * 3 and {r["max_tokens"] for r in model.requests} == {512}


def test_an_unknown_mode_in_the_environment_is_a_configuration_error(
    model, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("CODEGEN_STRUCTURED_OUTPUT", "xml")
    assert generate(model, tmp_path) == 2
    err = capsys.readouterr().err
    assert "structured_output" in err and "'json_schema'" in err
    assert model.requests == []
