"""Writing results: all files or none, each replaced atomically, nothing overwritten by accident."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import CodegenError


class FileExistsRefusal(CodegenError):
    """A target exists and the user did not ask to overwrite it."""


def refuse_existing(paths: list[Path], *, force: bool) -> None:
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise FileExistsRefusal(f"{names} already exist{'s' if len(existing) == 1 else ''}; pass --force to overwrite, or choose another --module.")


def write_all(files: dict[Path, str], *, force: bool) -> None:
    """Write every file or none: all contents go to temporary files first, then each is renamed into place."""
    refuse_existing(list(files), force=force)
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
