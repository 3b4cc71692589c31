"""The new texts of the module and its test file, merged from the current texts and what the model made."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from . import placement
from .anchors import Anchor, refind
from .edits import FileChange, workspace_edit
from .merging import MergeError, append_runner, merge_imports, merge_test_file, place_function, split_imports
from .stop import GenerationStopped


@dataclass
class Generated:
    """What the model made, formatted; empty strings for parts not asked for."""

    code: str = ""
    runner: str = ""
    tests: str = ""
    runner_skipped: bool = False


def plan(server, uri: str, anchor: Anchor, generated: Generated) -> tuple[FileChange, FileChange | None]:
    """(module change, test file change or None) from the current texts; raises GenerationStopped."""
    document = server.document(uri)
    text = document.source
    new_text = text
    if generated.code:
        imports, body = split_imports(generated.code)
        new_text = place_function(new_text, anchor.prompt, body, keep_prompt=server.options.keep_prompt_comment)
        new_text = merge_imports(new_text, imports)
    if generated.runner:
        imports, body = split_imports(generated.runner)
        new_text = merge_imports(append_runner(new_text, body), imports)
    module_change = FileChange(uri, text, new_text, document.version)
    if not generated.tests:
        return module_change, None
    module_path = server.module_path(uri)
    test_path = placement.existing_test_file(module_path, server.root, server.options.test_location) \
        or placement.test_file_path(module_path, server.root, server.options.test_location)
    try:
        existing, version = server.text_and_version(test_path)
    except (OSError, UnicodeDecodeError) as error:
        raise GenerationStopped(f"Cannot read {test_path.name} ({error}); nothing was changed.") from None
    if existing is None:
        test_change = FileChange(from_fs_path(str(test_path)), None, generated.tests, None)
    else:
        try:
            merged = merge_test_file(existing, generated.tests, module_name=placement.module_name(module_path))
        except MergeError as error:
            raise GenerationStopped(f"{test_path.name}: {error}.") from None
        test_change = FileChange(from_fs_path(str(test_path)), existing, merged, version)
    return module_change, test_change


def edit_for(server, uri: str, anchor: Anchor, generated: Generated, *, document_changes: bool,
             creates: bool, annotation: types.ChangeAnnotation | None = None) -> tuple[list[FileChange], types.WorkspaceEdit]:
    """The changes and the one WorkspaceEdit carrying them, against the document's current version."""
    anchor = refind(anchor, server.document(uri).source)
    changes = [change for change in plan(server, uri, anchor, generated) if change is not None]
    in_edit = [change for change in changes if change.old_text is not None or creates]
    return changes, workspace_edit(in_edit, server.units, document_changes=document_changes, annotation=annotation)


def write_new_file(change: FileChange) -> None:
    """For clients that cannot create files: write the new test file, never over an existing one."""
    path = Path(to_fs_path(change.uri))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
        handle.write(change.new_text)
