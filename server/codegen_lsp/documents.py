"""Open documents as lists of lines split where LSP splits them, edited in place by incremental
`didChange` ranges.

pygls's own TextDocument re-joins and re-splits the whole text on every change, and splits with
`str.splitlines`, which also breaks at form feeds, `\\x1c`-`\\x1e`, `\\x85` and `\\u2028`: a
client's line numbers then point at the wrong line in any file holding one of them.
"""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from .editing.merging import split_lines

LinesReplaced = Callable[[int, int, int], None]  # (first, old end, new count)


class LineDocument(TextDocument):
    """A TextDocument whose source is a live list of lines; listeners hear which lines each change
    replaced."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_list: list[str] = split_lines(self._source or "")
        self._source = None
        self._joined: str | None = None
        self._snapshot: tuple[str, ...] | None = None
        self.listeners: list[LinesReplaced] = []

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
