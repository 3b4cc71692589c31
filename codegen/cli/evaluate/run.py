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
from ...settings import Settings
from ...tracing import weave_compat


@dataclass
class EvaluationRun:
    """What weave.Evaluation produced: its summary, and one row per prompt and trial."""

    summary: dict[str, Any]
    # {"output": ..., "scores": {scorer name: ...}, "model_latency": ...}
    rows: list[dict[str, Any]]
    wall_time: float


@dataclass(frozen=True)
class Benchmark:
    """What an evaluation's rows are: how the function step is asked, whether a runner is, and
    whether HumanEval's scorers judge the rows (by their `task_id`)."""

    function_template: str = "function"
    with_runner: bool = True
    humaneval: bool = False


PROMPTS = Benchmark()
# HumanEval's prompts are code to complete; a runner would be a model call nothing scores.
HUMANEVAL = Benchmark(function_template="function_completion", with_runner=False, humaneval=True)


def _evaluation_classes() -> tuple[Callable[..., Any], type]:
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
        function_template: str = "function"  # the function step's prompt (see pipeline.py)
        with_runner: bool = True  # False: a runner would be a model call that nothing scores
        _session: GenerationSession = PrivateAttr()
        _progress: StderrProgress = PrivateAttr()
        _total: int = PrivateAttr(default=0)
        _done: int = PrivateAttr(default=0)
        _failed: int = PrivateAttr(default=0)

        @classmethod
        def for_session(
            cls,
            session: GenerationSession,
            progress: StderrProgress,
            total: int,
            benchmark: Benchmark,
        ) -> EvaluatedPipeline:
            model = cls(
                model_name=session.settings.model,
                function_template=benchmark.function_template,
                with_runner=benchmark.with_runner,
            )
            model._session, model._progress, model._total = session, progress, total
            return model

        @weave.op
        async def predict(
            self, prompt: str, module_name: str | None = None, into: str | None = None
        ) -> dict[str, Any]:
            """`into`: the row's existing module, generated into as `generate --into` does;
            `module_name`: where a benchmark row's code goes (HumanEval's entry point's module)."""
            pipeline = None
            try:
                pipeline = _pipeline_for(self._session, prompt, into, self.function_template)
                # runner_exists: no runner is asked for (into a module, or nothing scores it)
                output = await pipeline.predict(
                    prompt, module_name, runner_exists=bool(into) or not self.with_runner
                )
            except Exception as error:  # one failing prompt never stops the others
                output = {"prompt": prompt, "error": _error_message(error)}
            output["call_id"] = pipeline and pipeline.call_id  # the row's own trace
            self._done += 1
            self._failed += "error" in output
            failed = f", {self._failed} failed" if self._failed else ""
            self._progress.say(f"{self._done}/{self._total} prompts done{failed}")
            return output

    return EvaluatedPipeline.for_session, weave_compat.evaluation_keeping_rows(_plain)


def _pipeline_for(
    session: GenerationSession, prompt: str, into: str | None, function_template: str
) -> Any:
    """A fresh pipeline for one row: into the row's existing module when it names one."""
    if not into:
        return session.pipeline(function_template=function_template)
    from pathlib import Path

    from ..generate_into import into_destination

    destination = into_destination(Path(into), prompt)
    return session.pipeline(
        project_dir=Path(into).parent, destination=destination, function_template=function_template
    )


async def run_evaluation(
    session: GenerationSession,
    rows: list[dict[str, Any]],
    *,
    name: str,
    trials: int,
    parallel: int,
    progress: StderrProgress,
    benchmark: Benchmark = PROMPTS,
) -> EvaluationRun:
    """The pipeline over `rows` × `trials` with the scorers, at most `parallel` rows in flight."""
    import weave

    new_model, evaluation_keeping_rows = _evaluation_classes()
    evaluation = evaluation_keeping_rows(
        dataset=weave.Dataset(name=name, rows=weave.Table(rows)),
        scorers=_scorers(session.settings, benchmark),
        trials=trials,
    )
    model = new_model(session, progress, len(rows) * trials, benchmark)
    started = time.perf_counter()
    with weave_compat.evaluation_parallelism(parallel):
        summary = await evaluation.evaluate(model)
    return EvaluationRun(_plain(summary), list(evaluation._rows), time.perf_counter() - started)


def _scorers(settings: Settings, benchmark: Benchmark) -> list:
    """Today's seed and execution scorers, then the benchmark's own."""
    from ...scoring.scorers import ExecutionScorer, TestResultScorer

    scorers: list = [
        TestResultScorer(),
        ExecutionScorer(
            timeout=settings.test_timeout,
            repeats=settings.test_repeats,
            python=settings.test_python,
            allow_unsandboxed=settings.allow_unsandboxed_tests,
        ),
    ]
    if benchmark.humaneval:
        from ...humaneval.checks import SandboxOptions
        from ...scoring.humaneval_scorers import humaneval_scorers

        options = SandboxOptions(
            settings.test_timeout, settings.test_python, settings.allow_unsandboxed_tests
        )
        scorers += humaneval_scorers(options)
    return scorers


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
