"""The Weave scorers: numbers on fixed outputs, failed outputs, a sandboxed run of their own,
summaries."""

from __future__ import annotations

import asyncio

import pytest

from codegen.scoring.scorers import ExecutionScorer, TestResultScorer, generation_error
from tests.loopback_model import (
    MOVING_AVERAGE,
    NEIGHBOURS_TEST,
    RUNNER,
    SHORT_SERIES_TEST,
    unittest_file,
)

WRONG_EXPECTATION_TEST = """    def test_wrong_expectation(self):
        self.assertEqual(moving_average([1.0, 3.0], 2), [9.0])
"""
# Two tests that pass and one that fails, on the module as it is saved.
TESTS = unittest_file(
    NEIGHBOURS_TEST, SHORT_SERIES_TEST, WRONG_EXPECTATION_TEST, module="moving_average"
)

PROMPT = "compute the moving average of a time series with a window"


def output(**changes):
    """A pipeline output as CodeGenerationPipeline.predict returns it."""
    return {
        "prompt": PROMPT,
        "module_name": "moving_average",
        "generated_code": MOVING_AVERAGE,
        "program_runner": RUNNER,
        "unit_tests": TESTS,
        "scores": {},
        "timings": {},
        "execution": {
            "run": 4,
            "passed": 2,
            "failed": 1,
            "errored": 0,
            "skipped": 0,
            "flaky": 1,
            "duration": 0.5,
            "timed_out": False,
            "problem": None,
            "coverage_measured": True,
            "line_coverage": 75.0,
            "tests": [],
            "functions": [],
        },
        "repaired": True,
        "possible_bugs": [{"function": "moving_average"}, {"function": "moving_average"}],
        **changes,
    }


@pytest.fixture(autouse=True)
def weave_off(monkeypatch):
    # Scorer ops called outside an evaluation: run them untraced, as `--tracing off` does.
    monkeypatch.setenv("WEAVE_DISABLED", "true")


def score_execution(value, scorer: ExecutionScorer | None = None) -> dict:
    return asyncio.run((scorer or ExecutionScorer()).score(output=value, prompt=PROMPT))


def test_seed_scores_of_a_fixed_output():
    scores = TestResultScorer().score(output=output(), prompt=PROMPT)
    # MOVING_AVERAGE: docstring + annotations + names -> 1.0; 3 tests for 1 function + self.assert
    # -> 1.0
    assert scores == {
        "code_quality_score": 1.0,
        "test_coverage_score": 1.0,
        "overall_score": 1.0,
        "succeeded": True,
    }


def test_seed_scores_follow_the_code():
    scores = TestResultScorer().score(
        output=output(generated_code="def f(a):\n    return a\n", unit_tests=""), prompt=PROMPT
    )
    # no docstring, no hints, no Name longer than one letter -> 0; no tests -> 0
    assert scores["code_quality_score"] == 0.0 and scores["test_coverage_score"] == 0.0
    assert scores["succeeded"] is True


@pytest.mark.parametrize(
    "failed", [None, {"prompt": PROMPT, "error": "function: HTTP 500"}, "text", {"prompt": PROMPT}]
)
def test_failed_outputs_score_zero_and_never_raise(failed):
    assert TestResultScorer().score(output=failed, prompt=PROMPT) == {
        "code_quality_score": 0.0,
        "test_coverage_score": 0.0,
        "overall_score": 0.0,
        "succeeded": False,
    }
    scores = score_execution(failed)
    assert scores["succeeded"] is False and scores["pass_rate"] == 0.0 and scores["tests_run"] == 0
    assert scores["line_coverage"] is None and scores["problem"] == generation_error(failed)


def test_execution_numbers_of_a_fixed_run():
    scores = score_execution(output())
    assert scores == {
        "succeeded": True,
        "pass_rate": 0.5,
        "tests_run": 4,
        "passed": 2,
        "failed": 1,
        "errored": 0,
        "flaky": 1,
        "line_coverage": 75.0,
        "repaired": True,
        "possible_bugs": 2,
        "timed_out": False,
        "problem": None,
        "ran_here": False,
    }


