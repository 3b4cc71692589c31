"""Import rewriting: honest tests keep working pointed at the module; rebinding the module's names
fails."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from codegen.errors import GeneratedCodeError
from codegen.finishing import ensure_uses_module
from codegen.shaping import formatting
from codegen.shaping.imports import point_imports_at_module, strip_definitions_and_imports
from codegen.shaping.rebindings import rebindings
from tests.helpers.cli import generate
from tests.loopback_model import Reply

NAMES = ["moving_average", "Window"]


def formatted(code: str) -> str:
    """The pipeline's last steps, in its order."""
    return formatting.tidy(code)


def rewrite(source: str) -> str:
    return point_imports_at_module(source, "ma", NAMES)


# --- imports pointed at the module ---


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            "from your_module import moving_average as avg\navg()\n",
            "from ma import moving_average as avg\navg()\n",
        ),
        ("from solution import *\nmoving_average()\n", "from ma import *\nmoving_average()\n"),
        (
            "import your_module\nyour_module.moving_average()\n",
            "import ma as your_module\nyour_module.moving_average()\n",
        ),
        ("import solution as s\ns.Window()\n", "import ma as s\ns.Window()\n"),
        (
            "from .solution import moving_average\nmoving_average()\n",
            "from ma import moving_average\nmoving_average()\n",
        ),
        (
            "from . import moving_average\nmoving_average()\n",
            "from ma import moving_average\nmoving_average()\n",
        ),
        (
            "from . import your_module\nyour_module.Window()\n",
            "import ma as your_module\nyour_module.Window()\n",
        ),
        # a name the code defines, imported from anywhere else, is the module's
        (
            "from statistics import mean, moving_average\nmoving_average(mean)\n",
            "from statistics import mean\nfrom ma import moving_average\nmoving_average(mean)\n",
        ),
        (
            "from ma import moving_average\nmoving_average()\n",
            "from ma import moving_average\nmoving_average()\n",
        ),
    ],
)
def test_imports_are_pointed_at_the_module_keeping_aliases(source, expected):
    assert rewrite(source) == expected


def test_conditional_imports_are_pointed_at_the_module_in_every_branch():
    source = (
        "try:\n    from your_module import moving_average\nexcept ImportError:\n"
        "    from .solution import moving_average as moving_average\n"
        "if sys.version_info > (3,):\n    import your_module as m\n"
        "moving_average(m)\n"
    )
    assert rewrite(source) == (
        "try:\n    from ma import moving_average\nexcept ImportError:\n"
        "    from ma import moving_average as moving_average\n"
        "if sys.version_info > (3,):\n    import ma as m\n"
        "moving_average(m)\n"
    )


def test_an_import_the_tests_forgot_goes_before_the_code_that_uses_it():
    source = (
        '"""Tests."""\n\n\nclass T:\n    def test_a(self):\n        moving_average()\n\n\n'
        'if __name__ == "__main__":\n    main()\n'
    )
    rewritten = rewrite(source)
    assert rewritten.startswith('"""Tests."""\nfrom ma import moving_average\n')


def test_an_import_the_tests_forgot_goes_in_the_header_even_when_imports_follow_code():
    source = "import unittest\nprint(1)\nimport os\nmoving_average(os)\n"
    assert (
        rewrite(source) == "import unittest\nfrom ma import moving_average\nprint(1)\nimport os\n"
        "moving_average(os)\n"
    )


def test_pasted_copies_and_lambda_rebindings_at_top_level_are_removed():
    source = (
        "from your_module import moving_average\n\n\n@decorated\ndef moving_average(series):\n"
        "    import os\n    return []\n\n\nmoving_average = lambda series, window: []\n"
        "Window: type = object\nmoving_average()\n"
    )
    # the blank lines around removed statements stay; autopep8 collapses them afterwards
    assert rewrite(source) == "from ma import moving_average\n\n\n\n\nmoving_average()\n"
    assert formatted(rewrite(source)) == "from ma import moving_average\n\nmoving_average()\n"


# --- rebindings: found after formatting, and the step fails naming them ---

