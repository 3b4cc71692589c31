"""An evaluation report (the JSON `codegen eval` writes) as one self-contained HTML page."""

from __future__ import annotations

from typing import Any

from ...html_page import bar, cards, code_block, esc, failures_table, histogram, number, page, table

SCORE_CHARTS = (
    ("code_quality_score", "code quality"),
    ("test_coverage_score", "test coverage"),
    ("overall_score", "overall"),
)


def render_eval_html(report: dict[str, Any]) -> str:
    """Score distributions, pass rate and coverage per prompt, latency per stage, and each prompt's
    details."""
    summary, rows = report["summary"], report["rows"]
    title = f"Evaluation: {summary['prompts']} prompts with {report['model']}"
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="muted">{esc(report["created"])} · dataset {esc(report["dataset"])} · endpoint '
        f"{esc(report['endpoint'])} · {esc(report['trials'])} trial(s) · tracing"
        f" {esc(report['tracing'])} · "
        f"{number(summary['wall_time'], '{:.1f} s')} wall time</p>",
        cards(
            [
                ("succeeded", esc(f"{summary['succeeded']}/{summary['rows']}")),
                ("overall score", number(summary["overall_score"])),
                ("code quality", number(summary["code_quality_score"])),
                ("test coverage score", number(summary["test_coverage_score"])),
                ("pass rate", number(summary["pass_rate"])),
                (
                    "tests passed",
                    esc(f"{summary['tests_passed'] or 0}/{summary['tests_run'] or 0}"),
                ),
                ("line coverage", number(summary["line_coverage"], "{:.1f}%")),
                ("flaky tests", esc(summary["flaky"] or 0)),
                ("possible bugs", esc(summary["possible_bugs"] or 0)),
            ]
        ),
        *_benchmark(summary, rows),
        "<h2>Score distributions</h2>",
        '<div class="charts">'
        + "".join(
            histogram(label, [float(row["scores"].get(key) or 0.0) for row in rows])
            for key, label in SCORE_CHARTS
        )
        + histogram("pass rate", [float(row["execution"].get("pass_rate") or 0.0) for row in rows])
        + "</div>",
        "<h2>Per prompt</h2>" + _per_prompt(rows),
        "<h2>Latency per stage (s)</h2>" + _latency(summary["latency"]),
        "<h2>Details</h2>"
        + "".join(_details(index, row) for index, row in enumerate(rows, start=1)),
    ]
    return page(title, "\n".join(body))


