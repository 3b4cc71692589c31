"""Mutation testing: small changes to a function, run against its tests in the sandbox.

``mutation_test`` is the entry point: it runs the clean tests once, makes each function's mutants
with cosmic-ray's operators (here, in the parent: the runner never imports the library), runs them
in one sandboxed run that forks a child per mutant, and returns a ``MutationReport``.
"""

from .engine import MUTANTS_PER_FUNCTION, mutation_test, mutation_test_of_texts
from .report import FunctionScore, Mutant, MutationReport

__all__ = [
    "MUTANTS_PER_FUNCTION",
    "FunctionScore",
    "Mutant",
    "MutationReport",
    "mutation_test",
    "mutation_test_of_texts",
]
