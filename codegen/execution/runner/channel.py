"""The results channel: JSON lines on an inherited pipe, each carrying the job's token.

The events, in the order a run sends them:

    {"event": "runner"}                                       the supervisor got its job
    {"event": "isolation", "level", "layers", "missing"}      what the sandbox reached
    {"event": "refused", "reason"}                            no sandbox and none allowed
    {"event": "coverage_unavailable", "reason": "..."}
    {"event": "import_error", "id", "message", "traceback", "line"}
    {"event": "start", "id": "..."}                           before each test
    {"event": "result", "id", "outcome", "message", "traceback", "line"}
    {"event": "aborted", "id", "message"}                     an exception escaped unittest
    {"event": "tampered", "what": [...]}                      the tested code changed the runner
    {"event": "coverage", "executed": [...]}                   the module's lines that ran
    {"event": "done", "tests": N}                             the run finished normally
    {"event": "exit", "code", "signal", "limit"}              the supervisor's last word

A mutation run sends, instead of the tests' events:

    {"event": "mutants_clean_failed", "import_error", "failures"}   the clean tests did not pass
    {"event": "mutant_trace", "id", "lines"}                  the module lines one test ran
    {"event": "mutants_traced"}                               every test traced
    {"event": "mutant_start", "id"} ... {"event": "mutant", "id", "status", "detail", "tests"}
    {"event": "mutants_done"}

Each is an object whose values are scalars or lists of scalars: nothing nests deeper.
"""

import json
import os

EVENTS = frozenset(
    (
        "runner",
        "isolation",
        "refused",
        "coverage_unavailable",
        "import_error",
        "start",
        "result",
        "aborted",
        "tampered",
        "coverage",
        "done",
        "exit",
        # a mutation run (mutants.py), after "runner" and "isolation"
        "mutants_clean_failed",
        "mutant_trace",
        "mutants_traced",
        "mutant_start",
        "mutant",
        "mutants_done",
    )
)
MAX_NESTING = 2  # an object holding lists
MAX_LINE_BYTES = 1 << 20  # messages and tracebacks are cut far shorter (errors.py)


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
