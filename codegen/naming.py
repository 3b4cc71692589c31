"""Module names derived from prompts: valid identifiers that shadow nothing."""

from __future__ import annotations

import keyword
import re
import sys

_STOP_WORDS = frozenset(
    "a an the of to for with and or in on by from into using that which this these those given "
    "write create make implement function python code program compute calculate return returns "
    "its it is are be as at method way".split()
)


def module_name_for(prompt: str, *, max_words: int = 4) -> str:
    """`compute the moving average of a time series` -> `moving_average_time_series`."""
    # Hyphenated words stay one word: "z-score" -> "zscore", not a stray "z".
    words = [w.replace("-", "") for w in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", prompt.lower())]
    words = [w for w in words if w not in _STOP_WORDS]
    name = "_".join(words[:max_words]) or "generated"
    if name[0].isdigit():
        name = f"m_{name}"
    if name.startswith("test"):  # test runners would collect it as a test file
        name = f"code_{name}"
    if keyword.iskeyword(name) or name in sys.stdlib_module_names:
        name = f"{name}_code"
    return name


def check_module_name(name: str) -> str | None:
    """None when `name` can be a module we write, else the reason it cannot."""
    if not name.isidentifier() or keyword.iskeyword(name):
        return f"{name!r} is not a valid Python module name (use letters, digits and _, not starting with a digit)"
    if name in sys.stdlib_module_names:
        return f"{name!r} would shadow the standard library module of that name"
    if name.startswith("test"):
        return f"{name!r} starts with 'test', so test runners would mistake it for a test file"
    return None
