"""Changes to `os.environ` that are put back afterwards: for one block, or until `restore()`."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


class EnvironmentChanges:
    """Variables set through `set`, each remembered with the value it had before the first
    change."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, name: str, value: str) -> None:
        self._saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()


@contextlib.contextmanager
def temporary_environ(**values: str) -> Iterator[None]:
    """`values` in the environment for the block; the previous values (or none) afterwards."""
    changes = EnvironmentChanges()
    for name, value in values.items():
        changes.set(name, value)
    try:
        yield
    finally:
        changes.restore()
