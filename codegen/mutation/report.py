"""What a mutation run found: one verdict per mutant, scores per function and for the file."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from ..execution.mutant_runs import FunctionChange
from ..execution.results import TestRunResult

MutantStatus = Literal["killed", "survived", "timeout", "error", "equivalent"]
# What a whole mutation run came to: mutated, or why not.
RunStatus = Literal["mutated", "tests_fail", "not_run"]


@dataclass
class Mutant:
    """One small change to one function, and what the tests made of it."""

    id: int
    function: str  # "below_zero" or "Class.method"
    line: int  # the (first) line the change is on, in the module file
    operator: str  # cosmic-ray's operator name, e.g. "core/ReplaceComparisonOperator_Lt_LtE"
    description: str  # "`<` → `<=`"
    diff: str  # unified diff of the module file; `patch -p1` applies it to a copy
    status: MutantStatus = "survived"
    # Why: the first failing test for killed, the cause for error and timeout, "" otherwise
    detail: str = ""
    tests_run: int = 0  # how many tests ran against it (only those that cover its line)
    # How the runner installs it (None for a mutant made elsewhere, e.g. read back from JSON)
    change: FunctionChange | None = dataclasses.field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        del data["change"]
        return data


@dataclass
class FunctionScore:
    """One function's tally; ``capped`` says how many mutants it had before the cap."""

    name: str
    killed: int = 0
    survived: int = 0
    timeout: int = 0
    error: int = 0
    equivalent: int = 0
    total: int = 0
    capped_from: int | None = None  # None: every mutant was run

    @property
    def score(self) -> float | None:
        """killed / (killed + survived), a timeout counting as killed; None: nothing counted."""
        caught = self.killed + self.timeout
        counted = caught + self.survived
        return None if counted == 0 else caught / counted

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["score"] = self.score
        return data


@dataclass
class MutationReport:
    """The mutation run of one module against its tests (JSON: ``execution.mutation``)."""

    status: RunStatus
    message: str  # a sentence for people: "the tests already fail: 2 failed", "" when mutated
    functions: list[FunctionScore] = field(default_factory=list)
    mutants: list[Mutant] = field(default_factory=list)
    clean: TestRunResult | None = None  # the clean run every mutant is judged against
    duration: float = 0.0  # seconds, wall clock, the clean run included

    def _count(self, status: str) -> int:
        return sum(mutant.status == status for mutant in self.mutants)

    @property
    def score(self) -> float | None:
        caught = self._count("killed") + self._count("timeout")
        counted = caught + self._count("survived")
        return None if counted == 0 else caught / counted

    def function(self, name: str) -> FunctionScore | None:
        return next((entry for entry in self.functions if entry.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        """The issue's ``execution.mutation`` shape, plus ``equivalent``, ``status`` and
        ``message``."""
        return {
            "status": self.status,
            "message": self.message,
            "score": self.score,
            "killed": self._count("killed"),
            "survived": self._count("survived"),
            "timeout": self._count("timeout"),
            "error": self._count("error"),
            "equivalent": self._count("equivalent"),
            "total": len(self.mutants),
            "duration": self.duration,
            "functions": {entry.name: entry.as_dict() for entry in self.functions},
            "mutants": [mutant.as_dict() for mutant in self.mutants],
        }
