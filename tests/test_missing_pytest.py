"""A test interpreter without pytest is found before any model call: `auto` writes unittest tests,
an explicit `pytest` stops at once with the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codegen.execution.frameworks import resolve_framework
from tests.helpers.cli import generate
from tests.loopback_model import asks_for_pytest


@pytest.fixture(scope="module")
def python_without_pytest(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh venv's interpreter: nothing installed, not even pip."""
    folder = tmp_path_factory.mktemp("bare-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    assert subprocess.run([python, "-c", "import pytest"], capture_output=True).returncode != 0
    return python


def generate_with(model, out: Path, framework: str) -> int:
    return generate(model, out, "--module", "moving_average", "--test-framework", framework)


def test_explicit_pytest_without_pytest_fails_before_the_model_is_asked(
    model, tmp_path, capsys, monkeypatch, python_without_pytest
):
    monkeypatch.setenv("CODEGEN_TEST_PYTHON", python_without_pytest)
    assert generate_with(model, tmp_path / "out", "pytest") == 2
    out = capsys.readouterr()
    assert model.requests == []
    assert out.err.count("pytest is not installed") == 1, out.err
    assert f"pytest is not installed in {python_without_pytest}" in out.err
    assert "pip install pytest" in out.err and "--test-framework unittest" in out.err
    assert "overall" not in out.out and "Traceback" not in out.err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_auto_in_a_pytest_project_without_pytest_writes_unittest_tests(
    model, tmp_path, capsys, monkeypatch, python_without_pytest
):
    monkeypatch.setenv("CODEGEN_TEST_PYTHON", python_without_pytest)
    out_dir = tmp_path / "project"
    out_dir.mkdir()
    (out_dir / "conftest.py").write_text("")  # the project is set up for pytest
    assert generate_with(model, out_dir, "auto") == 0
    out = capsys.readouterr().out
    assert "(unittest tests)" in out and "3/3 passed" in out
    assert not any(asks_for_pytest(request) for request in model.requests)


def test_auto_follows_a_pytest_test_file_only_where_pytest_is_installed(python_without_pytest):
    pytest_file = "import pytest\n\n\ndef test_one():\n    assert True\n"
    assert resolve_framework("auto", None, sys.executable, test_source=pytest_file) == "pytest"
    assert resolve_framework("auto", None, python_without_pytest, pytest_file) == "unittest"
