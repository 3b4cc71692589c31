"""A seccomp filter for the run: no Unix-domain socket of its own making, so no connect() to one
outside the run folder.

Landlock's filesystem rules do not cover connect() on a pathname Unix socket (an ssh-agent, the
Docker socket, the session bus), and network namespaces do not separate them.  The run's processes
get EACCES from socket(AF_UNIX, ...) and from socketpair(AF_UNIX, SOCK_DGRAM, ...), whose ends can
sendto() any pathname datagram socket (journald's, /dev/log); a stream or seqpacket socketpair()
stays allowed (asyncio and multiprocessing use it), its ends connected to each other only.
io_uring is refused too, as it can make sockets the filter never sees, and so is any system call
made through a foreign ABI (x32, or i386 on x86-64), whose numbers the filter does not know.
"""

import ctypes
import errno
import os
import sys

from .linux import LIBC, PR_SET_NO_NEW_PRIVS, prctl

_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_AF_UNIX, _SOCK_DGRAM, _SOCK_TYPE_MASK = 1, 2, 0xF  # the type's other bits: NONBLOCK, CLOEXEC
# Per architecture: (AUDIT_ARCH_*, socket's number, socketpair's, numbers at or above it are
# another ABI)
_ARCHITECTURES = {
    "x86_64": (0xC000003E, 41, 53, 0x40000000),  # the x32 ABI sets bit 30
    "aarch64": (0xC00000B7, 198, 199, None),
    "arm64": (0xC00000B7, 198, 199, None),
}
_IO_URING_SETUP = 425  # the same number on x86-64 and arm64
# Classic BPF
_LD_W_ABS, _JEQ_K, _JGE_K, _AND_K, _RET_K = 0x20, 0x15, 0x35, 0x54, 0x06
_RET_ALLOW = 0x7FFF0000
_RET_EACCES = 0x00050000 | errno.EACCES
# struct seccomp_data: nr at 0, arch at 4, args[0] at 16, args[1] at 24 (each 64 bits, its low
# 32 bits first, little-endian)
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


def filter_program(arch, socket_nr, socketpair_nr, foreign_from):
    """The BPF program as (code, jt, jf, k) tuples: allow everything but the calls named above."""
    allow, deny, pair = "allow", "deny", "pair"
    # jt/jf: the label to jump to when the test holds/fails, None for the next step
    steps: list[tuple[int, str | None, str | None, int]] = [
        (_LD_W_ABS, None, None, _ARCH),
        (_JEQ_K, None, deny, arch),
        (_LD_W_ABS, None, None, _NR),
    ]
    if foreign_from is not None:
        steps.append((_JGE_K, deny, None, foreign_from))
    steps += [
        (_JEQ_K, deny, None, _IO_URING_SETUP),
        (_JEQ_K, None, pair, socket_nr),
        (_LD_W_ABS, None, None, _ARG0),
        (_JEQ_K, deny, allow, _AF_UNIX),
    ]
    targets = {pair: len(steps)}
    steps += [
        (_JEQ_K, None, allow, socketpair_nr),
        (_LD_W_ABS, None, None, _ARG1),
        (_AND_K, None, None, _SOCK_TYPE_MASK),
        (_JEQ_K, deny, allow, _SOCK_DGRAM),
    ]
    targets.update({allow: len(steps), deny: len(steps) + 1})

    def offset(index, target):
        return 0 if target is None else targets[target] - index - 1

    program = [
        (code, offset(index, jt), offset(index, jf), k)
        for index, (code, jt, jf, k) in enumerate(steps)
    ]
    return program + [(_RET_K, 0, 0, _RET_ALLOW), (_RET_K, 0, 0, _RET_EACCES)]


def refuse_unix_sockets():
    """Install the filter on this process and all it starts; return the layer's name.

    Raises OSError (with the reason) where it cannot be installed.
    """
    if LIBC is None:
        raise OSError(errno.ENOSYS, "seccomp is Linux-only")
    known = _ARCHITECTURES.get(os.uname().machine)
    if known is None or sys.byteorder != "little":
        raise OSError(errno.ENOSYS, "the filter knows x86-64 and arm64 only")
    program = filter_program(*known)
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
    return "seccomp-unix-sockets"
