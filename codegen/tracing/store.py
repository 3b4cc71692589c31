"""Read pipeline runs and their call trees back from the local Weave WAL.

The WAL is plain JSON lines, one record per line: ``{"type": "call_start" | "call_end" |
"obj_create" | "table_create" | "file_create", "req": {...}}`` (weave 0.54), so reading needs no
weave import (the ref digest comes from `tracing.weave_compat`); `tracing.sync` replays the WAL to
hosted Weave.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import CodegenError
from . import local_trace_dir
from .weave_compat import object_digest

WAL_SUFFIX = ".jsonl"


@dataclass
class TracedRun:
    """One top-level pipeline run (a Model's predict call) as recorded in the local WAL."""

    call_id: str
    started_at: datetime
    ended_at: datetime | None
    op_name: str
    prompt: str | None
    model: str | None
    scores: dict[str, float] = field(default_factory=dict)
    duration: float | None = None
    error: str | None = None
    kind: str = "run"  # "run" | "evaluation" (the scores then are means over its rows)
    name: str | None = None  # weave's display name, e.g. eval-2026-01-02-lively-horizon


# The top-level op that is a run: CodeGenerationPipeline.predict, for the CLI, eval and the editor
# alike. Editor runs were `generate_for_editor` calls only between commits 512d56c and 3b4609b (two
# hours, no release or tag in between), so no user's traces need that name listed; `codegen traces
# show <id>` still opens such a call by its id.
RUN_OPS = ("predict",)
# The top-level op of `codegen eval`: weave's Evaluation.evaluate.
EVALUATION_OPS = ("evaluate",)


def recent_runs(
    project: str = "codegen", *, last: int = 10, op_suffix: str | tuple[str, ...] = RUN_OPS
) -> list[TracedRun]:
    """The newest `last` top-level runs of ops named `*.<op_suffix>`, newest first.

    Top-level means the call has no parent: a `predict` inside an evaluation is not a run.
    Unreadable lines (a crash mid-write, a hand edit) are skipped.
    """
    if last <= 0:
        return []
    starts, ends, objects = _index(project)
    runs = []
    for call_id, start in starts.items():
        op_name = _op_short_name(start.get("op_name"))
        if start.get("parent_id") or not _matches(op_name, op_suffix):
            continue
        run = _traced_run(call_id, op_name, start, ends.get(call_id), objects)
        if run is not None:
            runs.append(run)
    runs.sort(key=lambda run: run.started_at, reverse=True)
    return runs[:last]


def _index(
    project: str,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, list[Any]]]:
    """Call starts and ends by call id, and saved objects by object id, from the project's WAL."""
    starts: dict[str, dict[str, Any]] = {}
    ends: dict[str, dict[str, Any]] = {}
    objects: dict[str, list[Any]] = {}
    for record in _read_records(local_trace_dir(project)):
        kind, req = record.get("type"), record.get("req")
        if not isinstance(req, dict):
            continue
        if kind == "call_start" and isinstance(req.get("start"), dict):
            starts[str(req["start"].get("id"))] = req["start"]
        elif kind == "call_end" and isinstance(req.get("end"), dict):
            ends[str(req["end"].get("id"))] = req["end"]
        elif kind == "obj_create" and isinstance(req.get("obj"), dict):
            obj = req["obj"]
            objects.setdefault(str(obj.get("object_id")), []).append(obj.get("val"))
    return starts, ends, objects


@dataclass
class TracedCall:
    """One traced op call with its inputs, output and the calls it made, in start order."""

    call_id: str
    op_name: str
    started_at: datetime
    ended_at: datetime | None
    inputs: dict[str, Any]
    output: Any
    exception: str | None
    children: list[TracedCall] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        return (self.ended_at - self.started_at).total_seconds() if self.ended_at else None

    def walk(self, depth: int = 0) -> Iterator[tuple[int, TracedCall]]:
        """This call and every call under it, depth first, with its depth."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


class TraceNotFound(CodegenError):
    """No traced run with that id (or none at all) in the local store."""


def load_call(project: str = "codegen", call_id: str | None = None) -> tuple[TracedRun, TracedCall]:
    """A traced pipeline run and its whole call tree: `call_id` (a prefix is enough), else the
    latest."""
    index = _index(project)
    if call_id is None:
        latest = recent_runs(project, last=1)
        if not latest:
            raise TraceNotFound(
                f"No traced runs under {local_trace_dir(project)} yet; run `codegen generate`"
                " (tracing local) first."
            )
        call_id = latest[0].call_id
    return _call_in(index, call_id)


def load_calls(project: str, call_ids: list[str]) -> dict[str, tuple[TracedRun, TracedCall]]:
    """Several runs by id, the WAL read once (an evaluation's rows); ids not found are left out."""
    index = _index(project)
    found = {}
    for call_id in call_ids:
        try:
            found[call_id] = _call_in(index, call_id)
        except TraceNotFound:
            continue
    return found


def _call_in(
    index: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, list[Any]]],
    call_id: str,
) -> tuple[TracedRun, TracedCall]:
    starts, ends, objects = index
    matches = [known for known in starts if known == call_id] or [
        known
        for known, start in starts.items()
        if known.startswith(call_id) and not start.get("parent_id")
    ]
    if len(matches) != 1:
        problem = (
            "matches several calls; give more of it" if matches else "is not in the local traces"
        )
        raise TraceNotFound(
            f"The call id {call_id!r} {problem}; `codegen traces` lists the recent runs."
        )
    root_id = matches[0]
    children: dict[str, list[str]] = {}
    for known, start in starts.items():
        if start.get("parent_id"):
            children.setdefault(str(start["parent_id"]), []).append(known)

    def build(known: str) -> TracedCall | None:
        start, end = starts[known], ends.get(known) or {}
        started_at = _parse_time(start.get("started_at"))
        if started_at is None:
            return None
        kids = [call for call in map(build, children.get(known, [])) if call is not None]
        inputs = found if isinstance(found := start.get("inputs"), dict) else {}
        return TracedCall(
            call_id=known,
            op_name=_op_short_name(start.get("op_name")),
            started_at=started_at,
            ended_at=_parse_time(end.get("ended_at")),
            inputs={k: v for k, v in inputs.items() if k != "self"},
            output=end.get("output"),
            exception=str(end["exception"]) if end.get("exception") else None,
            children=sorted(kids, key=lambda call: call.started_at),
        )

    root = build(root_id)
    run = _traced_run(
        root_id,
        _op_short_name(starts[root_id].get("op_name")),
        starts[root_id],
        ends.get(root_id),
        objects,
    )
    if root is None or run is None:
        raise TraceNotFound(
            f"The traced call {root_id} has no readable start time; the WAL line may be damaged."
        )
    return run, root


