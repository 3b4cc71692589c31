"""Seed scores pinned on fixed inputs, findings with their lines, and no crash on hostile text."""

from __future__ import annotations

import subprocess
import sys

import pytest

from codegen.scoring.quality import (
    Finding,
    FunctionInfo,
    SeedScores,
    code_quality_score,
    findings,
    functions,
    seed_scores,
    test_coverage_score,
)

LONG_COMMENT = "# " + "x" * 100  # 102 characters

# --- code_quality_score: each expected number is worked out in the comment above it ---


def test_quality_counts_only_descriptive_names_without_docstrings_or_hints():
    # no docstring, no annotation; Names: first, second (parameters are ast.arg, not Name) -> 0.2
    assert code_quality_score("def add(first, second):\n    return first + second\n") == 0.2


def test_quality_ignores_one_letter_and_private_names():
    # Names: _cache (private), x (one letter), total, x, len, _cache -> total, len -> 0.2
    assert code_quality_score("_cache = {}\nx = 1\ntotal = x + len(_cache)\n") == 0.2


def test_quality_of_documented_annotated_function():
    # function docstring 0.2 + annotated 0.2 + Names int, int, int, first, second 0.1 each; the seed
    # adds floats one at a time, so 0.2 + 0.2 + 0.1 + 0.1 + 0.1 + 0.1 + 0.1 is 0.8999999999999999
    code = 'def add(first: int, second: int) -> int:\n    """Add."""\n    return first + second\n'
    assert code_quality_score(code) == 0.8999999999999999


def test_quality_loses_a_fifth_once_for_long_lines():
    # 0.9 as above, minus 0.2 once although there are two long lines -> 0.7
    code = (
        'def add(first: int, second: int) -> int:\n    """Add."""\n'
        f"    {LONG_COMMENT}\n    {LONG_COMMENT}\n    return first + second\n"
    )
    assert code_quality_score(code) == 0.7


def test_quality_counts_neither_async_docstrings_nor_async_annotations():
    # docstring 0 and annotation 0 (the seed looks at FunctionDef only) + Names str, str, url:
    # 0.1 + 0.1 + 0.1 = 0.30000000000000004 (was 0.5 when async docstrings counted)
    code = 'async def fetch(url: str) -> str:\n    """Fetch."""\n    return url\n'
    assert code_quality_score(code) == 0.30000000000000004


def test_quality_looks_for_annotations_in_positional_arguments_only():
    # *parts and keyword-only sep are annotated, but args.args is empty, no return annotation: 0;
    # Names str, str, sep, parts -> 0.4
    code = "def join(*parts: str, sep: str):\n    return sep.join(parts)\n"
    assert code_quality_score(code) == 0.4


def test_quality_counts_module_and_class_docstrings():
    # module docstring 0.2 + class docstring 0.2, no Names -> 0.4
    assert code_quality_score('"""Stacks."""\n\n\nclass Stack:\n    """A stack."""\n') == 0.4


def test_quality_clamps_at_zero_and_one():
    # Names: x (one letter) 0, long line -0.2 -> clamped to 0.0
    assert code_quality_score(f"x = 1\n{LONG_COMMENT}\n") == 0.0
    # 12 descriptive names -> 1.2 -> clamped to 1.0
    assert code_quality_score("\n".join(f"name{i} = 1" for i in range(12))) == 1.0


def test_quality_is_zero_when_code_does_not_parse():
    assert (
        code_quality_score('def add(first, second):\n    """Add."""\n    return first +\n') == 0.0
    )


# --- test_coverage_score ---

TWO_FUNCTIONS = "def first():\n    pass\n\n\ndef second():\n    pass\n"


def unittest_file(*names: str, assertion: str = "self.assertTrue(True)") -> str:
    methods = "".join(f"    def {name}(self):\n        {assertion}\n" for name in names)
    return f"import unittest\n\n\nclass Tests(unittest.TestCase):\n{methods}"


def test_coverage_is_zero_without_tests():
    assert test_coverage_score(TWO_FUNCTIONS, "") == 0.0
    assert test_coverage_score(TWO_FUNCTIONS, "  \n\t\n") == 0.0


def test_coverage_is_test_functions_per_code_function():
    # 1 test_ function / 2 functions, no self.assert -> 0.5
    assert (
        test_coverage_score(TWO_FUNCTIONS, unittest_file("test_first", assertion="assert True"))
        == 0.5
    )


