"""`codegen generate --mutation score|steer` against the loopback model: the kept tests' mutation
score, and the steer round that keeps only tests that pass on the function and kill a survivor."""

from __future__ import annotations

import json

import pytest

from codegen.cli import main
from tests.helpers.cli import generate
from tests.loopback_model import Reply


def evaluate(model, dataset, *extra: str) -> int:
    arguments = ["eval", "--dataset", str(dataset), "--tracing", "off", "--timeout", "5"]
    return main([*arguments, "--base-url", model.base_url, *extra])


# A test that calls the function and checks nothing: every mutant survives it.
WEAK_TESTS = """import unittest

from ma import moving_average


class TestMovingAverage(unittest.TestCase):
    def test_runs(self):
        moving_average([1.0, 2.0, 3.0, 4.0], 2)


if __name__ == "__main__":
    unittest.main()
"""

# The steer round's reply: one test that kills mutants, one that kills none, one that fails on
# the function as it is.
STEER_REPLY = """import unittest

from ma import moving_average


class TestMovingAverageCatchesChanges(unittest.TestCase):
    def test_window_of_two_averages_neighbours(self):
        self.assertEqual(moving_average([1.0, 2.0, 3.0, 4.0], 2), [1.5, 2.5, 3.5])

    def test_is_callable(self):
        self.assertTrue(callable(moving_average))

    def test_wrong_expectation(self):
        self.assertEqual(moving_average([1.0, 2.0], 1), [9.9])  # 1.0 and 2.0 in truth


if __name__ == "__main__":
    unittest.main()
"""


def test_generate_reports_the_mutation_score_of_the_kept_tests(model, tmp_path, capsys):
    model.enqueue(Reply.code("UnitTest", WEAK_TESTS))
    assert generate(model, tmp_path, "--module", "ma") == 0
    out = capsys.readouterr().out
    assert "Tests: 1/1 passed" in out
    assert "  moving_average: mutation " in out and " killed (50 of 61 mutants, capped)" in out
    assert "    survived: line 14: `/` → `*`" in out
    assert "steer:" not in out
    assert model.kinds().count("UnitTest") == 1


def test_mutation_off_runs_no_mutants(model, tmp_path, capsys):
    assert generate(model, tmp_path, "--module", "ma", "--mutation", "off", "--json") == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["mutation"] is None and payload["steer"] is None


def test_steer_raises_the_score_of_weak_tests_and_drops_the_tests_that_do_not_help(
    model, tmp_path, capsys
):
    model.enqueue(Reply.code("UnitTest", WEAK_TESTS), Reply.code("UnitTest", STEER_REPLY))
    assert generate(model, tmp_path, "--module", "ma", "--mutation", "steer", "--json") == 0
    payload = json.loads(capsys.readouterr().out)
    steer = payload["steer"]
    prompt = model.requests[-1]["messages"][-1]["content"]
    assert "go unnoticed" in prompt and "--- a/ma.py" in prompt  # each survivor's diff was sent
    assert steer["before"] < steer["after"]
    assert steer["kept"] == 1 and steer["dropped"] == 2
    dropped = steer["tests"]["dropped"]
    assert "catches none" in dropped["TestMovingAverageCatchesChanges.test_is_callable"]
    assert (
        "fails on the function" in dropped["TestMovingAverageCatchesChanges.test_wrong_expectation"]
    )
    assert payload["mutation"]["score"] == steer["after"]
    written = (tmp_path / "test_ma.py").read_text()
    # The kept test is appended beside the first tests, the dropped ones are not written.
    assert "def test_runs(self):" in written
    assert "def test_window_of_two_averages_neighbours(self):" in written
    assert "test_is_callable" not in written and "9.9" not in written
    assert written.count('if __name__ == "__main__":') == 1
    assert payload["execution"]["passed"] == 2 and payload["execution"]["failed"] == 0


def test_steer_text_output_gives_before_and_after(model, tmp_path, capsys):
    model.enqueue(Reply.code("UnitTest", WEAK_TESTS), Reply.code("UnitTest", STEER_REPLY))
    assert generate(model, tmp_path, "--module", "ma", "--mutation", "steer") == 0
    out = capsys.readouterr().out
    assert "steer: mutation score 0.38 -> 0.8" in out
    assert "1 new test(s) kept, 2 dropped" in out
    assert "  dropped TestMovingAverageCatchesChanges.test_wrong_expectation: fails on" in out


