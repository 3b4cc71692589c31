"""`codegen eval` against the loopback model: table, report, failing prompts, datasets, replay,
parallelism."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from codegen.cli import main
from tests.helpers.cli import evaluate
from tests.helpers.ports import closed_port_url
from tests.loopback_model import LoopbackModel, request_kind

ROOT = Path(__file__).resolve().parent.parent
SEED_PROMPTS = (ROOT / "codegen" / "demo" / "prompts.csv").read_text().splitlines()[1:]


class PromptAwareModel(LoopbackModel):
    """The loopback model, answering by what the prompt says: `explode` -> HTTP 500, `garble` ->
    code with a syntax error; and noting when each request arrived, with its kind."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.arrivals: list[tuple[float, str]] = []

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        text = json.dumps(body.get("messages", []))
        kind = request_kind(body)
        self.arrivals.append((time.monotonic(), kind))
        if "explode" in text:
            with self._lock:
                self.requests.append(body)
            error = {
                "error": {
                    "message": "upstream exploded",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            }
            return 500, error, self.delay
        status, payload, delay = super().answer(body)
        if "garble" in text and kind == "GeneratedCode":
            # Rewritten here rather than enqueued: a queued reply could go to another prompt's
            # request.
            payload["choices"][0]["message"]["content"] = json.dumps(
                {"code": "def broken(:\n    pass\n"}
            )
        return status, payload, delay


@pytest.fixture
def prompt_model():
    with PromptAwareModel() as server:
        yield server


def write_jsonl(path: Path, prompts: list[str]) -> Path:
    path.write_text("".join(json.dumps({"prompt": p, "category": "test"}) + "\n" for p in prompts))
    return path


def test_small_dataset_prints_the_table_and_writes_the_report(model, tmp_path, capsys):
    dataset = write_jsonl(
        tmp_path / "three.jsonl", ["sum two numbers", "reverse a string", "sort a list"]
    )
    report_path = tmp_path / "report.json"
    assert evaluate(model, dataset, "--parallel", "3", "--report", str(report_path)) == 0
    out = capsys.readouterr()
    for label in (
        "succeeded          3",
        "failed             0",
        "code quality       1.00",
        "pass rate          1.00",
        "line coverage",
        "flaky tests        0",
        "repaired           0",
        "p50     p95",
        "function",
        "total",
    ):
        assert label in out.out
    assert f"Report: {report_path}" in out.out
    assert "3/3 prompts done" in out.err  # progress on stderr

    report = json.loads(report_path.read_text())
    assert [row["prompt"] for row in report["rows"]] == [
        "sum two numbers",
        "reverse a string",
        "sort a list",
    ]
    assert {row["status"] for row in report["rows"]} == {"ok"}
    row = report["rows"][0]
    assert row["category"] == "test" and row["error"] is None and row["trial"] == 1
    assert row["scores"]["overall_score"] == 1.0
    assert row["execution"]["tests_run"] == 3 and row["execution"]["pass_rate"] == 1.0
    assert {"model.function", "model.runner", "model.tests", "run", "total"} <= set(row["timings"])
    summary = report["summary"]
    assert (summary["prompts"], summary["succeeded"], summary["failed"]) == (3, 3, 0)
    assert (
        summary["overall_score"] == 1.0
        and summary["pass_rate"] == 1.0
        and summary["tests_run"] == 9
    )
    assert summary["line_coverage"] > 50 and summary["flaky"] == 0 and summary["repaired"] == 0
    assert set(summary["latency"]) >= {"function", "runner", "tests", "run", "total"}
    assert summary["latency"]["total"]["p50"] <= summary["latency"]["total"]["p95"]
    # The summary's means are the scorers' own, as weave computed them.
    assert report["weave_summary"]["TestResultScorer"]["overall_score"]["mean"] == 1.0


def test_failing_prompts_are_reported_and_the_others_still_run(prompt_model, tmp_path, capsys):
    dataset = write_jsonl(
        tmp_path / "mixed.jsonl",
        ["sum two numbers", "explode the server", "garble the code", "sort a list"],
    )
    assert (
        evaluate(prompt_model, dataset, "--parallel", "4", "--report", str(tmp_path / "r.json"))
        == 0
    )
    out = capsys.readouterr().out
    assert "succeeded          2" in out and "failed             2" in out
    assert "'explode the server': function:" in out and "'garble the code': function:" in out
    rows = {row["prompt"]: row for row in json.loads((tmp_path / "r.json").read_text())["rows"]}
    assert rows["sum two numbers"]["status"] == rows["sort a list"]["status"] == "ok"
    exploded, garbled = rows["explode the server"], rows["garble the code"]
    assert (
        exploded["status"] == "failed"
        and "HTTP 500" in exploded["error"]
        and "upstream exploded" in exploded["error"]
    )
    assert garbled["status"] == "failed" and "syntax error at line 1" in garbled["error"]
    assert exploded["scores"]["overall_score"] == 0.0 and exploded["execution"]["pass_rate"] == 0.0
    summary = json.loads((tmp_path / "r.json").read_text())["summary"]
    assert summary["overall_score"] == 0.5  # two rows at 1.0, two failed rows at 0


def test_every_prompt_failing_exits_1_after_reporting(prompt_model, tmp_path, capsys):
    dataset = write_jsonl(tmp_path / "bad.jsonl", ["explode once", "explode twice"])
    assert evaluate(prompt_model, dataset, "--report", str(tmp_path / "r.json")) == 1
    err = capsys.readouterr().err
    assert "Every prompt failed" in err and "HTTP 500" in err
    assert len(json.loads((tmp_path / "r.json").read_text())["rows"]) == 2


def test_csv_dataset_and_json_output(model, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dataset = tmp_path / "prompts.csv"
    dataset.write_text(
        'category,prompt\nnumbers,"add two numbers, returning their sum"\n'
        "strings,reverse a string\n"
    )
    assert evaluate(model, dataset, "--json") == 0
    out = capsys.readouterr()
    assert out.err == ""  # --json: quiet, like generate --json
    report = json.loads(out.out)
    assert [row["prompt"] for row in report["rows"]] == [
        "add two numbers, returning their sum",
        "reverse a string",
    ]
    assert [row["category"] for row in report["rows"]] == ["numbers", "strings"]
    assert report["summary"]["succeeded"] == 2
    assert list(tmp_path.glob("eval-report-*.json")) == []  # --json without --report writes no file


def test_trials_repeat_every_prompt(model, tmp_path):
    dataset = write_jsonl(tmp_path / "one.jsonl", ["sum two numbers", "reverse a string"])
    assert evaluate(model, dataset, "--trials", "2", "--report", str(tmp_path / "r.json")) == 0
    rows = json.loads((tmp_path / "r.json").read_text())["rows"]
    assert [(row["prompt"], row["trial"]) for row in rows] == [
        ("sum two numbers", 1),
        ("reverse a string", 1),
        ("sum two numbers", 2),
        ("reverse a string", 2),
    ]
    assert model.kinds().count("GeneratedCode") == 4


def test_parallel_bounds_the_prompts_in_flight(tmp_path):
    with PromptAwareModel(delay=0.3) as model:
        dataset = write_jsonl(tmp_path / "four.jsonl", [f"task number {n}" for n in range(4)])
        assert (
            evaluate(model, dataset, "--parallel", "2", "--report", str(tmp_path / "r.json")) == 0
        )
        starts = sorted(t for t, kind in model.arrivals if kind == "GeneratedCode")
    assert len(starts) == 4
    assert starts[1] - starts[0] < 0.25  # two prompts start together ...
    assert (
        starts[2] - starts[0] > 0.55
    )  # ... the third only once one has finished (two model calls later)


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "broken.jsonl",
            '{"prompt": "fine"}\n{"prompt": "unterminated\n',
            "broken.jsonl:2: not valid JSON",
        ),
        (
            "list.jsonl",
            '["not", "an", "object"]\n',
            'list.jsonl:1: expected a JSON object such as {"prompt"',
        ),
        (
            "empty_prompt.jsonl",
            '{"prompt": "fine"}\n\n{"prompt": "  "}\n',
            'empty_prompt.jsonl:3: the row needs a non-empty "prompt"',
        ),
        (
            "columns.csv",
            "task,category\nadd numbers,numbers\n",
            "columns.csv:1: the CSV header has no `prompt` column (columns: 'task', 'category')",
        ),
        (
            "cells.csv",
            "prompt\nadd numbers, then round\n",
            "cells.csv:2: 2 cells but the header has 1 columns",
        ),
        ("nothing.jsonl", "\n\n", "has no prompts"),
        ("prompts.txt", "add numbers\n", "should be a .jsonl or .csv file"),
    ],
)
def test_malformed_datasets_are_named_with_the_line_before_any_model_call(
    model, tmp_path, capsys, name, content, message
):
    path = tmp_path / name
    path.write_text(content)
    assert evaluate(model, path) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert model.requests == []


