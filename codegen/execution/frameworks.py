"""Test frameworks: which one a project and a test file use, and how the user runs them."""

from __future__ import annotations

import ast
import configparser
import functools
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from ..errors import ConfigurationError
from ..source import parse_or_none
from ..test_files import read_test_file

Framework = Literal["unittest", "pytest"]
FRAMEWORK_CHOICES = ("auto", "unittest", "pytest")
PROBE_TIMEOUT = 10.0  # seconds for the interpreter to say whether it has pytest
# Only the names of test files beside the module are read (and their first bytes parsed), never run.
MAX_TEST_FILES_READ = 20


def resolve_framework(
    choice: str,
    project_dir: Path | None = None,
    python: str | None = None,
    test_source: str | None = None,
) -> Framework:
    """`unittest` or `pytest`; `auto` means pytest when `python` has it and the project is set up
    for it or the existing test file `test_source` is written for it.

    With neither (an evaluation of prompts belongs to no project) `auto` is the seed's unittest.
    """
    if choice in ("unittest", "pytest"):
        return "pytest" if choice == "pytest" else "unittest"
    if choice != "auto":
        raise ValueError(
            f"test framework must be one of {', '.join(FRAMEWORK_CHOICES)}, not {choice!r}"
        )
    wants_pytest = (project_dir is not None and project_uses_pytest(project_dir.resolve())) or (
        test_source is not None and detect_framework(test_source) == "pytest"
    )
    return (
        "pytest"
        if wants_pytest and interpreter_has_pytest(python or sys.executable)
        else "unittest"
    )


def check_runnable(framework: Framework, python: str | None) -> None:
    """Raise ConfigurationError, naming the fix, when `python` cannot run `framework`'s tests."""
    python = python or sys.executable
    if framework == "pytest" and not interpreter_has_pytest(python):
        raise ConfigurationError(
            f"pytest is not installed in {python}: install it there ({python} -m pip install"
            " pytest), or choose unittest tests (--test-framework unittest, or the editor setting"
            " codegen.testFramework)."
        )


def project_uses_pytest(directory: Path) -> bool:
    """pytest configuration in `directory` or a parent up to the project root, or pytest-style tests
    beside it."""
    for folder in (directory, *directory.parents):
        if _has_pytest_configuration(folder):
            return True
        if _is_project_root(folder):
            break
    return _has_pytest_style_tests(directory)


def _has_pytest_configuration(folder: Path) -> bool:
    if (folder / "pytest.ini").is_file() or (folder / "conftest.py").is_file():
        return True
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            tool = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            tool = {}
        if (
            isinstance(tool, dict)
            and isinstance(tool.get("pytest"), dict)
            and "ini_options" in tool["pytest"]
        ):
            return True
    for name, section in (("setup.cfg", "tool:pytest"), ("tox.ini", "pytest")):
        path = folder / name
        if path.is_file():
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read_string(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, configparser.Error):
                continue
            if parser.has_section(section):
                return True
    return False


def _is_project_root(folder: Path) -> bool:
    return any(
        (folder / marker).exists() for marker in (".git", "pyproject.toml", "setup.cfg", "setup.py")
    )


def _has_pytest_style_tests(directory: Path) -> bool:
    """A `test_*.py` beside the module that imports pytest or has plain test functions (and no
    unittest)."""

    try:
        candidates = sorted(directory.glob("test_*.py"))[:MAX_TEST_FILES_READ]
    except OSError:
        return False
    for path in candidates:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _defines_tests(source) and detect_framework(source) == "pytest":
            return True
    return False


def _defines_tests(source: str) -> bool:
    tree = parse_or_none(source)
    return tree is not None and any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for node in tree.body
    )


@functools.cache
def interpreter_has_pytest(python: str) -> bool:
    """Whether `python` can import pytest: asked in isolated mode (-I), importing nothing of the
    project."""
    probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('pytest') else 3)"
    try:
        completed = subprocess.run(
            [python, "-I", "-c", probe],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=PROBE_TIMEOUT,
            cwd="/",
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0


def run_command(framework: Framework, test_module: str) -> str:
    """How the user runs the generated tests themselves."""
    return (
        f"python -m pytest {test_module}.py"
        if framework == "pytest"
        else f"python -m unittest {test_module}"
    )


FRAMEWORKS = ("auto", "unittest", "pytest")


def detect_framework(test_source: str) -> str:
    """ "pytest" for a file of plain test functions or one that imports pytest, else "unittest"."""
    test_file = read_test_file(test_source)
    if "pytest" in test_file.imports:
        return "pytest"
    return (
        "pytest" if test_file.test_functions and "unittest" not in test_file.imports else "unittest"
    )


def selected_tests(names: Sequence[str]) -> tuple[str, ...]:
    for name in names:
        if not all(part.isidentifier() for part in name.partition("[")[0].split(".")):
            raise ValueError(f"{name!r} is not a test id: use Class, Class.test_name or test_name")
    return tuple(names)


def choose_framework(choice: str, test_source: str) -> str:
    if choice not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {', '.join(FRAMEWORKS)}")
    return detect_framework(test_source) if choice == "auto" else choice
