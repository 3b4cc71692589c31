"""A document opening with a UTF-8 byte-order mark: diagnostics on its lines, and generated code
merged after the mark, which stays once."""

from __future__ import annotations

import pytest

from codegen.source import parses
from tests.helpers.lsp_editor import action, shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()

MARKED = (
    "\ufeff# compute the moving average of a time series\n"
    "# with a window of n points\n"
    "\n"
    "\n"
    "def existing(values):\n"
    "    return sum(values)\n"
)


async def test_diagnostics_of_a_marked_file_are_on_its_lines(editor):
    uri = editor.open(
        "marked_lines.py", "\ufeffdef first(x):\n    return x\n\n\ndef second(y):\n    return y\n"
    )
    published = await editor.diagnostics(uri)
    docstrings = [d for d in published.diagnostics if d.code == "missing-docstring"]
    assert [(d.range.start.line, d.range.start.character) for d in docstrings] == [(0, 1), (4, 0)]
    assert not [d for d in published.diagnostics if d.code == "syntax-error"]


async def test_generation_in_a_marked_file_keeps_one_mark_first(editor):
    uri = editor.open("marked_module.py", MARKED)
    actions = await editor.code_actions(uri, 0)
    outcome = await editor.run(action(actions, "Generate function, runner and tests"))
    assert outcome["applied"], outcome
    text = editor.text(uri)
    assert text.startswith("\ufeff") and text.count("\ufeff") == 1
    assert parses(text)
    assert "def moving_average(" in text and "def existing(values):" in text
    assert text.index("from typing import List") < text.index("def moving_average(")
    assert "3/3 tests passed" in outcome["message"]


async def test_tests_merged_into_a_marked_test_file_keep_its_mark(editor):
    uri = editor.open("marked_merge.py", MARKED)
    test_file = editor.test_file(uri)
    test_file.write_bytes(
        b"\xef\xbb\xbfimport unittest\n\n\nclass TestNothing(unittest.TestCase):\n"
        b"    def test_true(self):\n        self.assertTrue(True)\n"
    )
    outcome = await editor.run(
        action(await editor.code_actions(uri, 1), "Generate function, runner and tests")
    )
    assert outcome["applied"], outcome
    tests = test_file.read_text(encoding="utf-8")
    assert tests.startswith("\ufeff") and tests.count("\ufeff") == 1 and parses(tests)
    assert "class TestNothing" in tests and "class TestMovingAverage" in tests
    assert "4/4 tests passed" in outcome["message"]
