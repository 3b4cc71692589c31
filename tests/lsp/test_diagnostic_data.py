"""The seed-scores diagnostic carries its scores as `data`, so clients never re-parse the message
text."""

from __future__ import annotations

import pytest

from codegen.scoring.quality import seed_scores
from tests.helpers.lsp_editor import DATA, shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()

MODULE = (DATA / "two_functions.py").read_text(encoding="utf-8")
TESTS = (
    "import unittest\n\nfrom scored_module import double\n\n\n"
    "class TestDouble(unittest.TestCase):\n"
    "    def test_double(self):\n        self.assertEqual(double(2), 4)\n"
)


def seed_diagnostic(diagnostics):
    [seed] = [d for d in diagnostics if d.code == "seed-scores"]
    return seed


async def test_the_scores_a_client_receives_are_the_scorer_numbers(editor):
    editor.open("test_scored_module.py", TESTS)
    uri = editor.open("scored_module.py", MODULE)
    expected = seed_scores(MODULE, TESTS).as_dict()
    assert (
        0 < expected["test_coverage_score"] < 1
    )  # one of two functions tested: not a default value

    seed = seed_diagnostic((await editor.diagnostics(uri)).diagnostics)
    assert seed.data == {"scores": expected}
    assert seed.message.endswith(f"overall {expected['overall_score']:.2f}".rstrip("0").rstrip("."))


async def test_the_data_follows_an_edit(editor):
    uri = editor.open("scored.py", "def f(x):\n    return x\n")
    first = seed_diagnostic((await editor.diagnostics(uri)).diagnostics).data["scores"]
    text = 'def f(value: int) -> int:\n    """Identity."""\n    return value\n'
    editor.change(uri, text)
    second = seed_diagnostic((await editor.diagnostics(uri, version=2)).diagnostics).data["scores"]
    assert second == seed_scores(text, "").as_dict()
    assert second["code_quality_score"] > first["code_quality_score"]
