"""The running interpreter's standard library and its own test files, read in place."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from codegen.cli.score import read_source

STDLIB = Path(sysconfig.get_paths()["stdlib"])
STDLIB_TESTS = STDLIB / "test"


def stdlib_modules() -> list[Path]:
    """Every .py file of the running interpreter's standard library (installed packages
    excluded)."""
    return sorted(path for path in STDLIB.rglob("*.py") if "site-packages" not in path.parts)


def own_test_file(module: Path) -> Path | None:
    """The module's own test file in the interpreter's test suite, where it ships one."""
    stem = module.parent.name if module.name == "__init__.py" else module.stem
    for candidate in (
        STDLIB_TESTS / f"test_{stem}.py",
        STDLIB_TESTS / f"test_{stem}" / "__init__.py",
    ):
        if candidate.is_file() and candidate != module:
            return candidate
    return None


def read(path: Path | None) -> str:
    """The file as `codegen score` reads it. The seed scored model replies, never files: a file's
    UTF-8 byte-order mark (test/tokenizedata/bad_coding2.py has one) is not part of its code, and
    where a text keeps it ours accepts it as Python does while the seed's ast.parse of a str fails
    (see test_byte_order_mark.py)."""
    return "" if path is None else read_source(path)
