"""The formatter chain: text repairs, and formatting from many threads at once."""

from __future__ import annotations

import subprocess
import sys

from codegen.shaping.formatting import normalize_text, pep8, remove_unused, sort_imports, tidy

CONCURRENT_RUNS = """
import asyncio, sys
from codegen.settings import load_settings
from codegen.session import GenerationSession

async def main():
    settings = {"base_url": sys.argv[1], "tracing": "off", "run_tests": False}
    session = GenerationSession(load_settings(settings, environ={}))
    results = await asyncio.gather(
        *(session.generate(f"add {i} to a number", module_name=f"m{i}") for i in range(6)),
        return_exceptions=True,
    )
    await session.close()
    print([type(r).__name__ + ": " + str(r) for r in results if isinstance(r, BaseException)])

asyncio.run(main())
"""


def test_first_generations_running_concurrently_all_format(model):
    # Formatting runs in worker threads; the formatters' first import must not race (it did:
    # "module 'isort' has no attribute 'code'" for one prompt in thirty).
    for _ in range(3):
        run = subprocess.run(
            [sys.executable, "-c", CONCURRENT_RUNS, model.base_url],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip().splitlines()[-1] == "[]"


def test_fences_and_prose_are_stripped():
    assert (
        normalize_text("Sure:\n```python\ndef f():\n    return 1\n```\nEnjoy!")
        == "def f():\n    return 1\n"
    )


def test_double_escaped_reply_is_unescaped_but_real_escapes_are_kept():
    assert normalize_text("def f():\\n    return 1") == "def f():\n    return 1"
    kept = 'def f():\n    return "a\\nb"\n'
    assert normalize_text(kept) == kept


def test_chain_removes_unused_imports_sorts_and_reformats():
    code = "import sys\nimport os, json\ndef f(x):\n  y = 2\n  return json.dumps(x)\n"
    assert (
        pep8(sort_imports(remove_unused(code)))
        == "import json\n\n\ndef f(x):\n    return json.dumps(x)\n"
    )


# --- fences: only the ones wrapping the reply ---

DOCUMENTED = '''def double(value: int) -> int:
    """Double a number.

    ```python
    >>> double(2)
    4
    ```
    """
    return value * 2
'''


def test_code_with_a_fenced_example_in_its_docstring_is_left_alone():
    assert normalize_text(DOCUMENTED) == DOCUMENTED


def test_a_wrapping_fence_is_removed_but_not_the_fenced_example_inside_a_docstring():
    reply = f"Here is the function:\n```python\n{DOCUMENTED}```\nIt doubles its argument."
    assert normalize_text(reply) == DOCUMENTED


def test_several_fenced_blocks_keep_the_python_ones_only():
    reply = (
        "Install:\n```bash\npip install it'\n```\nCode:\n```py\nx = 1\n```\nUse:\n```python\n"
        "print(x)\n```\n"
    )
    assert normalize_text(reply) == "x = 1\n\n\nprint(x)\n"


def test_an_unclosed_fence_keeps_everything_after_it():
    assert (
        normalize_text("Sure:\n```python\ndef f():\n    return 1\n") == "def f():\n    return 1\n"
    )


def test_a_docstring_with_a_fenced_example_survives_generate(model, tmp_path):
    from tests.helpers.cli import generate
    from tests.loopback_model import Reply

    model.enqueue(Reply.code("GeneratedCode", f"Sure:\n```python\n{DOCUMENTED}```\n"))
    assert generate(model, tmp_path, "--module", "doubling", "--no-run") == 0
    assert (tmp_path / "doubling.py").read_text().startswith(DOCUMENTED)


def test_a_formatter_step_that_would_break_the_code_is_skipped():
    # autopep8's E402 fix moves the late import to the top, into the `try:` block: an
    # IndentationError.
    code = (
        "try:\n    from target import alpha\nexcept ImportError:\n    from target import alpha\n"
        "for alpha in [1]:\n    pass\nfrom target import beta\n\nprint(alpha, beta)\n"
    )
    from codegen.source import parse_or_none

    assert parse_or_none(pep8(code)) is None  # the tool's bug, as found by tests/test_imports.py
    assert tidy(code) == sort_imports(remove_unused(code))
