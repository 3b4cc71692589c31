"""The supervisor's watch over a run: wall clock, memory, disk and tasks of the whole run (counted
by ``usage``); the end reported."""

import os
import select
import signal
import time

from .usage import disk_bytes, memory_over, task_count


def _children(pid):
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as stream:
                found.extend(int(child) for child in stream.read().split())
        except (OSError, ValueError):
            continue
    return found


def descendants(pid):
    """Every process below ``pid`` (through /proc's children lists)."""
    result: list[int] = []
    stack = [pid]
    while stack and len(result) < 10000:
        for child in _children(stack.pop()):
            result.append(child)
            stack.append(child)
    return result


def _kill_all(pid):
    """SIGKILL ``pid`` and everything below it (its process group at once, then the children found,
    then the process itself)."""
    try:
        os.killpg(pid, signal.SIGKILL)  # the init leads the run's session: a fork bomb's too
    except OSError:
        pass
    for _ in range(3):
        below = descendants(pid)
        for child in below:
            try:
                os.kill(child, signal.SIGKILL)
            except OSError:
                pass
        if not below:
            break
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _reap_orphans():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class _Watch:
    """The limits the supervisor holds a run to: wall clock, and memory, disk and tasks of the whole
    run."""

    def __init__(self, config, child):
        self.child = child
        self.deadline = time.monotonic() + config["timeout"]
        self.memory_limit = config["memory_bytes"]
        self.disk_limit = config["max_disk_bytes"]
        self.task_limit = config["max_tasks"]
        self.run_root = config["run_root"]
        self.next_disk = 0.0
        self.hidden: set = set()  # processes whose files could not be looked at, last time
        self.stopped = False

    def stop(self, *_):
        """The SIGTERM handler: the parent wants the run ended."""
        self.stopped = True

    def broken_limit(self):
        """The limit the run is over now, if any (the disk is looked at every 0.25 s)."""
        now = time.monotonic()
        if self.stopped:
            return "stopped"
        if now >= self.deadline:
            return "time"
        run = descendants(os.getpid())
        if task_count(run) > self.task_limit:
            return "processes"
        below = [pid for pid in run if pid != self.child]
        if memory_over(below, self.memory_limit):
            return "memory"
        if now >= self.next_disk:
            self.next_disk = now + 0.25
            return self._disk_limit(below)
        return None

    def _disk_limit(self, pids):
        used, hidden = disk_bytes(self.run_root, pids)
        # A process that was exiting may show its files to root alone for a moment: hidden at
        # two looks in a row, it hides them.
        hidden, self.hidden = hidden & self.hidden, hidden
        if hidden:
            return "hidden"
        if used is None:
            return "files"
        return "disk" if used > self.disk_limit else None


def _open_pidfd(pid):
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _wait_for_init(child, watch, pidfd):
    """Poll every 25 ms until the init process ends or breaks a limit; then kill it and return that
    limit."""
    while True:
        if pidfd is not None:
            select.select([pidfd], [], [], 0.025)
        else:
            time.sleep(0.025)
        if os.waitpid(child, os.WNOHANG)[0] == child:
            return None
        limit = watch.broken_limit()
        if limit is not None:
            _kill_all(child)
            os.waitpid(child, 0)
            return limit


def _end_leftovers(child, namespaced):
    """Kill whatever the run left: its session, and without a PID namespace its orphans too."""
    try:
        # The session the init process led: the tests and their children
        os.killpg(child, signal.SIGKILL)
    except OSError:
        pass
    # Without a PID namespace, orphans were reparented to us: end them, and what they start while
    # they are being ended (a fork bomb that left the session), until none is left.
    for _ in range(0 if namespaced else 100):
        orphans = descendants(os.getpid())
        if not orphans:
            break
        for orphan in orphans:
            try:
                os.kill(orphan, signal.SIGKILL)
            except OSError:
                pass
        _reap_orphans()
    _reap_orphans()


def _exit_fields(status, limit):
    """(exit code, signal) of the test process from its wait status (None: the init could not tell
    us)."""
    if status is None:
        return None, (signal.SIGKILL if limit else None)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status), None
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    return None, None


def supervise(config, results, child, status_read, namespaced):
    """Wait for the init process, enforcing the wall clock, memory and disk limits; report the
    end."""
    pidfd = _open_pidfd(child)
    watch = _Watch(config, child)
    signal.signal(signal.SIGTERM, watch.stop)
    limit = _wait_for_init(child, watch, pidfd)
    _end_leftovers(child, namespaced)
    if pidfd is not None:
        os.close(pidfd)
    code, signal_number = _exit_fields(_read_status(status_read), limit)
    results.emit("exit", code=code, signal=signal_number, limit=limit)


def _read_status(fd):
    """The test process's wait status, as the init process wrote it (None if it could not)."""
    data = b""
    os.set_blocking(fd, False)
    try:
        while True:
            chunk = os.read(fd, 64)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    os.close(fd)
    try:
        return int(data.decode("ascii"))
    except ValueError:
        return None
