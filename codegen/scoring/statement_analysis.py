"""What one top-level statement contributes to its module's seed scores and findings, computed
from its text alone (lines relative to it) and cached by `IncrementalModule`."""

from __future__ import annotations

import ast
import re

from .. import source
from . import quality


def is_test_scope(name: str | None) -> bool:
    """Test methods and test classes' members: they need no docstrings or tests of their own."""
    if not name:
        return False
    parts = name.split(".")
    return parts[-1].startswith("test") or any(part.startswith("Test") for part in parts[:-1])


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _finding_order(finding: quality.Finding) -> tuple[int, int, str]:
    return finding.start_line, finding.start_col, finding.code


class Statement:
    """What one top-level statement's text (with the comments after it) contributes; lines relative
    to it."""

    __slots__ = (
        "text",
        "ok",
        "has_body",
        "module_docstring",
        "scored_scopes",
        "rewarded_names",
        "seed_function_count",
        "long_line",
        "has_cr",
        "analysis",
        "_referenced",
        "_findings",
        "_function_quality",
        "_shown",
    )

    def __init__(self, text: str):
        self.text = text
        self.has_cr = "\r" in text
        self._referenced: object = self
        self._findings: tuple[quality.Finding, ...] = ()
        self._shown: int | None = None
        self._function_quality: dict[str, float] | None = None
        tree = source.parse_or_none(text)
        self.ok = tree is not None
        self.analysis: quality._CodeAnalysis | None = None
        self.has_body = self.module_docstring = self.long_line = False
        self.scored_scopes = self.rewarded_names = self.seed_function_count = 0
        if tree is None:
            return
        self.analysis = quality.analyze_tree(tree, text, source.LINE_BREAK.split(text))
        self.has_body = bool(tree.body)
        self.module_docstring = bool(tree.body and ast.get_docstring(tree))
        scopes = [node for node, _, _ in source.definitions(tree)]
        self.scored_scopes = quality.scored_scopes(scopes) - self.module_docstring
        self.rewarded_names = sum(1 for _ in quality._rewarded_names(tree))
        self.seed_function_count = self.analysis.seed_function_count
        self.long_line = bool(self.analysis.long_lines)

    def functions(self) -> tuple[quality._Function, ...]:
        return self.analysis.functions if self.analysis is not None else ()

    def findings(self, referenced: frozenset[str] | None) -> tuple[quality.Finding, ...]:
        """This statement's findings, in `quality.findings` order; cached for the last
        `referenced`."""
        if self._referenced is not referenced and self._referenced != referenced:
            result = [
                finding
                for function in self.functions()
                for finding in quality._function_findings(function, referenced)
            ]
            if self.analysis is not None:
                result.extend(quality._long_line_findings(self.analysis))
            result.sort(key=_finding_order)
            self._findings, self._referenced, self._shown = tuple(result), referenced, None
        return self._findings

    def shown_count(self, referenced: frozenset[str] | None) -> int:
        """How many of this statement's findings for `referenced` are outside test functions."""
        findings = self.findings(referenced)
        if self._shown is None:
            self._shown = sum(1 for finding in findings if not is_test_scope(finding.function))
        return self._shown

    def function_quality(self) -> dict[str, float]:
        """The seed quality score of each top-level function's own source (def line to end), by
        name."""
        if self._function_quality is None:
            lines = _LINES.findall(self.text)
            self._function_quality = {
                function.info.name: quality.code_quality_score(
                    "".join(lines[function.info.start_line - 1 : function.info.end_line])
                )
                for function in self.functions()
                if "." not in function.info.name and not function.info.is_test
            }
        return self._function_quality
