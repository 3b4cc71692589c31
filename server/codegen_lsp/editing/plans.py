"""The new texts of the module and its test file, from a snapshot of the current ones and what the
model made."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from codegen.shaping.merging import MergeError, merge_imports, merge_test_file, module_imports
from codegen.source import BOM, without_bom

from .. import placement
from ..stop import GenerationStopped
from .anchors import Anchor, refind
from .edits import FileChange, Units, workspace_edit
from .merging import append_runner, place_function, split_imports


@dataclass
class Generated:
    """What the model made, formatted; empty strings for parts not asked for."""

    code: str = ""
    runner: str = ""
    tests: str = ""
    runner_skipped: bool = False


@dataclass(frozen=True)
class FilesSnapshot:
    """The module and its test file at one moment, and how to merge into them: all a plan reads."""

    uri: str
    text: str
    version: int | None
    module_path: Path
    test_path: Path  # the existing test file, or where a new one goes
    test_text: str | None  # None: no test file yet
    test_version: int | None  # the open test document's version, None when it is not open
    keep_prompt_comment: bool = False

    @property
    def test_uri(self) -> str:
        return from_fs_path(str(self.test_path)) or ""

    @property
    def module_name(self) -> str:
        return placement.module_name(self.module_path)


def plan(
    files: FilesSnapshot, anchor: Anchor, generated: Generated
) -> tuple[FileChange, FileChange | None]:
    """(module change, test file change or None) for the snapshot; raises GenerationStopped."""
    # Merging works on the text as Python reads it; a byte-order mark the file had goes back in
    # front, once, so nothing is ever inserted before it.
    bom = BOM if files.text.startswith(BOM) else ""
    new_text = without_bom(files.text)
    # The module is parsed once (and cached): placing code and merging imports keep track of what
    # it imports instead of parsing each step's whole text again
    present = module_imports(new_text)
    if generated.code:
        if anchor.prompt is None:
            raise ValueError("a generated function goes where its prompt is: the anchor has none")
        imports, body = split_imports(generated.code)
        new_text = place_function(
            new_text, anchor.prompt, body, keep_prompt=files.keep_prompt_comment
        )
        new_text = merge_imports(new_text, imports, present)
        present = present | module_imports("".join(imports))
    if generated.runner:
        imports, body = split_imports(generated.runner)
        new_text = merge_imports(append_runner(new_text, body), imports, present)
    module_change = FileChange(files.uri, files.text, bom + new_text, files.version)
    if not generated.tests:
        return module_change, None
    if files.test_text is None:
        return module_change, FileChange(files.test_uri, None, generated.tests, None)
    test_bom = BOM if files.test_text.startswith(BOM) else ""
    try:
        merged = merge_test_file(
            without_bom(files.test_text), generated.tests, module_name=files.module_name
        )
    except MergeError as error:
        raise GenerationStopped(f"{files.test_path.name}: {error}.") from None
    return module_change, FileChange(
        files.test_uri, files.test_text, test_bom + merged, files.test_version
    )


def edit_for(
    files: FilesSnapshot,
    anchor: Anchor,
    generated: Generated,
    units: Units,
    *,
    document_changes: bool,
    creates: bool,
    annotation: types.ChangeAnnotation | None = None,
) -> tuple[list[FileChange], types.WorkspaceEdit]:
    """The changes and the one WorkspaceEdit carrying them, against the snapshot's versions."""
    anchor = refind(anchor, files.text)
    changes = [change for change in plan(files, anchor, generated) if change is not None]
    in_edit = [change for change in changes if change.old_text is not None or creates]
    return changes, workspace_edit(
        in_edit, units, document_changes=document_changes, annotation=annotation
    )


def write_new_file(change: FileChange) -> None:
    """For clients that cannot create files: write the new test file, never over an existing one."""
    fs_path = to_fs_path(change.uri)
    if fs_path is None:
        raise ValueError(f"not a file URI: {change.uri}")
    path = Path(fs_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
        handle.write(change.new_text)
