"""`codegen generate --into FILE`: the model is shown the module around the prompt within the
budget, a reply repeating the module's own definitions is reduced to the new function, and tests
follow the project's conftest.py fixtures and run green in the sandbox."""

from __future__ import annotations

import ast
from functools import partial

import pytest

from tests.context_data import (
    CONFTEST,
    GEOMETRY,
    PERIMETER_REDEFINING,
    PROMPT,
    PROMPT_COMMENT,
    PYTEST_USING_FIXTURE,
    conventions_of,
    module_context_of,
    padding,
)
from tests.helpers.cli import generate as generate_with
from tests.loopback_model import Reply

generate_into = partial(generate_with, prompt=PROMPT, target="--into", max_retries=0, timeout=10)


def top_level(text: str) -> list[str]:
    return [
        node.name
        for node in ast.parse(text).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    ]


def request(model, kind: str) -> str:
    [body] = [r for r in model.requests if kind in str(r.get("response_format", ""))] or [
        r for r in model.requests if kind.lower() in r["messages"][-1]["content"].lower()
    ][:1]
    return body["messages"][-1]["content"]


def test_the_function_request_carries_the_modules_signatures_and_the_reply_is_reduced(
    model, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    module = tmp_path / "geometry.py"
    module.write_text(GEOMETRY + PROMPT_COMMENT + padding(400))
    model.enqueue(Reply.code("GeneratedCode", PERIMETER_REDEFINING))

    assert generate_into(model, module, "--no-run") == 0

    message = model.requests[0]["messages"][-1]["content"]
    context = module_context_of(message)
    assert "class Point:" in context and "x: float" in context
    assert "def distance(p: Point, q: Point) -> float:" in context  # named by the prompt
    assert "import math" in context and "UNIT = 1.0" in context
    assert len(context) <= 1500 * 4  # the default budget, counted as characters / 4
    assert "unrelated_399" not in context  # far from the prompt: left out
    text = module.read_text()
    names = top_level(text)
    assert names.count("Point") == 1 and names.count("distance") == 1
    assert names.index("perimeter") == 2  # where the prompt comment stood
    assert PROMPT_COMMENT not in text
    assert "math.sqrt" not in text  # the reply's own distance is gone
    assert (tmp_path / "test_geometry.py").exists()
    assert "Wrote the new code into" in capsys.readouterr().out


def test_a_smaller_budget_holds_and_zero_sends_no_context(model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = tmp_path / "geometry.py"
    module.write_text(GEOMETRY + PROMPT_COMMENT + padding(50))
    monkeypatch.setenv("CODEGEN_CONTEXT_TOKENS", "60")
    model.enqueue(Reply.code("GeneratedCode", PERIMETER_REDEFINING))
    assert generate_into(model, module, "--no-run") == 0
    context = module_context_of(model.requests[0]["messages"][-1]["content"])
    assert 0 < len(context) <= 60 * 4
    assert "def distance(p: Point, q: Point) -> float:" in context

    module.write_text(GEOMETRY + PROMPT_COMMENT)
    monkeypatch.setenv("CODEGEN_CONTEXT_TOKENS", "0")
    model.enqueue(Reply.code("GeneratedCode", PERIMETER_REDEFINING))
    assert generate_into(model, module, "--no-run") == 0
    message = model.requests[-2]["messages"][-1]["content"]
    assert "existing module" not in message and "class Point" not in message
    # The reply is still reduced to what the module lacks
    assert top_level(module.read_text()).count("distance") == 1


def test_tests_follow_the_conftest_fixture_and_run_green_in_the_sandbox(
    model, tmp_path, monkeypatch, capsys
):
    pytest.importorskip("pytest")
    monkeypatch.chdir(tmp_path)
    module = tmp_path / "geometry.py"
    module.write_text(GEOMETRY + PROMPT_COMMENT)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    model.enqueue(
        Reply.code("GeneratedCode", PERIMETER_REDEFINING),
        Reply.code("UnitTest", PYTEST_USING_FIXTURE),
    )

    monkeypatch.setenv("CODEGEN_TEST_REPEATS", "1")
    assert generate_into(model, module) == 0

    tests_message = model.requests[1]["messages"][-1]["content"]
    conventions = conventions_of(tests_message)
    assert "def sample_points() -> list[Point]:" in conventions
    assert "The corners of the unit square" in conventions
    assert "conftest.py" in conventions
    out = capsys.readouterr().out
    assert "Tests: 2/2 passed" in out, out
    assert "sample_points" in (tmp_path / "test_geometry.py").read_text()


def test_a_module_that_does_not_exist_is_refused_before_any_request(model, tmp_path, capsys):
    assert generate_into(model, tmp_path / "missing.py") != 0
    assert "does not exist" in capsys.readouterr().err
    assert model.requests == []


def test_a_conftest_the_tests_do_not_use_stays_out_of_the_sandboxed_run(
    model, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    module = tmp_path / "geometry.py"
    module.write_text(GEOMETRY + PROMPT_COMMENT)
    # A fixture the new tests never ask for, in a conftest.py whose import fails in the run
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\nfrom .helpers import make\n\n\n@pytest.fixture\ndef made():\n"
        "    return make()\n"
    )
    model.enqueue(
        Reply.code("GeneratedCode", PERIMETER_REDEFINING),
        Reply.code(
            "UnitTest",
            "from geometry import Point, perimeter\n\n\n"
            "def test_perimeter_of_one_point_is_zero():\n"
            "    assert perimeter([Point(2, 3)]) == 0.0\n",
        ),
    )
    monkeypatch.setenv("CODEGEN_TEST_REPEATS", "1")
    assert generate_into(model, module, "--test-framework", "pytest") == 0
    assert "def made():" in conventions_of(model.requests[1]["messages"][-1]["content"])
    out = capsys.readouterr().out
    assert "Tests: 1/1 passed" in out, out
