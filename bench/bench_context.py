"""Time choosing the context for a prompt in the middle of a 20,000-line module (the default
budget), cold and with the statement spans the server keeps, against one ast.parse of it."""

import ast
import sys
from pathlib import Path

# Runnable from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_quality import generated_module  # noqa: E402
from bench.options import timed_runs  # noqa: E402
from bench.timing import median_ms  # noqa: E402
from codegen.context.conventions import TestSource, conventions_context  # noqa: E402
from codegen.context.module_context import module_context  # noqa: E402
from codegen.context.outline import statement_spans, text_spans  # noqa: E402

LINES = 20_000
BUDGET = 1_500
PROMPT = "# the weighted moving average of values, like moving_average_1200 but weighted\n"
CONFTEST = "import pytest\n" + "".join(
    f"\n\n@pytest.fixture\ndef fixture_{i}(tmp_path) -> int:\n"
    f'    """Fixture {i}."""\n    return {i}\n'
    for i in range(500)
)


def with_prompt(code: str) -> tuple[str, int]:
    """The module with the prompt comment after the statement nearest its middle."""
    lines = code.splitlines(keepends=True)
    middle = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("def "))
    lines.insert(middle, PROMPT + "\n\n")
    return "".join(lines), middle


def main(argv: list[str] | None = None) -> None:
    count = timed_runs(argv, __doc__, 9)
    code, line = with_prompt(generated_module(LINES)[0])
    spans = statement_spans(code.splitlines(keepends=True))
    prompt = PROMPT.lstrip("# ")
    context = module_context(code, prompt, line, BUDGET, spans=spans)  # warm up
    runs = range(count)
    kept = median_ms(lambda _: module_context(code, prompt, line, BUDGET, spans=spans), runs)

    def cold_context(_: int) -> None:
        text_spans.cache_clear()  # the scan is cached per text: cold means scanned again
        module_context(code, prompt, line, BUDGET)

    cold = median_ms(cold_context, runs)
    parse = median_ms(lambda _: ast.parse(code), runs)
    fixtures = median_ms(
        lambda _: conventions_context([TestSource("conftest.py", CONFTEST)], BUDGET), runs
    )
    summary = context.summary()
    print(
        f"{code.count(chr(10)) + 1:,} lines, {len(spans):,} statements; context "
        f"{summary['tokens']} of {BUDGET} tokens, {len(summary['pieces'])} pieces, "
        f"{summary['left_out']} left out"
    )
    print(f"median over {count} runs:")
    print(f"  with the server's kept statement spans {kept:7.1f} ms  ({kept / parse:.2f} x parse)")
    print(f"  cold (line scan included)              {cold:7.1f} ms  ({cold / parse:.2f} x parse)")
    print(f"  one ast.parse of the module            {parse:7.1f} ms")
    print(f"  conventions of a 500-fixture conftest  {fixtures:7.1f} ms")


if __name__ == "__main__":
    main()
