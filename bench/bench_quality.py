"""Time seed_scores + findings on generated 2,000- and 20,000-line modules (linear growth?)."""

import ast
import sys
from collections.abc import Callable
from pathlib import Path

# Runnable from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.options import timed_runs  # noqa: E402
from bench.timing import median_ms  # noqa: E402
from codegen.scoring.quality import findings, seed_scores  # noqa: E402

SIZES = (2_000, 20_000)

FUNCTION_TEMPLATE = '''

def moving_average_{index}(values: list[float], window: int = 3) -> list[float]:
    """Return the moving average of `values` over `window` consecutive items."""
    if window <= 0:
        raise ValueError("window must be a positive number of items, got " + str(window))
    averages = []
    for position in range(len(values) - window + 1):
        chunk = values[position:position + window]
        averages.append(sum(chunk) / window)
    return averages
'''

# Every fifth unit is a class with an undocumented, unannotated method and a long line (the message,
# filled in apart so that this file's own lines stay short).
LONG_MESSAGE = "pushing an item onto the stack, which is a long line on purpose for the check"
CLASS_TEMPLATE = '''

class Stack{index}:
    """A last-in, first-out stack of items."""

    def __init__(self) -> None:
        self.items: list[int] = []

    def push(self, item):
        message = "{long_message} {index}"
        self.items.append(item)
        return message
'''

TEST_TEMPLATE = """
    def test_moving_average_{index}(self):
        self.assertEqual(moving_average_{index}([1.0, 2.0, 3.0], 2), [1.5, 2.5])
        with self.assertRaises(ValueError):
            moving_average_{index}([1.0], 0)
"""


def generated_module(lines: int) -> tuple[str, str]:
    """A module of about `lines` lines and a unittest file testing most of its functions."""
    code_parts = ['"""Generated module for the quality benchmark."""\n']
    test_parts = [
        "import unittest\n\nfrom generated import *\n\n\nclass GeneratedTest(unittest.TestCase):\n"
    ]
    count = 1
    index = 0
    while count < lines:
        template = CLASS_TEMPLATE if index % 5 == 4 else FUNCTION_TEMPLATE
        part = template.format(index=index, long_message=LONG_MESSAGE)
        code_parts.append(part)
        count += part.count("\n")
        if template is FUNCTION_TEMPLATE and index % 7:
            test_parts.append(TEST_TEMPLATE.format(index=index))
        index += 1
    return "".join(code_parts), "".join(test_parts)


def score_and_lint(code: str, tests: str) -> None:
    """What the server does on a keystroke."""
    seed_scores(code, tests)
    findings(code, tests)


def parse_only(code: str, tests: str) -> None:
    """The floor: CPython's parser on both texts, which the analysis cannot go below."""
    ast.parse(code)
    ast.parse(tests)


def keystroke_median_ms(
    work: Callable[[str, str], None], code: str, tests: str, runs: int
) -> float:
    """Median wall time of work(code, tests), each run on a fresh text as after a keystroke."""
    # A new text per run: results are cached per text, and each keystroke makes a new one.
    edits = ((f"{code}\n# edit {run}\n", f"{tests}\n# edit {run}\n") for run in range(runs))
    return median_ms(lambda texts: work(*texts), edits)


def main(argv: list[str] | None = None) -> None:
    runs = timed_runs(argv, __doc__, 7, " per size")
    medians: dict[int, float] = {}
    parse_medians: dict[int, float] = {}
    for size in SIZES:
        code, tests = generated_module(size)
        code_lines, test_lines = code.count("\n") + 1, tests.count("\n") + 1
        keystroke_median_ms(score_and_lint, code, tests, 1)  # warm up
        medians[size] = keystroke_median_ms(score_and_lint, code, tests, runs)
        parse_medians[size] = keystroke_median_ms(parse_only, code, tests, runs)
        print(
            f"{code_lines:>6} code lines + {test_lines:>5} test lines: "
            f"seed_scores + findings median {medians[size]:6.1f} ms over {runs} runs "
            f"({medians[size] * 2_000 / code_lines:4.1f} ms per 2,000 lines); "
            f"ast.parse alone {parse_medians[size]:6.1f} ms"
        )
    small, large = SIZES
    print(
        f"ratio {large:,}/{small:,} lines: {medians[large] / medians[small]:.1f} "
        f"(ast.parse alone {parse_medians[large] / parse_medians[small]:.1f}; "
        f"linear = {large // small})"
    )


if __name__ == "__main__":
    main()