def test_coverage_gets_a_bonus_for_self_assert():
    # 1 / 2 + 0.2 -> 0.7
    assert test_coverage_score(TWO_FUNCTIONS, unittest_file("test_first")) == 0.7
    # the seed looks at the text, so a comment counts too: 0.5 + 0.2 -> 0.7
    tests = unittest_file("test_first", assertion="assert True  # not self.assertTrue")
    assert test_coverage_score(TWO_FUNCTIONS, tests) == 0.7


def test_coverage_is_not_rounded():
    # 1 test / 3 functions + 0.2 = 0.5333..., at full precision (the seed rounds nothing)
    three = TWO_FUNCTIONS + "\n\ndef third():\n    pass\n"
    assert test_coverage_score(three, unittest_file("test_first")) == 1 / 3 + 0.2


def test_coverage_clamps_at_one():
    # min(1, 3 / 2) + 0.2 = 1.2 -> 1.0
    tests = unittest_file("test_a", "test_b", "test_c")
    assert test_coverage_score(TWO_FUNCTIONS, tests) == 1.0


def test_coverage_counts_only_test_prefixed_functions():
    # setUp and helper are not tests: 1 / 2 + 0.2 -> 0.7
    assert test_coverage_score(TWO_FUNCTIONS, unittest_file("setUp", "helper", "test_first")) == 0.7


def test_coverage_does_not_count_async_functions_in_the_code():
    # 1 FunctionDef (the async def is not counted): min(1, 1 / 1) + 0.2 -> 1.0, not 1 / 2 + 0.2
    code = "def first():\n    pass\n\n\nasync def second():\n    pass\n"
    assert test_coverage_score(code, unittest_file("test_first")) == 1.0


def test_coverage_without_code_functions_is_only_the_bonus():
    # no functions: ratio 0, + 0.2 for self.assert -> 0.2
    assert test_coverage_score("VALUE = 1\n", unittest_file("test_value")) == 0.2


def test_coverage_is_zero_when_either_side_does_not_parse():
    assert test_coverage_score("def first(:\n", unittest_file("test_first")) == 0.0
    assert (
        test_coverage_score(TWO_FUNCTIONS, "def test_first(self):\n    self.assertTrue(\n") == 0.0
    )


# --- seed_scores ---


def test_seed_scores_overall_is_the_mean():
    # quality: 0.8999999999999999 (see test_quality_of_documented_annotated_function);
    # coverage: 1 / 1 + 0.2 -> 1.0; overall (0.8999999999999999 + 1.0) / 2 = 0.95
    code = 'def add(first: int, second: int) -> int:\n    """Add."""\n    return first + second\n'
    scores = seed_scores(code, unittest_file("test_add"))
    assert scores == SeedScores(
        code_quality_score=0.8999999999999999, test_coverage_score=1.0, overall_score=0.95
    )
    assert scores.as_dict() == {
        "code_quality_score": 0.8999999999999999,
        "test_coverage_score": 1.0,
        "overall_score": 0.95,
    }


def test_seed_scores_overall_comes_from_the_unrounded_parts():
    # coverage 1 / 3 + 0.2 = 0.5333333333333333; quality 0.1 (one Name, `value`):
    # overall (0.1 + 0.5333333333333333) / 2 = 0.31666666666666665, not (0.1 + 0.5333) / 2 = 0.31665
    three = (
        "def first():\n    pass\n\n\ndef second():\n    pass\n\n\ndef third():\n    return value\n"
    )
    scores = seed_scores(three, unittest_file("test_first"))
    assert scores.overall_score == (0.1 + (1 / 3 + 0.2)) / 2 == 0.31666666666666665


def test_seed_scores_of_code_that_does_not_parse_are_zero():
    assert seed_scores("def (", unittest_file("test_first")).as_dict() == {
        "code_quality_score": 0.0,
        "test_coverage_score": 0.0,
        "overall_score": 0.0,
    }


# --- functions ---

SHAPES = '''\
"""Shapes."""
import functools


class Stack:
    """A stack."""

    def __init__(self) -> None:
        self.items = []

    @functools.cache
    def push(self, item):
        def remember(value):
            return value
        return remember(item)


async def fetch(*, url: str):
    """Fetch."""


def _private(value):
    return value


def test_push():
    pass
'''


