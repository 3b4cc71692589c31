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
    from ..request_context import RequestContext


def _reader(context: RequestContext) -> Callable[[Path], str | None]:
    """Open documents first; the disk only in a trusted workspace (nothing is ever run)."""
    from codegen.context.conventions import read_bounded

    def read(path: Path) -> str | None:
        if context.is_open(from_fs_path(str(path)) or ""):
            return context.read(path)[0]
        return read_bounded(path) if context.trusted else None

    return read


def _spans(context: RequestContext, files: FilesSnapshot) -> tuple[tuple[int, int], ...] | None:
    """The module's statement spans from the analysis the server keeps, when it is of this text."""
    analysis = context.state.analysis
    if analysis is None or analysis.version != files.version or files.version is None:
        return None
    starts = analysis.module.starts
    if not starts:  # a module the analysis could not split (one expression nested too deep)
        return None
    ends = (*starts[1:], len(analysis.lines))
    return tuple(zip(starts, ends, strict=True))


def context_fields(context: RequestContext, anchor: Anchor, files: FilesSnapshot) -> dict[str, Any]:
    """The Destination fields that say where the generation is: the module, the prompt's line,
    the module's spans, and the test files whose conventions the tests follow."""
    from codegen.context.conventions import convention_sources

    test_open = context.is_open(files.test_uri)
    test_text = files.test_text if context.trusted or test_open else None
    sources = convention_sources(files.module_path, context.folder, test_text, _reader(context))
    return {
        "module_source": files.text,
        "prompt_line": anchor.prompt.start_line if anchor.prompt is not None else 0,
        "statement_spans": _spans(context, files),
        "convention_sources": tuple(sources),
    }
