"""codegen.previewEdits: the edit carries a change annotation that needs confirmation (VS Code's
refactor preview), the new test file included; a client without annotation support gets the plain
edit."""

from __future__ import annotations

from lsprotocol import types

from tests.helpers.lsp_editor import capabilities, copy_data, generate_everything


async def test_previewed_edits_need_confirmation_and_create_the_test_file_in_the_same_edit(
    start_editor, workspace, model
):
    copy_data("prompt_module.py", workspace)
    editor = await start_editor(model=model, options={"previewEdits": True})
    edit = await generate_everything(editor)

    [annotation] = edit.change_annotations.values()
    assert annotation.needs_confirmation and annotation.label == "Codegen"
    [annotation_id] = edit.change_annotations
    creates = [op for op in edit.document_changes if isinstance(op, types.CreateFile)]
    assert creates and all(op.annotation_id == annotation_id for op in creates)
    text_edits = [
        e
        for op in edit.document_changes
        if isinstance(op, types.TextDocumentEdit)
        for e in op.edits
    ]
    assert text_edits and all(
        getattr(e, "annotation_id", None) == annotation_id for e in text_edits
    )


async def test_clients_without_annotation_support_get_the_plain_edit(
    start_editor, workspace, model
):
    copy_data("prompt_module.py", workspace)
    caps = capabilities()
    caps.workspace.workspace_edit.change_annotation_support = None
    editor = await start_editor(model=model, options={"previewEdits": True}, caps=caps)
    edit = await generate_everything(editor)
    assert not edit.change_annotations
    assert all(
        isinstance(e, types.TextEdit)
        for op in edit.document_changes
        if isinstance(op, types.TextDocumentEdit)
        for e in op.edits
    )
