"""Seed-compatible quality and coverage scores and per-function findings, by static analysis."""

import ast
import bisect
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from ..source import (
    BOM,
    FUNCTION_NODES,
    LINE_BREAK,
    definitions,
    parse_failure,
    walk_nodes,
    without_bom,
)
from ..source import parse as _parse

MAX_LINE_LENGTH = 100

# The seed counts docstrings on these only: a docstring on an `async def` scores nothing.
_SEED_DOCSTRING_NODES = (ast.Module, ast.ClassDef, ast.FunctionDef)


@dataclass(frozen=True)
class SeedScores:
    """The three scores published seed runs report, each in [0, 1]."""

    code_quality_score: float
    test_coverage_score: float
    overall_score: float

    def as_dict(self) -> dict[str, float]:
        """The scores keyed by their seed names, as a Weave scorer returns them."""
        return {
            "code_quality_score": self.code_quality_score,
            "test_coverage_score": self.test_coverage_score,
            "overall_score": self.overall_score,
        }


@dataclass(frozen=True)
class FunctionInfo:
    """Where a function is and whether it is documented, annotated, or a test."""

    name: str
    start_line: int
    end_line: int
    def_line_end_col: int
    has_docstring: bool
    has_type_hints: bool
    is_test: bool

    def shifted(self, offset: int) -> "FunctionInfo":
        """The same function `offset` lines further down (a statement's lines made the file's)."""
        if not offset:
            return self
        return replace(self, start_line=self.start_line + offset, end_line=self.end_line + offset)


@dataclass(frozen=True)
class Finding:
    """One problem to show as a diagnostic; lines are 1-based, columns 0-based str indices."""

    code: str
    message: str
    function: str | None
    start_line: int
    end_line: int
    start_col: int
    end_col: int


@dataclass(frozen=True)
class _Function:
    info: FunctionInfo
    def_col: int
    must_be_tested: bool


@dataclass(frozen=True)
class _CodeAnalysis:
    syntax_error: Finding | None
    quality_score: float
    seed_function_count: int
    functions: tuple[_Function, ...]
    long_lines: tuple[tuple[int, int], ...]  # (line number, length), in line order


@dataclass(frozen=True)
class _TestsAnalysis:
    test_function_count: int
    referenced_names: frozenset[str]


def code_quality_score(code: str) -> float:
    """Seed quality score: docstrings, annotations and descriptive names, minus long lines."""
    return _analyze_code(code).quality_score


def test_coverage_score(code: str, tests: str) -> float:
    """Seed coverage score: test functions per code function, plus a bonus for `self.assert`."""
    if not tests.strip():
        return 0.0
    analysis = _analyze_code(code)
    if analysis.syntax_error is not None:
        return 0.0
    return coverage_from_function_count(analysis.seed_function_count, tests)


def coverage_from_function_count(seed_function_count: int, tests: str) -> float:
    """The seed coverage score of code that parses and has `seed_function_count` plain functions."""
    tests_analysis = _analyze_tests(tests) if tests.strip() else None
    if tests_analysis is None:
        return 0.0
    score = 0.0
    if seed_function_count:
        score = min(1.0, tests_analysis.test_function_count / seed_function_count)
    if "self.assert" in tests:
        score += 0.2
    return min(1.0, score)


# pytest would otherwise collect the public scorer above as a test when tests import it by name.
test_coverage_score.__test__ = False  # type: ignore[attr-defined]


def seed_scores(code: str, tests: str) -> SeedScores:
    """All three seed scores at full precision; the overall score is the mean of the other two.

    Nothing is rounded here (the seed rounds nothing): callers round for display only.
    """
    quality = code_quality_score(code)
    coverage = test_coverage_score(code, tests)
    return SeedScores(quality, coverage, (quality + coverage) / 2)


def functions(code: str) -> list[FunctionInfo]:
    """Every function and method in source order; [] if the code does not parse."""
    return [function.info for function in _analyze_code(code).functions]


