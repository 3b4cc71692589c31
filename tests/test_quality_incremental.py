"""Per-statement analysis equals scoring the whole text, at full precision, on every edit of an
editing session."""

from __future__ import annotations

import warnings

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from codegen.scoring import quality
from codegen.scoring.quality_incremental import IncrementalModule
from codegen.scoring.statement_analysis import is_test_scope
from codegen.scoring.statements import StatementIndex
from tests.seed_reference import seed_code_quality_score

# Pieces of almost-Python that stress the statement split: multi-line strings, decorators, comments
# at column 0 inside bodies, continuation keywords, line continuations, brackets, odd line breaks,
# form feeds.
FRAGMENTS = [
    "def f(x):\n",
    "    return x\n",
    "async def g(a: int):\n",
    "class A:\n",
    "    '''Doc.'''\n",
    '"""',
    "'''",
    "'",
    '"',
    "#",
    "# note\n",
    "(",
    ")",
    "[",
    "]",
    "\\\n",
    "\\",
    "@decorator\n",
    "@d(\n",
    "else:\n",
    "elif y:\n",
    "except ValueError:\n",
    "finally:\n",
    "try:\n",
    "if x:\n",
    "    pass\n",
    "x = 1\n",
    "name = value\n",
    "\n",
    "\r",
    "\r\n",
    "\x0c",
    "  ",
    "    ",
    "\t",
    "z" * 101,
    "y" * 60,
    "w = " + "v" * 96,
    "from __future__ import annotations\n",
    "f'{x}'",
    "r'\\'",
    "\x00",
    "\ud800",
    "self.assertEqual(",
    "lambda: _x",
]
# Whole lines that parse, with every kind of line break, so long runs of valid code (and its scores)
# come up.
LINES = [
    "def f(x):",
    "    return x",
    "@decorator",
    "class Stack:",
    '    """A stack."""',
    "    def push(self, item):",
    "        self.items.append(item)",
    "w = " + "v" * 96,
    "value = other",
    "if ready:",
    "else:",
    "    pass",
    "# a comment",
    "",
    '"""Module docstring."""',
    "x = (1,",
    "     2)",
]
line_texts = st.lists(
    st.tuples(st.sampled_from(LINES), st.sampled_from(["\n", "\r\n", "\r"])), max_size=20
).map(lambda pairs: "".join(line + ending for line, ending in pairs))
texts = st.one_of(line_texts, st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join))
TESTS = (
    "import unittest\n\nclass T(unittest.TestCase):\n    def test_f(self):\n"
    "        self.assertEqual(f(1), 1)\n"
)


def split(text: str) -> list[str]:
    from codegen.scoring.statement_analysis import _LINES

    return _LINES.findall(text)


def seed_score_or_none(text: str) -> float | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return seed_code_quality_score(text)
    except (ValueError, RecursionError, MemoryError):  # the seed catches SyntaxError only
        return None


class EditingSession(RuleBasedStateMachine):
    """Random edits (as line ranges, the way incremental sync delivers them) against a fresh
    whole-file analysis."""

    @initialize(text=texts)
    def open(self, text):
        self.text = text
        self.lines = split(text)
        self.module = IncrementalModule(self.lines)

    def _edit(self, start: int, end: int, inserted: str) -> None:
        new = self.text[:start] + inserted + self.text[end:]
        old_lines, new_lines = self.lines[:], split(new)
        prefix = 0
        while (
            prefix < min(len(old_lines), len(new_lines)) and old_lines[prefix] == new_lines[prefix]
        ):
            prefix += 1
        suffix = 0
        while (
            suffix < min(len(old_lines), len(new_lines)) - prefix
            and old_lines[-1 - suffix] == new_lines[-1 - suffix]
        ):
            suffix += 1
        self.lines[prefix : len(old_lines) - suffix] = new_lines[prefix : len(new_lines) - suffix]
        self.module.replace(prefix, len(old_lines) - suffix, len(new_lines) - prefix - suffix)
        self.text = new

    @rule(
        data=st.data(), inserted=st.one_of(texts, st.sampled_from(LINES)), slices=st.integers(0, 3)
    )
    def type_text(self, data, inserted, slices):
        start = data.draw(st.integers(0, len(self.text)))
        end = data.draw(st.integers(start, min(len(self.text), start + 12)))
        self._edit(start, end, inserted)
        self._analyse_in_part(slices)

    def _analyse_in_part(self, slices: int) -> None:
        """What the server does when the next edit arrives mid-analysis: a few slices, each cut
        short by the waiting input, then the rest dropped; the work done counts in the next one."""
        analysis = self.module.steps(slice_seconds=1e-9, interrupted=lambda: True)
        for _ in range(slices):
            try:
                next(analysis)
            except StopIteration:
                break
        analysis.close()

    @rule(data=st.data())
    def delete_line_break(self, data):
        """Joins two lines: may merge two statements, or a statement into a string."""
        breaks = [i for i, c in enumerate(self.text) if c in "\r\n"]
        if breaks:
            position = data.draw(st.sampled_from(breaks))
            self._edit(position, position + 1, "")

    @rule(
        data=st.data(),
        fragment=st.sampled_from(['"""', "'''", "(", "\\", "@d\n", "else:\n", "    "]),
    )
    def insert_at_line_start(self, data, fragment):
        """Splits or opens statements: a quote, bracket, decorator, continuation keyword or indent
        at column 0."""
        starts = [0] + [i + 1 for i, c in enumerate(self.text) if c == "\n"]
        position = data.draw(st.sampled_from(starts))
        self._edit(position, position, fragment)

    @invariant()
    def equals_the_whole_file(self):
        analysis = self.module.analyze()
        assert "".join(self.lines) == self.text
        for tests in ("", TESTS):
            assert analysis.seed_scores(tests) == quality.seed_scores(self.text, tests)
        assert list(analysis.findings(None)) == quality.findings(self.text)
        assert list(analysis.findings(TESTS)) == quality.findings(self.text, TESTS)
        assert list(analysis.functions()) == quality.functions(self.text)
        # The count of findings outside test functions (what the diagnostics' cap summary reports):
        # `analysis` has it from the running total kept over the edits since the last check, which
        # ends with None again.
        for tests, counted in (
            (None, analysis),
            (TESTS, self.module.analyze(TESTS)),
            (None, self.module.analyze()),
        ):
            shown = [f for f in quality.findings(self.text, tests) if not is_test_scope(f.function)]
            assert (
                counted.shown == (quality._referenced_names(tests), len(shown))
                or counted.syntax_error
            )
            assert counted.shown_count(tests) == len(shown)
        seed = seed_score_or_none(self.text)
        if seed is not None:
            assert analysis.quality_score == seed


