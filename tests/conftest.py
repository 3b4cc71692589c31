"""Shared fixtures: a loopback Chat Completions server and an environment with no real
credentials."""

from __future__ import annotations

import os

import pytest

from tests.loopback_model import LoopbackModel

# Nothing a test runs may find a real key or reach W&B, whatever the developer's shell has.
_SCRUBBED_PREFIXES = ("OPENAI_", "WANDB_", "CODEGEN_", "WEAVE_")


@pytest.fixture(autouse=True)
def clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in list(os.environ):
        if name.startswith(_SCRUBBED_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def model() -> LoopbackModel:
    with LoopbackModel() as server:
        yield server
