"""Module names derived from prompts: valid identifiers that shadow nothing the tests could
import."""

from __future__ import annotations

import functools
import keyword
import re
import subprocess
import sys
import tempfile

_STOP_WORDS = frozenset(
    "a an the of to for with and or in on by from into using that which this these those given "
    "write create make implement function python code program compute calculate return returns "
    "its it is are be as at method way".split()
)

# Asks an interpreter whether it can import a top-level name, without importing it (find_spec only
# looks the name up on sys.path). -I keeps the working directory and PYTHON* variables out; the user
# site, which the test sandbox keeps, is added back.
_FIND_SPEC = (
    "import importlib.util, site, sys\n"
    "sys.path.append(site.getusersitepackages())\n"
    "print(' '.join(name for name in sys.argv[1:] if importlib.util.find_spec(name) is not None))\n"
)


def module_name_for(prompt: str, *, python: str | None = None, max_words: int = 4) -> str:
    """`compute the moving average of a time series` -> `moving_average_time_series`."""
    # Hyphenated words stay one word: "z-score" -> "zscore", not a stray "z".
    words = [w.replace("-", "") for w in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", prompt.lower())]
    words = [w for w in words if w not in _STOP_WORDS]
    name = "_".join(words[:max_words]) or "generated"
    if name[0].isdigit():
        name = f"m_{name}"
    if name.startswith("test"):  # test runners would collect it as a test file
        name = f"code_{name}"
    while keyword.iskeyword(name) or shadowed_module(name, python) is not None:
        name = f"{name}_code"
    return name


def name_beside(name: str, imported: set[str]) -> str:
    """`name`, or a variant of it, that is none of the modules the generated code imports."""
    while name in imported:
        name = f"{name}_code"
    return name


def check_module_name(name: str, *, python: str | None = None) -> str | None:
    """None when `name` can be a module we write, else the reason it cannot."""
    if not name.isidentifier() or keyword.iskeyword(name):
        return (
            f"{name!r} is not a valid Python module name (use letters, digits and _, not starting"
            " with a digit)"
        )
    if name.startswith("test"):
        return f"{name!r} starts with 'test', so test runners would mistake it for a test file"
    return shadowed_module(name, python)


def shadowed_module(name: str, python: str | None = None) -> str | None:
    """Why a module file `name`.py would shadow one the tests (or this program) can import, else
    None."""
    if name in sys.stdlib_module_names:
        return f"{name!r} would shadow the standard library module of that name"
    for interpreter in dict.fromkeys([python or sys.executable, sys.executable]):
        if importable_by(interpreter, name):
            return f"{name!r} would shadow the module of that name installed for {interpreter}"
    return None


@functools.lru_cache(maxsize=512)
def importable_by(python: str, name: str) -> bool:
    """Whether `python` can import the top-level module `name`; False if that interpreter cannot be
    asked."""
    try:
        run = subprocess.run(
            [python, "-I", "-c", _FIND_SPEC, name],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=tempfile.gettempdir(),
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return run.returncode == 0 and name in run.stdout.split()
