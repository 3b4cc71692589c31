"""Text split into lines the way LSP counts them: the editor's documents and the merging of new code
into existing files split alike."""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
# Where str.splitlines also breaks a line and LSP does not.
_OTHER_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split where LSP splits them (\\n, \\r\\n, \\r)."""
    # Str.splitlines agrees then, at 2-3x the speed (8 MB: 0.34 -> 0.14 s)
    # One `in` per character: 0.5 ms over 6.5 MB, where a regex character class took 20 ms
    if not any(char in text for char in _OTHER_BREAKS):
        return text.splitlines(keepends=True)
    return _LINE.findall(text)