EditingSession.TestCase.settings = settings(max_examples=300, stateful_step_count=25, deadline=None)
TestEditingSession = EditingSession.TestCase


def module_of(functions: int) -> str:
    return "".join(
        f"def f{i}(x: int) -> int:\n    '''Doc.'''\n    y = x + 1\n    return y\n\n\n"
        for i in range(functions)
    )


def test_an_edit_inside_a_function_rescans_only_that_function():
    lines = split(module_of(100))
    index = StatementIndex(lines)
    index.resync()
    assert index.scanned == len(lines)
    before = list(index.starts)
    lines[202] = lines[202].replace("x + 1", "x + 2")  # inside the 34th function (lines 198-203)
    index.replace(202, 203, 1)
    assert index.resync()
    assert index.starts == before
    assert index.scanned <= 13  # from the function before it to the next start


def test_a_rescan_stops_when_tired_and_resumes_to_the_same_statements():
    """A request waiting makes `tired()` true: the rescan stops within RESCAN_STRIDE lines of it,
    and a resumed rescan finds what one rescan finds."""
    from codegen.scoring.statements import RESCAN_STRIDE

    lines = split(module_of(500))  # 3,000 lines
    whole = StatementIndex(lines)
    whole.resync()
    index, rounds = StatementIndex(lines), 0
    while not index.resync(lambda: True):
        rounds += 1
        assert index.scanned <= 2 * RESCAN_STRIDE
    assert rounds >= len(lines) // (2 * RESCAN_STRIDE)
    assert index.starts == whole.starts


def test_an_unclosed_string_joins_everything_after_it_into_one_statement():
    lines = split(module_of(10))
    module = IncrementalModule(lines)
    assert len(module.analyze().statements) == 10
    lines.insert(12, 'x = """\n')  # a new line before the third function
    module.replace(12, 12, 1)
    analysis = module.analyze()
    assert analysis.syntax_error is not None and analysis.syntax_error.start_line == 13
    assert analysis.syntax_error.message.startswith(
        "Syntax error: unterminated triple-quoted string"
    )
    lines[12] = 'x = """"""\n'
    module.replace(12, 13, 1)
    assert len(module.analyze().statements) == 11


def test_only_changed_statements_are_parsed_again():
    lines = split(module_of(50))
    module = IncrementalModule(lines)
    first = module.analyze()
    lines[2] = lines[2].replace("x + 1", "x + 3")
    module.replace(2, 3, 1)
    second = module.analyze()
    changed = [a is not b for a, b in zip(first.statements, second.statements, strict=True)]
    assert changed == [True] + [False] * 49


def test_the_seed_long_line_rule_counts_a_carriage_return():
    """The seed splits on "\\n" only: a 100-character line ending in "\\r\\n" is 101 characters long
    to it."""
    code = '"""Doc."""\nabc = 1' + " " * 93 + "\r\n"
    assert quality.code_quality_score(code) == seed_code_quality_score(code)
    joined = (
        "aa = 1  #" + "x" * 60 + "\r" + "y" * 60 + "\n"
    )  # a lone "\r" does not end the seed's line
    assert quality.code_quality_score(joined) == seed_code_quality_score(joined) == 0.0
    for text in (code, joined, "w = " + "v" * 96 + "\r\n"):
        assert IncrementalModule(split(text)).analyze().quality_score == seed_code_quality_score(
            text
        )
