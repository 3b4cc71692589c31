"""The mutation run of a module: clean run first, then every function's mutants in the sandbox."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .report import MutationReport

MUTANTS_PER_FUNCTION = 50  # beyond this a function's mutants are sampled evenly, and it says so


async def mutation_test(
    module: Path,
    tests: Path,
    *,
    functions: Sequence[str] | None = None,
    framework: str = "auto",
    python: str | None = None,
    timeout: float = 30.0,
    memory_mb: int = 2048,
    extra_paths: Sequence[str] = (),
    allow_unsandboxed: bool = False,
    max_mutants: int = MUTANTS_PER_FUNCTION,
    module_source: str | None = None,
    test_source: str | None = None,
) -> MutationReport:
    """Mutate ``module``'s functions (all, or those named in ``functions``: "f" or "Class.m") and
    run ``tests`` against each mutant in the sandbox.

    The clean tests run first (``timeout`` applies to that run); if any fails or errors, nothing is
    mutated and the report's status is ``tests_fail``.  Each mutant then runs only the tests that
    cover its line, with a timeout derived from the clean run, inside the same boundary as every test
    run.  ``module_source``/``test_source`` override the files' text (the paths still name them).
    Never raises for anything the tested code does; bad arguments raise ValueError.
    """
    raise NotImplementedError
