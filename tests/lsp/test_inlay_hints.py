"""textDocument/inlayHint: scores after each def line and the module's overall score on line 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from tests.helpers.lsp_editor import DATA, shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()


async def hints(editor, uri, last_line=1000):
    return await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=0, character=0),
                end=types.Position(line=last_line, character=0),
            ),
        )
    )


async def test_scores_on_def_lines_and_line_one(editor):
    uri = editor.place("prompt_module.py")
    found = {hint.position.line: hint for hint in await hints(editor, uri)}
    assert set(found) == {0, 7}
    assert found[0].label.startswith("overall ")
    assert found[7].label.startswith("quality ")
    assert found[7].position.character == len("def existing(values):")
    assert [h.position.line for h in await hints(editor, uri, last_line=3)] == [0]


async def test_test_results_in_hints_and_refresh(editor):
    uri = editor.place("buggy.py")
    module = Path(uri).stem
    editor.test_file(uri).write_text(
        (DATA / "test_buggy.py").read_text().replace("from buggy ", f"from {module} ")
    )
    before = {hint.position.line: hint.label for hint in await hints(editor, uri)}
    assert "tests" not in before[0 + 0] or before[0].startswith("overall")
    await editor.command("codegen.runTests", uri)
    assert editor.refreshes >= 1
    after = {hint.position.line: hint.label for hint in await hints(editor, uri)}
    assert "tests 0/1" in after[0] and "100% covered" in after[0]
    assert "tests 1/1" in after[5] and "covered" in after[5] and "100%" not in after[5]


async def test_unknown_document_has_no_hints(editor):
    assert not await hints(editor, editor.uri("nowhere.py"))
