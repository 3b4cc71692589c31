"""A large opened text is split into lines a piece at a time: the lines are the same as one split,
whichever way they are asked for (all at once, in steps, or up to a line), and edits apply to
them."""

from __future__ import annotations

import random

from lsprotocol import types

from codegen_lsp import documents
from codegen_lsp.documents import LineDocument
from codegen_lsp.text import split_lines

BREAKS = ["\n", "\r\n", "\r", "\n\n", "\r\r\n"]


def large_text(seed: int) -> str:
    """Lines with every LSP line break, and characters str.splitlines would also break at."""
    rng = random.Random(seed)
    parts, size = [], 0
    while size < 3 * documents.SPLIT_PIECE:
        parts.append(
            rng.choice(["x = 1", "def f():", "    pass", "# \x0c note", "s = 'a\u2028b'", ""])
        )
        parts.append(rng.choice(BREAKS))
        size += len(parts[-2]) + len(parts[-1])
    return "".join(parts)


def test_pieces_split_like_one_split():
    for seed in range(3):
        text = large_text(seed)
        expected = split_lines(text)
        at_once = LineDocument("file:///a.py", source=text)
        assert at_once.line_list == expected
        stepped = LineDocument("file:///b.py", source=text)
        steps = sum(1 for _ in stepped.split_steps())
        assert steps >= 2 and stepped.line_list == expected
        partial = LineDocument("file:///c.py", source=text)
        assert partial.lines_through(10)[:11] == expected[:11]
        assert len(partial.lines_through(10)) < len(expected)  # split no further than needed
        assert partial.source == text and partial.lines == tuple(expected)


def test_an_edit_before_the_split_is_done_applies_to_the_whole_text():
    text = large_text(7)
    document = LineDocument("file:///d.py", source=text)
    document.lines_through(0)
    document.apply_change(
        types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
            text="import os\n",
        )
    )
    assert document.source == "import os\n" + text
    assert document.line_list == split_lines("import os\n" + text)
