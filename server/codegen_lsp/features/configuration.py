"""Configuration: each workspace folder's `codegen` settings (workspace/configuration, or a pushed
object), parsed, checked against the pipeline's schema, and their problems reported."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .. import scheduling
from ..config import (
    FolderOptions,
    ServerOptions,
    checked_folders,
    folder_problems,
    merge_settings,
    parse_options,
)
from ..constants import CONFIGURATION_SECTION

if TYPE_CHECKING:  # the server imports this module
    from ..language_server import CodegenLanguageServer

log = logging.getLogger(__name__)


async def pull_configuration(server: CodegenLanguageServer, pushed: Any = None) -> None:
    """Read section `codegen` for each workspace folder through workspace/configuration (or take
    a pushed settings object for all of them)."""
    folders = _configured_folders(server)
    raws = await _folder_settings(server, folders, pushed)
    trusted = server.options.workspace_trusted
    if all(raw is None for raw in raws):
        # Nothing configured there: keep the initialization options, in every folder
        if not folders:  # and outside them, once the last folder went
            server.options = parse_options(server.initial_settings, workspace_trusted=trusted)[0]
        server.folder_options = FolderOptions(
            {path: server.folder_options.folders.get(path, server.options) for path, _ in folders}
        )
        return
    # In force at once; only the report waits for the pipeline's check
    if not folders:  # no folder at all (a single file opened): the settings apply everywhere
        server.options, server.pending_problems = parse_options(
            merge_settings(server.initial_settings, raws[0]), workspace_trusted=trusted
        )
    else:
        parsed: dict[Path, ServerOptions] = {}
        problems: dict[Path, list[str]] = {}
        for (path, _), raw in zip(folders, raws, strict=True):
            if raw is None:  # this folder has no settings of its own: as it was
                parsed[path] = server.folder_options.folders.get(path, server.options)
                continue
            parsed[path], problems[path] = parse_options(
                merge_settings(server.initial_settings, raw), workspace_trusted=trusted
            )
        server.options = parsed[folders[0][0]]
        server.folder_options = FolderOptions(parsed)
        server.pending_problems = folder_problems(problems, len(folders))
    for uri in list(server.workspace.text_documents):
        scheduling.schedule_diagnostics(server, uri)
    await settle_options(server)


def follow_workspace(server: CodegenLanguageServer) -> None:
    """After workspace/didChangeWorkspaceFolders: the root stays while it is a workspace folder,
    else it is the first remaining one, or none (files outside every folder: the defaults)."""
    folders = [folder.uri for folder in server.workspace.folders.values()]
    paths = [server.module_path(uri) for uri in folders]
    root = server.module_path(server.root_uri) if server.root_uri else None
    if root is None or root not in paths:
        server.root_uri = folders[0] if folders else None


def _configured_folders(server: CodegenLanguageServer) -> list[tuple[Path, str]]:
    """(path, URI) of each workspace folder, the root folder first."""
    uris = [server.root_uri] if server.root_uri else []
    uris += [folder.uri for folder in server.workspace.folders.values()]
    folders: dict[Path, str] = {}
    for uri in uris:
        path = server.module_path(uri)
        if path is not None:
            folders.setdefault(path, uri)
    return list(folders.items())


async def _folder_settings(
    server: CodegenLanguageServer, folders: list[tuple[Path, str]], pushed: Any
) -> list[Any]:
    """Each folder's `codegen` settings (None where there are none); one request for all."""
    workspace = server.client_capabilities.workspace
    scopes: list[str | None] = [uri for _, uri in folders] or [None]
    if workspace and workspace.configuration:
        try:
            answer = await server.workspace_configuration_async(
                types.ConfigurationParams(
                    items=[
                        types.ConfigurationItem(scope_uri=scope, section=CONFIGURATION_SECTION)
                        for scope in scopes
                    ]
                )
            )
        except Exception as error:
            log.warning("workspace/configuration failed: %s", error)
            return [None] * len(scopes)
        answers = list(answer or [])
        return (answers + [None] * len(scopes))[: len(scopes)]
    if isinstance(pushed, dict):
        return [pushed.get(CONFIGURATION_SECTION, pushed)] * len(scopes)
    return [None] * len(scopes)


async def settle_options(server: CodegenLanguageServer) -> None:
    """Check each folder's pipeline settings against codegen's schema (pydantic, off the loop),
    then report problems."""
    options, folders = server.options, server.folder_options
    checked, problems = await asyncio.to_thread(checked_folders, options, folders)
    if server.options is not options or server.folder_options is not folders:
        return  # newer settings arrived meanwhile: their own check reports on them, not this one
    server.options, server.folder_options = checked
    server.pending_problems += problems
    if server.pending_problems:
        problems, server.pending_problems = server.pending_problems, []
        server.show(
            "codegen settings: " + " ".join(p.rstrip(".") + "." for p in problems),
            types.MessageType.Warning,
        )
