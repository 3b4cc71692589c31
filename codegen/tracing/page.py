"""One traced generation as a page to read (HTML) or a tree to print, built from the local trace
store."""

from __future__ import annotations

from typing import Any

from ..html_page import bar, cards, code_block, esc, failures_table, number, page, table
from .store import TracedCall, TracedRun, load_call, load_calls


def render_call_html(call_id: str | None = None, project: str = "codegen") -> str:
    """The page of traced run `call_id` (the latest when None); raises TraceNotFound naming the
    fix."""
    run, root = load_call(project, call_id)
    return call_page(run, root)


def render_call_pages(call_ids: list[str], project: str = "codegen") -> dict[str, str]:
    """The pages of several traced runs by id, the trace store read once; ids not found are left
    out."""
    return {
        call_id: call_page(run, root)
        for call_id, (run, root) in load_calls(project, call_ids).items()
    }


def render_call_text(call_id: str | None = None, project: str = "codegen") -> list[str]:
    """The same run as lines for a terminal: what was asked, the scores, then each step with its
    time."""
    run, root = load_call(project, call_id)
    output = root.output if isinstance(root.output, dict) else {}
    lines = [
        f"call {run.call_id} · {run.started_at:%Y-%m-%d %H:%M:%S} UTC · model {run.model or '-'}",
        f"prompt: {run.prompt or '-'}",
    ]
    if run.scores:
        lines.append(
            "scores: " + " · ".join(f"{name} {value:.2f}" for name, value in run.scores.items())
        )
    execution = output.get("execution")
    if isinstance(execution, dict):
        lines.append(f"tests: {execution.get('passed')}/{execution.get('run')} passed")
    if root.exception:
        lines.append(f"error: {root.exception}")
    lines.append("steps:")
    for depth, call in root.walk():
        took = f"{call.duration:7.3f}s" if call.duration is not None else "      -"
        lines.append(
            f"  {took}  {'  ' * depth}{call.op_name}" + ("  (error)" if call.exception else "")
        )
    return lines


def call_page(run: TracedRun, root: TracedCall) -> str:
    output = root.output if isinstance(root.output, dict) else {}
    execution = output.get("execution") if isinstance(output.get("execution"), dict) else None
    summary = [(name.replace("_", " "), number(value)) for name, value in run.scores.items()]
    if execution is not None:
        summary.append(("tests passed", esc(f"{execution.get('passed')}/{execution.get('run')}")))
        if execution.get("coverage_measured"):
            summary.append(("line coverage", number(execution.get("line_coverage"), "{:.0f}%")))
    summary.append(("duration", number(run.duration, "{:.2f} s")))
    body = [
        f"<h1>Trace: {esc(run.prompt or run.op_name)}</h1>",
        f'<p class="muted">call {esc(run.call_id)} · {esc(f"{run.started_at:%Y-%m-%d %H:%M:%S}")}'
        " UTC · model "
        f"{esc(run.model or '-')} · {esc(run.op_name)}</p>",
        cards(summary),
    ]
    if root.exception:
        body.append(f'<h2>Error</h2><pre class="bad">{esc(root.exception)}</pre>')
    body.append("<h2>Steps</h2>" + _timeline(root))
    body.append(
        "<h2>Inputs and outputs</h2>"
        + "".join(_step_details(depth, call) for depth, call in root.walk())
    )
    if output:
        body.append(_results(output, execution))
    return page(f"Trace: {run.prompt or run.call_id}", "\n".join(body))


def _timeline(root: TracedCall) -> str:
    total = root.duration or 0.0
    rows = []
    for depth, call in root.walk():
        offset = (call.started_at - root.started_at).total_seconds()
        took = call.duration
        name = "&nbsp;" * 4 * depth + esc(call.op_name)
        status = (
            '<span class="bad">error</span>'
            if call.exception
            else ('<span class="ok">ok</span>' if took is not None else "unfinished")
        )
        rows.append(
            [
                name,
                number(offset, "{:.3f}"),
                number(took, "{:.3f}"),
                bar(took / total, start=offset / total) if took is not None and total else "",
                status,
            ]
        )
    return table(["step", "start (s)", "time (s)", "timeline", "status"], rows, numeric=(1, 2))


def _step_details(depth: int, call: TracedCall) -> str:
    took = number(call.duration, "{:.3f} s")
    parts = [
        f'<details style="margin-left:{depth * 16}px"><summary>{esc(call.op_name)} ·'
        f" {took}</summary>"
    ]
    for name, value in call.inputs.items():
        parts.append(f"<div>input <code>{esc(name)}</code></div>{code_block(value)}")
    if call.exception:
        parts.append(f'<div class="bad">exception</div>{code_block(call.exception)}')
    else:
        parts.append(f"<div>output</div>{code_block(call.output)}")
    return "".join(parts) + "</details>"


def _results(output: dict[str, Any], execution: dict[str, Any] | None) -> str:
    parts = ["<h2>Result</h2>"]
    for key, label in (
        ("generated_code", "Function"),
        ("program_runner", "Runner"),
        ("unit_tests", "Tests"),
    ):
        if isinstance(output.get(key), str):
            parts.append(f"<h3>{esc(label)}</h3>{code_block(output[key])}")
    if execution is not None:
        failing = [
            test
            for test in execution.get("tests") or []
            if test.get("outcome") not in ("passed", "skipped")
        ]
        parts.append(
            "<h3>Failures</h3>"
            + (failures_table(failing) if failing else '<p class="ok">none: every test passed</p>')
        )
    return "".join(parts)
