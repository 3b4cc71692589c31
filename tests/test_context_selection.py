"""Context selection on bad and big input: the budget always holds, nothing crashes, what is left
out is said, secrets stay out."""

from __future__ import annotations

from codegen.context.budget import approximate_tokens
from codegen.context.conventions import TestSource, conventions_context
from codegen.context.module_context import module_context
from codegen.context.where import traced_inputs
from tests.context_data import CONFTEST, GEOMETRY, PROMPT, padding

BIG = GEOMETRY + f"# {PROMPT}\n" + padding(3000)  # ~15,000 lines


def test_a_huge_module_gives_the_nearest_and_named_within_every_budget():
    line = GEOMETRY.count("\n")
    for budget in (1, 40, 300, 1500, 6000):
        context = module_context(BIG, PROMPT, line, budget)
        assert approximate_tokens(context.text()) <= budget, budget
        assert context.summary()["tokens"] <= budget
    context = module_context(BIG, PROMPT, line, 1500)
    assert "def distance(p: Point, q: Point) -> float:" in context.text()
    assert "unrelated_0(" in context.text() and "unrelated_2999(" not in context.text()
    assert context.left_out > 2000


def test_zero_turns_it_off():
    assert module_context(BIG, PROMPT, 10, 0).text() == ""


def test_a_module_that_does_not_parse_gives_what_parses_and_says_so():
    broken = GEOMETRY.replace(
        "def distance(p: Point, q: Point) -> float:", "def distance(p: Point, q: Point) -> float"
    )
    text = module_context(broken, PROMPT, broken.count("\n"), 1500).text()
    assert "class Point:" in text and "import math" in text
    assert "def distance" not in text
    assert "does not parse" in text


def test_a_constant_named_as_a_secret_is_sent_without_its_value():
    module = 'API_KEY = "sk-live-1234567890"\nDB_PASSWORD = "hunter2"\nLIMIT = 3\n'
    text = module_context(module, "use the api", 3, 1500).text()
    assert "sk-live" not in text and "hunter2" not in text
    assert "API_KEY = ...  # value withheld" in text and "LIMIT = 3" in text


def test_a_huge_class_is_outlined_within_the_budget_for_a_method():
    methods = "".join(
        f"    def method_{i}(self, value: int) -> int:\n"
        f'        """Method {i}."""\n        return value\n\n'
        for i in range(2000)
    )
    module = f"class Big:\n    size: int = 0\n\n{methods}    # add a reset method\n"
    context = module_context(module, "add a reset method", 8001, 200, class_name="Big")
    text = context.text()
    assert approximate_tokens(text) <= 200
    assert text.startswith("class Big:\n    size: int = 0") and "more members not shown" in text


def test_conventions_of_a_conftest_with_500_fixtures_stay_within_the_budget():
    fixtures = "import pytest\n" + "".join(
        f"\n\n@pytest.fixture\ndef fixture_{i}() -> int:\n    return {i}\n" for i in range(500)
    )
    context = conventions_context([TestSource("conftest.py", fixtures)], 300)
    assert approximate_tokens(context.text()) <= 300
    assert "def fixture_0() -> int:" in context.text() and context.left_out > 400


def test_binary_huge_and_broken_test_files_are_left_out_with_a_note():
    sources = [
        TestSource("conftest.py", CONFTEST),
        TestSource("test_binary.py", "import os\x00\x01"),
        TestSource("test_huge.py", "x = 1\n" * 300_000),
        TestSource("test_broken.py", "def test_(:\n"),
    ]
    context = conventions_context(sources, 400)
    text = context.text()
    assert approximate_tokens(text) <= 400
    assert "def sample_points() -> list[Point]:" in text
    assert "test_binary.py is not text" in text and "test_huge.py is too large" in text
    assert "test_broken.py does not parse" in text


def test_traces_record_names_and_sizes_never_the_text():
    context = module_context(GEOMETRY, PROMPT, GEOMETRY.count("\n"), 1500)
    recorded = traced_inputs({"prompt": PROMPT, "context": context})
    assert recorded["prompt"] == PROMPT
    pieces = {(p["kind"], p["name"]) for p in recorded["context"]["pieces"]}
    assert {("class", "Point"), ("helper", "distance"), ("imports", "imports")} <= pieces
    assert "math.hypot" not in str(recorded)