def findings(code: str, tests: str | None = None) -> list[Finding]:
    """Missing docstrings and type hints, long lines, and (given tests) untested functions."""
    analysis = _analyze_code(code)
    if analysis.syntax_error is not None:
        return [analysis.syntax_error]
    referenced = _referenced_names(tests)
    result = []
    for function in analysis.functions:
        result.extend(_function_findings(function, referenced))
    result.extend(_long_line_findings(analysis))
    result.sort(key=lambda finding: (finding.start_line, finding.start_col, finding.code))
    return result


# The server scores and lints the same text back to back on each keystroke; caching the small,
# immutable summaries (never the AST) lets both calls share one parse.
@functools.lru_cache(maxsize=8)
def _analyze_code(code: str) -> _CodeAnalysis:
    lines = LINE_BREAK.split(code)
    tree = _parse(code)
    if not isinstance(tree, ast.Module):
        return _CodeAnalysis(_syntax_error_finding(tree, code, lines), 0.0, 0, (), ())
    return analyze_tree(tree, code, lines)


def analyze_tree(tree: ast.Module, code: str, lines: list[str]) -> _CodeAnalysis:
    """What `_analyze_code` knows about code that parsed as `tree`; `lines` split as the AST counts
    them."""
    long_lines = tuple(
        (number, length)
        for number, length in enumerate(map(len, lines), 1)
        if length - (number == 1 and lines[0].startswith(BOM)) > MAX_LINE_LENGTH
    )
    seed_long_line = has_seed_long_line(code)
    found = definitions(tree)
    function_defs = [
        (node, name, nested) for node, name, nested in found if isinstance(node, FUNCTION_NODES)
    ]
    function_defs.sort(key=lambda definition: (definition[0].lineno, definition[0].col_offset))
    return _CodeAnalysis(
        syntax_error=None,
        quality_score=_quality_score(tree, [node for node, _, _ in found], seed_long_line),
        seed_function_count=sum(isinstance(node, ast.FunctionDef) for node, _, _ in function_defs),
        functions=tuple(
            _function(node, name, nested, lines) for node, name, nested in function_defs
        ),
        long_lines=long_lines,
    )


@functools.lru_cache(maxsize=8)
def _analyze_tests(tests: str) -> _TestsAnalysis | None:
    tree = _parse(tests)
    if not isinstance(tree, ast.Module):
        return None
    test_function_count = 0
    referenced: set[str] = set()
    for node in walk_nodes(tree):
        if isinstance(node, ast.Name):
            referenced.add(node.id)
        elif isinstance(node, ast.Attribute):
            referenced.add(node.attr)
        elif isinstance(node, ast.alias):
            referenced.update(node.name.split("."))
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            test_function_count += 1
    return _TestsAnalysis(test_function_count, frozenset(referenced))


def _quality_score(tree: ast.Module, scopes: list[ast.AST], has_long_line: bool) -> float:
    """The seed's sum, float for float: it adds 0.2 per docstring, then 0.2 per annotated function,
    then 0.1 per name, then subtracts 0.2, so 0.1 ten times is 0.9999999999999999, not 1.0."""
    return seed_quality_sum(scored_scopes(scopes), _rewarded_names(tree), has_long_line)


def scored_scopes(scopes: list[ast.AST]) -> int:
    """How many 0.2 credits the seed gives these scopes: one per docstring, one per annotated
    function."""
    docstrings = sum(
        1 for node in scopes if isinstance(node, _SEED_DOCSTRING_NODES) and ast.get_docstring(node)
    )
    annotated = sum(
        1 for node in scopes if isinstance(node, ast.FunctionDef) and _seed_annotated(node)
    )
    return docstrings + annotated


def seed_quality_sum(
    scored_scopes: int, rewarded_names: Iterable[object], has_long_line: bool
) -> float:
    """The seed's float sum from its parts: 0.2 per documented or annotated scope, then 0.1 per
    name, minus 0.2 for a long line, clamped; `rewarded_names` may be lazy (only its length
    matters)."""
    penalty = 0.2 if has_long_line else 0.0
    score = 0.0
    for _ in range(scored_scopes):
        score += 0.2
    # Names only matter until the score reaches the clamp (adding a positive float never lowers a
    # sum), so stop counting there: the clamp then gives exactly 1.0 either way.
    for _ in rewarded_names:
        if score - penalty >= 1.0:
            break
        score += 0.1
    return min(max(score - penalty, 0.0), 1.0)


