"""Workspace edits: line diffs against a document version, and new files created in the same
edit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types

from ..text import split_lines
from .line_diff import changed_ranges

Units = Callable[[str], int]


@dataclass(frozen=True)
class FileChange:
    """One file's text before (None: the file does not exist yet) and after."""

    uri: str
    old_text: str | None
    new_text: str
    version: int | None  # the open document's version, None when it is not open


def text_edits(old: str, new: str, units: Units) -> list[types.TextEdit]:
    """The fewest whole-line edits that turn `old` into `new`."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    edits = []
    for i1, i2, j1, j2 in changed_ranges(old_lines, new_lines):
        replacement = "".join(new_lines[j1:j2])
        start = _line_start(old_lines, i1, units)
        end = _line_start(old_lines, i2, units)
        edits.append(types.TextEdit(range=types.Range(start=start, end=end), new_text=replacement))
    return edits


PREVIEW_ANNOTATION = "codegen"


def preview_annotation(description: str) -> types.ChangeAnnotation:
    """What makes an editor show the edit for review before applying it (VS Code's refactor
    preview)."""
    return types.ChangeAnnotation(label="Codegen", needs_confirmation=True, description=description)


def workspace_edit(
    changes: list[FileChange],
    units: Units,
    *,
    document_changes: bool,
    annotation: types.ChangeAnnotation | None = None,
) -> types.WorkspaceEdit:
    """One WorkspaceEdit for all files; new files get a CreateFile (which never overwrites) first.

    With an `annotation` (document changes only), every edit carries it, so the editor asks first.
    """
    if not document_changes:
        return types.WorkspaceEdit(
            changes={
                change.uri: text_edits(change.old_text or "", change.new_text, units)
                for change in changes
            }
        )
    annotation_id = PREVIEW_ANNOTATION if annotation is not None else None
    operations: list = []
    for change in changes:
        if change.old_text is None:
            operations.append(
                types.CreateFile(
                    uri=change.uri,
                    options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False),
                    annotation_id=annotation_id,
                )
            )
            edits: list[types.TextEdit | types.AnnotatedTextEdit] = [
                types.TextEdit(
                    range=types.Range(
                        start=types.Position(line=0, character=0),
                        end=types.Position(line=0, character=0),
                    ),
                    new_text=change.new_text,
                )
            ]
        else:
            edits = list(text_edits(change.old_text, change.new_text, units))
        if annotation_id is not None:
            edits = [
                types.AnnotatedTextEdit(
                    range=edit.range, new_text=edit.new_text, annotation_id=annotation_id
                )
                for edit in edits
            ]
        if edits:
            operations.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=change.uri, version=change.version
                    ),
                    edits=edits,
                )
            )
    if annotation is not None:
        return types.WorkspaceEdit(
            document_changes=operations, change_annotations={PREVIEW_ANNOTATION: annotation}
        )
    return types.WorkspaceEdit(document_changes=operations)


def _line_start(lines: list[str], index: int, units: Units) -> types.Position:
    if index < len(lines):
        return types.Position(line=index, character=0)
    if lines and not lines[-1].endswith(("\n", "\r")):
        return types.Position(line=len(lines) - 1, character=units(lines[-1]))
    return types.Position(line=len(lines), character=0)
