"""Requests answered at once from the last analysis, or a line scan, for the current text while
the current version's analysis is still to come (a long diagnostics delay keeps it away)."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from tests.helpers.lsp_editor import change_range


async def hints(editor, uri: str, last_line: int = 10_000) -> dict[int, str]:
    answer = await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(0, 0), end=types.Position(last_line, 0)),
        )
    )
    return {hint.position.line: hint.label for hint in answer}


def published_versions(editor, uri: str) -> list[int | None]:
    return [params.version for params in editor.publications if params.uri == uri]


async def test_requests_follow_the_current_text_while_its_analysis_is_outdated(start_editor):
    # Two seconds of debounce: after each edit below, the last analysis is the first version's
    editor = await start_editor(options={"diagnosticsDelayMs": 2000})
    text = "".join(f"def f{n}(values):\n    return values\n\n\n" for n in range(50))
    uri = editor.open("outdated.py", text)
    await editor.diagnostics(uri, version=1)
    assert set(await hints(editor, uri)) == {0} | {4 * n for n in range(50)}
    change_range(editor, uri, (40, 4), (40, 7), "renamed")  # def f10 -> def renamed
    version = change_range(editor, uri, (0, 0), (0, 0), "# Return the squares of the values.\n\n")
    # Line 42 is the body of `renamed`; line 0 the prompt: the current text's actions, at once
    [runner, tests] = await editor.code_actions(uri, 43, 4)
    assert runner.command.arguments[0]["function"] == "renamed"
    assert runner.command.arguments[0]["version"] == version
    assert [a.title for a in await editor.code_actions(uri, 0, 3)] == [
        "Generate function",
        "Generate function, runner and tests",
    ]
    # Hints from the first version's analysis, on the lines they moved to; none on the renamed def
    carried = await hints(editor, uri)
    assert set(carried) == {0} | {4 * n + 2 for n in range(50) if n != 10}
    assert published_versions(editor, uri) == [1]  # all that before the current version's analysis
    refreshes = editor.refreshes
    await editor.diagnostics(uri, version=version, timeout=30)
    for _ in range(100):  # the refresh is sent right after the diagnostics, as its own message
        if editor.refreshes > refreshes:
            break
        await asyncio.sleep(0.05)
    assert editor.refreshes > refreshes
    fresh = await hints(editor, uri)
    assert set(fresh) == {0} | {4 * n + 2 for n in range(50)}
    assert fresh[42].startswith("quality ")


async def test_code_actions_follow_an_edit_made_while_the_first_analysis_runs(start_editor):
    editor = await start_editor(options={"diagnosticsDelayMs": 2000})
    block = (
        "def f{n}(values):\n    total = 0\n    for value in values:\n        total += value\n"
        "    return total\n\n\n"
    )
    uri = editor.open("edited_early.py", "".join(block.format(n=n) for n in range(60_000 // 7)))
    version = change_range(
        editor, uri, (30_002, 4), (30_002, 9), "late_name"
    )  # def f4286 -> def late_name
    [runner, _] = await editor.code_actions(uri, 30_004, 8)
    assert runner.command.arguments[0]["function"] == "late_name"
    assert published_versions(editor, uri) == []  # answered before any analysis was published
    published = await editor.diagnostics(uri, timeout=120)
    assert (
        published.version == version
    )  # the first version's analysis was dropped for the current one