# Each source stands between the import and a call; the error names it as the second item says.
REBINDINGS = {
    "def in a block": (
        "if True:\n    def moving_average(series, window):\n        return []\n",
        "a def",
    ),
    "lambda in a test": (
        "class T:\n    def test_a(self):\n        moving_average = lambda s, w: []\n",
        "a def",
    ),
    # Inside a class the rewriter leaves it; autopep8 (E731) then makes it a def, which is checked.
    "lambda in a class": ("class T:\n    moving_average = lambda self, s, w: []\n", "a def"),
    "assignment": ("moving_average, other = (lambda s, w: []), 1\n", "an assignment"),
    "augmented": ("moving_average += 1\n", "an assignment"),
    "for-target": ("for moving_average in [lambda s, w: []]:\n    pass\n", "an assignment"),
    "with-as": ("with open('f') as moving_average:\n    pass\n", "an assignment"),
    "import-as": ("from os.path import join as moving_average\n", "from os.path import join"),
    "import other module": ("import moving_average\n", "import moving_average"),
    "alias swap": ("from ma import Window as moving_average\n", "from ma import Window"),
    "module attribute": (
        "import ma\nma.moving_average = lambda s, w: []\n",
        "an assignment to ma.moving_average",
    ),
    "walrus": ("print(moving_average := 1)\n", "an assignment"),
    "except-as": (
        "try:\n    pass\nexcept Exception as moving_average:\n    print(moving_average)\n",
        "an except-as",
    ),
    "parameter": ("def test_a(moving_average):\n    return moving_average\n", "a parameter"),
    "del": ("del moving_average\n", "a del"),
}


@pytest.mark.parametrize("source, described", REBINDINGS.values(), ids=REBINDINGS.keys())
def test_every_other_rebinding_fails_the_step_loudly_naming_what_it_is(source, described):
    tests = formatted(
        rewrite("from your_module import moving_average\n" + source + "moving_average()\n")
    )
    assert [r.name for r in rebindings(tests, "ma", NAMES)] != []
    expected = f"redefine the module's own names.*`moving_average` \\({described}, line"
    with pytest.raises(GeneratedCodeError, match=expected):
        ensure_uses_module(tests, "ma", NAMES, "tests")


def test_honest_tests_have_no_rebindings():
    tests = (
        "import unittest\n\nfrom ma import Window, moving_average\n\n\n"
        "class T(unittest.TestCase):\n"
        "    def test_a(self):\n        average = moving_average([1], 1)\n"
        "        self.assertEqual(average, [1])\n"
    )
    assert rebindings(tests, "ma", NAMES) == []


def test_runner_copies_and_imports_are_dropped_and_module_level_rebindings_fail():
    runner = (
        "from your_module import moving_average as avg\nimport solution\n\n\n"
        "def moving_average(s, w):\n    return []\n\n\ndef main():\n"
        "    print(avg([1], 1), solution.Window)\n"
    )
    assert strip_definitions_and_imports(runner, NAMES) == (
        "avg = moving_average\nimport __main__ as solution\n\n\n\n\ndef main():\n"
        "    print(avg([1], 1), solution.Window)\n"
    )
    with pytest.raises(GeneratedCodeError, match="runner"):
        ensure_uses_module(
            "if __name__ == '__main__':\n    moving_average = print\n",
            "",
            NAMES,
            "runner",
            runner=True,
        )
    # a local of main() shadows nothing the tests see
    ensure_uses_module("def main():\n    moving_average = 1\n", "", NAMES, "runner", runner=True)


# --- the two examples, through `codegen generate` ---

ALIASED_TESTS = """import unittest

from your_module import moving_average as ma


class TestMovingAverage(unittest.TestCase):
    def test_window_of_two(self):
        self.assertEqual(ma([1.0, 2.0, 3.0], 2), [1.5, 2.5])

    def test_window_too_large(self):
        self.assertEqual(ma([1.0], 3), [])
"""

REBINDING_TESTS = """import unittest

from your_module import moving_average

moving_average = lambda series, window: []


class TestMovingAverage(unittest.TestCase):
    def test_empty(self):
        self.assertEqual(moving_average([], 2), [])

    def test_short(self):
        self.assertEqual(moving_average([1.0], 3), [])
"""

CLASS_REBINDING_TESTS = """import unittest

from your_module import moving_average


class TestMovingAverage(unittest.TestCase):
    def test_empty(self):
        moving_average = lambda series, window: []
        self.assertEqual(moving_average([], 2), [])
"""


def test_aliased_import_of_a_correct_function_passes(model, tmp_path, capsys):
    model.enqueue(Reply.code("UnitTest", ALIASED_TESTS))
    assert generate(model, tmp_path, "--module", "mavg", "--json") == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["execution"]["run"], payload["execution"]["passed"]) == (2, 2)
    assert "from mavg import moving_average as ma" in (tmp_path / "test_mavg.py").read_text()


def test_top_level_rebinding_is_removed_so_the_real_function_is_tested(model, tmp_path, capsys):
    model.enqueue(Reply.code("UnitTest", REBINDING_TESTS))
    assert generate(model, tmp_path, "--module", "mavg", "--json") == 0
    tests = (tmp_path / "test_mavg.py").read_text()
    assert "lambda" not in tests and "def moving_average" not in tests


