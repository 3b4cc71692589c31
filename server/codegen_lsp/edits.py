"""Workspace edits: line diffs against a document version, and new files created in the same edit."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types

from .merging import split_lines

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
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        replacement = "".join(new_lines[j1:j2])
        start = _line_start(old_lines, i1, units)
        end = _line_start(old_lines, i2, units)
        edits.append(types.TextEdit(range=types.Range(start=start, end=end), new_text=replacement))
    return edits


def workspace_edit(changes: list[FileChange], units: Units, *, document_changes: bool) -> types.WorkspaceEdit:
    """One WorkspaceEdit for all files; new files get a CreateFile (which never overwrites) first."""
    if not document_changes:
        return types.WorkspaceEdit(changes={
            change.uri: text_edits(change.old_text or "", change.new_text, units) for change in changes
        })
    operations: list = []
    for change in changes:
        if change.old_text is None:
            operations.append(types.CreateFile(
                uri=change.uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False)
            ))
            edits = [types.TextEdit(range=types.Range(start=types.Position(line=0, character=0),
                                                      end=types.Position(line=0, character=0)),
                                    new_text=change.new_text)]
        else:
            edits = text_edits(change.old_text, change.new_text, units)
        if edits:
            operations.append(types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=change.uri, version=change.version),
                edits=edits,
            ))
    return types.WorkspaceEdit(document_changes=operations)


def _line_start(lines: list[str], index: int, units: Units) -> types.Position:
    if index < len(lines):
        return types.Position(line=index, character=0)
    if lines and not lines[-1].endswith(("\n", "\r")):
        return types.Position(line=len(lines) - 1, character=units(lines[-1]))
    return types.Position(line=len(lines), character=0)

