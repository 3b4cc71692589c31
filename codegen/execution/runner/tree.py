"""Walking a run's folder tree through directory descriptors: at any depth, without recursion.

A run can nest folders far deeper than PATH_MAX (4,096 bytes) or Python's recursion limit, so no
path is ever built and nothing recurses: one descriptor is held at a time, each folder is opened
relative to its parent (never following a symlink), and the walk climbs back through ``..``,
checking it lands where it came from.  The supervisor measures the run folder with it; the parent
removes it with it.
"""

import os
import stat

_OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class TreeChanged(OSError):
    """``..`` led somewhere else than the folder the walk came from: the tree moved under it."""


def _identity(fd):
    status = os.fstat(fd)
    return status.st_dev, status.st_ino


def _open_child(fd, name, make_accessible):
    try:
        return os.open(name, _OPEN_DIRECTORY, dir_fd=fd)
    except PermissionError:
        if not make_accessible:
            raise
        os.chmod(name, stat.S_IRWXU, dir_fd=fd)  # a folder of the run's, read-only or locked
        return os.open(name, _OPEN_DIRECTORY, dir_fd=fd)


def walk(root, visit, leave, make_accessible=False):
    """Walk the folder ``root``, depth first, by descriptors.

    ``visit(fd)`` is called once per folder with its descriptor and returns the names of the
    subfolders to enter; ``leave(parent_fd, name)`` is called after a subfolder's walk is over.
    A folder that cannot be opened is passed over (with ``make_accessible``, it is first given
    back its owner's rights).  Raises OSError when ``root`` cannot be opened, TreeChanged when the
    tree moves under the walk.
    """
    fd = os.open(root, _OPEN_DIRECTORY)
    try:
        # One entry per level open: (the folder's name, its identity, its subfolders left to enter)
        levels = [("", _identity(fd), list(visit(fd)))]
        while True:
            pending = levels[-1][2]
            if pending:
                name = pending.pop()
                try:
                    child = _open_child(fd, name, make_accessible)
                except OSError:
                    continue
                os.close(fd)
                fd = child
                levels.append((name, _identity(fd), list(visit(fd))))
                continue
            name = levels.pop()[0]
            if not levels:
                return
            parent = os.open("..", _OPEN_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = parent
            if _identity(fd) != levels[-1][1]:
                raise TreeChanged("the folder tree moved while it was walked")
            leave(fd, name)
    finally:
        os.close(fd)