def test_missing_dataset_file(model, tmp_path, capsys):
    assert evaluate(model, tmp_path / "absent.jsonl") == 2
    assert "absent.jsonl is not a file" in capsys.readouterr().err


def test_bad_flags(model, capsys):
    for flag in ("--parallel", "--trials"):
        with pytest.raises(SystemExit) as usage_error:  # argparse's: usage, then the error
            evaluate(model, None, flag, "0")
        assert usage_error.value.code == 2
        assert f"argument {flag}: '0': must be at least 1" in capsys.readouterr().err


def test_default_dataset_replays_the_seed_prompts_offline(tmp_path, capsys, monkeypatch):
    """The default dataset resolves from the checkout; the seed's three prompts replay from the
    recorded answers and pass; every other prompt is a replay miss, reported as failed."""
    monkeypatch.chdir(tmp_path)  # the default dataset must not depend on the current directory
    code = main(
        [
            "eval",
            "--replay",
            str(ROOT / "codegen" / "demo" / "replay"),
            "--tracing",
            "off",
            "--parallel",
            "8",
            "--base-url",
            closed_port_url(),
            "--report",
            "report.json",
        ]
    )
    assert code == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "report.json").read_text())
    status = {row["prompt"]: row for row in report["rows"]}
    assert len(status) >= 23
    for prompt in SEED_PROMPTS:
        assert status[prompt]["status"] == "ok", status[prompt]["error"]
        assert status[prompt]["execution"]["pass_rate"] == 1.0
    missed = [row for row in report["rows"] if row["prompt"] not in SEED_PROMPTS]
    assert {row["status"] for row in missed} == {"failed"}
    assert all("No recorded answer" in row["error"] for row in missed)
    assert report["summary"]["succeeded"] == 3


