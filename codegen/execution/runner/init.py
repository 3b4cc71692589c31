"""The run's init process: PID 1 of the run, it confines it, starts the test process and reaps what
is left."""

import os
import select
import signal
import sys

from .confinement import confine, enter_sandbox, set_limits, tasks_counted
from .linux import PR_SET_PDEATHSIG, try_prctl


def init_main(config, results, readable, namespaces, lifeline_read, status_write, test_main):
    """The init process: die with the supervisor, confine the run, then start the test process."""
    try_prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if select.select([lifeline_read], [], [], 0)[0]:
        os._exit(71)  # the supervisor died before we could ask to die with it
    os.setsid()
    tasks_before = tasks_counted("user-namespace" in namespaces[0])
    level, layers, missing = confine(config, readable, *namespaces)
    results.emit("isolation", level=level, layers=layers, missing=missing)
    if config.get("probe"):
        os._exit(0)
    if level == "none" and not config.get("allow_unsandboxed"):
        results.emit("refused", reason="no sandbox")
        os._exit(0)
    enter_sandbox(config)
    limits_failed = set_limits(config, tasks_before)
    if limits_failed:
        sys.stderr.write("codegen sandbox: could not apply {}\n".format(", ".join(limits_failed)))
    init_process(status_write, [lifeline_read], test_main)


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
