"""Mutants judged in the sandbox: one run forks a child per mutant; a run a mutant brings down is
resumed after it."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass

from . import _run_job_async
from .results import ChildRun, RunSpec
from .sandbox import Sandbox
from .summary import last_output

MUTANT_STATUSES = ("killed", "survived", "timeout", "error")


@dataclass(frozen=True)
class FunctionChange:
    """A mutant as the runner installs it: one function's new text and where it stands in the
    module. The runner swaps the function's code alone into the module it compiled once, so a
    mutant costs what its function costs, not what the module does."""

    function: str  # "name" or "Class.method", as coverage's function_spans names it
    text: str  # the mutated function, compilable alone (`operators.FunctionText`'s form)
    prefix_lines: int  # lines of `text` before the function's own (the `if 1:` of a method)
    start: int  # the function's first and last lines in the module (1-based, inclusive)
    end: int
    # A change in the signature (a default's value runs when the module is imported): the runner
    # re-makes the whole module, since swapping the code would keep the old defaults.
    in_signature: bool

    def module_source(self, module_lines: list[str]) -> str:
        """The whole mutated module, given the module's lines (with their line ends)."""
        body = "".join(self.text.splitlines(keepends=True)[self.prefix_lines :])
        return "".join(module_lines[: self.start - 1]) + body + "".join(module_lines[self.end :])


@dataclass(frozen=True)
class MutantJob:
    """What the runner needs of a mutant: its function's new text and the lines it changed."""

    id: int
    change: FunctionChange
    lines: tuple[int, ...]
    all_tests: bool  # run every test against it (a change run at import, like a default's value)


@dataclass(frozen=True)
class MutantOutcome:
    status: str  # one of MUTANT_STATUSES
    detail: str
    tests_run: int


@dataclass
class MutantRunResult:
    """Every mutant's outcome, or why the mutants could not be judged."""

    outcomes: dict[int, MutantOutcome]
    problem: str | None = None
    lines_by_test: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    runs: int = 0  # sandboxed runs it took (more than one when a mutant ended a run)


def _job(sandbox: Sandbox, mutants: list[MutantJob], per_mutant: float) -> dict:
    job = sandbox.job(0, secrets.token_hex(16))
    job["coverage"] = False
    job["mutants"] = [
        {
            "id": mutant.id,
            **dataclasses.asdict(mutant.change),  # what runner/mutants.py reads of it
            "lines": list(mutant.lines),
            "all_tests": mutant.all_tests,
            "timeout": per_mutant,
        }
        for mutant in mutants
    ]
    return job


def _stopped(run: ChildRun, spec: RunSpec) -> MutantOutcome:
    """The outcome of the mutant a run ended in: the limit it broke, or how the run ended."""
    if run.limit == "time":
        return MutantOutcome("timeout", "the whole run's time limit stopped it", 0)
    if run.limit == "memory":
        return MutantOutcome("error", f"used more than {spec.memory_mb} MB of memory", 0)
    if run.limit:
        return MutantOutcome("error", f"stopped: {run.limit} limit", 0)
    return MutantOutcome("error", f"the run ended: {last_output(run)}", 0)


def _read_outcomes(run: ChildRun, wanted: set[int]) -> tuple[dict[int, MutantOutcome], int | None]:
    """The verdicts the run sent for mutants we asked about, and the mutant it was in at its end."""
    outcomes: dict[int, MutantOutcome] = {}
    current = None
    for event in run.events:
        mutant_id = event.get("id")
        if mutant_id not in wanted or mutant_id in outcomes:
            continue
        if event["event"] == "mutant_start":
            current = mutant_id
        elif event["event"] == "mutant" and event.get("status") in MUTANT_STATUSES:
            tests = event.get("tests")
            outcomes[mutant_id] = MutantOutcome(
                str(event["status"]),
                str(event.get("detail") or ""),
                tests if type(tests) is int else 0,
            )
    return outcomes, (None if current in outcomes else current)


def _run_problem(run: ChildRun) -> str | None:
    """Why no mutant of this run can be believed or judged, if so."""
    if run.foreign_lines:
        return "the tested code wrote into the results channel: no verdict of this run is trusted"
    failed = run.first("mutants_clean_failed")
    if failed is not None:
        return (
            "the tests did not all pass when traced inside the mutation run"
            f" ({', '.join(map(str, failed.get('failures') or [])) or failed.get('import_error')})"
        )
    if run.first("mutants_traced") is None:
        return f"the mutation run ended before its tests ran: {last_output(run)}"
    return None


def _lines_by_test(run: ChildRun) -> dict[str, list[int]]:
    """The module lines each test ran in the traced clean run."""
    return {
        str(event.get("id")): [line for line in event.get("lines") or () if type(line) is int]
        for event in run.events
        if event["event"] == "mutant_trace"
    }


async def run_mutants_async(
    spec: RunSpec, mutants: list[MutantJob], per_mutant: float
) -> MutantRunResult:
    """Judge ``mutants`` against ``spec``'s tests, each within ``per_mutant`` seconds, in as few
    sandboxed runs as they allow (``spec.timeout`` is for the traced clean run each one starts
    with)."""
    result = MutantRunResult({})
    remaining = list(mutants)
    while remaining:
        budget = spec.timeout + len(remaining) * (per_mutant + 0.5)
        run_spec = dataclasses.replace(spec, timeout=budget, repeats=1)
        with Sandbox(run_spec) as sandbox:
            run = await _run_job_async(sandbox, _job(sandbox, remaining, per_mutant))
        result.runs += 1
        problem = _run_problem(run)
        if problem is not None:
            result.problem = problem
            return result
        result.lines_by_test = _lines_by_test(run)
        outcomes, current = _read_outcomes(run, {mutant.id for mutant in remaining})
        if current is not None:
            outcomes[current] = _stopped(run, run_spec)
        if not outcomes:  # nothing judged and nothing to blame: do not loop
            result.problem = f"the mutation run ended without a verdict: {last_output(run)}"
            return result
        result.outcomes.update(outcomes)
        remaining = [mutant for mutant in remaining if mutant.id not in outcomes]
    return result
