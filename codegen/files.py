"""Writing results: all files or none, each replaced atomically, nothing overwritten by accident."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import CodegenError


class FileExistsRefusal(CodegenError):
    """A target exists and the user did not ask to overwrite it."""


class OutputLocationError(CodegenError):
    """The output folder cannot hold the results: a file, unwritable, or a dangling link."""

    exit_code = 2


def refuse_existing(paths: list[Path], *, force: bool) -> None:
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise FileExistsRefusal(
            f"{names} already exist{'s' if len(existing) == 1 else ''}; pass --force to overwrite,"
            " or choose another --module."
        )


def check_output_directory(directory: Path) -> None:
    """Raise OutputLocationError unless `directory` is, or can be created as, a folder we can write
    in.

    Nothing is created: the folder appears only when the results are written.
    """
    if directory.is_symlink() and not directory.exists():
        raise OutputLocationError(
            f"The output folder {directory} is a symbolic link to {os.readlink(directory)}, which"
            " does not exist; create that folder or pass another --out."
        )
    existing = directory
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        what = "is a file" if existing == directory else f"cannot be created: {existing} is a file"
        raise OutputLocationError(f"The output folder {directory} {what}; pass a folder to --out.")
    try:
        fd, probe = create_exclusive(existing, prefix=".codegen-probe-", suffix=".tmp")
    except OSError as error:
        where = (
            directory
            if existing == directory
            else f"{directory} (its nearest existing folder, {existing})"
        )
        raise OutputLocationError(
            f"Cannot write in the output folder {where}: {error.strerror or error}; pass a folder"
            " you can write to with --out, or fix its permissions."
        ) from None
    os.close(fd)
    os.unlink(probe)


def create_exclusive(directory: Path, *, prefix: str, suffix: str) -> tuple[int, str]:
    """A new file in `directory`, open for writing, with the user's umask applied (mkstemp forces
    0600)."""
    while True:
        path = os.path.join(directory, f"{prefix}{secrets.token_hex(8)}{suffix}")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), path
        except FileExistsError:
            continue


def _stage(path: Path, text: str) -> str:
    """`text` in a new temporary file beside `path`, ready to be renamed over it."""
    fd, tmp = create_exclusive(path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def replace_atomically(path: Path, text: str) -> None:
    """Write `path` so that a reader (or a crash) sees the old file or the new one, never half of
    it."""
    tmp = _stage(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_all(files: dict[Path, str], *, force: bool) -> None:
    """Write every file or none: all contents go to temporary files first, then each is renamed into
    place."""
    refuse_existing(list(files), force=force)
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            staged.append((_stage(path, text), path))
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as error:
        raise OutputLocationError(
            f"Could not write {error.filename or 'the results'}: {error.strerror or error}; nothing"
            " was written. Free some space or fix the folder's permissions, then run again."
        ) from None
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