def test_rebinding_inside_a_test_fails_the_step_and_writes_nothing(model, tmp_path, capsys):
    model.enqueue(Reply.code("UnitTest", CLASS_REBINDING_TESTS))
    assert generate(model, tmp_path / "out", "--module", "mavg") == 1
    err = capsys.readouterr().err
    assert "tests: The generated tests redefine the module's own names" in err
    assert "`moving_average` (a def, line" in err  # autopep8 had made the lambda a def
    assert not (tmp_path / "out").exists()


# --- property: after any rewrite, every name is bound, and the module's names come from it ---

MODULE = 'def alpha():\n    return "module.alpha"\n\n\ndef beta():\n    return "module.beta"\n'
FUNCTIONS = ["alpha", "beta"]


@pytest.fixture(scope="module")
def target_module(tmp_path_factory):
    directory = tmp_path_factory.mktemp("target")
    (directory / "target_mod.py").write_text(MODULE)
    sys.path.insert(0, str(directory))
    yield "target_mod"
    sys.path.remove(str(directory))
    sys.modules.pop("target_mod", None)


def _import_of(name: str):
    """(import statement, expression that reaches `name` through it) strategies."""
    return st.sampled_from(
        [
            (f"from your_module import {name}", name),
            (f"from solution import {name} as {name}_alias", f"{name}_alias"),
            ("from your_module import *", name),
            ("import your_module", f"your_module.{name}"),
            ("import solution as sol", f"sol.{name}"),
            (f"from . import {name}", name),
            (f"from .your_module import {name}", name),
            (f"from helpers_elsewhere import {name}", name),
            (f"from target_mod import {name}", name),
            ("", name),  # the model forgot the import
        ]
    )


HONEST_EXTRAS = st.sampled_from(
    ["", "import os", "result = [alpha_like for alpha_like in range(2)]"]
)
DISHONEST = st.sampled_from(
    [
        "def {n}():\n    return 'fake'",
        "{n} = lambda: 'fake'",
        "if True:\n    {n} = lambda: 'fake'",
        "for {n} in [lambda: 'fake']:\n    pass",
        "from os.path import join as {n}",
        "class Holder:\n    {n} = staticmethod(lambda: 'fake')",
    ]
)


@st.composite
def generated_test_files(draw):
    lines, calls = [], []
    for name in FUNCTIONS:
        statement, expression = draw(_import_of(name))
        wrapper = draw(st.sampled_from(["plain", "try", "if"]))
        if statement and wrapper == "try":
            statement = f"try:\n    {statement}\nexcept ImportError:\n    {statement}"
        elif statement and wrapper == "if":
            statement = f"if True:\n    {statement}"
        lines.append(statement)
        calls.append(expression)
    dishonest = draw(st.one_of(st.none(), st.tuples(DISHONEST, st.sampled_from(FUNCTIONS))))
    if dishonest:
        template, name = dishonest
        lines.append(template.format(n=name))
    lines.append(draw(HONEST_EXTRAS))
    lines += [f"RESULTS.append({expression}())" for expression in calls]
    return "\n".join(line for line in lines if line) + "\n", dishonest is not None


@settings(max_examples=150, deadline=None)
@given(generated_test_files())
@example(
    (
        "try:\n    from your_module import alpha\nexcept ImportError:\n"
        "    from your_module import alpha\n"
        "for alpha in [lambda: 'fake']:\n    pass\nimport os\nRESULTS.append(alpha())\n"
        "RESULTS.append(beta())\n",
        True,
    )
)  # found by this test: autopep8 broke the file, and a file that does not parse passed the check
def test_after_any_rewrite_names_are_bound_and_come_from_the_module(target_module, case):
    source, dishonest = case
    tests = formatted(point_imports_at_module(source, target_module, FUNCTIONS))
    try:
        ensure_uses_module(tests, target_module, FUNCTIONS, "tests")
    except GeneratedCodeError:
        assert dishonest, f"an honest file was refused:\n{source}\n->\n{tests}"
        return
    results: list[str] = []
    exec(
        compile(tests, "test_generated.py", "exec"),
        {"RESULTS": results, "__name__": "test_generated"},
    )
    assert results == ["module.alpha", "module.beta"], f"{source}\n->\n{tests}"


def test_tests_that_do_not_parse_never_pass_the_rebinding_check():
    with pytest.raises(GeneratedCodeError, match="syntax error"):
        ensure_uses_module(
            "try:\nfrom ma import moving_average\nexcept ImportError:\n    pass\n",
            "ma",
            NAMES,
            "tests",
        )
