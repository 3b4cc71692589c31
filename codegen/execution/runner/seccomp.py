"""A seccomp filter for the run: the system calls Landlock and namespaces leave open, refused.

What the run's processes get EACCES from, and why:

* ``socket()`` of every family but ``AF_INET`` and ``AF_INET6``, and of those too where the run has
  no network namespace of its own.  Landlock (up to ABI 7) rules TCP only, so UDP and raw sockets
  would reach the network at the ``filesystem`` level; a pathname Unix socket (an ssh-agent's,
  Docker's, the session bus) is reachable whatever the namespaces; netlink, packet and the other
  families reach the kernel's and the machine's interfaces.  In a network namespace, inet sockets
  reach only its private loopback, so a test may still serve and call itself there.
* ``socketpair()`` of any kind but ``AF_UNIX`` with ``SOCK_STREAM`` or ``SOCK_SEQPACKET``
  (asyncio and multiprocessing use those; their ends are connected to each other only).  A
  ``SOCK_DGRAM`` pair, or a ``SOCK_RAW`` one (which the kernel turns into a datagram pair), can
  ``sendto()`` any pathname datagram socket, journald's and /dev/log included.
* ``keyctl()``, ``add_key()``, ``request_key()``: the session keyring the run inherits holds the
  user's keys, and namespaces do not separate keyrings.
* ``inotify_init()``, ``inotify_init1()``, ``fanotify_init()``: a watch would see the names of
  files the user touches during the run, and Landlock does not rule watches.
* ``shmget()``, ``semget()``, ``msgget()``: a System V object outlives the process that made it,
  and without an IPC namespace (the ``filesystem`` level) it would outlive the run, memory and all.
* ``prctl(PR_SET_DUMPABLE)``: a process that is not dumpable hides its /proc entries (its open
  files, its memory) from the supervisor that measures the run.
* ``io_uring_setup()``, whose rings make sockets and open files the filter never sees, and any
  system call made through a foreign ABI (x32, or i386 on x86-64), whose numbers it does not know.
"""

import ctypes
import errno
import os
import sys

from .linux import LIBC, PR_SET_NO_NEW_PRIVS, prctl

_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_AF_UNIX, _AF_INET, _AF_INET6 = 1, 2, 10
_SOCK_STREAM, _SOCK_SEQPACKET = 1, 5
_SOCK_TYPE_MASK = 0xF  # the type's other bits: NONBLOCK, CLOEXEC
_PR_SET_DUMPABLE = 4
# Per architecture: AUDIT_ARCH_*, numbers at or above which another ABI's calls start, then the
# numbers of socket, socketpair, prctl and the calls refused whatever their arguments.
_ARCHITECTURES = {
    # io_uring_setup, keyctl, add_key, request_key, inotify_init, inotify_init1, fanotify_init,
    # shmget, semget, msgget
    "x86_64": (
        0xC000003E,
        0x40000000,
        41,
        53,
        157,
        (425, 250, 248, 249, 253, 294, 300, 29, 64, 68),
    ),
    # arm64 has no inotify_init (only inotify_init1)
    "aarch64": (0xC00000B7, None, 198, 199, 167, (425, 219, 217, 218, 26, 262, 194, 190, 186)),
}
_ARCHITECTURES["arm64"] = _ARCHITECTURES["aarch64"]
# Classic BPF
_LD_W_ABS, _JEQ_K, _JGE_K, _AND_K, _RET_K = 0x20, 0x15, 0x35, 0x54, 0x06
_RET_ALLOW = 0x7FFF0000
_RET_EACCES = 0x00050000 | errno.EACCES
# struct seccomp_data: nr at 0, arch at 4, args[0] at 16, args[1] at 24 (each 64 bits, its low
# 32 bits first, little-endian; the kernel reads these int arguments' low 32 bits only)
_NR, _ARCH, _ARG0, _ARG1 = 0, 4, 16, 24


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _steps(arch, foreign_from, socket_nr, socketpair_nr, prctl_nr, refused, inet):
    """The program with symbolic jumps: (code, label if true, label if false, k) steps, None for
    the next one, and the labels' names where they stand."""
    deny, allow = "deny", "allow"
    steps: list = [(_LD_W_ABS, None, None, _ARCH), (_JEQ_K, None, deny, arch)]
    steps.append((_LD_W_ABS, None, None, _NR))
    if foreign_from is not None:
        steps.append((_JGE_K, deny, None, foreign_from))
    refused = list(refused) + ([] if inet else [socket_nr])
    steps += [(_JEQ_K, deny, None, number) for number in refused]
    if inet:
        steps.append((_JEQ_K, "socket", None, socket_nr))
    steps += [
        (_JEQ_K, "socketpair", None, socketpair_nr),
        (_JEQ_K, None, allow, prctl_nr),
        (_LD_W_ABS, None, None, _ARG0),
        (_JEQ_K, deny, allow, _PR_SET_DUMPABLE),
    ]
    if inet:
        steps += [
            "socket",
            (_LD_W_ABS, None, None, _ARG0),
            (_JEQ_K, allow, None, _AF_INET),
            (_JEQ_K, allow, deny, _AF_INET6),
        ]
    return steps + [
        "socketpair",
        (_LD_W_ABS, None, None, _ARG0),
        (_JEQ_K, None, deny, _AF_UNIX),
        (_LD_W_ABS, None, None, _ARG1),
        (_AND_K, None, None, _SOCK_TYPE_MASK),
        (_JEQ_K, allow, None, _SOCK_STREAM),
        (_JEQ_K, allow, deny, _SOCK_SEQPACKET),
        allow,
        (_RET_K, None, None, _RET_ALLOW),
        deny,
        (_RET_K, None, None, _RET_EACCES),
    ]


def filter_program(arch, foreign_from, socket_nr, socketpair_nr, prctl_nr, refused, inet):
    """The BPF program as (code, jt, jf, k) tuples; ``inet``: AF_INET and AF_INET6 sockets are
    allowed (the run has a network namespace of its own)."""
    steps = _steps(arch, foreign_from, socket_nr, socketpair_nr, prctl_nr, refused, inet)
    targets: dict = {}
    program: list = []
    for step in steps:
        if isinstance(step, str):
            targets[step] = len(program)
        else:
            program.append(step)

    def offset(index, target):
        return 0 if target is None else targets[target] - index - 1

    return [
        (code, offset(index, jt), offset(index, jf), k)
        for index, (code, jt, jf, k) in enumerate(program)
    ]


def install_filter(inet):
    """Install the filter on this process and all it starts; return the layer's name.

    Raises OSError (with the reason) where it cannot be installed.
    """
    if LIBC is None:
        raise OSError(errno.ENOSYS, "seccomp is Linux-only")
    known = _ARCHITECTURES.get(os.uname().machine)
    if known is None or sys.byteorder != "little":
        raise OSError(errno.ENOSYS, "the filter knows x86-64 and arm64 only")
    program = filter_program(*known, inet=inet)
    instructions = (_SockFilter * len(program))(*program)
    fprog = _SockFprog(len(program), instructions)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    result = LIBC.prctl(
        ctypes.c_int(_PR_SET_SECCOMP),
        ctypes.c_ulong(_SECCOMP_MODE_FILTER),
        ctypes.byref(fprog),
        ctypes.c_ulong(0),
        ctypes.c_ulong(0),
    )
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))
    return "seccomp"
