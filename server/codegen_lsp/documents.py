"""Open documents as lists of lines split where LSP splits them, edited in place by incremental
`didChange` ranges.

pygls's own TextDocument re-joins and re-splits the whole text on every change, and splits with
`str.splitlines`, which also breaks at form feeds, `\\x1c`-`\\x1e`, `\\x85` and `\\u2028`: a
client's line numbers then point at the wrong line in any file holding one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace import TextDocument, Workspace

from .text import split_lines

LinesReplaced = Callable[[int, int, int], None]  # (first, old end, new count)
SPLIT_PIECE = 1 << 18  # characters of an opened text split into lines at a time


class LineDocument(TextDocument):
    """A TextDocument whose source is a live list of lines; listeners hear which lines each change
    replaced."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text = self._source or ""
        self._source = None
        self._line_list: list[str] = []
        # The opened text, while it is not all split into lines yet (from `_split_at` on)
        self._unsplit: str | None = text
        self._split_at = 0
        self._joined: str | None = text
        self._snapshot: tuple[str, ...] | None = None
        self.listeners: list[LinesReplaced] = []
        if len(text) <= SPLIT_PIECE:
            self._split_piece()

    @property
    def line_list(self) -> list[str]:
        """The live list of lines (the same list object for the document's life)."""
        while self._unsplit is not None:
            self._split_piece()
        return self._line_list

    def split_steps(self) -> Iterator[None]:
        """Split the opened text into lines a piece at a time, yielding between pieces: a
        6.5 MB text takes 15-30 ms to split, too long for one turn of the event loop."""
        while self._unsplit is not None:
            self._split_piece()
            if self._unsplit is not None:
                yield

    def lines_through(self, line: int) -> list[str]:
        """The live list of lines, split at least past `line` (all of them when fewer)."""
        while self._unsplit is not None and len(self._line_list) <= line:
            self._split_piece()
        return self._line_list

    def _split_piece(self) -> None:
        """Split the next piece of the opened text, cut after a "\n" (always a line's end)."""
        text, start = self._unsplit, self._split_at
        assert text is not None
        end = text.find("\n", start + SPLIT_PIECE)
        stop = len(text) if end < 0 else end + 1
        self._line_list.extend(split_lines(text[start:stop]))
        if stop >= len(text):
            self._unsplit = None
        else:
            self._split_at = stop

    @property
    def source(self) -> str:
        if self._joined is None:
            self._joined = "".join(self.line_list)
        return self._joined

    @property
    def lines(self) -> tuple[str, ...]:
        """The current lines (a snapshot: later edits do not change it)."""
        if self._snapshot is None:
            self._snapshot = tuple(self.line_list)
        return self._snapshot

    def _apply_full_change(self, change) -> None:
        old, new = self.line_list, split_lines(change.text)
        limit = min(len(old), len(new))
        prefix = next((i for i in range(limit) if old[i] != new[i]), limit)
        suffix = 0
        while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
            suffix += 1
        self._replace(prefix, len(old) - suffix, new[prefix : len(new) - suffix])

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        lines = self.line_list
        start, end = change.range.start, change.range.end
        first = min(start.line, len(lines))
        last = min(end.line, len(lines))
        head = lines[first][: self._column(first, start.character)] if first < len(lines) else ""
        tail = lines[last][self._column(last, end.character) :] if last < len(lines) else ""
        stop = min(last + 1, len(lines))
        text = head + change.text + tail
        # A "\r" now meeting a "\n" on the line after (or before) forms one line break: take that
        # line in.
        if text.endswith("\r") and stop < len(lines) and lines[stop].startswith("\n"):
            text += lines[stop]
            stop += 1
        if first > 0 and text.startswith("\n") and lines[first - 1].endswith("\r"):
            first -= 1
            text = lines[first] + text
        self._replace(first, stop, split_lines(text))

    def _column(self, line: int, character: int) -> int:
        """The str index of a client `character` on `line`, clamped to the line's text."""
        content = self.line_list[line].rstrip("\r\n")
        if content.isascii():
            return min(character, len(content))
        units = 0
        for index, char in enumerate(content):
            if units >= character:
                return index
            units += self.position_codec.client_num_units(char)
        return len(content)

    def _replace(self, first: int, old_end: int, new_lines: list[str]) -> None:
        if first == old_end and not new_lines:
            return
        self.line_list[first:old_end] = new_lines
        self._joined = self._snapshot = None
        for listener in self.listeners:
            listener(first, old_end, len(new_lines))


class LineWorkspace(Workspace):
    """A pygls Workspace that keeps LineDocuments."""

    @classmethod
    def like(cls, workspace: Workspace) -> LineWorkspace:
        return cls(
            workspace.root_uri,
            workspace._sync_kind,
            list(workspace.folders.values()),
            workspace.position_encoding,
        )

    def _create_text_document(
        self, doc_uri, source=None, version=None, language_id=None
    ) -> TextDocument:
        return LineDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self.position_codec,
        )


def open_document(workspace: Workspace | None, uri: str) -> TextDocument | None:
    """The open document at `uri`, or None (never a read from disk; None before `initialize`)."""
    return workspace.text_documents.get(unquote(uri)) if workspace is not None else None


def text_and_version(workspace: Workspace | None, path: Path) -> tuple[str | None, int | None]:
    """A file's text from the editor when it is open, else from disk; (None, None) when it does
    not exist."""
    document = open_document(workspace, from_fs_path(str(path)) or "")
    if document is not None:
        return document.source, document.version
    if not path.is_file():
        return None, None
    return path.read_text(encoding="utf-8"), None
