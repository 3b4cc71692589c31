"""Applying generated code: the files as they are now, one workspace edit against that version
(made again while the text moves), applied through the client."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from lsprotocol import types

from ..editing.anchors import Anchor
from ..editing.edits import preview_annotation
from ..editing.plans import FilesSnapshot, Generated, edit_for, write_new_file
from ..stop import GenerationStopped

if TYPE_CHECKING:  # the server imports this module
    from ..language_server import CodegenLanguageServer
    from ..request_context import RequestContext

# How long to wait for the client's didChange after it applied our edit, before the next edit.
EDIT_ECHO_TIMEOUT = 2.0


def files_snapshot(context: RequestContext, closed: str) -> FilesSnapshot:
    """The module and its test file as they are now (on the server's loop);
    GenerationStopped(`closed`) if gone."""
    document = context.current()
    module_path = context.module_path
    if document is None or module_path is None:
        raise GenerationStopped(closed)
    test_path = context.test_path(module_path)
    try:
        test_text, test_version = context.read(test_path)
    except (OSError, UnicodeDecodeError) as error:
        raise GenerationStopped(
            f"Cannot read {test_path.name} ({error}); nothing was changed."
        ) from None
    return FilesSnapshot(
        context.uri,
        document.source,
        document.version,
        module_path,
        test_path,
        test_text,
        test_version,
        keep_prompt_comment=context.options.keep_prompt_comment,
    )


async def apply_generated(
    server: CodegenLanguageServer,
    context: RequestContext,
    title: str,
    anchor: Anchor,
    generated: Generated,
) -> None:
    """Re-find the anchor in the current text, build the edit against that version, and apply it
    (`title`: the action's, for the preview and the undo label)."""
    document_changes, creates, previews = _edit_support(server)
    # A preview where asked for and the client can show one; others get the plain edit.
    annotation = preview_annotation(title) if context.options.preview_edits and previews else None
    closed = "The file was closed while the model worked; nothing was changed."
    async with context.state.apply_lock:
        for _ in range(3):
            files = files_snapshot(context, closed)
            # Merging, sorting imports and diffing a long file take a while: off the event loop.
            changes, edit = await asyncio.to_thread(
                edit_for,
                files,
                anchor,
                generated,
                server.units,
                document_changes=document_changes,
                creates=creates,
                annotation=annotation,
            )
            current = context.current()
            if (
                current is not None
                and current.version == files.version
                and current.source == files.text
            ):
                break
        else:
            raise GenerationStopped(
                "The file kept changing while the generated code was being merged; "
                "nothing was changed. Try again."
            )
        result = await server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"codegen: {title.lower()}")
        )
        if not result.applied:
            reason = f" ({result.failure_reason})" if result.failure_reason else ""
            raise GenerationStopped(
                f"The editor did not apply the generated code{reason}; nothing was changed."
            )
        for change in changes:
            if change.old_text is None and not creates:
                write_new_file(change)
        if any(
            change.uri == context.uri and change.old_text != change.new_text for change in changes
        ):
            await context.wait_for_change(files.version, EDIT_ECHO_TIMEOUT)


def _edit_support(server: CodegenLanguageServer) -> tuple[bool, bool, bool]:
    """Whether the client's workspace edits take document changes, create files, and show
    previews (change annotations)."""
    capabilities = server.client_capabilities.workspace
    edits = capabilities.workspace_edit if capabilities else None
    if edits is None or not edits.document_changes:
        return False, False, False
    operations = edits.resource_operations or []
    return (
        True,
        types.ResourceOperationKind.Create in operations,
        edits.change_annotation_support is not None,
    )
