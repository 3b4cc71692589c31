"""Generating into very big or odd files: the generation finishes or says why not, and the server
keeps answering meanwhile."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers.lsp_editor import action, shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()

PROMPT = "# compute the moving average of a time series with a window\n"
BLOCK = (
    "def f{n}(values):\n    total = 0\n    for value in values:\n        total += value\n"
    "    return total\n\n\n"
)


def functions(count: int, start: int = 0) -> str:
    return "".join(BLOCK.format(n=n) for n in range(start, start + count))


async def generate_while_serving(editor, uri: str, line: int, timeout: float = 240.0):
    """Pick "Generate function, runner and tests" at `line`; while it runs, code actions elsewhere
    are answered. Returns the job's outcome."""
    picked = action(await editor.code_actions(uri, line), "Generate function, runner and tests")
    job = asyncio.ensure_future(editor.run(picked, timeout=timeout))
    answered = 0
    while not job.done():
        assert await asyncio.wait_for(editor.code_actions(uri, 0), 5) is not None
        answered += 1
        await asyncio.wait([job], timeout=0.2)
    assert answered >= 1
    return job.result()


async def test_a_prompt_in_the_middle_of_200000_lines(editor):
    half = 200_000 // 2 // BLOCK.count("\n")
    text = functions(half) + PROMPT + functions(half, start=half)
    uri = editor.open("huge_middle.py", text)
    line = text[: text.index(PROMPT)].count("\n")
    outcome = await generate_while_serving(editor, uri, line)
    assert outcome["applied"], outcome
    new_text = editor.text(uri)
    at = new_text.index("def moving_average(")
    # The function went in at the prompt, between the two halves; nothing else was lost.
    assert f"def f{half - 1}(" in new_text[:at] and f"def f{half}(" in new_text[at:]
    assert new_text.count("def f") == 2 * half


async def test_a_file_with_a_one_megabyte_line(editor):
    text = "DATA = '" + "x" * 1_000_000 + "'\n\n\n" + PROMPT
    uri = editor.open("long_line.py", text)
    outcome = await generate_while_serving(editor, uri, 3)
    assert outcome["applied"], outcome
    new_text = editor.text(uri)
    # The long line is kept whole (the imports go above it)
    assert text.splitlines()[0] in new_text.splitlines() and "def moving_average(" in new_text


async def test_a_file_that_is_one_huge_expression(editor):
    # Too deeply nested for Python's parser: nothing of the module can be parsed or run
    text = "VALUE = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n\n\n" + PROMPT
    uri = editor.open("one_expression.py", text)
    outcome = await generate_while_serving(editor, uri, 3)
    # Finishes with the code placed, or says why not; either way in words, never a crash
    assert outcome["message"] and "unexpectedly" not in outcome["message"], outcome
    if outcome["applied"]:
        assert "def moving_average(" in editor.text(uri)