def test_functions_lists_every_function_with_qualified_names_in_source_order():
    assert functions(SHAPES) == [
        FunctionInfo(
            "Stack.__init__", 8, 9, 31, has_docstring=False, has_type_hints=True, is_test=False
        ),
        FunctionInfo(
            "Stack.push", 12, 15, 25, has_docstring=False, has_type_hints=False, is_test=False
        ),
        FunctionInfo(
            "Stack.push.remember",
            13,
            14,
            28,
            has_docstring=False,
            has_type_hints=False,
            is_test=False,
        ),
        FunctionInfo("fetch", 18, 19, 29, has_docstring=True, has_type_hints=True, is_test=False),
        FunctionInfo(
            "_private", 22, 23, 20, has_docstring=False, has_type_hints=False, is_test=False
        ),
        FunctionInfo(
            "test_push", 26, 27, 16, has_docstring=False, has_type_hints=False, is_test=True
        ),
    ]


def test_functions_is_empty_when_code_does_not_parse():
    assert functions("def broken(:\n    pass\n") == []


# --- findings ---


def codes_by_line(found: list[Finding]) -> list[tuple[int, str, str | None]]:
    return [(finding.start_line, finding.code, finding.function) for finding in found]


def test_clean_code_has_no_findings():
    code = (
        '"""Adding."""\n\n\ndef add(first: int, second: int) -> int:\n    """Add."""\n'
        "    return first + second\n"
    )
    assert findings(code) == []
    assert findings(code, "from adding import add\n") == []


def test_findings_for_undocumented_unannotated_functions():
    assert codes_by_line(findings(SHAPES)) == [
        (8, "missing-docstring", "Stack.__init__"),
        (12, "missing-docstring", "Stack.push"),
        (12, "missing-type-hints", "Stack.push"),
        (13, "missing-docstring", "Stack.push.remember"),
        (13, "missing-type-hints", "Stack.push.remember"),
        (22, "missing-docstring", "_private"),
        (22, "missing-type-hints", "_private"),
        (26, "missing-docstring", "test_push"),
        (26, "missing-type-hints", "test_push"),
    ]


def test_function_findings_span_the_def_line_and_name_the_function():
    first = findings(SHAPES)[1]
    assert first == Finding(
        "missing-docstring",
        "`Stack.push` has no docstring",
        "Stack.push",
        start_line=12,
        end_line=12,
        start_col=4,
        end_col=25,
    )
    assert findings(SHAPES)[2].message == (
        "`Stack.push` has no type hints: annotate its parameters or return type"
    )


LONG_STATEMENT = "note = '" + "x" * 100 + "'"  # 109 characters


def test_each_long_line_is_a_finding_in_its_innermost_function():
    code = (
        f"{LONG_COMMENT}\n"
        'def outer() -> None:\n    """Outer."""\n'
        f"    {LONG_STATEMENT}\n"
        '    def inner() -> None:\n        """Inner."""\n'
        f"        {LONG_STATEMENT}\n"
        f"    {LONG_STATEMENT}\n"
        f"    {LONG_COMMENT}\n"
    )
    long_lines = [finding for finding in findings(code) if finding.code == "line-too-long"]
    assert [(f.start_line, f.function, f.start_col, f.end_col) for f in long_lines] == [
        (1, None, 100, 102),
        (4, "outer", 100, 113),
        (7, "outer.inner", 100, 117),
        (8, "outer", 100, 113),
        # a function ends at its last statement, as in the AST: a comment after it is module level
        (9, None, 100, 106),
    ]
    assert long_lines[0].message == "Line is 102 characters long; the limit is 100"


def test_untested_functions_only_when_tests_are_given():
    assert "untested-function" not in {finding.code for finding in findings(SHAPES)}
    untested = [f for f in findings(SHAPES, "") if f.code == "untested-function"]
    # __init__ (dunder), remember (nested), _private (private) and test_push (a test) are exempt
    assert [(f.start_line, f.function, f.message) for f in untested] == [
        (12, "Stack.push", "No test references `Stack.push`"),
        (18, "fetch", "No test references `fetch`"),
    ]


@pytest.mark.parametrize(
    "tests",
    [
        "from shapes import Stack, fetch\nStack().push(1)\nfetch(url='x')\n",  # call and attribute
        "import shapes\nshapes.fetch\nshapes.Stack.push\n",  # attributes only
        "from shapes import fetch as get, push\n",  # imported names
    ],
)
def test_a_function_is_tested_when_the_tests_reference_its_name(tests):
    assert [f.function for f in findings(SHAPES, tests) if f.code == "untested-function"] == []


