"""Human-readable lines for a sandboxed test run, shared by `generate` and `score`."""

from __future__ import annotations

from typing import Any


def test_run_lines(run: dict[str, Any], *, label: str = "Tests") -> list[str]:
    """The run's counts and coverage on one line, then one line per problem and per non-passing
    test."""
    coverage = (
        f"{run['line_coverage']:.0f}% line coverage"
        if run["coverage_measured"]
        else "coverage not measured"
    )
    counts = [f"{run['passed']}/{run['run']} passed"]
    counts += [f"{run[key]} {key}" for key in ("failed", "errored", "flaky") if run[key]]
    sandbox = f"sandbox {run.get('isolation', 'unknown')}"
    if run.get("not_run"):
        return [f"{label}: not run", f"  problem: {run['problem']}"]
    lines = [f"{label}: {', '.join(counts)} · {coverage} · {run['duration']:.2f} s · {sandbox}"]
    if run["problem"]:
        lines.append(f"  problem: {run['problem']}")
    for test in run["tests"]:
        if test["outcome"] not in ("passed", "skipped"):
            lines.append(
                f"  {test['outcome']}: {test['test_id']} (line {test['line']}): {test['message']}"
            )
    return lines
