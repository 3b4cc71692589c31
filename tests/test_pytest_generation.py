"""pytest as the test framework: the setting, auto detection, the prompt, the sandboxed run and
repair."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial

import pytest

from codegen import repair
from codegen.cli import main
from codegen.execution import TestCaseResult, TestRunResult
from codegen.execution.frameworks import (
    interpreter_has_pytest,
    project_uses_pytest,
    resolve_framework,
)
from tests import loopback_model
from tests.helpers.cli import PROMPT
from tests.helpers.cli import generate as generate_with
from tests.loopback_model import Reply

# The loopback model's own pytest answer, importing a module name the pipeline must rewrite.
PYTEST_TESTS = loopback_model.PYTEST_TESTS.replace(
    "from your_module import", "from solution import"
)
# One parametrized case expects a wrong value: the code is right, that case is not.
WRONG_CASE_TESTS = PYTEST_TESTS.replace("[2.0]),", "[9.9]),")


generate = partial(generate_with, module="ma", max_retries=0, timeout=10)


def prompt_for_tests(model) -> str:
    """What the model was asked for the test file."""
    [request] = [r for r in model.requests if "Write a complete" in r["messages"][-1]["content"]]
    return request["messages"][-1]["content"]


def test_pytest_setting_writes_pytest_tests_and_runs_them_with_pytest(model, tmp_path, capsys):
    model.enqueue(Reply.code("UnitTest", PYTEST_TESTS))
    assert generate(model, tmp_path, "--test-framework", "pytest", "--json") == 0
    payload = json.loads(capsys.readouterr().out)

    asked = prompt_for_tests(model)
    assert "pytest test file" in asked and "pytest.raises" in asked and "parametrize" in asked
    assert (
        "unittest.TestCase" in asked
    )  # only as what not to write: "(no unittest.TestCase classes)"
    assert "One `unittest.TestCase` class per function" not in asked
    written = (tmp_path / "test_ma.py").read_text()
    assert "from ma import moving_average" in written and "solution" not in written

    execution = payload["execution"]
    assert payload["test_framework"] == "pytest"
    assert (execution["run"], execution["passed"], execution["failed"]) == (4, 4, 0)
    ids = sorted(test["test_id"] for test in execution["tests"])
    assert ids == [
        "test_averages_of_consecutive_points[series0-2-expected0]",
        "test_averages_of_consecutive_points[series1-3-expected1]",
        "test_non_positive_window_is_rejected",
        "test_window_larger_than_series_gives_empty_list",
    ]
    coverage = {function["name"]: function["percent"] for function in execution["functions"]}
    assert (
        execution["coverage_measured"]
        and coverage["moving_average"] == 100.0
        and coverage["main"] == 0.0
    )
    # The file runs as saved, with the user's own pytest.
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_ma.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and "4 passed" in run.stdout, run.stdout + run.stderr


def test_text_output_says_how_to_run_pytest_tests(model, tmp_path, capsys):
    model.enqueue(Reply.code("UnitTest", PYTEST_TESTS))
    assert generate(model, tmp_path, "--test-framework", "pytest") == 0
    out = capsys.readouterr().out
    assert f"Wrote {tmp_path / 'test_ma.py'} (pytest tests)" in out
    assert "Tests: 4/4 passed" in out
    assert out.rstrip().endswith("python -m pytest test_ma.py")


def test_repair_keeps_pytest_and_a_failing_parametrized_case_names_its_function(
    model, tmp_path, capsys
):
    model.enqueue(
        Reply.code("UnitTest", WRONG_CASE_TESTS), Reply.code("UnitTest", WRONG_CASE_TESTS)
    )
    assert generate(model, tmp_path, "--test-framework", "pytest") == 0
    out = capsys.readouterr().out
    repair_prompt = model.requests[-1]["messages"][-1]["content"]
    assert "The pytest test file below" in repair_prompt and "pytest.approx" in repair_prompt
    assert "assertAlmostEqual" not in repair_prompt
    assert (
        "test_averages_of_consecutive_points[series1-3-expected1]" in repair_prompt
    )  # the failure it saw
    assert "Tests: 3/4 passed, 1 failed" in out
    assert (
        "possible bug in `moving_average`: test_averages_of_consecutive_points[series1-3-expected1]"
        in out
    ), out


def test_auto_picks_pytest_where_the_project_is_configured_for_it(model, tmp_path, capsys):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    model.enqueue(Reply.code("UnitTest", PYTEST_TESTS))
    assert generate(model, tmp_path, "--json") == 0  # auto is the default
    payload = json.loads(capsys.readouterr().out)
    assert "pytest test file" in prompt_for_tests(model)
    assert payload["test_framework"] == "pytest" and payload["execution"]["passed"] == 4


def test_the_loopback_model_answers_a_pytest_prompt_with_pytest_tests(model, tmp_path, capsys):
    # What the editor end-to-end test relies on: no scripted reply, the prompt alone picks the
    # answer.
    (tmp_path / "conftest.py").write_text("")
    assert generate(model, tmp_path, "--json") == 0
    payload = json.loads(capsys.readouterr().out)
    written = (tmp_path / "test_ma.py").read_text()
    assert (
        "import unittest" not in written
        and "def test_window_larger_than_series_gives_empty_list():" in written
    )
    assert payload["test_framework"] == "pytest" and payload["execution"]["passed"] == 4


def test_auto_keeps_unittest_without_pytest_configuration(model, tmp_path, capsys):
    assert generate(model, tmp_path, "--json", "--no-run") == 0
    assert json.loads(capsys.readouterr().out)["test_framework"] == "unittest"
    assert "One `unittest.TestCase` class per function" in prompt_for_tests(model)


def test_the_environment_variable_chooses_the_framework(model, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CODEGEN_TEST_FRAMEWORK", "pytest")
    model.enqueue(Reply.code("UnitTest", PYTEST_TESTS))
    assert generate(model, tmp_path, "--no-run", "--json") == 0
    assert json.loads(capsys.readouterr().out)["test_framework"] == "pytest"
    with pytest.raises(SystemExit):
        main(["generate", PROMPT, "--test-framework", "nose"])
    monkeypatch.setenv("CODEGEN_TEST_FRAMEWORK", "nose")
    assert generate(model, tmp_path / "other") == 2
    assert "test_framework" in capsys.readouterr().err


# -- auto detection, file by file -----------------------------------------------------------------

PYTEST_CONFIGURATIONS = {
    "pytest.ini": "[pytest]\naddopts = -q\n",
    "conftest.py": "",
    "pyproject.toml": "[project]\nname = 'p'\n\n[tool.pytest.ini_options]\naddopts = '-q'\n",
    "setup.cfg": "[metadata]\nname = p\n\n[tool:pytest]\naddopts = -q\n",
    "tox.ini": "[tox]\nenvlist = py311\n\n[pytest]\naddopts = -q\n",
    "test_existing.py": "import pytest\n\n\ndef test_one():\n    assert 1\n",
}


@pytest.mark.parametrize("name", sorted(PYTEST_CONFIGURATIONS))
def test_each_kind_of_pytest_configuration_is_recognised(tmp_path, name):
    (tmp_path / name).write_text(PYTEST_CONFIGURATIONS[name])
    assert project_uses_pytest(tmp_path)
    assert resolve_framework("auto", tmp_path) == "pytest"  # this interpreter has pytest


@pytest.mark.parametrize(
    "name, text",
    [
        ("pyproject.toml", "[project]\nname = 'p'\n\n[tool.ruff]\nline-length = 100\n"),
        ("setup.cfg", "[metadata]\nname = p\n\n[flake8]\nmax-line-length = 100\n"),
        ("pyproject.toml", "this is [not toml"),
        (
            "test_existing.py",
            "import unittest\n\n\nclass TestX(unittest.TestCase):\n    def test_one(self):\n"
            "        pass\n",
        ),
        ("test_broken.py", "def test_(:\n"),
    ],
)
def test_other_files_do_not_count_as_pytest(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    assert not project_uses_pytest(tmp_path)
    assert resolve_framework("auto", tmp_path) == "unittest"


def test_configuration_in_a_parent_folder_counts_up_to_the_project_root(tmp_path):
    package = tmp_path / "project" / "src" / "pkg"
    package.mkdir(parents=True)
    (tmp_path / "project" / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    assert project_uses_pytest(package)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # above the project root: not this project's
    (tmp_path / "project" / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    assert not project_uses_pytest(package)


def test_an_interpreter_without_pytest_keeps_unittest(tmp_path):
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bare_python = str(venv / "bin" / "python")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    assert interpreter_has_pytest(sys.executable)
    assert not interpreter_has_pytest(bare_python)
    assert resolve_framework("auto", tmp_path, bare_python) == "unittest"
    assert (
        resolve_framework("pytest", tmp_path, bare_python) == "pytest"
    )  # an explicit choice is kept
    assert not interpreter_has_pytest(str(tmp_path / "no-such-python"))


def test_the_interpreter_is_asked_once(tmp_path):
    python = sys.executable
    interpreter_has_pytest(python)
    before = interpreter_has_pytest.cache_info()
    interpreter_has_pytest(python)
    assert interpreter_has_pytest.cache_info().hits == before.hits + 1


# -- repair's map from test ids to functions ------------------------------------------------------


def test_parametrized_and_class_ids_map_to_the_functions_their_test_uses():
    source = (
        PYTEST_TESTS + "\n\nclass TestGroup:\n    @pytest.mark.parametrize('n', [1, 2])\n"
        "    def test_m(self, n):\n        assert moving_average([n], 1) == [n]\n"
    )
    failing = [
        TestCaseResult(
            test_id=test_id, outcome="failed", message="AssertionError", line=9, runs=1, passes=0
        )
        for test_id in (
            "test_averages_of_consecutive_points[series1-3-expected1]",
            "TestGroup.test_m[2]",
            "test_window_larger_than_series_gives_empty_list",
        )
    ]
    result = TestRunResult(
        tests=failing,
        run=3,
        passed=0,
        failed=3,
        errored=0,
        skipped=0,
        flaky=0,
        duration=0.1,
        timed_out=False,
        exit_code=1,
        problem=None,
        coverage_measured=False,
        line_coverage=None,
    )
    bugs = repair.possible_bugs(source, result, ["moving_average"])
    assert [(bug.test_id, bug.function) for bug in bugs] == [
        ("test_averages_of_consecutive_points[series1-3-expected1]", "moving_average"),
        ("TestGroup.test_m[2]", "moving_average"),
        ("test_window_larger_than_series_gives_empty_list", "moving_average"),
    ]


def test_auto_without_a_project_folder_is_unittest(tmp_path, monkeypatch):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    monkeypatch.chdir(tmp_path)  # an evaluation belongs to no project, wherever it is started
    assert resolve_framework("auto", None) == "unittest"


def test_auto_falls_back_to_the_existing_test_file(tmp_path):
    plain = "from m import f\n\n\ndef test_f():\n    assert f()\n"
    cases = (
        "import unittest\n\n\nclass TestF(unittest.TestCase):\n    def test_f(self):\n"
        "        pass\n"
    )
    assert resolve_framework("auto", tmp_path, test_source=plain) == "pytest"
    assert resolve_framework("auto", None, test_source=plain) == "pytest"
    assert resolve_framework("auto", tmp_path, test_source=cases) == "unittest"
    assert (
        resolve_framework("unittest", tmp_path, test_source=plain) == "unittest"
    )  # the setting wins
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    assert resolve_framework("auto", tmp_path, test_source=cases) == "pytest"  # the project first


def test_the_editor_setting_is_decided_against_the_workspace(tmp_path):
    from codegen.model.llm import ModelClient
    from codegen.pipeline import CodeGenerationPipeline
    from codegen_lsp.config import checked_pipeline, codegen_settings, parse_options

    def framework(choice):
        options, problems = checked_pipeline(
            parse_options({"testFramework": choice}, workspace_trusted=True)[0]
        )
        settings = codegen_settings(
            options, tmp_path, environ={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
        )
        return problems, CodeGenerationPipeline(
            ModelClient(settings), project_dir=tmp_path
        ).test_framework

    assert framework("auto") == ([], "unittest")
    (tmp_path / "conftest.py").write_text("")
    assert framework("auto") == ([], "pytest")
    assert framework("unittest") == ([], "unittest")
    problems, chosen = framework("nose")
    assert problems == [
        "codegen.testFramework: Input should be 'auto', 'unittest' or 'pytest'; using the default"
    ]
    assert chosen == "pytest"  # the default, auto, decided against the workspace
