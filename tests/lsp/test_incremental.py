"""Incremental didChange ranges, bounded diagnostics, and requests answered while a large file is
analysed."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers.lsp_editor import change_range, shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()


def codes(published) -> list[str]:
    return [d.code for d in published.diagnostics]


async def test_ranged_edits_land_on_the_lines_the_client_means(editor):
    # A form feed and a line separator are not line breaks in LSP (or for Python): line 4 is `def
    # g(x):`.
    text = "X = 1\n\x0c\nS = 'a\u2028b'\n\ndef g(x):\n    return x\n"
    uri = editor.open("odd_breaks.py", text)
    assert codes(await editor.diagnostics(uri)).count("missing-docstring") == 1
    version = change_range(editor, uri, (4, 9), (4, 9), '\n    """Return x."""')
    published = await editor.diagnostics(uri, version=version)
    assert "missing-docstring" not in codes(published) and "syntax-error" not in codes(published)
    [hint] = [d for d in published.diagnostics if d.code == "missing-type-hints"]
    assert hint.range.start.line == 4
    # Joining lines, then a line break typed as "\r" and "\n" separately: one CRLF, not two breaks.
    version = change_range(editor, uri, (0, 5), (2, 0), "")
    assert "syntax-error" in codes(await editor.diagnostics(uri, version=version))  # `X = 1S = ...`
    change_range(editor, uri, (0, 5), (0, 5), "\r")
    version = change_range(editor, uri, (1, 0), (1, 0), "\n")
    published = await editor.diagnostics(uri, version=version)
    assert "syntax-error" not in codes(published)
    assert [
        d.range.start.line for d in published.diagnostics if d.code == "missing-type-hints"
    ] == [3]


async def test_an_edit_inside_a_function_updates_only_its_findings(editor):
    functions = "".join(f"def f{n}(values):\n    return values\n\n\n" for n in range(200))
    uri = editor.open("many.py", functions)
    first = await editor.diagnostics(uri)
    assert codes(first).count("missing-docstring") == 200
    version = change_range(
        editor,
        uri,
        (400, 15),
        (400, 17),
        ') -> list:\n    """Return them."""\n    if not values:\n'
        "        raise ValueError('no values')",
    )
    published = await editor.diagnostics(uri, version=version)
    assert (
        codes(published).count("missing-docstring") == 199
        and codes(published).count("missing-type-hints") == 199
    )
    assert not [
        d
        for d in published.diagnostics
        if d.range.start.line == 400 and d.code.startswith("missing")
    ]
    after = [
        d.range.start.line
        for d in published.diagnostics
        if d.code == "missing-docstring" and d.range.start.line > 400
    ]
    assert after[0] == 407  # the next function moved down by the three lines inserted


async def test_code_actions_are_answered_while_a_large_file_is_analysed(editor):
    block = (
        "def f{n}(values):\n    total = 0\n    for value in values:\n        total += value\n"
        "    return total\n\n\n"
    )
    text = "".join(block.format(n=n) for n in range(60_000 // 7))
    order: list[str] = []
    uri = editor.open("large.py", text)
    diagnostics = asyncio.ensure_future(editor.diagnostics(uri, timeout=120))
    diagnostics.add_done_callback(lambda _: order.append("diagnostics"))
    actions = await editor.code_actions(uri, 30_002, 8)
    order.append("code actions")
    assert [a.title for a in actions] == ["Generate runner (main)", "Generate tests"]
    published = await diagnostics
    assert order == [
        "code actions",
        "diagnostics",
    ]  # answered from a line scan, not after the analysis
    assert (
        len(published.diagnostics) == 502
    )  # 500 findings, the seed scores, and how many more there are