def _benchmark(summary: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """HumanEval's scores: pass@1 and the tests' worth, then one line per task; nothing for other
    datasets."""
    if "functional_correctness" not in summary:
        return []

    def share(key: str) -> str:
        found = summary.get(key) or {}
        counts = f" ({found.get('count', 0)}/{found.get('of', 0)})" if "count" in found else ""
        return number(found.get("mean")) + esc(counts)

    mutation = summary.get("mutation_score") or {}
    return [
        "<h2>HumanEval</h2>",
        cards(
            [
                ("pass@1 (hidden tests)", share("functional_correctness")),
                ("tests valid on the canonical solution", share("tests_valid")),
                (
                    "mutation score of the tests",
                    number(mutation.get("mean")) + esc(f" ({mutation.get('of', 0)} tasks)"),
                ),
                ("wrong code caught by its tests", share("catches_wrong")),
            ]
        ),
        _per_task(rows),
    ]


def _verdict(value: Any, reason: Any) -> str:
    """1 / 0 / not applicable, with the reason on hover."""
    title = f' title="{esc(reason)}"' if reason else ""
    if value is None:
        return f'<span class="muted"{title}>–</span>'
    if value:
        return f'<span class="ok"{title}>yes</span>'
    return f'<span class="bad"{title}>no</span>'


def _trace_link(row: dict[str, Any]) -> str:
    trace = row.get("trace") or {}
    if trace.get("url"):
        return f'<a href="{esc(trace["url"])}">trace</a>'
    if trace.get("page"):
        return f'<a href="{esc(trace["page"])}">trace</a>'
    if trace.get("command"):
        return f"<code>{esc(trace['command'])}</code>"
    return '<span class="muted">not traced</span>'


def _per_task(rows: list[dict[str, Any]]) -> str:
    cells = []
    for index, row in enumerate(rows, start=1):
        reasons = row.get("reasons") or {}
        mutation = row.get("mutation_score")
        mutants = row.get("mutants") or {}
        caught = (mutants.get("killed") or 0) + (mutants.get("timeout") or 0)
        counted = caught + (mutants.get("survived") or 0)
        cells.append(
            [
                f'<a href="#row-{index}">{esc(row.get("task_id"))}</a>',
                _verdict(row.get("functional_correctness"), reasons.get("functional_correctness")),
                _verdict(row.get("tests_valid"), reasons.get("tests_valid")),
                (
                    f"{number(mutation)} {bar(mutation, 80)} {esc(f'{caught}/{counted}')}"
                    if mutation is not None
                    else _verdict(None, reasons.get("mutation_score"))
                ),
                _verdict(row.get("catches_wrong"), reasons.get("catches_wrong")),
                _trace_link(row),
            ]
        )
    return table(
        ["task", "passes hidden test", "tests valid", "mutation score", "tests catch it", "trace"],
        cells,
    )


def _per_prompt(rows: list[dict[str, Any]]) -> str:
    cells = []
    for index, row in enumerate(rows, start=1):
        execution = row["execution"]
        status = (
            '<span class="ok">ok</span>'
            if row["status"] == "ok"
            else '<span class="bad">failed</span>'
        )
        rate = execution.get("pass_rate")
        coverage = execution.get("line_coverage")
        cells.append(
            [
                esc(index),
                f'<a href="#row-{index}">{esc(_label(row))}</a>',
                status,
                number(row["scores"].get("overall_score")),
                f"{number(rate)} {bar(rate or 0.0, 80)}",
                esc(f"{execution.get('passed', 0)}/{execution.get('tests_run', 0)}"),
                f"{number(coverage, '{:.0f}%')} {bar((coverage or 0.0) / 100, 80)}",
                number(row["timings"].get("total"), "{:.2f}"),
            ]
        )
    return table(
        ["#", "prompt", "status", "overall", "pass rate", "passed", "line coverage", "time (s)"],
        cells,
        numeric=(0, 3, 7),
    )


def _label(row: dict[str, Any]) -> str:
    """A HumanEval row by its task id (its prompt is a whole function stub), else by its prompt."""
    return str(row.get("task_id") or row["prompt"])


def _latency(latency: dict[str, dict[str, float]]) -> str:
    if not latency:
        return '<p class="muted">No successful rows, so no latencies.</p>'
    slowest = max(stats["p95"] for stats in latency.values()) or 1.0
    return table(
        ["stage", "p50", "p95", "", "runs"],
        [
            [
                esc(stage),
                number(stats["p50"]),
                number(stats["p95"]),
                bar(stats["p50"] / slowest) + " p50",
                esc(stats["count"]),
            ]
            for stage, stats in latency.items()
        ],
        numeric=(1, 2, 4),
    )


def _details(index: int, row: dict[str, Any]) -> str:
    scores = " · ".join(
        f"{esc(name.replace('_', ' '))} {number(value)}"
        for name, value in row["scores"].items()
        if name != "succeeded"
    )
    parts = [
        f'<details id="row-{index}"><summary>#{esc(index)} {esc(_label(row))} ·'
        f" {esc(row['status'])}</summary><p>{scores}</p>"
    ]
    reasons = {name: why for name, why in (row.get("reasons") or {}).items() if why}
    if reasons:
        parts.append(
            "<ul>"
            + "".join(f"<li>{esc(name)}: {esc(why)}</li>" for name, why in reasons.items())
            + "</ul>"
        )
    if row.get("error"):
        parts.append(f'<div class="bad">error</div>{code_block(row["error"])}')
    if row.get("execution", {}).get("problem"):
        parts.append(
            f'<div class="bad">test run problem</div>{code_block(row["execution"]["problem"])}'
        )
    failures = row.get("failures") or []
    if failures:
        parts.append("<div>failures</div>" + failures_table(failures))
    if row.get("code"):
        parts.append(f"<div>code</div>{code_block(row['code'])}")
    if row.get("tests"):
        parts.append(f"<div>tests</div>{code_block(row['tests'])}")
    return "".join(parts) + "</details>"
