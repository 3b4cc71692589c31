"""Child-process script: confine itself, run one unittest or pytest file under coverage, report over
a pipe.

Started by ``codegen.execution`` as ``python -I child_runner.py <lib dir> <pycache dir> <results
fd>``, possibly ahead of time.  It imports only the standard library and coverage (the interpreter
may be the user's project Python) and keeps to Python 3.8 syntax.  Three processes take part in a
run:

* the supervisor (this script as started): imports unittest and coverage, waits for its job on
  stdin, enters new user, network, IPC and PID namespaces where the kernel allows it, forks, then
  watches the run: wall-clock time, memory summed over every process of the run, disk used in the
  run folder.  It never runs generated code.
* the init: PID 1 of the new PID namespace (when there is one), so every process the run starts
  dies with it.  It applies the rlimits and Landlock (read-only interpreter and project sources,
  read-write run folder, no TCP, no signals or abstract sockets outside), then forks the test
  process and reaps whatever is left.
* the test process: imports the test file and runs it.

Events go to the results pipe, one JSON object per line, each carrying the job's token:

    {"event": "runner"}                                       the supervisor got its job
    {"event": "isolation", "level", "layers", "missing"}      what the sandbox reached
    {"event": "refused", "reason"}                            no sandbox and none allowed
    {"event": "coverage_unavailable", "reason": "..."}
    {"event": "import_error", "id", "message", "traceback", "line"}
    {"event": "start", "id": "..."}                           before each test
    {"event": "result", "id", "outcome", "message", "traceback", "line"}
    {"event": "aborted", "id", "message"}                     an exception escaped unittest
    {"event": "tampered", "what": [...]}                      the tested code changed the runner
    {"event": "coverage", "statements": [...], "missing": [...]}
    {"event": "done", "tests": N}                             the run finished normally
    {"event": "exit", "code", "signal", "limit"}              the supervisor's last word
"""

import ctypes
import errno
import importlib
import importlib.util
import json
import math
import os
import re
import select
import signal
import sys
import time
import traceback
import unittest

MESSAGE_LIMIT = 500
TRACEBACK_LIMIT = 4000
_RUNNER_FILE = os.path.abspath(__file__)
_RUNNER_DIR = os.path.dirname(_RUNNER_FILE)
_IMPORTLIB_FILE = os.path.abspath(importlib.__file__)

# --- Linux interfaces through ctypes (all optional: missing ones lower the isolation level) ------

_SYS_LANDLOCK_CREATE_RULESET = 444  # the same number on x86-64 and arm64
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1, 2, 4, 8
_FS_ALL_ABI1 = (1 << 13) - 1
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1, 2
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS, _PR_SET_CHILD_SUBREAPER = 1, 38, 36
_CLONE_NEWIPC, _CLONE_NEWUSER, _CLONE_NEWPID, _CLONE_NEWNET = (
    0x08000000,
    0x10000000,
    0x20000000,
    0x40000000,
)
_X86_64_OR_ARM64 = os.uname().machine in ("x86_64", "aarch64", "arm64")

# Files under /etc and /dev that ordinary programs need; the rest of /etc stays unreadable.
_ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "passwd",
    "group",
    "nsswitch.conf",
    "hosts",
    "mime.types",
    "os-release",
    "ssl",
    "ca-certificates",
    "alternatives",
)
_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
_SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
# In the project's folders: names never made readable (secrets live in dotfiles and key files).
_SECRET_NAME = re.compile(
    r"^\.|\.(pem|key|p12|pfx|kdbx|keystore)$|^id_(rsa|dsa|ecdsa|ed25519)|credential|secret",
    re.IGNORECASE,
)
_SKIPPED_DIRS = ("__pycache__", "node_modules")
MAX_PROJECT_ENTRIES = 20000


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc() if sys.platform.startswith("linux") else None


def _call(function, *arguments):
    """Call a libc function; return its result, raising OSError with errno on -1."""
    result = function(*arguments)
    if result == -1:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))
    return result


