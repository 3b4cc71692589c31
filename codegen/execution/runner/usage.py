"""What a run holds, counted as the kernel counts it: memory, disk and tasks of its processes.

Read from /proc, unprivileged (cgroups are not generally available to a user):

* memory: the run's anonymous and shared-memory pages (``MAP_SHARED|MAP_ANONYMOUS`` included), each
  split between the processes that map it (``Pss_Anon`` + ``Pss_Shmem`` of ``smaps_rollup``), so
  the sum over the run counts every page once.  That walk costs time, so it is taken only when the
  cheap upper bound, the processes' whole resident sets (``statm``), is over the limit.
* disk: the blocks of every file in the run folder, at any depth, and of every deleted file a run
  process still holds open (``/proc/PID/fd``) or mapped (``/proc/PID/maps``), each file once.  A
  private tmpfs would need a mount namespace, which the ``filesystem`` level does not have.
* tasks: processes and threads, as ``RLIMIT_NPROC`` counts them.
"""

import os

from .tree import walk

_DELETED = " (deleted)"


def task_count(pids):
    """Processes and threads among ``pids`` (a /proc/PID/task folder links one entry per
    thread)."""
    total = 0
    for pid in pids:
        try:
            total += max(1, os.stat(f"/proc/{pid}/task").st_nlink - 2)
        except OSError:
            continue
    return total


def _resident_bytes(pid, page):
    try:
        with open(f"/proc/{pid}/statm") as stream:
            return int(stream.read().split()[1]) * page
    except (OSError, ValueError, IndexError):
        return 0


def _proportional_bytes(pid):
    """Pss_Anon + Pss_Shmem of ``pid`` (Pss before Linux 5.9 had them), None if unreadable."""
    fields: dict = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as stream:
            for line in stream:
                name, _, value = line.partition(":")
                if name in ("Pss", "Pss_Anon", "Pss_Shmem"):
                    fields[name] = int(value.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    if "Pss_Anon" in fields:
        return fields["Pss_Anon"] + fields.get("Pss_Shmem", 0)
    return fields.get("Pss")


def memory_over(pids, limit):
    """Whether the run's processes hold more than ``limit`` bytes of memory."""
    page = os.sysconf("SC_PAGE_SIZE")
    resident = {pid: _resident_bytes(pid, page) for pid in pids}
    if sum(resident.values()) <= limit:
        return False
    total = 0
    for pid, whole in resident.items():
        share = _proportional_bytes(pid)
        total += whole if share is None else share  # unreadable: its whole resident set counts
    return total > limit


def _folder_bytes(root, seen, limit_entries):
    """Blocks of the files under ``root``; None past ``limit_entries`` entries."""
    counted = {"bytes": 0, "entries": 0}

    def visit(fd):
        folders: list = []
        with os.scandir(fd) as entries:
            for entry in entries:
                counted["entries"] += 1
                if counted["entries"] > limit_entries:
                    raise OverflowError
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.name)
                        continue
                    status = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if (status.st_dev, status.st_ino) not in seen:
                    seen.add((status.st_dev, status.st_ino))
                    counted["bytes"] += status.st_blocks * 512
        return folders

    try:
        walk(root, visit, lambda fd, name: None)
    except OverflowError:
        return None
    except OSError:
        pass  # the tree moved under the walk: what was counted stands, the next look goes on
    return counted["bytes"]


def _ending(pid):
    """Whether ``pid`` is gone or a zombie (/proc then shows its files to root alone: it has no
    memory left, and soon no files)."""
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def _open_deleted_bytes(pid, seen):
    """Blocks of the deleted files ``pid`` holds open (a memfd is one); OSError when its files
    cannot be looked at."""
    total = 0
    folder = f"/proc/{pid}/fd"
    try:
        descriptors = os.listdir(folder)
    except FileNotFoundError:
        return 0  # it has ended
    for fd in descriptors:
        try:
            if not os.readlink(f"{folder}/{fd}").endswith(_DELETED):
                continue
            status = os.stat(f"{folder}/{fd}")
        except OSError:
            continue
        if (status.st_dev, status.st_ino) not in seen:
            seen.add((status.st_dev, status.st_ino))
            total += status.st_blocks * 512
    return total


def _mapped_deleted_bytes(pid, root, seen):
    """The length of the largest mapping of each deleted file under ``root`` that ``pid`` maps
    (its descriptor may be closed; the kernel keeps the file while it is mapped)."""
    lengths: dict = {}
    try:
        with open(f"/proc/{pid}/maps") as stream:
            for line in stream:
                fields = line.rstrip("\n").split(None, 5)
                if len(fields) < 6 or not fields[5].endswith(_DELETED):
                    continue
                if not fields[5].startswith(root + os.sep):
                    continue  # shared anonymous memory, memfds, SysV segments: counted as memory
                start, _, end = fields[0].partition("-")
                major, _, minor = fields[3].partition(":")
                key = (os.makedev(int(major, 16), int(minor, 16)), int(fields[4]))
                lengths[key] = max(lengths.get(key, 0), int(end, 16) - int(start, 16))
    except (FileNotFoundError, ValueError):
        return 0
    total = 0
    for key, length in lengths.items():
        if key not in seen:
            seen.add(key)
            total += length
    return total


def disk_bytes(root, pids, limit_entries=10000):
    """(Blocks the run holds on disk, or None when its folder has more than ``limit_entries``
    entries; the processes whose files cannot be looked at)."""
    seen: set = set()  # (device, inode) of every file counted
    total = _folder_bytes(root, seen, limit_entries)
    hidden: set = set()
    if total is None:
        return None, hidden
    for pid in pids:
        try:
            total += _open_deleted_bytes(pid, seen)
            total += _mapped_deleted_bytes(pid, root, seen)
        except OSError:
            if not _ending(pid):
                hidden.add(pid)  # not dumpable (it exec'd a file it may not read)
    return total, hidden
