"""The cheap proof a mutant changes nothing: the mutated function compiles to the same bytecode."""

from __future__ import annotations

import types
import warnings


def _fingerprint(code: types.CodeType) -> tuple:
    """What the code does, line numbers left out: bytecode, names and constants (nested too)."""
    constants = tuple(
        _fingerprint(constant)
        if isinstance(constant, types.CodeType)
        else (type(constant), constant)
        for constant in code.co_consts
    )
    return (
        code.co_code,
        code.co_names,
        code.co_varnames,
        code.co_freevars,
        code.co_cellvars,
        constants,
    )


def compile_module(source: str, file_name: str) -> types.CodeType | str:
    """The module's code, or why it does not compile ("SyntaxError: ... (line 4)")."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile(source, file_name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        line = getattr(error, "lineno", None)
        where = f" (line {line})" if line else ""
        return f"{type(error).__name__}: {getattr(error, 'msg', error)}{where}"


def is_equivalent(original: types.CodeType, mutated: types.CodeType) -> bool:
    """The two modules, every function in them included, compile to the same thing."""
    return _fingerprint(original) == _fingerprint(mutated)
