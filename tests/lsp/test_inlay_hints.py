"""textDocument/inlayHint: scores after each def line and the module's overall score on line 1."""

from __future__ import annotations

from lsprotocol import types

from .conftest import copy_data


async def hints(editor, uri, last_line=1000):
    return await editor.client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=last_line, character=0)),
    ))


async def test_scores_on_def_lines_and_line_one(start_editor, workspace):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor()
    uri = editor.open("prompt_module.py")
    found = {hint.position.line: hint for hint in await hints(editor, uri)}
    assert set(found) == {0, 7}
    assert found[0].label.startswith("overall ")
    assert found[7].label.startswith("quality ")
    assert found[7].position.character == len("def existing(values):")
    assert [h.position.line for h in await hints(editor, uri, last_line=3)] == [0]


async def test_test_results_in_hints_and_refresh(start_editor, workspace):
    copy_data("buggy.py", workspace)
    copy_data("test_buggy.py", workspace)
    editor = await start_editor()
    uri = editor.open("buggy.py")
    before = {hint.position.line: hint.label for hint in await hints(editor, uri)}
    assert "tests" not in before[0 + 0] or before[0].startswith("overall")
    await editor.command("codegen.runTests", uri)
    assert editor.refreshes >= 1
    after = {hint.position.line: hint.label for hint in await hints(editor, uri)}
    assert "tests 0/1" in after[0] and "100% covered" in after[0]
    assert "tests 1/1" in after[5] and "covered" in after[5] and "100%" not in after[5]


async def test_unknown_document_has_no_hints(start_editor, workspace):
    editor = await start_editor()
    assert not await hints(editor, editor.uri("nowhere.py"))
