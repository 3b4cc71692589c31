"""What a code action's generation costs a user waiting for it, by the size of its module.

    .venv/bin/python bench/bench_editor_generation.py [--runs 3] [--generations 2]
        [--lines 80 20000 200000] [--repeats 1 3]

The action is "Generate function, runner and tests", on a prompt at the end of a module of 80,
20,000 or 200,000 lines (`bench_lsp.module_text`), with the generated tests run (`--repeats`: how
many times, `CODEGEN_TEST_REPEATS`) and not run (`runTestsAfterGeneration` off).

A real `codegen-lsp` server (`python -P`, as the editors start it) in a trusted workspace, the
loopback model answering at once: from executing the code action's command to its job's
`$/codegen/finished`, the generation, its test runs in the sandbox and the edits applied. While
each generation runs, a code action is asked for every 50 ms and its wait recorded: the longest is
what a user typing during a generation would feel. The settings (size x tests) are alternated server
by server in one run, so all see the same machine load. Figures: the median per setting, the
difference to the 80-line module's time, the longest request wait, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_lsp import (  # noqa: E402
    FINISHED,
    OURS,
    WARM_UP_DONE,
    module_text,
    server_env,
    start_generation,
)
from bench.lsp_client import StdioClient  # noqa: E402
from tests.loopback_model import LoopbackModel  # noqa: E402

PROMPT = "# compute the moving average of a time series with a window\n"
ACTION = "Generate function, runner and tests"
PROBE_EVERY = 0.05  # seconds between the code actions asked for while a generation runs


async def generations(
    work: Path, base_url: str, lines: int, repeats: int, count: int, run: int
) -> list[tuple[float, float]]:
    """`count` generations on a fresh, warmed-up server: (seconds from the command sent to done,
    the longest code-action wait meanwhile). `repeats` 0: the tests are not run."""
    env = {**server_env(work, base_url), "CODEGEN_TEST_REPEATS": str(max(1, repeats))}
    client = StdioClient(OURS, env=env, cwd=work)
    await client.start()
    warm = client.wait_for(lambda m, p: m == "window/logMessage" and WARM_UP_DONE in p["message"])
    options = {"workspaceTrusted": True, "diagnosticsDelayMs": 0}
    if not repeats:
        options["runTestsAfterGeneration"] = False
    await client.initialize(work, options)
    await asyncio.wait_for(warm, 120)
    body = module_text(lines - 1) if lines > 1 else ""
    timings = []
    try:
        for index in range(count + 1):  # the first warms the sandbox and imports up
            path = work / f"gen_{lines}_{repeats}_{run}_{index}.py"
            timed = await one_generation(client, path, body, repeats)
            if index:
                timings.append(timed)
    finally:
        await client.stop()
    return timings


async def one_generation(
    client: StdioClient, path: Path, body: str, repeats: int
) -> tuple[float, float]:
    """Open `body` + the prompt, pick the action, probe with code actions until it is done."""
    path.write_text("")
    uri = path.as_uri()
    text = body + PROMPT
    prompt_line = text.count("\n") - 1
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    at_prompt = {
        "textDocument": {"uri": uri},
        "range": {
            "start": {"line": prompt_line, "character": 3},
            "end": {"line": prompt_line, "character": 3},
        },
        "context": {"diagnostics": []},
    }
    sent, answer = await start_generation(client, at_prompt, ACTION)
    finished = client.wait_for(lambda m, p: m == FINISHED and p["token"] == answer["token"])
    longest = await probe_until(client, at_prompt, finished)
    outcome = await asyncio.wait_for(finished, 300)
    elapsed = time.perf_counter() - sent
    check_outcome(outcome, repeats)
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return elapsed, longest


async def probe_until(client: StdioClient, params: dict, done: asyncio.Future) -> float:
    """Ask for code actions every PROBE_EVERY seconds until `done`; the longest wait for one."""
    longest = 0.0
    while not done.done():
        started = time.perf_counter()
        await client.request("textDocument/codeAction", params)
        longest = max(longest, time.perf_counter() - started)
        await asyncio.wait([done], timeout=PROBE_EVERY)
    return longest


def check_outcome(outcome: dict, repeats: int) -> None:
    """A generation that failed, or whose tests did not run when asked, would time nothing worth
    knowing."""
    if not outcome.get("applied") or bool(outcome.get("testsRun")) != bool(repeats):
        raise RuntimeError(f"the generation did not end as set up (repeats {repeats}): {outcome}")


def describe(setting: tuple[int, int]) -> str:
    lines, repeats = setting
    tests = f"tests run {repeats}x" if repeats else "tests not run"
    return f"{lines:>7,} lines, {tests}"


async def main_async(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-editor-generation-"))
    settings = list(itertools.product(args.lines, [0, *args.repeats]))
    samples: dict[tuple[int, int], list[tuple[float, float]]] = {s: [] for s in settings}
    loads = []
    with LoopbackModel() as model:
        for run in range(args.runs):
            order = settings if run % 2 == 0 else settings[::-1]
            for lines, repeats in order:
                loads.append(os.getloadavg()[0])
                samples[lines, repeats].extend(
                    await generations(work, model.base_url, lines, repeats, args.generations, run)
                )
    report(samples, args, loads)


def report(
    samples: dict[tuple[int, int], list[tuple[float, float]]],
    args: argparse.Namespace,
    loads: list[float],
) -> None:
    medians = {s: statistics.median(t for t, _ in found) for s, found in samples.items()}
    smallest = min(args.lines)
    for setting, found in samples.items():
        times = [t for t, _ in found]
        baseline = medians[smallest, setting[1]]
        print(
            f"{describe(setting)}: median {medians[setting]:.2f} s"
            f" (+{medians[setting] - baseline:.2f} s over {smallest} lines;"
            f" min {min(times):.2f}, max {max(times):.2f}; {len(times)} generations on"
            f" {args.runs} servers); longest code-action wait meanwhile"
            f" {max(w for _, w in found) * 1000:.0f} ms"
        )
    print(
        f"load average (1 min) at each server's start: median {statistics.median(loads):.1f},"
        f" min {min(loads):.1f}, max {max(loads):.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="servers per setting, alternated")
    parser.add_argument("--generations", type=int, default=2, help="timed generations per server")
    parser.add_argument("--lines", type=int, nargs="+", default=[80, 20_000, 200_000])
    parser.add_argument(
        "--repeats", type=int, nargs="+", default=[1], help="test repeats when tests run"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
