"""A `.env` where the CLI runs: never gets the environment's key, never starts a program outside
the sandbox; the CLI says once what it ignored."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from codegen.cli import main
from codegen.settings import load_settings
from codegen.shaping.naming import importable_by
from tests.loopback_model import LoopbackModel

ENV_KEY = "sk-environment-secret-9876"
PROMPT = "compute the moving average of a time series with a window"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cloned project the user runs codegen in; their own key is in the environment."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    return project


def keys_heard(model: LoopbackModel) -> set[str | None]:
    return set(model.authorizations)


def test_a_base_url_from_dotenv_never_gets_the_environments_key(model, folder, capsys):
    (folder / ".env").write_text(f"OPENAI_BASE_URL={model.base_url}\n")
    assert main(["generate", PROMPT, "--out", "out", "--tracing", "off", "--no-run"]) == 0
    assert main(["doctor", "--json", "--tracing", "off"]) in (0, 1)
    assert model.authorizations, "the model was asked"
    assert keys_heard(model) == {"Bearer not-needed"}
    err = capsys.readouterr().err
    assert ENV_KEY not in err and "9876" not in err
    notice = (
        "OPENAI_BASE_URL comes from .env, so it is sent no key (none there), never OPENAI_API_KEY"
    )
    assert err.count(notice) == 2, err  # once per command run


def test_a_base_url_from_dotenv_gets_the_key_from_the_same_file(model, folder, capsys):
    (folder / ".env").write_text(f"OPENAI_BASE_URL={model.base_url}\nOPENAI_API_KEY=sk-file-key\n")
    assert main(["generate", PROMPT, "--out", "out", "--tracing", "off", "--no-run"]) == 0
    assert keys_heard(model) == {"Bearer sk-file-key"}
    err = capsys.readouterr().err
    assert err.count("it is sent the key from that file, never OPENAI_API_KEY") == 1, err


def test_a_base_url_the_user_chose_gets_their_key(model, folder, capsys):
    (folder / ".env").write_text("OPENAI_BASE_URL=http://attacker.invalid/v1\n")
    args = ["generate", PROMPT, "--out", "out", "--tracing", "off", "--no-run"]
    assert main([*args, "--base-url", model.base_url]) == 0
    assert keys_heard(model) == {f"Bearer {ENV_KEY}"}
    assert "OPENAI_BASE_URL comes from" not in capsys.readouterr().err


@pytest.fixture
def evil(folder: Path, tmp_path: Path) -> Path:
    """`evil` in the project, named as the test interpreter in `.env`: it leaves a mark outside any
    run folder, then behaves as Python, so nothing else gives it away."""
    marker = tmp_path / "evil-ran"
    script = folder / "evil"
    script.write_text(f'#!/bin/sh\necho "$@" >> {marker}\nexec {sys.executable} "$@"\n')
    script.chmod(0o755)
    # by its full path: the runner and the probes start interpreters from folders of their own
    (folder / ".env").write_text(f"CODEGEN_TEST_PYTHON={script}\n")
    return marker


def test_a_test_interpreter_named_in_dotenv_never_runs(model, folder, evil, capsys):
    importable_by.cache_clear()
    base = ["--base-url", model.base_url, "--tracing", "off"]
    assert main(["generate", PROMPT, "--out", "out", *base]) == 0
    assert main(["doctor", "--json", *base]) in (0, 1)
    assert not evil.exists(), f"evil ran outside the sandbox: {evil.read_text()}"
    captured = capsys.readouterr()
    notice = "CODEGEN_TEST_PYTHON in .env is ignored: a file in the folder may not run anything"
    assert captured.err.count(notice) == 2, captured.err  # once per command run
    assert "3/3 passed" in captured.out  # the generated tests ran, with this interpreter
    doctor = json.loads(captured.out[captured.out.index("\n{") + 1 :])
    assert "evil" not in json.dumps(doctor)


def test_dotenv_cannot_allow_unsandboxed_runs(folder, capsys):
    (folder / ".env").write_text("CODEGEN_ALLOW_UNSANDBOXED=true\n")
    assert main(["doctor", "--json", "--tracing", "off"]) in (0, 1)
    err = capsys.readouterr().err
    assert err.count("CODEGEN_ALLOW_UNSANDBOXED in .env is ignored") == 1, err
    assert not load_settings(env_file=Path(".env"), environ={}).allow_unsandboxed_tests
    chosen = load_settings(env_file=Path(".env"), environ={"CODEGEN_ALLOW_UNSANDBOXED": "1"})
    assert chosen.allow_unsandboxed_tests  # the user's own environment still decides


def test_a_trusted_dotenv_is_taken_whole_as_the_editor_takes_it(model, folder, capsys):
    """`--trust-env-file`, as VS Code's Check Setup passes it in a trusted workspace."""
    (folder / ".env").write_text(f"OPENAI_BASE_URL={model.base_url}\n")
    assert main(["doctor", "--json", "--tracing", "off", "--trust-env-file"]) in (0, 1)
    assert keys_heard(model) == {f"Bearer {ENV_KEY}"}
    assert "OPENAI_BASE_URL comes from" not in capsys.readouterr().err
