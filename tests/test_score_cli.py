"""`codegen score` and `codegen traces` as a user runs them."""

from __future__ import annotations

import json

from codegen.cli import main
from tests.loopback_model import MOVING_AVERAGE, RUNNER, TESTS

UNDOCUMENTED = "def f(x):\n    return x + 1\n"


def write_module(tmp_path, tests: str | None = TESTS):
    module = tmp_path / "moving_average.py"
    module.write_text(MOVING_AVERAGE + "\n\n" + RUNNER)
    if tests is not None:
        (tmp_path / "test_moving_average.py").write_text(
            tests.replace("your_module", "moving_average")
        )
    return module


def test_score_finds_tests_beside_the_module_and_prints_scores(tmp_path, capsys):
    module = write_module(tmp_path)
    assert main(["score", str(module)]) == 0
    out = capsys.readouterr().out
    assert "code quality 1.00 · test coverage 1.00 · overall 1.00" in out
    assert "test_moving_average.py" in out


def test_score_reports_findings_with_lines(tmp_path, capsys):
    module = tmp_path / "plain.py"
    module.write_text(UNDOCUMENTED)
    assert main(["score", str(module), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    codes = {(f["code"], f["line"]) for f in report["findings"]}
    assert ("missing-docstring", 1) in codes and ("missing-type-hints", 1) in codes
    assert report["scores"]["test_coverage_score"] == 0.0 and report["tests"] is None


def test_score_run_reports_passes_and_per_function_coverage(tmp_path, capsys):
    module = write_module(tmp_path)
    assert main(["score", str(module), "--run", "--repeats", "1", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["execution"]
    assert (run["run"], run["passed"], run["failed"]) == (3, 3, 0)
    coverage = {f["name"]: f["percent"] for f in run["functions"]}
    assert coverage["moving_average"] > 80 and coverage["main"] == 0


def test_score_run_without_tests_says_what_to_do(tmp_path, capsys):
    module = write_module(tmp_path, tests=None)
    assert main(["score", str(module), "--run"]) == 1
    assert "--tests" in capsys.readouterr().err


def test_score_of_binary_junk_does_not_crash(tmp_path, capsys):
    junk = tmp_path / "junk.py"
    junk.write_bytes(b"\x00\xff\xfe" * 100 + b"(((((")
    assert main(["score", str(junk)]) == 0
    assert "syntax-error" in capsys.readouterr().out


def test_score_of_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["score", str(tmp_path / "nope.py")]) == 1
    assert "Cannot read" in capsys.readouterr().err


def test_traces_lists_a_locally_traced_generation(model, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CODEGEN_TRACE_DIR", str(tmp_path / "traces"))
    assert main(["traces"]) == 0
    assert "No traced runs" in capsys.readouterr().out
    code = main(
        [
            "generate",
            "compute the moving average of a time series with a window",
            "--out",
            str(tmp_path / "out"),
            "--base-url",
            model.base_url,
            "--tracing",
            "local",
            "--no-run",
        ]
    )
    assert code == 0
    capsys.readouterr()
    assert main(["traces", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert runs[0]["prompt"] == "compute the moving average of a time series with a window"
    assert runs[0]["model"] == "gpt-4o"
    assert runs[0]["scores"]["overall_score"] == 1.0


def test_score_json_keeps_full_precision_and_the_text_rounds_for_display(tmp_path, capsys):
    # three functions, one test with self.assert: coverage 1 / 3 + 0.2; quality: one Name (`value`):
    # 0.1
    module = tmp_path / "three.py"
    module.write_text(
        "def first():\n    pass\n\n\ndef second():\n    pass\n\n\ndef third():\n    return value\n"
    )
    tests = tmp_path / "test_three.py"
    tests.write_text(
        "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_first(self):\n"
        "        self.assertTrue(True)\n"
    )
    assert main(["score", str(module), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)["scores"]
    assert scores == {
        "code_quality_score": 0.1,
        "test_coverage_score": 1 / 3 + 0.2,
        "overall_score": (0.1 + 1 / 3 + 0.2) / 2,
    }
    assert main(["score", str(module)]) == 0
    assert "code quality 0.10 · test coverage 0.53 · overall 0.32" in capsys.readouterr().out