def has_seed_long_line(code: str) -> bool:
    """The seed's long-line test: it splits on "\\n" only, so a "\\r" before it counts as a
    character and a lone "\\r" does not end a line."""
    return max(map(len, without_bom(code).split("\n"))) > MAX_LINE_LENGTH


def _seed_annotated(node: ast.FunctionDef) -> bool:
    """The seed's rule: a return annotation or an annotated argument in `args.args` only."""
    return node.returns is not None or any(arg.annotation is not None for arg in node.args.args)


def _rewarded_names(tree: ast.Module) -> Iterator[ast.Name]:
    """`Name` nodes longer than one character and not `_`-prefixed, lazily."""
    for node in walk_nodes(tree):
        if isinstance(node, ast.Name) and len(node.id) > 1 and not node.id.startswith("_"):
            yield node


def _function(
    node: ast.FunctionDef | ast.AsyncFunctionDef, name: str, nested: bool, lines: list[str]
) -> _Function:
    arguments = node.args
    every_argument = [
        *arguments.posonlyargs,
        *arguments.args,
        *arguments.kwonlyargs,
        arguments.vararg,
        arguments.kwarg,
    ]
    info = FunctionInfo(
        name=name,
        start_line=node.lineno,
        end_line=node.end_lineno or node.lineno,
        def_line_end_col=len(lines[node.lineno - 1]),
        has_docstring=bool(ast.get_docstring(node)),
        has_type_hints=node.returns is not None
        or any(
            argument is not None and argument.annotation is not None for argument in every_argument
        ),
        is_test=node.name.startswith("test_"),
    )
    # Tests cannot reach functions defined inside other functions, and private or dunder names
    # (or anything inside a private class) are not part of what the tests must cover.
    private = any(part.startswith("_") for part in name.split("."))
    must_be_tested = not (nested or info.is_test or private)
    return _Function(info, node.col_offset, must_be_tested)


def _referenced_names(tests: str | None) -> frozenset[str] | None:
    """Names the tests use; None when there are no tests or they do not parse."""
    if tests is None:
        return None
    analysis = _analyze_tests(tests)
    return None if analysis is None else analysis.referenced_names


def _function_findings(function: _Function, referenced: frozenset[str] | None) -> list[Finding]:
    info = function.info

    def finding(code: str, message: str) -> Finding:
        return Finding(
            code,
            message,
            info.name,
            info.start_line,
            info.start_line,
            function.def_col,
            info.def_line_end_col,
        )

    result = []
    if not info.has_docstring:
        result.append(finding("missing-docstring", f"`{info.name}` has no docstring"))
    if not info.has_type_hints:
        result.append(
            finding(
                "missing-type-hints",
                f"`{info.name}` has no type hints: annotate its parameters or return type",
            )
        )
    short_name = info.name.rpartition(".")[2]
    if referenced is not None and function.must_be_tested and short_name not in referenced:
        result.append(finding("untested-function", f"No test references `{info.name}`"))
    return result


def _long_line_findings(analysis: _CodeAnalysis) -> list[Finding]:
    numbers = [number for number, _ in analysis.long_lines]
    owners: dict[int, str] = {}
    # Functions come in source order, so a nested function overwrites the one enclosing it.
    for function in analysis.functions:
        info = function.info
        first = bisect.bisect_left(numbers, info.start_line)
        last = bisect.bisect_right(numbers, info.end_line)
        for number in numbers[first:last]:
            owners[number] = info.name
    return [
        Finding(
            "line-too-long",
            f"Line is {length} characters long; the limit is {MAX_LINE_LENGTH}",
            owners.get(number),
            number,
            number,
            MAX_LINE_LENGTH,
            length,
        )
        for number, length in analysis.long_lines
    ]


def _syntax_error_finding(error: Exception, code: str, lines: list[str]) -> Finding:
    message, line, start_col = parse_failure(error, code)
    line = min(max(1, line), len(lines))
    end_col = max(start_col, len(lines[line - 1]))
    return Finding("syntax-error", message, None, line, line, start_col, end_col)
