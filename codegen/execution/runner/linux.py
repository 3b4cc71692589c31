"""Linux interfaces through ctypes: libc, prctl and their constants (all optional: a missing one
lowers the isolation level, never stops a run)."""

import ctypes
import os
import sys

PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 1, 38, 36
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = (
    0x08000000,
    0x10000000,
    0x20000000,
    0x40000000,
)
X86_64_OR_ARM64 = os.uname().machine in ("x86_64", "aarch64", "arm64")


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


LIBC = _libc() if sys.platform.startswith("linux") else None


def libc_call(function, *arguments):
    """Call a libc function; return its result, raising OSError with errno on -1."""
    result = function(*arguments)
    if result == -1:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))
    return result


def prctl(option, value):
    assert LIBC is not None, "callers check LIBC first"
    libc_call(
        LIBC.prctl,
        ctypes.c_int(option),
        ctypes.c_ulong(value),
        ctypes.c_ulong(0),
        ctypes.c_ulong(0),
        ctypes.c_ulong(0),
    )


def try_prctl(option, value):
    if LIBC is not None:
        try:
            prctl(option, value)
        except OSError:
            pass
