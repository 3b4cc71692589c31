"""split_lines splits where LSP does: at \n, \r\n and \r only, whichever way it gets there."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from codegen_lsp.text import split_lines

LSP_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
# Every character str.splitlines breaks at, and some that no one does.
pieces = st.lists(
    st.sampled_from(
        [
            "a",
            "def f():",
            "\n",
            "\r",
            "\r\n",
            "\x0b",
            "\x0c",
            "\x1c",
            "\x1d",
            "\x1e",
            "\x85",
            "\u2028",
            "\u2029",
            " ",
            "é",
        ]
    ),
    max_size=40,
).map("".join)


@given(pieces)
def test_lines_break_only_where_lsp_breaks_them(text):
    assert split_lines(text) == LSP_LINE.findall(text)
    assert "".join(split_lines(text)) == text


def test_a_form_feed_or_line_separator_stays_inside_its_line():
    assert split_lines("a\x0cb\u2028c\r\nd") == ["a\x0cb\u2028c\r\n", "d"]
