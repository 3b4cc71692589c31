"""Confining the run: namespaces, capabilities, Landlock, seccomp and rlimits, and the level they
reach; the test process's fresh start."""

import ctypes
import importlib
import math
import os
import signal
import sys

from . import PRIVATE_DIR
from .landlock import apply_landlock, landlock_abi
from .linux import CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWUSER, LIBC, libc_call
from .readable import user_site_dir
from .seccomp import install_filter


def enter_namespaces():
    """New user, network, IPC and PID namespaces for the processes forked next; the layers
    reached."""
    if LIBC is None:
        return [], "namespaces are Linux-only"
    uid, gid = os.getuid(), os.getgid()
    try:
        libc_call(
            LIBC.unshare,
            ctypes.c_int(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID),
        )
    except OSError as error:
        return [], f"unprivileged user namespaces are not available ({error.strerror})"
    try:
        for name, text in (
            ("setgroups", "deny"),
            ("uid_map", f"{uid} {uid} 1"),
            ("gid_map", f"{gid} {gid} 1"),
        ):
            with open("/proc/self/" + name, "w") as stream:
                stream.write(text)
    except OSError:
        # Unmapped, the processes keep their real user to the kernel; the namespaces still hold.
        pass
    return ["user-namespace", "network-namespace", "ipc-namespace", "pid-namespace"], None


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities():
    """Give up the capabilities a new user namespace grants its creator."""
    if LIBC is None:
        return
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    try:
        libc_call(LIBC.capset, ctypes.byref(header), data)
    except (OSError, AttributeError):
        pass


def isolation_level(layers):
    """full: Landlock, the seccomp filter and the namespaces; filesystem: the first two; else
    none."""
    if "landlock-filesystem" not in layers or "seccomp" not in layers:
        return "none"
    if "network-namespace" in layers and "pid-namespace" in layers:
        return "full"
    return "filesystem"


def confine(config, readable, namespace_layers, namespace_problem):
    """Limits, capabilities and Landlock for this process and all it starts: (level, layers,
    missing)."""
    missing = []
    layers = list(namespace_layers)
    if namespace_problem:
        missing.append("network, PID and IPC namespaces: " + namespace_problem)
    if layers:
        drop_capabilities()
    abi, landlock_problem = (
        (0, "turned off for this run") if config.get("no_landlock") else landlock_abi()
    )
    if abi:
        try:
            layers += apply_landlock(config, readable, abi)
        except OSError as error:
            missing.append(f"Landlock could not be applied ({error})")
        else:
            if abi < 4:
                missing.append("TCP rules (Landlock ABI 4, Linux 6.7)")
            if abi < 6:
                missing.append("signal and abstract-socket scoping (Landlock ABI 6, Linux 6.12)")
    else:
        missing.append("Landlock: " + landlock_problem)
    try:
        # In a network namespace of its own, inet sockets reach only the run's private loopback.
        layers.append(install_filter(inet="network-namespace" in layers))
    except OSError as error:
        missing.append(f"the system-call filter (seccomp): {error.strerror or error}")
    return isolation_level(layers), layers, missing


def enter_sandbox(config):
    """Make this process look as if started for this job: stdin, cwd, environment, sys.path."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.chdir(config["workdir"])
    os.environ.clear()
    os.environ.update(config["env"])
    if "tempfile" in sys.modules:
        import tempfile  # already imported: only a lookup

        tempfile.tempdir = None  # re-read TMPDIR
    startup_path = [entry for entry in sys.path if entry not in (PRIVATE_DIR, config["lib_dir"])]
    sys.path[:] = list(config["sys_path"]) + startup_path
    user_site = user_site_dir()
    if user_site and user_site not in sys.path:
        import site

        site.addsitedir(user_site)  # -I left it out; the project's --user packages are importable
    importlib.invalidate_caches()


# RLIMIT_NPROC lets the run this many tasks past the supervisor's cap, so that the supervisor sees
# a run over its cap (and stops it) before the kernel refuses it more.
TASK_SLACK = 16


def tasks_counted(in_user_namespace):
    """The tasks RLIMIT_NPROC counts already (read before Landlock hides /proc).

    It counts the tasks of the user in its user namespace: in the run's own, only the supervisor
    and this process are there yet; outside one, every task of the user is.
    """
    if in_user_namespace:
        return 2
    uid, total = os.getuid(), 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                status = os.stat(f"/proc/{name}/task")  # one link per thread, plus two
            except OSError:
                continue
            if status.st_uid == uid:
                total += max(1, status.st_nlink - 2)
    return total


def set_limits(config, tasks_before):
    """Apply CPU, address-space, file-size, open-file, task and core-dump limits; return those that
    failed.

    ``tasks_before``: what RLIMIT_NPROC counts already.  The kernel ignores that limit for root
    (and for a uid 0 mapped to root): the supervisor's own count is the backstop.
    """
    try:
        import resource
    except ImportError:  # not a Unix system: nothing to apply
        return ["resource module unavailable"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time counts from process start, and this process may have waited for its job.
    cpu = math.ceil(usage.ru_utime + usage.ru_stime) + config["cpu_seconds"]
    tasks = tasks_before + config["max_tasks"] + TASK_SLACK
    wanted = {
        "RLIMIT_CPU": (cpu, cpu + 2),  # SIGXCPU at the soft limit, SIGKILL at the hard one
        "RLIMIT_AS": (config["memory_bytes"], config["memory_bytes"]),
        "RLIMIT_FSIZE": (config["max_file_bytes"], config["max_file_bytes"]),
        "RLIMIT_NOFILE": (config["max_open_files"], config["max_open_files"]),
        "RLIMIT_NPROC": (tasks, tasks),
        "RLIMIT_CORE": (0, 0),
    }
    failed = []
    for name, (soft, hard) in wanted.items():
        which = getattr(resource, name, None)
        if which is None:
            failed.append(name)
            continue
        try:
            _, current_hard = resource.getrlimit(which)
            if current_hard != resource.RLIM_INFINITY:  # never try to raise a hard limit
                soft, hard = min(soft, current_hard), min(hard, current_hard)
            resource.setrlimit(which, (soft, hard))
        except (OSError, ValueError):
            failed.append(name)
    # Writing past RLIMIT_FSIZE raises an OSError in the test instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return failed