def test_local_tracing_records_the_evaluation(model, tmp_path):
    dataset = write_jsonl(tmp_path / "one.jsonl", ["sum two numbers"])
    code = main(
        [
            "eval",
            "--tracing",
            "local",
            "--base-url",
            model.base_url,
            "--dataset",
            str(dataset),
            "--report",
            str(tmp_path / "r.json"),
        ]
    )
    assert code == 0
    wal = "".join(p.read_text() for p in (Path.home() / ".weave" / "wal").rglob("*.jsonl"))
    for op in (
        "Evaluation.evaluate",
        "Evaluation.predict_and_score",
        "CodeGenerationPipeline.predict",
        "TestResultScorer.score",
        "ExecutionScorer.score",
        "ExecutionScorer.summarize",
    ):
        assert f"/op/{op}:" in wal, op
    assert json.loads((tmp_path / "r.json").read_text())["tracing"] == "local"


def test_a_row_with_into_generates_into_that_module_with_its_context(model, tmp_path, capsys):
    from tests.context_data import GEOMETRY, PERIMETER_REDEFINING, PROMPT, PROMPT_COMMENT
    from tests.loopback_model import Reply

    (tmp_path / "modules").mkdir()
    module = tmp_path / "modules" / "geometry.py"
    module.write_text(GEOMETRY + PROMPT_COMMENT)
    dataset = tmp_path / "prompts.jsonl"
    dataset.write_text(json.dumps({"prompt": PROMPT, "into": "modules/geometry.py"}) + "\n")
    model.enqueue(
        Reply.code(
            "UnitTest",
            "import unittest\n\nfrom geometry import Point, perimeter\n\n\n"
            "class TestPerimeter(unittest.TestCase):\n"
            "    def test_unit_square(self):\n"
            "        square = [Point(0, 0), Point(1, 0), Point(1, 1), Point(0, 1)]\n"
            "        self.assertAlmostEqual(perimeter(square), 4.0)\n",
        ),
        Reply.code("GeneratedCode", PERIMETER_REDEFINING),
    )
    assert evaluate(model, dataset, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    [row] = report["rows"]
    assert "class Point:" in model.requests[0]["messages"][-1]["content"]
    assert (
        "def distance(p: Point, q: Point) -> float:" in model.requests[0]["messages"][-1]["content"]
    )
    # The tests ran against the module as it would be written: its own Point and distance
    assert row["status"] == "ok" and row["execution"]["pass_rate"] == 1.0, row
    assert module.read_text() == GEOMETRY + PROMPT_COMMENT  # read, never written
    assert report["summary"]["succeeded"] == 1
