"""Progress on stderr while the model works: which stage, and how long it has taken."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

# Called with a stage name ("function", "runner", "tests", "format", "run", "repair", "score") as
# each starts.
StageCallback = Callable[[str], None]
# Called as a model reply streams in: (stage, pieces received so far, about one token each; seconds
# since asked).
TokenCallback = Callable[[str, int, float], None]

TOKEN_REPORT_SECONDS = 2.0  # how often the command line repeats a stage's progress

STAGE_LABELS = {
    "function": "generating the function",
    "runner": "generating the main() runner",
    "tests": "generating the unit tests",
    "format": "formatting",
    "score": "scoring",
    "run": "running the tests (sandboxed)",
    "repair": "repairing failing tests",
    "mutation": "mutation testing the kept tests (sandboxed)",
    "steer": "asking for tests that catch the surviving mutants",
}


class StderrProgress:
    """Prints one line per stage with the elapsed time; silent when `quiet`."""

    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None, label: str = ""):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.label = f"{label}: " if label else ""
        self.started = time.monotonic()
        self._last_report: dict[str, float] = {}

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def stage(self, name: str) -> None:
        self.say(f"{STAGE_LABELS.get(name, name)}…")

    def tokens(self, name: str, pieces: int, seconds: float) -> None:
        """`… 412 tokens in 3.1 s` for a stage whose reply is streaming, at most every
        TOKEN_REPORT_SECONDS."""
        now = time.monotonic()
        if now - self._last_report.get(name, self.started) >= TOKEN_REPORT_SECONDS:
            self._last_report[name] = now
            self.say(f"{STAGE_LABELS.get(name, name)}… {pieces} tokens in {seconds:.1f} s")

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"[{self.elapsed():5.1f}s] {self.label}{text}", file=self.stream, flush=True)
