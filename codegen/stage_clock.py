"""Wall time per stage of one pipeline run, and the part of it spent waiting for the model."""

from __future__ import annotations

import contextvars


class StageClock:
    """Wall time per stage, and the part of it spent waiting for the model.

    One per `run`, held in a context variable: concurrent runs on one pipeline (an evaluation, the
    language server) each see their own, and the runner/tests tasks of one run share it.
    """

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def add(self, key: str, seconds: float) -> None:
        self.timings[key] = self.timings.get(key, 0.0) + seconds


_clock_var: contextvars.ContextVar[StageClock] = contextvars.ContextVar("codegen_stage_clock")


def current_clock() -> StageClock:
    """The running `run`'s clock; outside a run (a single step called directly), a throwaway one."""
    try:
        return _clock_var.get()
    except LookupError:
        return start_clock()


def start_clock() -> StageClock:
    """A new clock for a `run` starting in this context (its tasks inherit it)."""
    clock = StageClock()
    _clock_var.set(clock)
    return clock