def _prctl(option, value):
    _call(
        _LIBC.prctl,
        ctypes.c_int(option),
        ctypes.c_ulong(value),
        ctypes.c_ulong(0),
        ctypes.c_ulong(0),
        ctypes.c_ulong(0),
    )


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi():
    """The kernel's Landlock ABI version, or 0 with the reason it is unavailable."""
    if _LIBC is None or not _X86_64_OR_ARM64:
        return 0, "Landlock is Linux-only (x86-64 and arm64)"
    result = _LIBC.syscall(
        ctypes.c_long(_SYS_LANDLOCK_CREATE_RULESET),
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION),
    )
    if result < 0:
        number = ctypes.get_errno()
        if number == errno.EOPNOTSUPP:
            return (
                0,
                "Landlock is disabled in this kernel (add landlock to the lsm= boot parameter)",
            )
        return 0, "this kernel has no Landlock (Linux 5.13 or later is needed)"
    return result, None


def _fs_rights(abi):
    rights = _FS_ALL_ABI1
    if abi >= 2:
        rights |= _FS_REFER
    if abi >= 3:
        rights |= _FS_TRUNCATE
    if abi >= 5:
        rights |= _FS_IOCTL_DEV
    return rights


def _file_rights(abi):
    """The rights that apply to a file (not a directory): Landlock refuses the others there."""
    rights = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE
    if abi >= 3:
        rights |= _FS_TRUNCATE
    if abi >= 5:
        rights |= _FS_IOCTL_DEV
    return rights


