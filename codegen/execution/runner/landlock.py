"""Landlock through its system calls: a ruleset of read-only and read-write paths, no TCP, scoped
signals and abstract sockets."""

import ctypes
import errno
import os

from .linux import LIBC, PR_SET_NO_NEW_PRIVS, X86_64_OR_ARM64, libc_call, prctl
from .readable import DEVICES, ETC_FILES, project_files

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
    if LIBC is None or not X86_64_OR_ARM64:
        return 0, "Landlock is Linux-only (x86-64 and arm64)"
    result = LIBC.syscall(
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
    assert LIBC is not None, "landlock_abi() found no libc"
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if not os.path.isdir(path):
            allowed &= _file_rights(abi)
        attr = _PathBeneathAttr(allowed, fd)
        libc_call(
            LIBC.syscall,
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


def apply_landlock(config, readable, abi):
    assert LIBC is not None, "landlock_abi() found no libc"
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
    ruleset = libc_call(
        LIBC.syscall,
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
        for name in ETC_FILES:
            _add_path_rule(ruleset, os.path.join("/etc", name), read, abi)
        for device in DEVICES:
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
        # The copies of the module and its tests are read-only: the run cannot rewrite what
        # coverage and the parent describe; it writes in its working folder and TMPDIR only.
        _add_path_rule(ruleset, config["run_root"], _FS_READ_DIR, abi)
        _add_path_rule(ruleset, config["source_dir"], read, abi)
        for path in config["writable_dirs"]:
            if not _add_path_rule(ruleset, path, handled_fs, abi):
                raise OSError(errno.ENOENT, "the run folder cannot be opened")
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        libc_call(
            LIBC.syscall,
            ctypes.c_long(_SYS_LANDLOCK_RESTRICT_SELF),
            ctypes.c_int(ruleset),
            ctypes.c_uint32(0),
        )
    finally:
        os.close(ruleset)
    return layers
