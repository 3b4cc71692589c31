"""Removing a run folder: whatever the tests left in it, nothing outside it changes."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from codegen.execution.sandbox import remove_tree


def _immutable(path: Path) -> bool:
    """Make `path` immutable (chattr +i: root on ext4 and the like); False where that is not
    possible."""
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


def test_a_folder_that_cannot_be_removed_leaves_its_parent_as_it_was(tmp_path):
    # The run folders live in the system's temporary folder: a failure to remove one (here a file
    # no one may delete) made its parent, /tmp itself, private to the server's user (mode 0700),
    # which broke apt and every other user of /tmp on a machine where the server ran as root.
    parent = tmp_path / "tmp"
    run = parent / "codegen-run"
    (run / "sub").mkdir(parents=True)
    parent.chmod(0o1777)
    stuck = run / "stuck"
    stuck.write_text("")
    if not _immutable(stuck):
        pytest.skip("chattr +i is not possible here (needs root on a filesystem with attributes)")
    try:
        remove_tree(run)
        assert stat.S_IMODE(parent.stat().st_mode) == 0o1777
        assert sorted(p.name for p in run.iterdir()) == ["stuck"]  # the rest is removed
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=True)
        parent.chmod(0o755)


def test_read_only_folders_inside_are_removed(tmp_path):
    run = tmp_path / "codegen-run"
    locked = run / "locked" / "inner"
    locked.mkdir(parents=True)
    (locked / "file").write_text("x")
    locked.chmod(0o500)
    locked.parent.chmod(0)
    remove_tree(run)
    assert not run.exists()


def test_a_chain_deeper_than_path_max_and_the_recursion_limit_is_removed(tmp_path):
    run = tmp_path / "codegen-run"
    run.mkdir()
    fd = os.open(run, os.O_RDONLY)
    for _ in range(3000):  # 6,000 characters of path below `run`
        os.mkdir("d", dir_fd=fd)
        child = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
    os.close(os.open("deepest", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.chmod(fd, 0o500)  # and the last folder read-only
    os.close(fd)
    remove_tree(run)
    assert not run.exists()
    assert list(tmp_path.iterdir()) == []