def _add_path_rule(ruleset, path, allowed, abi):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if not os.path.isdir(path):
            allowed &= _file_rights(abi)
        attr = _PathBeneathAttr(allowed, fd)
        _call(
            _LIBC.syscall,
            ctypes.c_long(_SYS_LANDLOCK_ADD_RULE),
            ctypes.c_int(ruleset),
            ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH),
            ctypes.byref(attr),
            ctypes.c_uint32(0),
        )
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def project_files(roots, limit=MAX_PROJECT_ENTRIES):
    """Directories and regular files under the project folders, without dot-names and key files."""
    directories, files, seen = [], [], 0
    stack = [root for root in roots if os.path.isdir(root)]
    while stack and seen < limit:
        directory = stack.pop()
        directories.append(directory)
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > limit or _SECRET_NAME.search(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _SKIPPED_DIRS and not os.path.exists(
                        os.path.join(entry.path, "pyvenv.cfg")
                    ):
                        stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    files.append(entry.path)
            except OSError:
                continue
    return directories, files


def apply_landlock(config, readable, abi):
    """Confine this process and its descendants; return the names of the Landlock layers in
    force."""
    handled_fs = _fs_rights(abi)
    attr = _RulesetAttr(handled_fs, 0, 0)
    size = 8
    layers = ["landlock-filesystem"]
    if abi >= 4:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP  # no rule allows any port
        size = 16
        layers.append("landlock-tcp")
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
        size = 24
        layers.append("landlock-scopes")
    ruleset = _call(
        _LIBC.syscall,
        ctypes.c_long(_SYS_LANDLOCK_CREATE_RULESET),
        ctypes.byref(attr),
        ctypes.c_size_t(size),
        ctypes.c_uint32(0),
    )
    try:
        read = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
        read_only, filtered = readable
        for path in read_only:
            _add_path_rule(ruleset, path, read, abi)
        for name in _ETC_FILES:
            _add_path_rule(ruleset, os.path.join("/etc", name), read, abi)
        for device in _DEVICES:
            _add_path_rule(
                ruleset,
                device,
                _FS_READ_FILE
                | _FS_WRITE_FILE
                | (_FS_TRUNCATE if abi >= 3 else 0)
                | (_FS_IOCTL_DEV if abi >= 5 else 0),
                abi,
            )
        directories, files = project_files(list(config["project_paths"]) + list(filtered))
        for directory in directories:
            _add_path_rule(ruleset, directory, _FS_READ_DIR, abi)
        for path in files:
            _add_path_rule(ruleset, path, _FS_READ_FILE | _FS_EXECUTE, abi)
        if not _add_path_rule(ruleset, config["run_root"], handled_fs, abi):
            raise OSError(errno.ENOENT, "the run folder cannot be opened")
        _prctl(_PR_SET_NO_NEW_PRIVS, 1)
        _call(
            _LIBC.syscall,
            ctypes.c_long(_SYS_LANDLOCK_RESTRICT_SELF),
            ctypes.c_int(ruleset),
            ctypes.c_uint32(0),
        )
    finally:
        os.close(ruleset)
    return layers


def enter_namespaces():
    """New user, network, IPC and PID namespaces for the processes forked next; the layers
    reached."""
    if _LIBC is None:
        return [], "namespaces are Linux-only"
    uid, gid = os.getuid(), os.getgid()
    try:
        _call(
            _LIBC.unshare,
            ctypes.c_int(_CLONE_NEWUSER | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWPID),
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
    if _LIBC is None:
        return
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    try:
        _call(_LIBC.capset, ctypes.byref(header), data)
    except (OSError, AttributeError):
        pass


# --- the results channel ------------------------------------------------------------------------


class ResultsChannel:
    """JSON lines on an inherited pipe; each carries the job's token, so stray writes are told
    apart."""

    def __init__(self, fd, token):
        self._fd = fd
        self._token = token
        self._write = os.write  # bound before any generated code can replace os.write

    def emit(self, event, **fields):
        fields["event"] = event
        fields["token"] = self._token
        data = (json.dumps(fields, default=repr) + "\n").encode("utf-8", "replace")
        while data:
            try:
                written = self._write(self._fd, data)
            except InterruptedError:
                continue
            except OSError:
                return  # the parent stopped listening: nothing left to tell
            data = data[written:]


# --- the supervisor ----------------------------------------------------------------------------


def import_coverage(pycache_prefix):
    """Import coverage.py ahead of the job; return (module, None) or (None, reason)."""
    saved = sys.dont_write_bytecode, sys.pycache_prefix
    if pycache_prefix and not _has_bytecode("coverage"):
        # Coverage was installed by another Python version, so it has no bytecode for this one:
        # cache it outside the sandbox, compiled once per session instead of on every run.
        sys.dont_write_bytecode, sys.pycache_prefix = False, pycache_prefix
    try:
        import coverage

        return coverage, None
    except BaseException as exc:  # any failure here only means "no coverage"
        return None, summarize_exception(type(exc), exc)
    finally:
        sys.dont_write_bytecode, sys.pycache_prefix = saved


def _has_bytecode(package):
    try:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.origin or not spec.has_location:
            return True  # nothing to compile (or nothing to import)
        return os.path.exists(importlib.util.cache_from_source(spec.origin))
    except (ImportError, ValueError, NotImplementedError):
        return True


def interpreter_paths(lib_dir):
    """What the test interpreter needs to read: (folders readable whole, folders filtered like a
    project).

    Its prefixes, standard library, site-packages and our coverage are readable whole; import-path
    entries elsewhere (an editable install's project folder, say) get the project treatment: no
    dotfiles such as `.env`, no key files.
    """
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    whole = set(prefixes) | {lib_dir, os.path.dirname(os.path.realpath(sys.executable))}
    filtered = set()
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            inside = any(
                os.path.realpath(entry).startswith(os.path.realpath(prefix) + os.sep)
                for prefix in prefixes
            )
            (whole if inside else filtered).add(entry)
    coverage_link = os.path.join(lib_dir, "coverage")
    if os.path.islink(coverage_link):
        whole.add(os.path.dirname(os.path.realpath(coverage_link)))
    user_site = _user_site()
    if user_site:
        whole.add(user_site)
    whole.update(_SYSTEM_DIRS)
    filtered -= whole
    return (
        sorted(path for path in whole if path and path != "/"),
        sorted(path for path in filtered if path and path != "/"),
    )


def _user_site():
    try:
        import site

        path = site.getusersitepackages()
        return path if os.path.isdir(path) else None
    except Exception:  # an unusual site module
        return None


def _children(pid):
    found = []
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
    result, stack = [], [pid]
    while stack and len(result) < 10000:
        for child in _children(stack.pop()):
            result.append(child)
            stack.append(child)
    return result


def _anonymous_resident_bytes(pids):
    """Resident memory not backed by files (statm's resident minus shared), summed over ``pids``."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as stream:
                fields = stream.read().split()
            total += (int(fields[1]) - int(fields[2])) * page
        except (OSError, ValueError, IndexError):
            continue
    return total


def _disk_bytes(root, limit_entries=10000):
    total, seen, stack = 0, 0, [root]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > limit_entries:
                return None  # too many files to be an honest test run
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_blocks * 512
            except OSError:
                continue
    return total


def _kill_all(pid):
    """SIGKILL ``pid`` and everything below it (children first found, then the process itself)."""
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
    """The limits the supervisor holds a run to: wall clock, memory of the whole run, disk used."""

    def __init__(self, config, child):
        self.child = child
        self.deadline = time.monotonic() + config["timeout"]
        self.memory_limit = config["memory_bytes"]
        self.disk_limit = config["max_disk_bytes"]
        self.run_root = config["run_root"]
        self.next_disk = 0.0
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
        below = [pid for pid in descendants(os.getpid()) if pid != self.child]
        if _anonymous_resident_bytes(below) > self.memory_limit:
            return "memory"
        if now >= self.next_disk:
            self.next_disk = now + 0.25
            used = _disk_bytes(self.run_root)
            if used is None:
                return "files"
            if used > self.disk_limit:
                return "disk"
        return None


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
    if not namespaced:  # without a PID namespace, orphans were reparented to us: end them
        for orphan in descendants(os.getpid()):
            _kill_all(orphan)
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


def init_process(status_write, close_in_test, child_main):
    """PID 1 of the run: start the test process, reap everything, pass on the test process's
    status."""
    test_pid = os.fork()
    if test_pid == 0:
        for fd in close_in_test + [status_write]:
            os.close(fd)
        child_main()
        os._exit(0)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(70)
        if pid == test_pid:
            os.write(status_write, str(status).encode("ascii"))
            os._exit(0)


def isolation_level(layers):
    if "landlock-filesystem" not in layers:
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
    return isolation_level(layers), layers, missing


# --- the test process --------------------------------------------------------------------------


def enter_sandbox(config):
    """Make this process look as if started for this job: stdin, cwd, environment, sys.path."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.chdir(config["workdir"])
    os.environ.clear()
    os.environ.update(config["env"])
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None  # re-read TMPDIR
    startup_path = [entry for entry in sys.path if entry not in (_RUNNER_DIR, config["lib_dir"])]
    sys.path[:] = list(config["sys_path"]) + startup_path
    user_site = _user_site()
    if user_site and user_site not in sys.path:
        import site

        site.addsitedir(user_site)  # -I left it out; the project's --user packages are importable
    importlib.invalidate_caches()


def set_limits(config):
    """Apply CPU, address-space, file-size, open-file and core-dump limits; return those that
    failed."""
    try:
        import resource
    except ImportError:  # not a Unix system: nothing to apply
        return ["resource module unavailable"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time counts from process start, and this process may have waited for its job.
    cpu = math.ceil(usage.ru_utime + usage.ru_stime) + config["cpu_seconds"]
    wanted = {
        "RLIMIT_CPU": (cpu, cpu + 2),  # SIGXCPU at the soft limit, SIGKILL at the hard one
        "RLIMIT_AS": (config["memory_bytes"], config["memory_bytes"]),
        "RLIMIT_FSIZE": (config["max_file_bytes"], config["max_file_bytes"]),
        "RLIMIT_NOFILE": (config["max_open_files"], config["max_open_files"]),
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


def _is_internal(frame):
    code_file = frame.f_code.co_filename
    return (
        "__unittest" in frame.f_globals
        or code_file == _RUNNER_FILE
        or code_file == _IMPORTLIB_FILE
        or code_file.startswith("<frozen importlib")
    )


def summarize_exception(exc_type, value):
    """One line a person can read: the exception type and the first line of its message."""
    text = str(value).strip()
    first_line = text.splitlines()[0] if text else ""
    summary = f"{exc_type.__name__}: {first_line}" if first_line else exc_type.__name__
    return summary[:MESSAGE_LIMIT]


def format_traceback(exc_type, value, tb):
    """The traceback without runner, unittest and importlib frames, truncated to its last part."""
    frames = [(frame, lineno) for frame, lineno in traceback.walk_tb(tb) if not _is_internal(frame)]
    text = ""
    cause = value.__cause__ or (None if value.__suppress_context__ else value.__context__)
    if cause is not None:
        text = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
        text += "\nThe exception above led to this one:\n\n"
    if frames:
        stack = traceback.StackSummary.extract(iter(frames))
        text += "Traceback (most recent call last):\n" + "".join(stack.format())
    text += "".join(traceback.format_exception_only(exc_type, value))
    if len(text) > TRACEBACK_LIMIT:
        text = "... (truncated)\n" + text[-TRACEBACK_LIMIT:]
    return text


def failure_line(value, tb, test_file):
    """The line in the test file where the failure surfaced (the deepest frame in that file)."""
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if os.path.abspath(frame.f_code.co_filename) == test_file:
            line = lineno
    if line is None and isinstance(value, SyntaxError) and value.filename:
        if os.path.abspath(value.filename) == test_file:
            line = value.lineno
    return line


def describe_error(err, test_file):
    exc_type, value, tb = err
    return {
        "message": summarize_exception(exc_type, value),
        "traceback": format_traceback(exc_type, value, tb),
        "line": failure_line(value, tb, test_file),
    }


_FIXTURE_ID = re.compile(r"^(\w+) \((.+)\)$")


class Integrity:
    """What the test framework and this runner looked like before any generated code ran.

    Code under test runs in this process and could patch the result class or unittest's assertions
    to turn failures into passes; a change found here makes the parent distrust the whole run.
    """

    def __init__(self, classes, functions):
        self._classes = classes
        self._functions = functions
        self._before = self._snapshot()

    def _snapshot(self):
        state = {}
        for cls in self._classes:
            for name, value in list(vars(cls).items()):
                if callable(value) or isinstance(value, (staticmethod, classmethod, property)):
                    state[f"{cls.__qualname__}.{name}"] = (
                        value,
                        getattr(value, "__code__", None),
                    )
        for name, (owner, attribute) in self._functions.items():
            value = getattr(owner, attribute, None)
            state[name] = (value, getattr(value, "__code__", None))
        return state

    def changes(self, result=None):
        now = self._snapshot()
        changed = sorted(
            name
            for name in set(now) | set(self._before)
            if name not in now
            or name not in self._before
            or now[name][0] is not self._before[name][0]
            or now[name][1] is not self._before[name][1]
        )
        if result is not None:
            changed += sorted(
                "result." + name
                for name in vars(result)
                if name.startswith(("add", "start", "stop"))
            )
        return changed


class StreamingResult(unittest.TestResult):
    """Records one outcome per test and sends it when the test stops."""

    def __init__(self, results, test_file, test_module, integrity):
        super().__init__()
        self._results = results
        self._test_file = test_file
        self._prefix = test_module + "."
        self._integrity = integrity
        self._current = None
        self._record = None
        self.unfinished = None  # a test stopped without an outcome: an exception escaped it
        self.count = 0
        self.tampered = False

    def short_id(self, test):
        test_id = test.id()
        match = _FIXTURE_ID.match(test_id)  # class/module fixture errors: "setUpClass (mod.Class)"
        if match:
            test_id = f"{match.group(2)}.{match.group(1)}"
        return test_id[len(self._prefix) :] if test_id.startswith(self._prefix) else test_id

    def current_id(self):
        return None if self._current is None else self.short_id(self._current)

    def check(self):
        """Report a changed runner once; after that, results are not worth sending."""
        if not self.tampered:
            changed = self._integrity.changes(self)
            if changed:
                self.tampered = True
                self._results.emit("tampered", what=changed[:20])
        return not self.tampered

    def _set(self, test, outcome, message="", traceback_text="", line=None):
        record = {"outcome": outcome, "message": message, "traceback": traceback_text, "line": line}
        if test is self._current:
            if self._record is None or self._record["outcome"] in ("passed", "skipped"):
                self._record = record
        elif self.check():  # an error outside any test (setUpClass, setUpModule, tearDownClass)
            self.count += 1
            self._results.emit("result", id=self.short_id(test), **record)

    def startTest(self, test):
        super().startTest(test)
        self._current, self._record = test, None
        self._results.emit("start", id=self.short_id(test))

    def stopTest(self, test):
        if self._record is None:
            self.unfinished = self.short_id(test)
        elif self.check():
            self.count += 1
            self._results.emit("result", id=self.short_id(test), **self._record)
        self._current, self._record = None, None
        super().stopTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._set(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        info = describe_error(err, self._test_file)
        self._set(test, "failed", info["message"], info["traceback"], info["line"])

    def addError(self, test, err):
        super().addError(test, err)
        info = describe_error(err, self._test_file)
        self._set(test, "errored", info["message"], info["traceback"], info["line"])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._set(test, "skipped", str(reason)[:MESSAGE_LIMIT])

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._set(test, "passed", "expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._set(test, "failed", "unexpected success: marked expectedFailure, but it passed")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            info = describe_error(err, self._test_file)
            outcome = "failed" if issubclass(err[0], test.failureException) else "errored"
            message = "{}: {}".format(subtest._subDescription(), info["message"])[:MESSAGE_LIMIT]
            self._set(test, outcome, message, info["traceback"], info["line"])


def guarded_integrity():
    import builtins
    import unittest.case
    import unittest.suite

    classes = [
        unittest.TestCase,
        unittest.TestResult,
        unittest.TestSuite,
        unittest.suite.BaseTestSuite,
        unittest.TestLoader,
        unittest.case._Outcome,
        StreamingResult,
        ResultsChannel,
        Integrity,
    ]
    functions = {
        "os.write": (os, "write"),
        "os._exit": (os, "_exit"),
        "json.dumps": (json, "dumps"),
        "builtins.isinstance": (builtins, "isinstance"),
        "builtins.issubclass": (builtins, "issubclass"),
    }
    return Integrity(classes, functions)


def start_coverage(coverage, config):
    cov = coverage.Coverage(
        data_file=None, config_file=False, include=[config["module_file"]], branch=False
    )
    cov.set_option("run:disable_warnings", ["no-data-collected", "module-not-imported"])
    cov.start()
    return cov


def report_coverage(cov, config, results):
    try:
        cov.stop()
        _, statements, _, missing, _ = cov.analysis2(config["module_file"])
        results.emit("coverage", statements=sorted(statements), missing=sorted(missing))
    except BaseException as exc:  # e.g. the module does not parse
        results.emit("coverage_unavailable", reason=summarize_exception(type(exc), exc))


def run(config, results, coverage, coverage_error):
    test_file = os.path.abspath(config["test_file"])
    test_module = config["test_module"]
    integrity = guarded_integrity()

    cov = None
    if config["coverage"]:
        try:
            if coverage is None:
                raise ImportError(coverage_error)
            cov = start_coverage(coverage, config)
        except BaseException as exc:
            reason = coverage_error if coverage is None else summarize_exception(type(exc), exc)
            results.emit("coverage_unavailable", reason=reason)

    if config.get("framework") == "pytest":
        count = run_pytest(config, results, test_file, test_module)
    else:
        count = run_unittest(config, results, test_file, test_module, integrity)
    if cov is not None:
        report_coverage(cov, config, results)
    results.emit("done", tests=count)


def run_unittest(config, results, test_file, test_module, integrity):
    """Import the test module and run its TestCases; return how many results were sent."""
    try:
        module = importlib.import_module(test_module)
    except BaseException as exc:  # SyntaxError, ImportError, even SystemExit at import time
        info = describe_error((type(exc), exc, exc.__traceback__), test_file)
        results.emit("import_error", id=test_module, **info)
        return 0
    loader = unittest.TestLoader()
    if config.get("only"):
        suite = unittest.TestSuite()
        for name in config["only"]:
            try:
                suite.addTest(loader.loadTestsFromName(name, module))
            except (AttributeError, ImportError, TypeError) as exc:
                results.emit(
                    "result",
                    id=name,
                    outcome="errored",
                    message="no such test: " + summarize_exception(type(exc), exc),
                    traceback="",
                    line=None,
                )
    else:
        suite = loader.loadTestsFromModule(module)
    result = StreamingResult(results, test_file, test_module, integrity)
    result.startTestRun()
    try:
        suite.run(result)
    except BaseException as exc:  # KeyboardInterrupt and the like escape unittest
        test_id = result.unfinished or result.current_id()
        info = describe_error((type(exc), exc, exc.__traceback__), test_file)
        if test_id is not None and result.check():
            result.count += 1
            results.emit("result", id=test_id, outcome="errored", **info)
        results.emit("aborted", id=test_id, message=info["message"])
    else:
        if result.unfinished is not None and result.check():
            result.count += 1
            message = "the test stopped without reporting an outcome"
            results.emit(
                "result",
                id=result.unfinished,
                outcome="errored",
                message=message,
                traceback="",
                line=None,
            )
    result.stopTestRun()
    result.check()
    return result.count


class PytestReporter:
    """A pytest plugin sending one outcome per test, the way StreamingResult does for unittest.

    An exception other than an assertion in a test's call is "errored", as unittest counts it; a
    failure in setup or teardown is "errored" too.
    """

    def __init__(self, results, test_file, test_module, integrity):
        self._results = results
        self._test_file = test_file
        self._prefix = os.path.basename(test_file) + "::"
        self._test_module = test_module
        self._integrity = integrity
        self._records = {}
        self.count = 0
        self.tampered = False

    def short_id(self, nodeid):
        if nodeid.startswith(self._prefix):
            nodeid = nodeid[len(self._prefix) :]
        return nodeid.replace("::", ".")

    def pytest_runtest_logstart(self, nodeid, location):
        self._results.emit("start", id=self.short_id(nodeid))

    def pytest_collectreport(self, report):
        if report.failed:
            message = str(report.longrepr).strip().splitlines()
            self._results.emit(
                "import_error",
                id=self._test_module,
                message=(message[-1].lstrip("E ") if message else "collection failed")[
                    :MESSAGE_LIMIT
                ],
                traceback=str(report.longrepr)[-TRACEBACK_LIMIT:],
                line=None,
            )

    def pytest_runtest_makereport(self, item, call):
        """Record each phase's outcome from the exception itself (pytest's report keeps only
        text)."""
        record = self._records.setdefault(item.nodeid, None)
        if call.excinfo is None:
            return
        exc_type, value, tb = call.excinfo.type, call.excinfo.value, call.excinfo.tb
        import pytest

        if issubclass(exc_type, pytest.skip.Exception):
            if record is None:
                self._records[item.nodeid] = {
                    "outcome": "skipped",
                    "message": str(value)[:MESSAGE_LIMIT],
                    "traceback": "",
                    "line": None,
                }
            return
        info = describe_error((exc_type, value, tb), self._test_file)
        outcome = (
            "failed" if call.when == "call" and issubclass(exc_type, AssertionError) else "errored"
        )
        if record is None or record["outcome"] in ("passed", "skipped"):
            self._records[item.nodeid] = dict(info, outcome=outcome)

    def pytest_runtest_logreport(self, report):
        record = self._records.get(report.nodeid)
        if report.when == "call" and hasattr(report, "wasxfail"):
            self._records[report.nodeid] = {
                "outcome": "passed" if report.skipped else "failed",
                "message": (
                    "expected failure"
                    if report.skipped
                    else "unexpected success: marked xfail, but it passed"
                ),
                "traceback": "",
                "line": None,
            }
        elif report.when == "call" and report.passed and record is None:
            self._records[report.nodeid] = {
                "outcome": "passed",
                "message": "",
                "traceback": "",
                "line": None,
            }

    def pytest_runtest_logfinish(self, nodeid, location):
        record = self._records.pop(nodeid, None)
        if record is None:
            return  # no outcome: the parent reports the test as errored
        if not self.tampered:
            changed = self._integrity.changes()
            if changed:
                self.tampered = True
                self._results.emit("tampered", what=changed[:20])
                return
            self.count += 1
            self._results.emit("result", id=self.short_id(nodeid), **record)


def run_pytest(config, results, test_file, test_module):
    """Run the test file with the interpreter's own pytest, under our reporter; return the results
    sent."""
    try:
        import pytest
    except BaseException as exc:
        reason = summarize_exception(type(exc), exc)
        results.emit(
            "import_error",
            id=test_module,
            message=f"pytest is not installed for this interpreter ({reason})",
            traceback="",
            line=None,
        )
        return 0
    import _pytest.python
    import _pytest.runner

    integrity = Integrity(
        [PytestReporter, ResultsChannel, Integrity, _pytest.python.Function],
        {
            "_pytest.runner.call_and_report": (_pytest.runner, "call_and_report"),
            "_pytest.runner.call_runtest_hook": (_pytest.runner, "call_runtest_hook"),
            "os.write": (os, "write"),
            "builtins.isinstance": (sys.modules["builtins"], "isinstance"),
        },
    )
    reporter = PytestReporter(results, test_file, test_module, integrity)
    ini = os.path.join(config["workdir"], "codegen-pytest.ini")
    with open(ini, "w") as stream:
        # No project configuration is searched for (or read) outside the run
        stream.write("[pytest]\n")
    targets = []
    for name in config.get("only") or []:
        base, bracket, parameters = name.partition("[")
        targets.append("{}::{}{}{}".format(test_file, base.replace(".", "::"), bracket, parameters))
    arguments = [
        *(targets or [test_file]),
        "-q",
        "-p",
        "no:cacheprovider",
        "-c",
        ini,
        "--rootdir",
        config["workdir"],
        "-o",
        "console_output_style=classic",
    ]
    try:
        pytest.main(arguments, plugins=[reporter])
    except BaseException as exc:
        info = describe_error((type(exc), exc, exc.__traceback__), test_file)
        results.emit("aborted", id=None, message=info["message"])
    return reporter.count


def _flush_standard_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _try_prctl(option, value):
    if _LIBC is not None:
        try:
            _prctl(option, value)
        except OSError:
            pass


def _test_main(config, results, coverage, coverage_error):
    """The test process: run the tests, then leave without interpreter shutdown."""
    run(config, results, coverage, coverage_error)
    _flush_standard_streams()
    # Skip interpreter shutdown: threads or atexit hooks the tests left must not hold the run open.
    os._exit(0)


def _init_main(config, results, readable, namespaces, lifeline_read, status_write, test_main):
    """The init process: die with the supervisor, confine the run, then start the test process."""
    _try_prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if select.select([lifeline_read], [], [], 0)[0]:
        os._exit(71)  # the supervisor died before we could ask to die with it
    os.setsid()
    level, layers, missing = confine(config, readable, *namespaces)
    results.emit("isolation", level=level, layers=layers, missing=missing)
    if config.get("probe"):
        os._exit(0)
    if level == "none" and not config.get("allow_unsandboxed"):
        results.emit("refused", reason="no sandbox")
        os._exit(0)
    enter_sandbox(config)
    limits_failed = set_limits(config)
    if limits_failed:
        sys.stderr.write("codegen sandbox: could not apply {}\n".format(", ".join(limits_failed)))
    init_process(status_write, [lifeline_read], test_main)


def _run_job(config, results, readable, coverage, coverage_error):
    """Everything after the job arrived: namespaces, the init process, the test process."""
    namespaces = ([], None) if config.get("no_namespaces") else enter_namespaces()
    lifeline_read, lifeline_write = os.pipe()
    status_read, status_write = os.pipe()
    _try_prctl(_PR_SET_CHILD_SUBREAPER, 1)  # without a PID namespace, orphans come back to us
    init = os.fork()
    if init == 0:
        os.close(lifeline_write)
        os.close(status_read)
        _init_main(
            config,
            results,
            readable,
            namespaces,
            lifeline_read,
            status_write,
            lambda: _test_main(config, results, coverage, coverage_error),
        )
    os.close(lifeline_read)
    os.close(status_write)
    supervise(config, results, init, status_read, namespaced="pid-namespace" in namespaces[0])


def main():
    lib_dir, pycache, results_fd = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        os.unlink(_RUNNER_FILE)  # this copy is ours alone: nothing can rewrite it for a later run
    except OSError:
        pass
    sys.path.insert(0, lib_dir)
    coverage, coverage_error = import_coverage(pycache)
    readable = interpreter_paths(lib_dir)
    line = sys.stdin.readline()
    if not line.strip():  # the parent closed our stdin: this runner is not needed
        os._exit(0)
    config = json.loads(line)
    config["lib_dir"] = lib_dir
    results = ResultsChannel(results_fd, config["token"])
    results.emit("runner")
    try:
        _run_job(config, results, readable, coverage, coverage_error)
    except BaseException as exc:
        sys.stderr.write(f"codegen sandbox: {summarize_exception(type(exc), exc)}\n")
        _flush_standard_streams()
        os._exit(1)
    _flush_standard_streams()
    os._exit(0)


if __name__ == "__main__":
    main()
