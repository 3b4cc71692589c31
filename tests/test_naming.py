"""Module names never shadow what the test interpreter (or this program) can import, nor what the
code imports."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.shaping.naming import check_module_name, module_name_for, shadowed_module
from tests.helpers.cli import files_in
from tests.helpers.cli import generate as generate_with
from tests.loopback_model import MOVING_AVERAGE, Reply

INSTALLED = ["openai", "requests", "pydantic", "weave"]


@pytest.mark.parametrize("package", INSTALLED)
def test_a_prompt_naming_an_installed_package_does_not_shadow_it(package):
    assert importlib.util.find_spec(package) is not None  # installed here, as the issue found
    name = module_name_for(package)
    assert name != package and name.startswith(package)
    assert shadowed_module(name) is None


def test_standard_library_names_are_avoided():
    assert module_name_for("statistics") == "statistics_code"
    assert "standard library" in check_module_name("json")


@pytest.fixture(scope="module")
def other_python(tmp_path_factory) -> tuple[str, str]:
    """Another interpreter (a venv) with a package only it can import: (its python, the package)."""
    venv = tmp_path_factory.mktemp("other-python")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site_packages) / "zzq_only_there").mkdir()
    (Path(site_packages) / "zzq_only_there" / "__init__.py").write_text(
        "raise SystemExit('never imported')\n"
    )
    return python, "zzq_only_there"


def test_a_module_only_the_test_interpreter_can_import_is_not_shadowed(other_python):
    python, package = other_python
    assert importlib.util.find_spec(package) is None  # invisible to this interpreter
    assert (
        module_name_for("zzq only there") == package
    )  # so without asking the other one it would be taken
    assert module_name_for("zzq only there", python=python) == f"{package}_code"
    assert python in check_module_name(package, python=python)


def test_an_interpreter_that_cannot_be_asked_shadows_nothing_it_cannot_report():
    assert shadowed_module("zzq_nothing", python="/nonexistent/python") is None


def generate(model, out: Path, prompt: str, *extra: str) -> int:
    return generate_with(model, out, "--no-run", *extra, prompt=prompt)


def test_generating_for_pydantic_leaves_the_folder_usable(model, tmp_path):
    assert generate(model, tmp_path, "pydantic") == 0
    assert "pydantic.py" not in files_in(tmp_path)
    # the issue: `python -m codegen` in that folder failed on the generated pydantic.py
    run = subprocess.run(
        [sys.executable, "-m", "codegen", "--help"], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


def test_an_explicit_module_that_shadows_an_installed_package_is_refused_before_any_model_call(
    model, tmp_path, capsys
):
    assert generate(model, tmp_path, "anything", "--module", "weave") == 2
    assert "'weave' would shadow the module of that name installed for" in capsys.readouterr().err
    assert model.requests == []


def test_a_module_the_generated_code_imports_is_not_shadowed(model, tmp_path, capsys):
    # The prompt gives `zzq_series`; the code imports a module of that very name.
    code = (
        MOVING_AVERAGE
        + '\n\ndef version() -> str:\n    """The library\'s."""\n    import zzq_series\n\n'
        "    return zzq_series.VERSION\n"
    )
    model.enqueue(Reply.code("GeneratedCode", code))
    assert generate(model, tmp_path, "zzq series") == 0
    assert files_in(tmp_path) == ["test_zzq_series_code.py", "zzq_series_code.py"]
    assert (
        "from zzq_series_code import moving_average"
        in (tmp_path / "test_zzq_series_code.py").read_text()
    )
    assert (
        "the generated code imports zzq_series, so the module is named zzq_series_code"
        in capsys.readouterr().err
    )