def test_nothing_ran_is_pass_rate_zero_and_unmeasured_coverage_is_none():
    execution = {
        **output()["execution"],
        "run": 0,
        "passed": 0,
        "failed": 0,
        "flaky": 0,
        "timed_out": True,
        "coverage_measured": False,
        "line_coverage": None,
        "problem": "The test run timed out.",
    }
    scores = score_execution(output(execution=execution, repaired=False, possible_bugs=[]))
    assert scores["pass_rate"] == 0.0 and scores["tests_run"] == 0
    assert scores["line_coverage"] is None and scores["timed_out"] is True
    assert scores["problem"] == "The test run timed out." and scores["repaired"] is False


def test_output_without_execution_is_run_in_the_sandbox():
    scores = score_execution(
        output(execution=None, repaired=False, possible_bugs=[]), ExecutionScorer(repeats=1)
    )
    assert scores["ran_here"] is True
    assert (scores["tests_run"], scores["passed"], scores["failed"]) == (3, 2, 1)
    assert scores["pass_rate"] == pytest.approx(2 / 3)
    assert scores["line_coverage"] is not None and scores["line_coverage"] > 50


def test_a_sandbox_that_cannot_start_is_reported_not_raised():
    scores = score_execution(
        output(execution=None, module_name="not a module"), ExecutionScorer(repeats=1)
    )
    assert scores["tests_run"] == 0 and "could not be run" in scores["problem"]


def test_summaries_count_failed_and_unscored_rows():
    seed = TestResultScorer()
    rows = [
        seed.score(output=output(), prompt=PROMPT),
        seed.score(output=None, prompt=PROMPT),
        {},
        None,
    ]
    summary = seed.summarize(rows)
    assert summary["overall_score"] == {"mean": 0.25}  # 1.0 and three failed rows counting 0
    assert summary["succeeded"] == {"true_count": 1, "rows": 4}

    execution = ExecutionScorer()
    ok = score_execution(output())
    clean = score_execution(
        output(
            execution={
                **output()["execution"],
                "run": 2,
                "passed": 2,
                "failed": 0,
                "flaky": 0,
                "line_coverage": 100.0,
            },
            repaired=False,
            possible_bugs=[],
        )
    )
    summary = execution.summarize([ok, clean, score_execution(None), {}])
    assert summary["pass_rate"] == {"mean": (0.5 + 1.0) / 4}
    assert summary["tests_passed"] == {"sum": 4, "of": 6, "fraction": 4 / 6}
    assert summary["line_coverage"] == {"mean": 87.5, "measured": 2}
    assert (
        summary["flaky"] == {"sum": 1}
        and summary["failed"] == {"sum": 1}
        and summary["possible_bugs"] == {"sum": 2}
    )
    assert summary["repaired"] == {"true_count": 1, "rows": 4}
    assert summary["succeeded"] == {"true_count": 2, "rows": 4}


def test_weave_evaluation_passes_none_and_skips_scorers_when_predict_raises():
    """Pins weave 0.54's behaviour our scorers rely on: a raising predict is a row with output None
    whose scores reach summarize as `{}`; the evaluation goes on."""
    import weave

    @weave.op
    async def predict(prompt: str) -> dict:
        if "broken" in prompt:
            raise RuntimeError("the model failed")
        return output(prompt=prompt)

    evaluation = weave.Evaluation(
        dataset=weave.Dataset(name="pin", rows=[{"prompt": "fine"}, {"prompt": "broken"}]),
        scorers=[TestResultScorer(), ExecutionScorer()],
    )
    summary = asyncio.run(evaluation.evaluate(predict))
    assert summary["TestResultScorer"]["succeeded"] == {"true_count": 1, "rows": 2}
    assert summary["TestResultScorer"]["overall_score"] == {"mean": 0.5}
    assert summary["ExecutionScorer"]["pass_rate"] == {"mean": 0.25}
