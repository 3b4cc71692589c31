"""What one pipeline run makes and where it goes: the result, the files its tests run against, an
editor's destination."""

from __future__ import annotations

import ast
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .context.budget import CHARS_PER_TOKEN
from .context.conventions import TestSource, fixture_names
from .context.stubs import fitted_class
from .scoring import quality
from .shaping.methods import class_with_methods
from .source import parse_or_none


@dataclass
class GenerationResult:
    """What one pipeline run made, formatted and scored, ready to be written."""

    prompt: str
    module_name: str
    generated_code: str
    program_runner: str
    unit_tests: str
    scores: quality.SeedScores
    timings: dict[str, float] = field(default_factory=dict)
    execution: dict[str, Any] | None = (
        None  # TestRunResult.as_dict() of the final run, if tests ran
    )
    repaired: bool = False  # the tests were rewritten by a repair round
    possible_bugs: list[dict[str, Any]] = field(default_factory=list)
    repair_problem: str | None = None  # why the optional repair step could not be used
    test_framework: str = "unittest"  # what the tests are written for and were run with
    mutation: dict[str, Any] | None = None  # MutationReport.as_dict() of the kept tests
    # The steer round: score before/after, tests kept and dropped (and why); None: not steered
    steer: dict[str, Any] | None = None

    @property
    def module_code(self) -> str:
        """The module file: the function(s), then the runner."""
        return join_module(self.generated_code, self.program_runner)

    @property
    def test_file_name(self) -> str:
        return f"test_{self.module_name}.py"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationResult:
        """The inverse of as_dict (predict returns a dict, which is what Weave records)."""
        return cls(**{**data, "scores": quality.SeedScores(**data["scores"])})

    def as_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "module_name": self.module_name,
            "generated_code": self.generated_code,
            "program_runner": self.program_runner,
            "unit_tests": self.unit_tests,
            "scores": self.scores.as_dict(),
            "timings": self.timings,
            "execution": self.execution,
            "repaired": self.repaired,
            "possible_bugs": self.possible_bugs,
            "repair_problem": self.repair_problem,
            "test_framework": self.test_framework,
            "mutation": self.mutation,
            "steer": self.steer,
        }


def join_module(code: str, runner: str) -> str:
    return code.rstrip() + ("\n\n\n" + runner.strip() + "\n" if runner.strip() else "\n")


PARTS = ("function", "runner", "tests", "all")


@dataclass(frozen=True)
class MethodOf:
    """The class generated code goes into as method(s): its name and its source as it is."""

    class_name: str
    class_source: str

    def with_methods(self, code: str) -> str:
        """The class with the methods in `code` at the end of its body: what their tests test."""
        return class_with_methods(self.class_source, code)

    def for_tests(self, code: str, budget_tokens: int) -> str:
        """What the tests (and repair) steps are shown: the class with its new methods, a class
        over the context budget as its outline (class line, attributes, method signatures) that
        fits it, the new methods whole."""
        room = budget_tokens * CHARS_PER_TOKEN  # 0: context is off, the class is shown as it is
        tree = parse_or_none(self.class_source) if 0 < room < len(self.class_source) else None
        node = tree.body[0] if tree is not None and tree.body else None
        if not isinstance(node, ast.ClassDef):
            return self.with_methods(code)
        outline, _ = fitted_class(node, room)
        return class_with_methods(outline, code)


@dataclass(frozen=True)
class SavedFiles:
    """The module and test file as the tests run against them."""

    module_code: str
    test_code: str
    test_module_name: str | None = None  # None: `test_<module>`


@dataclass(frozen=True)
class Destination:
    """Existing files the parts join (an editor's module): the tests run against them as merged."""

    module_name: str
    # (code, runner, tests) -> the merged files
    compose: Callable[[str, str, str], Awaitable[SavedFiles]]
    extra_paths: tuple[str, ...] = ()  # the project's folders, importable by the tests
    test_source: str | None = None  # the existing test file: test_framework "auto" follows it
    # The module as it is, for the context the function step is given (None: none is given), the
    # 0-based line of the prompt in it, and its statement spans when the caller keeps them already
    module_source: str | None = None
    prompt_line: int = 0
    statement_spans: tuple[tuple[int, int], ...] | None = None
    # conftest.py files and the module's (or the nearest) test file: the tests step follows them
    convention_sources: tuple[TestSource, ...] = ()

    def conftest_source(self, tests: str) -> str:
        """The conftest.py files whose fixtures `tests` use, joined: what the sandboxed run gives
        the tests (one they do not use is left out: its own imports could fail the run)."""
        used = set(re.findall(r"\w+", tests))
        return "\n\n".join(
            source.text
            for source in self.convention_sources
            if source.label.rsplit("/", 1)[-1] == "conftest.py"
            and fixture_names(source.text) & used
        )
