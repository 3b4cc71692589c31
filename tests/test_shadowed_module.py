"""A module named like one of the standard library's runs under its own name in the sandbox, or the
run says which module the tests imported instead; never a silent 0 % coverage."""

from __future__ import annotations

import json
import sysconfig
import textwrap
from pathlib import Path

import pytest

from codegen.cli import main

STDLIB_TESTS = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_textwrap.py"


def score_run(capsys, folder: Path, name: str, module: str, tests: str) -> dict:
    (folder / f"{name}.py").write_text(module)
    (folder / f"test_{name}.py").write_text(tests)
    assert main(["score", str(folder / f"{name}.py"), "--run", "--repeats", "1", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["execution"]


def marked_module(name: str, framework: str = "unittest") -> tuple[str, str]:
    """A module only the user's file can be (`shout`), and tests that call it (a pytest file runs
    under pytest)."""
    module = 'def shout(text: str) -> str:\n    """Loud."""\n    return text.upper() + "!"\n'
    if framework == "pytest":
        return (
            module,
            f"import {name}\n\n\ndef test_shout():\n    assert {name}.shout('hi') == 'HI!'\n",
        )
    tests = (
        f"import unittest\n\nimport {name}\n\n\nclass TestShout(unittest.TestCase):\n"
        f"    def test_shout(self):\n        self.assertEqual({name}.shout('hi'), 'HI!')\n"
    )
    return module, tests


@pytest.mark.parametrize("framework", ["unittest", "pytest"])
@pytest.mark.parametrize("name", ["textwrap", "coverage"])
def test_a_name_the_runner_imported_is_the_users_file_in_the_tests(
    tmp_path, capsys, name, framework
):
    """unittest and pytest import textwrap (standard library), the runner coverage (an installed
    package) before any test runs; pytest's plugins import more of the standard library after its
    tests ran, and get Python's own."""
    run = score_run(capsys, tmp_path, name, *marked_module(name, framework))
    assert (run["run"], run["passed"]) == (1, 1), run
    assert run["coverage_measured"] and run["line_coverage"] == 100.0, run


def test_a_stdlib_name_the_runner_did_not_import_is_the_users_file(tmp_path, capsys):
    run = score_run(capsys, tmp_path, "colorsys", *marked_module("colorsys"))
    assert (run["run"], run["passed"]) == (1, 1), run
    assert run["coverage_measured"] and run["line_coverage"] == 100.0, run


@pytest.mark.skipif(not STDLIB_TESTS.is_file(), reason="this Python ships no test package")
def test_textwrap_copied_with_cpythons_tests_is_measured(tmp_path, capsys):
    run = score_run(
        capsys, tmp_path, "textwrap", Path(textwrap.__file__).read_text(), STDLIB_TESTS.read_text()
    )
    assert run["run"] > 50 and run["passed"] == run["run"], run["problem"]
    assert run["coverage_measured"] and run["line_coverage"] > 90, run


@pytest.mark.parametrize("framework", ["unittest", "pytest"])
@pytest.mark.parametrize("name", ["itertools", "stat"])
def test_a_name_python_never_loads_from_a_file_is_said(tmp_path, capsys, name, framework):
    """itertools is built into the interpreter, stat frozen into it (3.11 on): the tests get
    Python's own module whatever the folder holds."""
    run = score_run(capsys, tmp_path, name, *marked_module(name, framework))
    if name == "stat" and run["passed"]:
        assert run["coverage_measured"] and run["line_coverage"] == 100.0  # not frozen here
        return
    assert run["errored"] + run["failed"] == 1, run
    assert not run["coverage_measured"] and run["line_coverage"] is None
    assert f"the tests imported {name} " in run["problem"]
    assert f"not the {name}.py tested" in run["problem"] and f"rename {name}.py" in run["problem"]
