"""The CLI's setting flags take their choices and defaults from `Settings`, written once."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import Field

import codegen.cli
from codegen.cli import build_parser, settings_from_args
from codegen.settings import Settings


class Wider(Settings):
    """Settings as a contributor changes them: a new tracing choice, a new reply timeout."""

    tracing: Literal["auto", "local", "wandb", "off", "otel"] = "auto"  # type: ignore[assignment]
    timeout: float = Field(42.0, gt=0, le=3600)


@pytest.fixture
def wider(monkeypatch):
    monkeypatch.setattr(codegen.cli, "Settings", Wider)


def test_a_new_choice_in_settings_is_a_flag_choice(wider, capsys):
    args = build_parser().parse_args(["generate", "p", "--tracing", "otel"])
    assert args.tracing == "otel"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["generate", "p", "--tracing", "loud"])
    assert "otel" in capsys.readouterr().err.split("choose from")[1]


def test_a_new_default_in_settings_is_the_default_in_help(wider, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["doctor", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "seconds to wait for one model reply (default 42)" in help_text


def test_every_setting_flag_reaches_the_settings(tmp_path):
    args = build_parser().parse_args(
        [
            "generate",
            "p",
            "--no-env-file",
            "--model=m",
            "--tracing=off",
            "--timeout=5",
            "--mutation=steer",
            "--test-framework=pytest",
            "--concurrency=serial",
            "--structured-output=text",
            "--max-tokens=9",
            "--repair-rounds=0",
            "--no-run",
        ]
    )
    settings = settings_from_args(args)
    assert (settings.model, settings.tracing, settings.timeout, settings.mutation) == (
        "m",
        "off",
        5,
        "steer",
    )
    assert (settings.test_framework, settings.concurrency, settings.structured_output) == (
        "pytest",
        "serial",
        "text",
    )
    assert (settings.max_tokens, settings.repair_rounds, settings.run_tests) == (9, 0, False)
