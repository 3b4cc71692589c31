"""Whatever text arrives, scoring and linting return in-range values and never raise."""

from __future__ import annotations

import keyword

from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.scoring.quality import findings, functions, seed_scores

MODERATE = settings(max_examples=200, deadline=None)

# Fragments that steer generated text towards almost-Python: definitions, brackets, indentation,
# docstrings, annotations, odd line breaks and the bytes the parser rejects.
FRAGMENTS = [
    "def ",
    "async def ",
    "class ",
    "return ",
    "lambda ",
    "@",
    "name",
    "f",
    "_x",
    "test_a",
    "self",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "=",
    "->",
    "*",
    "**",
    ".",
    " ",
    "    ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\x0c",
    "\x00",
    '"""doc"""',
    "'",
    '"',
    "#",
    "int",
    "str",
    "1",
    "\\",
    "self.assertEqual(",
    "x" * 101,
    "\ud800",
]
python_ish = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join)
identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and not keyword.issoftkeyword(name)
)


@st.composite
def valid_modules(draw) -> tuple[str, int, int]:
    """A module of top-level functions; returns (code, functions, functions without docstrings)."""
    names = draw(st.lists(identifiers, max_size=8, unique=True))
    undocumented = 0
    parts = []
    for name in names:
        annotated = draw(st.booleans())
        documented = draw(st.booleans())
        undocumented += not documented
        signature = f"def {name}(value: int) -> int:" if annotated else f"def {name}(value):"
        docstring = '    """Do it."""\n' if documented else ""
        parts.append(f"{signature}\n{docstring}    return value\n\n\n")
    return "".join(parts), len(names), undocumented


def assert_sane(code: str, tests: str) -> None:
    scores = seed_scores(code, tests)
    for score in scores.as_dict().values():
        assert 0.0 <= score <= 1.0
    assert scores.overall_score == (scores.code_quality_score + scores.test_coverage_score) / 2
    line_count = len(code.splitlines()) + 1
    for finding in findings(code, tests):
        assert 1 <= finding.start_line <= finding.end_line <= line_count
        assert 0 <= finding.start_col
    for info in functions(code):
        assert 1 <= info.start_line <= info.end_line


@MODERATE
@given(st.text(), st.text())
def test_any_text_is_scored_in_range(code, tests):
    assert_sane(code, tests)


@MODERATE
@given(python_ish, python_ish)
def test_python_ish_text_is_scored_in_range(code, tests):
    assert_sane(code, tests)


@MODERATE
@given(valid_modules())
def test_every_generated_function_is_found_and_linted(module):
    code, count, undocumented = module
    assert len(functions(code)) == count
    missing = [finding for finding in findings(code) if finding.code == "missing-docstring"]
    assert len(missing) == undocumented
    assert seed_scores(code, "").test_coverage_score == 0.0
