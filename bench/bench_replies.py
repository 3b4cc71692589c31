"""How fast a 10 MB reply is refused, against the floor of merely receiving it.

    .venv/bin/python bench/bench_replies.py [--runs 5] [--megabytes 10] [--tracing off|local]

`refused`: a `GenerationSession.generate` whose function reply carries ~10 MB of code, from the
request to the error (the reply is never formatted nor sent back to the model). `floor`: the same
reply fetched from the same loopback server by the openai SDK's `chat.completions.create` alone,
measured in the same run. Goal: refused in under 2 s. Medians of --runs runs after a warm-up.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import benchmark_parser, prepare_tracing  # noqa: E402
from codegen.errors import ModelReplyError  # noqa: E402
from codegen.settings import load_settings  # noqa: E402
from tests.loopback_model import MOVING_AVERAGE, LoopbackModel, Reply  # noqa: E402


def huge_code(megabytes: float) -> str:
    line = "padding = 1\n"
    return MOVING_AVERAGE + line * int(megabytes * 1e6 / len(line))


async def refused(model: LoopbackModel, settings, code: str) -> float:
    from codegen.session import GenerationSession

    session = GenerationSession(settings)
    model.enqueue(Reply.code("GeneratedCode", code))
    started = time.perf_counter()
    try:
        await session.generate("compute the moving average", module_name="ma")
    except ModelReplyError:
        elapsed = time.perf_counter() - started
    else:
        raise SystemExit("the oversized reply was accepted")
    finally:
        await session.close()
    return elapsed


async def floor(model: LoopbackModel, code: str) -> float:
    import openai

    client = openai.AsyncOpenAI(api_key="not-needed", base_url=model.base_url, max_retries=0)
    model.enqueue(Reply.code("GeneratedCode", code))
    started = time.perf_counter()
    completion = await client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "code"}]
    )
    assert len(completion.choices[0].message.content) > len(code)
    elapsed = time.perf_counter() - started
    await client.close()
    return elapsed


async def measure(
    runs: int, megabytes: float, tracing: str
) -> tuple[list[float], list[float], int]:
    code = huge_code(megabytes)
    with LoopbackModel() as model:
        settings = load_settings(
            {"base_url": model.base_url, "tracing": tracing, "max_retries": 0}, environ={}
        )
        await refused(model, settings, code)  # warm-up: imports, weave, the SDK
        await floor(model, code)
        model.requests.clear()
        ours, floors = [], []
        for _ in range(runs):
            ours.append(await refused(model, settings, code))
            floors.append(await floor(model, code))
        assert len(model.requests) == 2 * runs, "something was sent back to the model"
    return ours, floors, len(code.encode())


def main() -> None:
    parser = benchmark_parser(__doc__)
    parser.add_argument("--megabytes", type=float, default=10.0)
    args = parser.parse_args()
    prepare_tracing(args.tracing)
    ours, floors, size = asyncio.run(measure(args.runs, args.megabytes, args.tracing))
    mine, base = statistics.median(ours), statistics.median(floors)
    print(
        f"oversized reply ({size / 1e6:.1f} MB of code), tracing={args.tracing}, median of "
        f"{args.runs} runs"
    )
    print(
        f"  refused (request -> error)   {mine:.3f} s   (min {min(ours):.3f}, max {max(ours):.3f})"
    )
    print(
        f"  floor (SDK receives it only) {base:.3f} s   (min {min(floors):.3f}, max "
        f"{max(floors):.3f})"
    )
    print(f"  ratio                        {mine / base:.2f}x")
    print(
        "goal: refused in under 2 s, nothing sent back to the model (asserted: one request per run)"
    )


if __name__ == "__main__":
    main()
