"""Where a generation's context comes from in the editor: the open module (with the statement
spans its analysis keeps), and the project's test files, read from disk only in a trusted
workspace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pygls.uris import from_fs_path

from ..editing.anchors import Anchor
from ..editing.plans import FilesSnapshot

if TYPE_CHECKING:  # the server imports this module
    from ..language_server import CodegenLanguageServer


def _reader(server: CodegenLanguageServer, trusted: bool) -> Callable[[Path], str | None]:
    """Open documents first; the disk only in a trusted workspace (nothing is ever run)."""
    from codegen.context.conventions import read_bounded

    def read(path: Path) -> str | None:
        document = server.document(from_fs_path(str(path)) or "")
        if document is not None:
            return document.source
        return read_bounded(path) if trusted else None

    return read


def _spans(
    server: CodegenLanguageServer, files: FilesSnapshot
) -> tuple[tuple[int, int], ...] | None:
    """The module's statement spans from the analysis the server keeps, when it is of this text."""
    analysis = server.analysis_of(files.uri)
    if analysis is None or analysis.version != files.version or files.version is None:
        return None
    starts = analysis.module.starts
    if not starts:  # a module the analysis could not split (one expression nested too deep)
        return None
    ends = (*starts[1:], len(analysis.lines))
    return tuple(zip(starts, ends, strict=True))


def context_fields(
    server: CodegenLanguageServer, anchor: Anchor, files: FilesSnapshot, folder: Path | None
) -> dict[str, Any]:
    """The Destination fields that say where the generation is: the module, the prompt's line,
    the module's spans, and the test files whose conventions the tests follow."""
    from codegen.context.conventions import convention_sources

    trusted = server.options_for(files.uri).workspace_trusted
    read = _reader(server, trusted)
    test_open = server.document(files.test_uri) is not None
    test_text = files.test_text if trusted or test_open else None
    sources = convention_sources(files.module_path, folder, test_text, read)
    return {
        "module_source": files.text,
        "prompt_line": anchor.prompt.start_line if anchor.prompt is not None else 0,
        "statement_spans": _spans(server, files),
        "convention_sources": tuple(sources),
    }
