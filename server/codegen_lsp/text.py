"""Text split into lines the way LSP counts them: codegen's split (codegen.lines), which merging
new code into files uses too."""

from __future__ import annotations

from codegen.lines import split_lines

__all__ = ["split_lines"]
