"""The pipeline's entry points for an editor: tests or a runner for existing code, files it joins,
one traced call."""

from __future__ import annotations

import asyncio

from codegen.generation import Destination, SavedFiles
from codegen.session import GenerationSession
from codegen.settings import load_settings
from tests.loopback_model import MOVING_AVERAGE, Reply

WRONG_EXPECTATION_TESTS = """import unittest

from your_module import moving_average


class TestMovingAverage(unittest.TestCase):
    def test_window_of_two_averages_neighbours(self):
        self.assertEqual(moving_average([1.0, 2.0, 3.0, 4.0], 2), [1.5, 2.5, 9.9])
"""
EXISTING_TESTS = """import unittest

from ma import helper


class TestHelper(unittest.TestCase):
    def test_helper(self):
        self.assertEqual(helper(), 1)
"""


def predict(model, destination=None, **arguments):
    settings = load_settings(
        {"base_url": model.base_url, "tracing": "off", "test_repeats": 1}, environ={}
    )

    async def go():
        session = GenerationSession(settings)
        try:
            pipeline = session.pipeline(destination=destination)
            return await pipeline.predict(**arguments), pipeline.last_run
        finally:
            await session.close()

    return asyncio.run(go())


def test_tests_for_an_existing_function_ask_only_for_tests_and_run_them(model):
    output, (files, run) = predict(
        model,
        prompt="tests for moving_average",
        module_name="ma",
        code=MOVING_AVERAGE,
        parts="tests",
    )
    assert model.kinds() == ["UnitTest"]
    assert output["generated_code"] == MOVING_AVERAGE and output["program_runner"] == ""
    assert "from ma import moving_average" in output["unit_tests"]
    assert (
        run.passed == 3
        and output["execution"]["passed"] == 3
        and files.test_code == output["unit_tests"]
    )


def test_no_runner_is_asked_for_when_the_module_has_one(model):
    output, _ = predict(
        model, prompt="compute the moving average", module_name="ma", runner_exists=True
    )
    assert sorted(model.kinds()) == ["GeneratedCode", "UnitTest"] and output["program_runner"] == ""


def test_the_function_alone_runs_nothing(model):
    output, last_run = predict(
        model, prompt="compute the moving average", module_name="ma", parts="function"
    )
    assert model.kinds() == ["GeneratedCode"] and last_run is None and output["execution"] is None


def test_tests_run_against_the_files_they_join_and_failures_get_the_repair_round(model):
    """The editor's case: the module has other code and a test file with other tests already."""
    model.enqueue(Reply.code("UnitTest", WRONG_EXPECTATION_TESTS))
    composed: list[tuple[str, str, str]] = []

    async def compose(code: str, runner: str, tests: str) -> SavedFiles:
        composed.append((code, runner, tests))
        module = "def helper():\n    return 1\n\n\n" + code
        merged = EXISTING_TESTS + "\n\n" + tests.replace("import unittest\n", "")
        return SavedFiles(module, merged, "test_ma")

    output, (files, run) = predict(
        model,
        Destination("ma", compose),
        prompt="compute the moving average",
        module_name="ignored",
        parts="tests",
        code=MOVING_AVERAGE,
    )
    assert (
        output["module_name"] == "ma" and len(composed) == 2
    )  # the first tests, then the repaired ones
    assert "9.9" in composed[0][2] and "9.9" not in composed[1][2]
    assert output["repaired"] and "9.9" not in output["unit_tests"]
    assert run.passed == 4 and run.failed == 0  # the existing test ran too
    assert "def helper" in files.module_code and "class TestHelper" in files.test_code
