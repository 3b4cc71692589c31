"""The cost of the editor's repeated test runs to a user waiting for a code action's generation.

    .venv/bin/python bench/bench_editor_generation.py [--runs 6] [--generations 4]

The action is "Generate function, runner and tests".

A real `codegen-lsp` server (`python -P`, as the editors start it) in a trusted workspace, the
loopback model answering at once: from executing the code action's command to its job's
`$/codegen/finished`, the generation, its test runs in the sandbox and the edits applied. The
generated tests run `test_repeats` times (`CODEGEN_TEST_REPEATS`, the pipeline's setting, read
from the server's environment); 1 and 3 are alternated server by server in the same run, so both
see the same machine load. Figures: the median per setting, and the ratio 3 / 1.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_lsp import FINISHED, OURS, WARM_UP_DONE, pick_everything, server_env  # noqa: E402
from bench.lsp_client import StdioClient  # noqa: E402
from tests.loopback_model import LoopbackModel  # noqa: E402

REPEATS = (1, 3)


async def generations(work: Path, base_url: str, repeats: int, count: int, run: int) -> list[float]:
    """`count` generations on a fresh, warmed-up server: seconds from the command sent to done."""
    env = {**server_env(work, base_url), "CODEGEN_TEST_REPEATS": str(repeats)}
    client = StdioClient(OURS, env=env, cwd=work)
    await client.start()
    warm = client.wait_for(lambda m, p: m == "window/logMessage" and WARM_UP_DONE in p["message"])
    await client.initialize(work, {"workspaceTrusted": True, "diagnosticsDelayMs": 0})
    await asyncio.wait_for(warm, 120)
    timings = []
    try:
        for index in range(count + 1):  # the first warms the sandbox and imports up
            sent, token = await pick_everything(
                client, work / f"gen_{repeats}_{run}_{index}.py", answered_at=True
            )
            outcome = await asyncio.wait_for(
                client.wait_for(lambda m, p, token=token: m == FINISHED and p["token"] == token),
                120,
            )
            elapsed = time.perf_counter() - sent
            check_tests_ran(outcome, repeats)
            if index:
                timings.append(elapsed)
    finally:
        await client.stop()
    return timings


def check_tests_ran(outcome: dict, repeats: int) -> None:
    """A generation whose tests did not run would time nothing worth knowing."""
    if not (outcome.get("applied") and outcome.get("testsRun")):
        raise RuntimeError(
            f"the generation or its tests did not run ({repeats} repeats): {outcome}"
        )


async def main_async(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-editor-generation-"))
    samples: dict[int, list[float]] = {repeats: [] for repeats in REPEATS}
    with LoopbackModel() as model:
        for run in range(args.runs):
            order = REPEATS if run % 2 == 0 else REPEATS[::-1]
            for repeats in order:
                samples[repeats].extend(
                    await generations(work, model.base_url, repeats, args.generations, run)
                )
    medians = {repeats: statistics.median(found) for repeats, found in samples.items()}
    for repeats, median in medians.items():
        found = samples[repeats]
        print(
            f"code action generation, testRepeats {repeats}: median {median * 1000:.0f} ms "
            f"(min {min(found) * 1000:.0f}, max {max(found) * 1000:.0f}; {len(found)} generations "
            f"on {args.runs} servers)"
        )
    print(
        f"testRepeats 3 / 1: {medians[3] / medians[1]:.2f}x, "
        f"+{(medians[3] - medians[1]) * 1000:.0f} ms per generation (model answering at once)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=6, help="servers per setting, alternated")
    parser.add_argument("--generations", type=int, default=4, help="timed generations per server")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
