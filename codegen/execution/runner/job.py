"""The supervisor's main: wait for the job on stdin, enter the namespaces, fork the init, watch the
run."""

import json
import os
import sys

from . import COPY_NAME, PACKAGE_DIR, PRIVATE_DIR
from .channel import ResultsChannel
from .confinement import enter_namespaces
from .errors import summarize_exception
from .init import init_main
from .linux import PR_SET_CHILD_SUBREAPER, try_prctl
from .measured_run import LineSource, flush_standard_streams, test_main
from .readable import interpreter_paths
from .supervision import supervise


def _run_job(config, results, readable, source):
    """Everything after the job arrived: namespaces, the init process, the test process."""
    namespaces = ([], None) if config.get("no_namespaces") else enter_namespaces()
    lifeline_read, lifeline_write = os.pipe()
    status_read, status_write = os.pipe()
    try_prctl(PR_SET_CHILD_SUBREAPER, 1)  # without a PID namespace, orphans come back to us
    init = os.fork()
    if init == 0:
        os.close(lifeline_write)
        os.close(status_read)
        init_main(
            config,
            results,
            readable,
            namespaces,
            lifeline_read,
            status_write,
            lambda: test_main(config, results, source),
        )
    os.close(lifeline_read)
    os.close(status_write)
    supervise(config, results, init, status_read, namespaced="pid-namespace" in namespaces[0])


def remove_private_copy():
    """Delete the copy of this package the runner was started from: every module is imported by
    now."""
    if os.path.basename(PACKAGE_DIR) != COPY_NAME:
        return  # started from the source tree itself (by hand): leave it
    bytecode = os.path.join(PACKAGE_DIR, "__pycache__")  # compiled by the parent (pool.py)
    for folder in (bytecode, PACKAGE_DIR):
        for name in _listdir(folder):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass
    for folder in (bytecode, PACKAGE_DIR, PRIVATE_DIR):
        try:
            os.rmdir(folder)
        except OSError:
            pass


def _listdir(folder):
    try:
        return os.listdir(folder)
    except OSError:
        return []


def main():
    lib_dir, pycache, results_fd = sys.argv[1], sys.argv[2], int(sys.argv[3])
    remove_private_copy()  # this copy is ours alone: nothing can rewrite it for a later run
    sys.path.insert(0, lib_dir)
    source = LineSource(lib_dir, pycache)
    readable = interpreter_paths(lib_dir)
    line = sys.stdin.readline()
    if not line.strip():  # the parent closed our stdin: this runner is not needed
        os._exit(0)
    config = json.loads(line)
    config["lib_dir"] = lib_dir
    results = ResultsChannel(results_fd, config["token"])
    results.emit("runner")
    try:
        _run_job(config, results, readable, source)
    except BaseException as exc:
        sys.stderr.write(f"codegen sandbox: {summarize_exception(type(exc), exc)}\n")
        flush_standard_streams()
        os._exit(1)
    flush_standard_streams()
    os._exit(0)
