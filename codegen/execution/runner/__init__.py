"""The sandbox's child side: confine itself, run one unittest or pytest file under coverage, report
over a pipe.

``codegen.execution`` starts a private copy of this package as ``python -I <copy>/__main__.py <lib
dir> <pycache dir> <results fd>``, possibly ahead of time.  It imports only the standard library and
coverage (the interpreter may be the user's project Python) and keeps to Python 3.8 syntax.  Three
processes take part in a run:

* the supervisor (the runner as started, ``job``): imports unittest and what records the lines that
  ran (coverage.py's compiled tracer alone, ``line_tracer``, else coverage.py), waits for its job
  on stdin, enters new user, network, IPC and PID namespaces where the kernel allows it, forks, then
  watches the run (``supervision``, ``usage``): wall-clock time, and memory, disk and tasks of the
  whole run as the kernel counts them.  It never runs generated code.
* the init (``init``): PID 1 of the new PID namespace (when there is one), so every process the run
  starts dies with it.  It applies the rlimits, Landlock (``confinement``: read-only interpreter,
  project sources and the copies under test, read-write working folder and TMPDIR, no TCP, no
  signals or abstract sockets outside) and a seccomp filter (``seccomp``: no sockets but inet ones
  in a network namespace and connected pairs, no keyring, no file watches), then forks the test
  process and reaps whatever is left.
* the test process (``measured_run``): imports the test file and runs it with the unittest or pytest
  driver; ``integrity`` notes beforehand what the framework looked like, so a change is reported.

Events go to the results pipe (``channel``), one JSON object per line.
"""

import os

# The package's name in a private copy (codegen.execution.pool makes them).
COPY_NAME = "_codegen_runner"
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# The folder holding the private copy of this package: the one entry the runner adds to sys.path.
PRIVATE_DIR = os.path.dirname(PACKAGE_DIR)