def test_eval_reports_the_mutation_score_per_row_in_summary_and_html(model, tmp_path, capsys):
    dataset = tmp_path / "two.jsonl"
    dataset.write_text('{"prompt": "moving average"}\n{"prompt": "moving mean"}\n')
    report_path, page = tmp_path / "report.json", tmp_path / "report.html"
    arguments = ["--report", str(report_path), "--html", str(page), "--parallel", "1"]
    assert evaluate(model, dataset, *arguments) == 0
    report = json.loads(report_path.read_text())
    scores = [row["mutation_score"] for row in report["rows"]]
    assert all(0 < score <= 1 for score in scores)
    assert report["rows"][0]["mutants"]["killed"] > 0
    summary = report["summary"]["mutation_score"]
    assert summary["of"] == 2 and summary["mean"] == pytest.approx(sum(scores) / 2)
    assert (
        f"  mutation score     {summary['mean']:.2f}   (mean of 2 rows;" in capsys.readouterr().out
    )
    html = page.read_text()
    assert "mutation score of the tests" in html and "<th>mutation score</th>" in html


def test_eval_with_mutation_off_has_no_mutation_column(model, tmp_path, capsys):
    dataset = tmp_path / "one.jsonl"
    dataset.write_text('{"prompt": "moving average"}\n')
    report_path = tmp_path / "report.json"
    assert evaluate(model, dataset, "--report", str(report_path), "--mutation", "off") == 0
    report = json.loads(report_path.read_text())
    assert "mutation_score" not in report["rows"][0] and "mutation_score" not in report["summary"]
    assert "mutation score" not in capsys.readouterr().out


WEAK_PYTEST = """from ma import moving_average


def test_runs():
    moving_average([1.0, 2.0, 3.0, 4.0], 2)
"""

STEER_PYTEST = """import pytest

from ma import moving_average


@pytest.mark.parametrize(
    "series, expected", [([1.0, 2.0, 3.0, 4.0], [1.5, 2.5, 3.5]), ([2.0, 2.0], [2.0])]
)
def test_averages_of_pairs(series, expected):
    assert moving_average(series, 2) == expected


def test_is_callable():
    assert callable(moving_average)
"""


def test_steer_keeps_a_parametrized_pytest_test_and_drops_a_plain_one(model, tmp_path, capsys):
    model.enqueue(Reply.code("UnitTest", WEAK_PYTEST), Reply.code("UnitTest", STEER_PYTEST))
    arguments = ["--module", "ma", "--mutation", "steer", "--test-framework", "pytest", "--json"]
    assert generate(model, tmp_path, *arguments) == 0
    steer = json.loads(capsys.readouterr().out)["steer"]
    assert list(steer["tests"]["kept"]) == ["test_averages_of_pairs"]
    assert list(steer["tests"]["dropped"]) == ["test_is_callable"]
    assert steer["before"] < steer["after"]
    written = (tmp_path / "test_ma.py").read_text()
    assert "def test_runs():" in written and "def test_averages_of_pairs(" in written
    assert "test_is_callable" not in written and written.count("import pytest") == 1


def test_the_loopback_models_own_steer_answer_catches_what_its_own_tests_miss(
    model, tmp_path, capsys
):
    # The editor's end-to-end test relies on it: no scripted reply, the default answers throughout.
    assert generate(model, tmp_path, "--module", "ma", "--mutation", "steer", "--json") == 0
    steer = json.loads(capsys.readouterr().out)["steer"]
    assert steer["before"] < steer["after"]
    assert sorted(steer["tests"]["kept"]) == [
        "TestMovingAverageEdges.test_negative_window_is_rejected",
        "TestMovingAverageEdges.test_window_as_long_as_the_series_gives_one_average",
        "TestMovingAverageEdges.test_window_of_one_gives_the_series",
    ]
    written = (tmp_path / "test_ma.py").read_text()
    assert "class TestMovingAverageEdges(unittest.TestCase):" in written


def test_a_steer_reply_that_would_rebind_the_test_files_data_is_not_merged(model, tmp_path, capsys):
    weak = WEAK_TESTS.replace(
        "\n\nclass TestMovingAverage",
        "\nSERIES = [1.0, 2.0, 3.0, 4.0]\n\n\nclass TestMovingAverage",
    )
    reply = STEER_REPLY.replace(
        "\n\nclass TestMovingAverageCatchesChanges",
        "\nSERIES = [5.0, 6.0]\n\n\nclass TestMovingAverageCatchesChanges",
    )
    model.enqueue(Reply.code("UnitTest", weak), Reply.code("UnitTest", reply))
    assert generate(model, tmp_path, "--module", "ma", "--mutation", "steer", "--json") == 0
    steer = json.loads(capsys.readouterr().out)["steer"]
    assert steer["problem"].startswith("The new tests set SERIES, which the test file already")
    assert steer["before"] == steer["after"]
    written = (tmp_path / "test_ma.py").read_text()
    assert "SERIES = [1.0, 2.0, 3.0, 4.0]" in written and "[5.0, 6.0]" not in written
    assert "TestMovingAverageCatchesChanges" not in written
