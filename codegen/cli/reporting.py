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


def _killed_phrase(entry: dict[str, Any]) -> str:
    caught = entry["killed"] + entry["timeout"]
    counted = caught + entry["survived"]
    extras = [f"{entry[key]} {key}" for key in ("error", "equivalent") if entry.get(key)]
    if entry.get("capped_from"):
        extras.append(f"{entry['total']} of {entry['capped_from']} mutants, capped")
    return f"{caught}/{counted} killed" + (f" ({', '.join(extras)})" if extras else "")


def mutation_lines(mutation: dict[str, Any]) -> list[str]:
    """The mutation score, then per function `mutation 8/10 killed` and each surviving mutant."""
    if mutation["status"] != "mutated":
        return [f"mutation: not run: {mutation['message']}"]
    score = "no score" if mutation["score"] is None else f"score {mutation['score']:.2f}"
    lines = [f"mutation: {_killed_phrase(mutation)} · {score} · {mutation['duration']:.2f} s"]
    if mutation["message"]:
        lines.append(f"  problem: {mutation['message']}")
    survivors: dict[str, list[dict[str, Any]]] = {}
    for mutant in mutation["mutants"]:
        if mutant["status"] == "survived":
            survivors.setdefault(mutant["function"], []).append(mutant)
    for name, entry in mutation["functions"].items():
        if not entry["total"]:
            lines.append(f"  {name}: no mutants")
            continue
        lines.append(f"  {name}: mutation {_killed_phrase(entry)}")
        for mutant in survivors.get(name, []):
            unseen = "" if mutant["tests_run"] else " (no test runs this line)"
            lines.append(f"    survived: line {mutant['line']}: {mutant['description']}{unseen}")
    return lines