def test_a_name_inside_a_string_or_comment_is_not_a_reference():
    tests = '"""Tests for fetch."""\n# Stack.push is tested elsewhere\nmessage = "push"\n'
    untested = [f.function for f in findings(SHAPES, tests) if f.code == "untested-function"]
    assert untested == ["Stack.push", "fetch"]


def test_tests_that_do_not_parse_give_no_untested_findings():
    assert "untested-function" not in {f.code for f in findings(SHAPES, "def test_push(:\n")}


def test_syntax_error_is_the_only_finding_at_its_line():
    code = f'def add(first, second):\n    """Add."""\n    return (first +\n{LONG_COMMENT}\n'
    assert findings(code, "") == [
        Finding(
            "syntax-error",
            "Syntax error: '(' was never closed",
            None,
            start_line=3,
            end_line=3,
            start_col=11,
            end_col=19,
        ),
    ]


def test_nul_byte_is_reported_on_its_line():
    [finding] = findings("first = 1\nsecond = 2\x00\n")
    assert (finding.code, finding.start_line) == ("syntax-error", 2)
    assert "null bytes" in finding.message


def test_line_numbers_follow_python_line_breaks():
    # \r and \r\n end lines for Python; form feed does not
    code = f"first = 1\rsecond = 2\r\n\x0cthird = 3\n{LONG_COMMENT}\n"
    assert [(f.code, f.start_line) for f in findings(code)] == [("line-too-long", 4)]


def test_parser_warnings_are_neither_printed_nor_errors():
    # an invalid escape sequence and `1if` make the parser warn; the server must not print that on
    # every keystroke, and `-W error` must not turn valid code into a syntax error
    script = (
        "from codegen.scoring.quality import findings\n"
        "print(findings('pattern = \"\\\\d+\"\\nvalue = 1if True else 2\\n'))\n"
    )
    for option in ("default", "error"):
        run = subprocess.run(
            [sys.executable, "-W", option, "-c", script], capture_output=True, text=True, check=True
        )
        assert (run.stdout, run.stderr) == ("[]\n", "")


# --- hostile input ---

HOSTILE = {
    "binary junk": bytes(range(256)).decode("latin-1") * 4,
    "nul bytes": "def f():\n    return 1\x00\x00\n",
    "lone surrogate": "name = '\ud800'\n",
    "10,000 nested brackets": "x = " + "[" * 10_000 + "]" * 10_000,
    "10,000 open brackets": "(" * 10_000,
    "deep unary minus": "-" * 100_000 + "1",
    "deep addition": "1" + " + 1" * 100_000,
    "deep attribute chain": "name" + ".attr" * 100_000,
    "too many indents": "".join("    " * depth + "if x:\n" for depth in range(150)),
    "only line breaks": "\r\n\r\r\n\n" * 1000,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_never_raises(text):
    scores = seed_scores(text, text)
    assert 0.0 <= scores.overall_score <= 1.0
    assert all(finding.start_line >= 1 for finding in findings(text, text))
    functions(text)


@pytest.mark.parametrize(
    "name",
    [
        "10,000 nested brackets",
        "deep unary minus",
        "deep addition",
        "binary junk",
        "nul bytes",
        "lone surrogate",
    ],
)
def test_hostile_text_that_does_not_parse_scores_zero_with_one_finding(name):
    text = HOSTILE[name]
    assert seed_scores(text, "def test_x(self):\n    self.assertTrue(1)\n").as_dict() == {
        "code_quality_score": 0.0,
        "test_coverage_score": 0.0,
        "overall_score": 0.0,
    }
    [finding] = findings(text)
    assert finding.code == "syntax-error"


def test_a_50_000_line_file_is_scored():
    unit = 'def step_{0}(value: int) -> int:\n    """Step."""\n    return value + {0}\n\n\n'
    code = "".join(unit.format(index) for index in range(10_000))
    assert code.count("\n") == 50_000
    assert len(functions(code)) == 10_000
    assert findings(code) == []
    # 10,000 functions and 1 test: 1 / 10,000 + 0.2 = 0.2001; overall (1.0 + 0.2001) / 2 = 0.60005
    assert seed_scores(code, "def test_step_0(self):\n    self.assertEqual(step_0(1), 1)\n") == (
        SeedScores(
            code_quality_score=1.0, test_coverage_score=1 / 10_000 + 0.2, overall_score=0.60005
        )
    )
