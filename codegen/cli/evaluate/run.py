"""The pipeline over the dataset as a weave.Evaluation, one fresh pipeline per row, failures kept as
rows."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import CodegenError
from ...progress import StderrProgress
from ...session import GenerationSession
from ...tracing import weave_compat


@dataclass
class EvaluationRun:
    """What weave.Evaluation produced: its summary, and one row per prompt and trial."""

    summary: dict[str, Any]
    # {"output": ..., "scores": {scorer name: ...}, "model_latency": ...}
    rows: list[dict[str, Any]]
    wall_time: float


def _evaluation_classes() -> tuple[Callable[[GenerationSession, StderrProgress, int], Any], type]:
    """A maker of the evaluated weave.Model, and the Evaluation class; defined on first use:
    importing weave costs ~2 s, which `--help` need not pay."""
    import weave
    from pydantic import PrivateAttr

    class EvaluatedPipeline(weave.Model):
        """What the evaluation calls: a fresh CodeGenerationPipeline per row, its failure kept as a
        row.

        A fresh pipeline because one instance keeps per-run state (its stage clock), and rows run
        concurrently. A failure is caught here, not by weave, so that its message reaches the
        report: weave turns an exception in predict into a `None` output and keeps no message. The
        pipeline's own traced call still records the exception.
        """

        model_name: str
        _session: GenerationSession = PrivateAttr()
        _progress: StderrProgress = PrivateAttr()
        _total: int = PrivateAttr(default=0)
        _done: int = PrivateAttr(default=0)
        _failed: int = PrivateAttr(default=0)

        @classmethod
        def for_session(
            cls, session: GenerationSession, progress: StderrProgress, total: int
        ) -> EvaluatedPipeline:
            model = cls(model_name=session.settings.model)
            model._session, model._progress, model._total = session, progress, total
            return model

        @weave.op
        async def predict(self, prompt: str, into: str | None = None) -> dict[str, Any]:
            """`into`: the row's existing module, generated into as `generate --into` does."""
            try:
                output = await _predict(self._session, prompt, into)
            except Exception as error:  # one failing prompt never stops the others
                output = {"prompt": prompt, "error": _error_message(error)}
            self._done += 1
            self._failed += "error" in output
            failed = f", {self._failed} failed" if self._failed else ""
            self._progress.say(f"{self._done}/{self._total} prompts done{failed}")
            return output

    return EvaluatedPipeline.for_session, weave_compat.evaluation_keeping_rows(_plain)


async def _predict(session: GenerationSession, prompt: str, into: str | None) -> dict[str, Any]:
    if not into:
        return await session.pipeline().predict(prompt)
    from pathlib import Path

    from ..generate_into import into_destination

    destination = into_destination(Path(into), prompt)
    pipeline = session.pipeline(project_dir=Path(into).parent, destination=destination)
    return await pipeline.predict(prompt, runner_exists=True)


async def run_evaluation(
    session: GenerationSession,
    rows: list[dict[str, Any]],
    *,
    name: str,
    trials: int,
    parallel: int,
    progress: StderrProgress,
) -> EvaluationRun:
    """The pipeline over `rows` × `trials` with both scorers, at most `parallel` rows in flight."""
    import weave

    from ...scoring.scorers import ExecutionScorer, TestResultScorer

    new_model, evaluation_keeping_rows = _evaluation_classes()
    settings = session.settings
    evaluation = evaluation_keeping_rows(
        dataset=weave.Dataset(name=name, rows=weave.Table(rows)),
        scorers=[
            TestResultScorer(),
            ExecutionScorer(
                timeout=settings.test_timeout,
                repeats=settings.test_repeats,
                python=settings.test_python,
                allow_unsandboxed=settings.allow_unsandboxed_tests,
            ),
        ],
        trials=trials,
    )
    model = new_model(session, progress, len(rows) * trials)
    started = time.perf_counter()
    with weave_compat.evaluation_parallelism(parallel):
        summary = await evaluation.evaluate(model)
    return EvaluationRun(_plain(summary), list(evaluation._rows), time.perf_counter() - started)


def _error_message(error: Exception) -> str:
    if isinstance(error, CodegenError):
        return str(error)
    return f"internal error ({type(error).__name__}: {error})"


def _plain(value: Any) -> Any:
    """weave's traced dicts and lists (WeaveDict, WeaveList) as plain JSON-ready values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