def _read_records(directory: Path) -> Iterator[dict[str, Any]]:
    if not directory.is_dir():
        return
    for path in sorted(directory.glob(f"*{WAL_SUFFIX}")):
        try:
            yield from read_wal_file(path)
        except OSError:  # removed while we read (weave's own sender, a cleanup)
            continue


def read_wal_file(path: Path) -> Iterator[dict[str, Any]]:
    """The records of one WAL file; corrupt or half-written lines are skipped."""
    with path.open("rb") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def _traced_run(
    call_id: str,
    op_name: str,
    start: dict[str, Any],
    end: dict[str, Any] | None,
    objects: dict[str, list[Any]],
) -> TracedRun | None:
    started_at = _parse_time(start.get("started_at"))
    if started_at is None:
        return None
    ended_at = _parse_time(end.get("ended_at")) if end else None
    inputs = found if isinstance(found := start.get("inputs"), dict) else {}
    prompt = inputs.get("prompt")
    output = end.get("output") if end else None
    error = end.get("exception") if end else None
    evaluation = _matches(op_name, EVALUATION_OPS)
    return TracedRun(
        call_id=call_id,
        started_at=started_at,
        ended_at=ended_at,
        op_name=op_name,
        prompt=prompt if isinstance(prompt, str) else None,
        # an evaluation's `self` is the Evaluation; the pipeline it ran is its `model`
        model=_model_name(inputs.get("model" if evaluation else "self"), objects),
        scores=_mean_scores(output) if evaluation else _scores(output),
        duration=(ended_at - started_at).total_seconds() if ended_at else None,
        error=str(error) if error else None,
        kind="evaluation" if evaluation else "run",
        name=_str_or_none(start.get("display_name")),
    )


def _op_short_name(op_ref: Any) -> str:
    """`weave:///local/codegen/op/CodeGenerationPipeline.predict:<digest>` -> the op's name."""
    text = str(op_ref or "")
    if "/op/" in text:
        text = text.rsplit("/op/", 1)[1]
    return text.split(":", 1)[0]


def _matches(op_name: str, op_suffix: str | tuple[str, ...]) -> bool:
    suffixes = (op_suffix,) if isinstance(op_suffix, str) else op_suffix
    return any(op_name == suffix or op_name.endswith("." + suffix) for suffix in suffixes)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _model_name(self_input: Any, objects: dict[str, list[Any]]) -> str | None:
    """The pipeline object's `model_name`: inline, or from the obj_create its ref points at."""
    if isinstance(self_input, dict):
        name = self_input.get("model_name")
        return name if isinstance(name, str) else None
    if not isinstance(self_input, str) or "/object/" not in self_input:
        return None
    object_id, _, digest = self_input.rsplit("/object/", 1)[1].partition(":")
    candidates = [val for val in objects.get(object_id, []) if isinstance(val, dict)]
    for val in candidates:
        if object_digest(val) == digest:
            return _str_or_none(val.get("model_name"))
    names = {val.get("model_name") for val in candidates}
    return _str_or_none(names.pop()) if len(names) == 1 else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _scores(output: Any) -> dict[str, float]:
    """Numeric `*_score` keys of the output, plus everything numeric in its `scores` dict."""
    if not isinstance(output, dict):
        return {}
    scores = {
        key: float(value)
        for key, value in output.items()
        if key.endswith("_score") and _is_number(value)
    }
    nested = output.get("scores")
    if isinstance(nested, dict):
        scores.update(
            {str(key): float(value) for key, value in nested.items() if _is_number(value)}
        )
    return scores


def _mean_scores(summary: Any) -> dict[str, float]:
    """An evaluation summary's means of the pipeline's scores: weave summarizes each numeric
    output as {"mean": ...} under "output"."""
    outputs = summary.get("output") if isinstance(summary, dict) else None
    if not isinstance(outputs, dict):
        return {}
    means = {**outputs, **(nested if isinstance(nested := outputs.get("scores"), dict) else {})}
    return {
        str(key): float(value["mean"])
        for key, value in means.items()
        if isinstance(value, dict) and _is_number(value.get("mean"))
    }


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
