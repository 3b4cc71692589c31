"""The run folder and the child's environment: all a sandboxed test run can see of ours."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

from .results import RunSpec
from .runner import tree

# The only variables generated code sees from our environment (plus LC_*); everything else,
# secrets included, stays out whatever its name.
ALLOWED_ENV = frozenset(
    {
        "PATH",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TERM",
        "LD_LIBRARY_PATH",
        "PYTHONUTF8",
        "NO_COLOR",
        "SYSTEMROOT",
        "COMSPEC",
        "PATHEXT",
        "WINDIR",
    }
)
MAX_OPEN_FILES = 256
MAX_FILE_MB = 64  # any one file the tests write
MAX_DISK_MB = 256  # everything in the run folder, and the deleted files the run still holds
MAX_TASKS = 256  # processes and threads of the run at once


class SupportDirectory:
    """A per-process directory: a link to our coverage package, a bytecode cache, runner copies.

    Only the ``coverage`` package is exposed (not all of our site-packages, which would shadow the
    project's own numpy & co.), and its path stays the same all session so the bytecode cache works.
    Sandboxed children can read it, never write it.
    """

    _lock = threading.Lock()
    _path: Path | None = None

    @classmethod
    def get(cls) -> Path:
        with cls._lock:
            if cls._path is None or not (cls._path / "lib").is_dir():
                cls._path = cls._create()
            return cls._path

    @classmethod
    def remove(cls) -> None:
        with cls._lock:
            if cls._path is not None:
                remove_tree(cls._path)
                cls._path = None

    @staticmethod
    def _create() -> Path:
        path = Path(tempfile.mkdtemp(prefix="codegen-sandbox-support-"))
        for name in ("lib", "pycache", "idle", "runners"):
            (path / name).mkdir()
        coverage_dir = _coverage_package_dir()
        if coverage_dir is not None:
            os.symlink(coverage_dir, path / "lib" / "coverage", target_is_directory=True)
        return path


def _coverage_package_dir() -> Path | None:
    """Where our environment's coverage package lives, found without importing it."""
    spec = importlib.util.find_spec("coverage")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def remove_tree(path: Path) -> None:
    """Remove a folder whatever the tests left in it: read-only or locked folders, FIFOs, symlinks,
    chains of folders deeper than PATH_MAX or the recursion limit.

    Only the tree itself is ever made writable, never the folder holding it (the temporary folder,
    /tmp), and nothing is followed out of it.
    """

    def visit(fd: int) -> list[str]:
        folders = []
        with os.scandir(fd) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.name)
                else:
                    _as_owner(fd, partial(os.unlink, entry.name, dir_fd=fd))
        return folders

    def leave(fd: int, name: str) -> None:
        _as_owner(fd, partial(os.rmdir, name, dir_fd=fd))

    with contextlib.suppress(OSError):  # gone already, or moved by someone else: nothing to do
        tree.walk(path, visit, leave, make_accessible=True)
        os.rmdir(path)


def _as_owner(folder_fd: int, change: Callable[[], None]) -> None:
    """Make a change in a folder, giving the folder back its owner's rights if it was locked; a
    change that still fails (an immutable file) is left, and the rest of the tree goes on."""
    try:
        change()
        return
    except PermissionError:
        pass
    except OSError:
        return
    with contextlib.suppress(OSError):
        os.chmod(folder_fd, stat.S_IRWXU)
        change()


class Sandbox:
    """A temporary folder holding a copy of the module and its tests, removed on exit.

    The copies sit in ``source`` and the run writes only in ``work`` (its working directory and
    HOME) and ``tmp``: Landlock grants ``source`` read-only, so the tests cannot rewrite the module
    they test (which coverage.py would otherwise read back) or their own file.
    """

    def __init__(self, spec: RunSpec):
        self.spec = spec
        self.root = Path(tempfile.mkdtemp(prefix="codegen-run-"))
        self.source = self.root / "source"
        self.workdir = self.root / "work"
        self.tmpdir = self.root / "tmp"
        for directory in (self.source, self.workdir, self.tmpdir):
            directory.mkdir()
        self.module_file = self.source / f"{spec.module_name}.py"
        self.test_file = self.source / f"{spec.test_module_name}.py"
        copies = [(self.module_file, spec.module_source), (self.test_file, spec.test_source)]
        if spec.conftest_source and "conftest" not in (spec.module_name, spec.test_module_name):
            copies.append((self.source / "conftest.py", spec.conftest_source))
        for path, text in copies:
            path.write_text(text, encoding="utf-8")
            path.chmod(0o444)  # where there is no Landlock, a rewrite takes a chmod first
        self.support = SupportDirectory.get()
        self.sys_path = [str(self.source), *spec.extra_paths, str(self.support / "lib")]
        self.env = child_environment(
            os.environ, home=self.workdir, tmpdir=self.tmpdir, pythonpath=self.sys_path
        )

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info) -> None:
        remove_tree(self.root)

    def job(self, index: int, token: str) -> dict:
        """The runner's instructions for repeat ``index``."""
        spec = self.spec
        return {
            "token": token,
            "run_root": str(self.root),
            "workdir": str(self.workdir),
            "source_dir": str(self.source),
            "writable_dirs": [str(self.workdir), str(self.tmpdir)],
            "env": self.env,
            "sys_path": self.sys_path,
            "project_paths": list(spec.extra_paths),
            "module_file": str(self.module_file),
            "test_file": str(self.test_file),
            "test_module": spec.test_module_name,
            "coverage": index == 0,  # coverage is measured on the first run only
            "timeout": spec.timeout,
            "cpu_seconds": spec.cpu_seconds,
            "memory_bytes": spec.memory_mb * 1024 * 1024,
            "max_file_bytes": MAX_FILE_MB * 1024 * 1024,
            "max_disk_bytes": MAX_DISK_MB * 1024 * 1024,
            "max_open_files": MAX_OPEN_FILES,
            "max_tasks": MAX_TASKS,
            "allow_unsandboxed": spec.allow_unsandboxed,
            "no_namespaces": "namespaces" in spec.layers_off,
            "no_landlock": "landlock" in spec.layers_off,
            "framework": spec.framework,
            "only": list(spec.only),
        }


def child_environment(
    base: Mapping[str, str], *, home: Path, tmpdir: Path, pythonpath: Sequence[str]
) -> dict[str, str]:
    """The child's environment: the few variables in ``ALLOWED_ENV`` and ``LC_*`` from ``base``,
    plus ours."""
    env = {
        name: value for name, value in base.items() if name in ALLOWED_ENV or name.startswith("LC_")
    }
    env.setdefault("PATH", os.defpath)
    env.update(
        PYTHONPATH=os.pathsep.join(pythonpath),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="random",
        PYTHONIOENCODING="utf-8",
        HOME=str(home),
        TMPDIR=str(tmpdir),
    )
    return env
