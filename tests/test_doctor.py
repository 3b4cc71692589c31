"""`codegen doctor`: each check passes or says how to fix it, and the exit code follows."""

from __future__ import annotations

import json
import socket

import pytest

from codegen.cli import main
from tests.loopback_model import PROFILES, LoopbackModel, Reply

ADD = Reply.code("GeneratedCode", "def add(a: int, b: int) -> int:\n    return a + b\n")


def run_doctor(capsys, *args: str) -> tuple[int, dict]:
    code = main(["doctor", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def checks(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


def test_all_checks_pass_against_a_working_endpoint(model, capsys):
    model.enqueue(ADD)
    code, report = run_doctor(capsys, "--base-url", model.base_url, "--model", "loopback")
    assert code == 0 and report["ok"]
    found = checks(report)
    assert "json_schema" in found["structured output"]["detail"]
    assert found["tracing"]["ok"]


def test_unknown_model_is_named_with_the_available_ones(model, capsys):
    model.serves_unlisted = False
    code, report = run_doctor(capsys, "--base-url", model.base_url, "--model", "no-such-model")
    assert code == 1
    assert "loopback" in checks(report)["endpoint"]["fix"]
    assert not checks(report)["endpoint"]["ok"]


def test_an_unlisted_model_that_answers_is_a_warning_naming_the_listed_ones(capsys):
    """llama-cpp-python lists its model by file path and answers whatever name a request gives."""
    with LoopbackModel(listed_models=("/models/SmolLM2-135M.gguf",)) as server:
        server.enqueue(ADD)
        code = main(["doctor", "--base-url", server.base_url, "--model", "smollm"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "warn endpoint: reachable; 1 models listed, but not 'smollm'" in out
    assert "(listed: /models/SmolLM2-135M.gguf), yet a request naming it was answered" in out
    assert "FAIL" not in out


@pytest.mark.parametrize(
    "slots, setting, found",
    [
        (1, "auto", "one request at a time: a second request stopped the first reply"),
        (2, "auto", "side by side: two requests at once were both answered whole"),
        (1, "serial", "one request at a time (the concurrency setting is serial)"),
    ],
)
def test_doctor_reports_whether_the_server_takes_two_requests_at_once(
    capsys, slots, setting, found
):
    with LoopbackModel(slots=slots, piece_delay=0.02) as server:
        server.enqueue(ADD)
        code, report = run_doctor(
            capsys, "--base-url", server.base_url, "--model", "loopback", "--concurrency", setting
        )
    assert code == 0, report
    assert checks(report)["concurrency"]["detail"].startswith(found)
    assert server.cuts() == (
        ["GeneratedCode"] if found.startswith("one request at a time:") else []
    )


@pytest.mark.parametrize(
    "profile, mode",
    [("llama-cpp-python", "json_object+schema"), ("groq", "json_object"), ("rejects-both", "text")],
)
def test_structured_output_check_reports_the_mode_the_endpoint_ended_up_with(
    model, capsys, profile, mode
):
    model.profile = PROFILES[profile]
    model.enqueue(ADD)
    code, report = run_doctor(capsys, "--base-url", model.base_url, "--model", "loopback")
    assert code == 0, report
    detail = checks(report)["structured output"]["detail"]
    assert f"in {mode} mode, after the endpoint rejected the modes before it" in detail


def test_all_green_offline_against_a_local_server_with_no_key(model, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env, no key anywhere: a local server needs none
    model.enqueue(ADD)
    code = main(["doctor", "--base-url", model.base_url, "--model", "loopback"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "FAIL" not in out
    assert (
        "API key none (not needed for most local servers)" in out and "in json_schema mode" in out
    )


def test_missing_credentials_fail_with_the_fix(capsys):
    code, report = run_doctor(capsys)
    assert code == 1
    assert "OPENAI_API_KEY" in checks(report)["credentials"]["fix"]


def test_unreachable_endpoint_fails_with_the_fix(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, report = run_doctor(capsys, "--base-url", f"http://127.0.0.1:{port}/v1")
    assert code == 1
    assert "OPENAI_BASE_URL" in checks(report)["endpoint"]["fix"]


def test_key_is_masked(model, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-1234567890abcdef")
    main(["doctor", "--base-url", model.base_url, "--model", "loopback"])
    out = capsys.readouterr().out
    assert "sk-…cdef" in out and "1234567890" not in out


def test_a_model_that_ignores_the_request_fails_the_check(model, capsys):
    code, report = run_doctor(
        capsys, "--base-url", model.base_url, "--model", "loopback"
    )  # answers moving_average
    assert code == 1
    assert "without the asked-for function" in checks(report)["structured output"]["detail"]


def test_doctor_reports_the_sandbox_level(model, capsys):
    model.enqueue(ADD)
    code, report = run_doctor(capsys, "--base-url", model.base_url, "--model", "loopback")
    sandbox = checks(report)["sandbox"]
    assert sandbox["ok"], sandbox
    # Each level says what it guarantees, where the machine reaches it (full here; filesystem
    # where user namespaces are off)
    if sandbox["detail"].startswith("isolation full:"):
        assert "no network (a network namespace of its own" in sandbox["detail"], sandbox
    else:
        assert sandbox["detail"].startswith("isolation filesystem:"), sandbox
        assert (
            "no network (every socket but a connected pair refused by seccomp" in sandbox["detail"]
        )
        assert "no PID namespace" in sandbox["detail"]


def test_the_set_up_check_ignores_a_hostile_workspace(tmp_path):
    """As the VS Code extension runs it: `python -I -m codegen doctor --no-env-file`, here even from
    the workspace itself: its `codegen/` package does not run instead of ours, its `.env` is not
    read."""
    import subprocess
    import sys

    (tmp_path / "codegen").mkdir()
    (tmp_path / "codegen" / "__init__.py").write_text(
        "raise SystemExit('the workspace package ran')\n"
    )
    (tmp_path / ".env").write_text(
        "OPENAI_BASE_URL=http://attacker.invalid/v1\nOPENAI_API_KEY=sk-workspace\n"
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-m", "codegen", "doctor", "--json", "--no-env-file"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CODEGEN_TRACING": "off"},
    )
    report = json.loads(completed.stdout)
    assert "the workspace package ran" not in completed.stderr
    assert "attacker.invalid" not in completed.stdout
    assert checks(report)["credentials"]["detail"] == "no API key and no base URL"
