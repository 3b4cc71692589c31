"""`codegen generate` against the loopback model: files written, scores printed, faults reported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codegen.cli import main
from tests.helpers.cli import PROMPT, files_in, generate
from tests.helpers.ports import closed_port_url
from tests.loopback_model import (
    MOVING_AVERAGE,
    NEIGHBOURS_TEST,
    SHORT_SERIES_TEST,
    Reply,
    unittest_file,
)


def test_writes_module_and_tests_that_pass(model, tmp_path, capsys):
    assert generate(model, tmp_path, "--module", "moving_average") == 0
    assert files_in(tmp_path) == ["moving_average.py", "test_moving_average.py"]
    module = (tmp_path / "moving_average.py").read_text()
    assert "def moving_average(" in module and 'if __name__ == "__main__":' in module
    tests = (tmp_path / "test_moving_average.py").read_text()
    assert "from moving_average import moving_average" in tests and "your_module" not in tests
    run = subprocess.run(
        [sys.executable, "-m", "unittest", "-q", "test_moving_average"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "Ran 3 tests" in run.stderr
    out = capsys.readouterr()
    assert "Scores: code quality 1.00 · test coverage 1.00 · overall 1.00" in out.out
    assert "generating the function" in out.err  # progress goes to stderr


def test_module_name_derived_from_prompt_and_runner_and_tests_asked_concurrently(model, tmp_path):
    assert generate(model, tmp_path) == 0
    assert files_in(tmp_path) == [
        "moving_average_time_series.py",
        "test_moving_average_time_series.py",
    ]
    assert model.kinds() == ["GeneratedCode", "ProgramRunner", "UnitTest"] or model.kinds() == [
        "GeneratedCode",
        "UnitTest",
        "ProgramRunner",
    ]


def test_json_output_is_quiet_and_complete(model, tmp_path, capsys):
    assert generate(model, tmp_path, "--json") == 0
    out = capsys.readouterr()
    payload = json.loads(out.out)
    assert payload["scores"] == {
        "code_quality_score": 1.0,
        "test_coverage_score": 1.0,
        "overall_score": 1.0,
    }
    assert payload["files"]["tests"].endswith("test_moving_average_time_series.py")
    assert out.err == ""


def test_existing_files_are_not_overwritten_without_force(model, tmp_path, capsys):
    (tmp_path / "moving_average_time_series.py").write_text("# mine\n")
    assert generate(model, tmp_path) == 1
    assert (tmp_path / "moving_average_time_series.py").read_text() == "# mine\n"
    assert "--force" in capsys.readouterr().err
    assert model.requests == []  # refused before spending a model call
    assert generate(model, tmp_path, "--force") == 0
    assert "def moving_average" in (tmp_path / "moving_average_time_series.py").read_text()


def test_rate_limit_then_success_is_retried(model, tmp_path):
    model.enqueue(Reply.error(429, "slow down"))
    assert generate(model, tmp_path) == 0
    assert len(model.requests) == 4  # one 429, then function, runner, tests


def test_server_error_every_time_names_status_and_writes_nothing(model, tmp_path, capsys):
    model.enqueue(*[Reply.error(500, "upstream exploded")] * 5)
    assert generate(model, tmp_path) == 1
    err = capsys.readouterr().err
    assert "HTTP 500" in err and "upstream exploded" in err and "function:" in err
    assert files_in(tmp_path) == []
    assert len(model.requests) == 2  # the first try and --max-retries 1


def test_reply_slower_than_timeout(model, tmp_path, capsys):
    model.enqueue(Reply(delay=3))
    assert generate(model, tmp_path, "--timeout", "0.5", "--max-retries", "0") == 1
    err = capsys.readouterr().err
    assert "did not answer within 0.5 s" in err and "--timeout" in err
    assert files_in(tmp_path) == []


def test_invalid_json_reply(model, tmp_path, capsys):
    model.enqueue(Reply(content="{this is not json", kind="GeneratedCode"))
    assert generate(model, tmp_path) == 1
    err = capsys.readouterr().err
    assert "not a valid GeneratedCode" in err
    assert files_in(tmp_path) == []


def test_refusal_text_is_shown(model, tmp_path, capsys):
    model.enqueue(Reply(refusal="I can't help with that request.", kind="GeneratedCode"))
    assert generate(model, tmp_path) == 1
    assert "The model refused: I can't help with that request." in capsys.readouterr().err
    assert files_in(tmp_path) == []


def test_fenced_code_is_stripped(model, tmp_path):
    model.enqueue(
        Reply.code(
            "GeneratedCode", f"Here is the code:\n```python\n{MOVING_AVERAGE}```\nHope it helps!"
        )
    )
    model.enqueue(Reply.code("UnitTest", "```python\n" + model.answers["UnitTest"] + "```"))
    assert generate(model, tmp_path, "--module", "ma") == 0
    assert "```" not in (tmp_path / "ma.py").read_text() + (tmp_path / "test_ma.py").read_text()
    assert (tmp_path / "ma.py").read_text().startswith("from typing import List")


@pytest.mark.parametrize(
    "kind, step",
    [("GeneratedCode", "function"), ("UnitTest", "tests"), ("ProgramRunner", "runner")],
)
def test_syntax_error_names_the_step_and_writes_nothing(model, tmp_path, capsys, kind, step):
    model.enqueue(Reply.code(kind, "def broken(:\n    pass\n"))
    assert generate(model, tmp_path) == 1
    err = capsys.readouterr().err
    assert f"{step}: The generated code has a syntax error at line 1" in err
    assert files_in(tmp_path) == []


def test_no_key_and_no_base_url_says_how_to_configure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "codegen", "generate", PROMPT, "--tracing", "off"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 2
    assert "OPENAI_API_KEY" in run.stderr and "--base-url" in run.stderr
    assert files_in(tmp_path) == []


def test_unreachable_base_url(tmp_path, capsys):
    url = closed_port_url()
    assert generate(url, tmp_path, max_retries=0, timeout=None) == 1
    err = capsys.readouterr().err
    assert f"Cannot reach {url}" in err and "OPENAI_BASE_URL" in err
    assert files_in(tmp_path) == []


def test_dotenv_in_current_directory_is_read(model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"OPENAI_BASE_URL={model.base_url}\nCODEGEN_MODEL=from-dotenv\n")
    out = tmp_path / "out"
    assert main(["generate", PROMPT, "--out", str(out), "--tracing", "off"]) == 0
    assert {r["model"] for r in model.requests} == {"from-dotenv"}


# The default tests' first two, the first expecting 9.9 where the right answer is 3.5.
WRONG_EXPECTATION_TESTS = unittest_file(NEIGHBOURS_TEST.replace("3.5]", "9.9]"), SHORT_SERIES_TEST)


def test_failing_tests_are_repaired_once_and_the_run_is_reported(model, tmp_path, capsys):
    model.enqueue(
        Reply.code("UnitTest", WRONG_EXPECTATION_TESTS)
    )  # then the default (correct) tests
    assert generate(model, tmp_path, "--module", "ma", "--json") == 0
    payload = json.loads(capsys.readouterr().out)
    assert model.kinds().count("UnitTest") == 2  # generation + one repair
    assert "Failures:" in model.requests[-1]["messages"][-1]["content"]
    assert (
        "9.9" in model.requests[-1]["messages"][-1]["content"]
    )  # the model saw the failing assertion
    assert payload["repaired"] is True
    assert payload["execution"]["passed"] == 3 and payload["execution"]["failed"] == 0
    assert "9.9" not in (tmp_path / "test_ma.py").read_text()  # the repaired tests were written


def test_tests_still_failing_after_repair_are_kept_and_reported_as_possible_bugs(
    model, tmp_path, capsys
):
    model.enqueue(
        Reply.code("UnitTest", WRONG_EXPECTATION_TESTS),
        Reply.code("UnitTest", WRONG_EXPECTATION_TESTS),
    )
    assert generate(model, tmp_path, "--module", "ma") == 0
    out = capsys.readouterr().out
    assert "Tests: 1/2 passed, 1 failed" in out
    assert (
        "possible bug in `moving_average`: TestMovingAverage.test_window_of_two_averages_neighbours"
        in out
    )
    assert "9.9" in (tmp_path / "test_ma.py").read_text()  # not silently dropped: the user decides


def test_no_run_skips_the_sandbox(model, tmp_path, capsys):
    assert generate(model, tmp_path, "--no-run") == 0
    assert "Tests: not run" in capsys.readouterr().out


@pytest.mark.parametrize(
    "repair_reply, said",
    [
        (
            Reply.code("UnitTest", "def broken(:\n    pass\n"),
            "repair: The generated code has a syntax error at line 1",
        ),
        (
            Reply(refusal="I won't rewrite tests.", kind="UnitTest"),
            "repair: The model refused: I won't rewrite tests.",
        ),
        (
            Reply(content=json.dumps({"tests": "import unittest"}), kind="UnitTest"),
            "repair: The model's reply (json_schema mode) is not a valid UnitTest",
        ),
        (Reply.error(500, "repair endpoint down", kind="UnitTest"), "repair: http"),
    ],
)
def test_an_unusable_repair_keeps_what_was_made_and_reports_the_failing_tests(
    model, tmp_path, capsys, repair_reply, said
):
    model.enqueue(Reply.code("UnitTest", WRONG_EXPECTATION_TESTS), *[repair_reply] * 3)
    assert generate(model, tmp_path, "--module", "ma") == 0
    out = capsys.readouterr().out
    assert files_in(tmp_path) == ["ma.py", "test_ma.py"]
    assert "def moving_average" in (tmp_path / "ma.py").read_text()
    assert "9.9" in (tmp_path / "test_ma.py").read_text()  # the tests as first generated
    assert "Tests: 1/2 passed, 1 failed" in out
    assert f"repair not used: {said}" in out and "The tests as first generated were kept." in out
