"""A configurable cap on diagnostics per file, and shutdown answered while a huge file is still
being analysed."""

from __future__ import annotations

import asyncio

from tests.helpers.lsp_editor import launch


async def test_max_diagnostics_setting_caps_findings_with_a_summary(start_editor):
    editor = await start_editor(options={"maxDiagnostics": 3})
    uri = editor.open("capped.py", "".join(f"def f{n}(x):\n    return x\n\n\n" for n in range(10)))
    published = await editor.diagnostics(uri)
    findings = [
        d for d in published.diagnostics if d.code in ("missing-docstring", "missing-type-hints")
    ]
    assert [d.range.start.line for d in findings] == [0, 0, 4]  # the first ones, in document order
    [more] = [d for d in published.diagnostics if d.code == "more-findings"]
    assert more.message.startswith("17 more findings are not shown: at most 3 per file")


async def test_shutdown_is_answered_while_a_huge_file_is_analysed(tmp_path, workspace):
    editor = await launch(workspace, tmp_path / "home")
    try:
        block = (
            "def f{n}(values):\n    total = 0\n    for value in values:\n"
            "        total += value\n    return total\n\n\n"
        )
        uri = editor.open("huge.py", "".join(block.format(n=n) for n in range(200_000 // 7)))
        await editor.code_actions(uri, 0)  # the server has read the document and started on it
        await asyncio.wait_for(editor.client.shutdown_async(None), 10)
        assert not [
            p for p in editor.publications if p.uri == uri
        ]  # answered long before its analysis could end
        editor.client.exit(None)
    finally:
        await editor.client.stop()
