"""Where each top-level statement of a module starts, kept up to date by a line scan as lines are
replaced."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

# Lines a rescan looks at between two questions to its `tired` (~2 µs each: 0.4 ms)
RESCAN_STRIDE = 200
# Characters that can change the lexical state of a line: quotes, comments, brackets, backslashes.
_SPECIAL = re.compile(r"[\"'#()\[\]{}\\]")
# The rest of a string up to and including its closing quote; a backslash always skips the next
# character (in raw strings too, for the purpose of finding the end).
_STRING_END = {
    "'": re.compile(r"(?:[^'\\]|\\.)*'"),
    '"': re.compile(r'(?:[^"\\]|\\.)*"'),
    "'''": re.compile(r"(?:[^'\\]|\\.|'(?!''))*'''"),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""'),
}
# Keywords that continue the compound statement above them at column 0.
_CONTINUATION = re.compile(r"(?:else|elif|except|finally)\b")
_ENDING = re.compile(r"(?:\r\n|\r|\n)\Z")
Payload = TypeVar("Payload")


def _content(line: str) -> str:
    match = _ENDING.search(line)
    return line[: match.start()] if match else line


def scan_line(line: str, quote: str | None, depth: int) -> tuple[str | None, int, bool]:
    """The lexical state after `line` given the state before it: (open string quote, bracket depth,
    continued)."""
    text = _content(line)
    position = 0
    while True:
        if quote is not None:
            match = _STRING_END[quote].match(text, position)
            if match is None:
                return _inside_string(text, quote, depth)
            position, quote = match.end(), None
        match = _SPECIAL.search(text, position)
        if match is None or match.group() == "#":
            return None, depth, False
        char, position = match.group(), match.end()
        if char in "'\"":
            quote = char * 3 if text.startswith(char * 3, match.start()) else char
            position = match.start() + len(quote)
        elif char == "\\":
            if position == len(text):  # a backslash ending the line joins the next one
                return None, depth, True
        else:
            depth = _bracket_depth(char, depth)


def _inside_string(text: str, quote: str, depth: int) -> tuple[str | None, int, bool]:
    """The state after a line that ends inside a string opened by `quote`."""
    trailing = len(text) - len(text.rstrip("\\"))
    if len(quote) == 3 or trailing % 2:
        return quote, depth, len(quote) == 1
    return None, depth, False  # an unterminated one-line string: the parser reports it


def _bracket_depth(bracket: str, depth: int) -> int:
    """The bracket depth after an opening or closing `bracket`."""
    return depth + 1 if bracket in "([{" else max(0, depth - 1)


def _starts_statement(line: str) -> bool | None:
    """True for code at column 0, None for a blank or comment line, False for indented code."""
    stripped = line.lstrip(" \t\x0c")
    if not stripped or stripped[0] in "#\r\n":
        return None
    leading = line[: len(line) - len(stripped)]
    # A form feed resets the tokenizer's column count, as in CPython.
    return not leading.rpartition("\x0c")[2]


def _statement_starts(lines: list[str], begin: int) -> Iterator[int]:
    """The lines after `begin` (a statement's first line) that start a new top-level statement."""
    quote, depth, continued, decorated = None, 0, False, False
    for line_number in range(begin, len(lines)):
        line = lines[line_number]
        if quote is None and depth == 0 and not continued and _starts_statement(line):
            stripped = line.lstrip(" \t\x0c")
            if line_number == begin:
                decorated = stripped.startswith("@")
            elif not decorated and not _CONTINUATION.match(stripped):
                yield line_number
                decorated = stripped.startswith("@")
            else:
                decorated = decorated and stripped.startswith("@")
        if quote is not None or _SPECIAL.search(line):
            quote, depth, continued = scan_line(line, quote, depth)
        else:
            continued = False


class StatementIndex(Generic[Payload]):
    """The first line (0-based) of every top-level statement; line 0 always starts one.

    `replace` records an edit; `resync` rescans only from the statement before it until the starts
    agree with the old ones again, so a one-line edit inside a function rescans that function (an
    unclosed string rescans to the end of the file).
    """

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.starts: list[int] = [0]
        # Whatever the caller keeps per statement (its analysis), None where the statement's text
        # changed.
        self.payload: list[Payload | None] = [None]
        self._dirty: tuple[int, int] | None = (0, len(lines))
        self.scanned = 0  # lines the last `resync` looked at
        # Told of every payload entry that leaves the index (None entries included), so a caller can
        # keep running totals over the payload instead of summing it all again after each edit.
        self.on_drop: Callable[[list[Payload | None]], None] | None = None

    def _drop(self, entries: list[Payload | None]) -> None:
        if self.on_drop is not None and entries:
            self.on_drop(entries)

    @property
    def clean(self) -> bool:
        return self._dirty is None

    def replace(self, first: int, old_end: int, new_count: int) -> None:
        """Lines [first, old_end) were replaced by `new_count` lines (already done on
        `self.lines`)."""
        delta = new_count - (old_end - first)
        low = bisect.bisect_left(self.starts, first)
        high = bisect.bisect_left(self.starts, old_end)
        self.starts[low:] = [s + delta for s in self.starts[high:]]
        self._drop(self.payload[low:high])
        self.payload[low:] = self.payload[high:]
        if not self.starts or self.starts[0] != 0:
            self.starts.insert(0, 0)
            self.payload.insert(0, None)
        touched = bisect.bisect_right(self.starts, first) - 1
        self._drop(self.payload[touched : touched + 1])
        self.payload[touched] = None
        lo, hi = self._dirty if self._dirty is not None else (first, first)
        if hi >= old_end:
            hi += delta
        elif hi > first:
            hi = first + new_count
        self._dirty = (min(lo, first), max(hi, first + new_count))

    def resync(self, tired: Callable[[], bool] | None = None) -> bool:
        """Rescan the edited region; stop early when `tired()` says so, asked every
        `RESCAN_STRIDE` lines (progress is kept). True when clean."""
        if self._dirty is None:
            return True
        lo, hi = self._dirty
        starts = self.starts
        index = bisect.bisect_right(starts, max(lo - 1, 0)) - 1
        begin = starts[index]
        old = bisect.bisect_right(starts, begin)  # the first old start after `begin`
        found: list[int] = []
        ask_at = RESCAN_STRIDE
        for line_number in _statement_starts(self.lines, begin):
            self.scanned = line_number - begin
            old = bisect.bisect_left(starts, line_number, old)
            if line_number >= hi and old < len(starts) and starts[old] == line_number:
                break  # the old starts agree from here on
            found.append(line_number)
            if self.scanned >= ask_at:
                ask_at = self.scanned + RESCAN_STRIDE
                if tired is not None and tired():
                    self._commit(index, found, bisect.bisect_right(starts, line_number))
                    self._dirty = (line_number + 1, max(hi, line_number + 1))
                    return False
        else:
            self.scanned = len(self.lines) - begin
            old = len(starts)
        self._commit(index, found, old)
        self._dirty = None
        return True

    def _commit(self, index: int, found: list[int], kept: int) -> None:
        """Statement `index` is followed by the `found` starts, then by the old ones from `kept`
        on."""
        self.starts[index + 1 :] = found + self.starts[kept:]
        self._drop(self.payload[index:kept])
        self.payload[index:] = [None] * (len(found) + 1) + self.payload[kept:]

    def spans(self) -> Iterator[tuple[int, int]]:
        """(first line, end line) of each statement, in order; call after `resync`."""
        starts = self.starts
        ends = starts[1:] + [len(self.lines)]
        return zip(starts, ends, strict=True)
