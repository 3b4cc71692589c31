"""The CLI as a shell user meets it: numbers checked by argparse, closed pipes, the shipped dataset,
evaluation runs in `codegen traces`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from codegen.cli import main

MODULE = '"""A module."""\n\n\ndef add(a: int, b: int) -> int:\n    """Sum."""\n    return a + b\n'
TESTS = (
    "import unittest\n\nfrom m import add\n\n\nclass T(unittest.TestCase):\n"
    "    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\n"
)


@pytest.mark.parametrize(
    ("argv", "flag", "why"),
    [
        (
            ["score", "m.py", "--run", "--repeats", "-1"],
            "--repeats",
            "'-1': must be greater than or equal to 1",
        ),
        (
            ["score", "m.py", "--run", "--repeats", "0"],
            "--repeats",
            "'0': must be greater than or equal to 1",
        ),
        (
            ["score", "m.py", "--run", "--repeats", "many"],
            "--repeats",
            "'many': must be a valid integer",
        ),
        (["eval", "--parallel", "0"], "--parallel", "'0': must be at least 1"),
        (["eval", "--trials", "-2"], "--trials", "'-2': must be at least 1"),
        (["traces", "--last", "-1"], "--last", "'-1': must be at least 1"),
        (["generate", "p", "--timeout", "0"], "--timeout", "'0': must be greater than 0"),
        (["generate", "p", "--timeout", "nan"], "--timeout", "'nan': must be"),
        (
            ["generate", "p", "--max-retries", "-1"],
            "--max-retries",
            "must be greater than or equal to 0",
        ),
        (
            ["generate", "p", "--temperature", "3"],
            "--temperature",
            "must be less than or equal to 2",
        ),
        (
            ["generate", "p", "--max-tokens", "0"],
            "--max-tokens",
            "must be greater than or equal to 1",
        ),
        (
            ["generate", "p", "--repair-rounds", "-1"],
            "--repair-rounds",
            "must be greater than or equal to 0",
        ),
    ],
)
def test_every_numeric_flag_is_a_usage_error_when_out_of_range(
    argv, flag, why, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(MODULE)
    (tmp_path / "test_m.py").write_text(TESTS)
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"error: argument {flag}: " in err and why in err, err
    assert "Traceback" not in err


def test_numeric_flags_in_range_are_taken(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(MODULE)
    (tmp_path / "test_m.py").write_text(TESTS)
    assert main(["score", "m.py", "--run", "--repeats", "2"]) == 0
    assert "1/1 passed" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["score", "m.py"], ["traces"], ["doctor", "--json"]])
def test_a_closed_pipe_ends_quietly(argv, tmp_path):
    """`codegen ... | head -1`, the reader gone before the first write: exit 0, no traceback."""
    (tmp_path / "m.py").write_text(MODULE)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "codegen", *argv],
            cwd=tmp_path,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**os.environ, "CODEGEN_TRACING": "off", "CODEGEN_TRACE_DIR": str(tmp_path)},
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in completed.stderr, completed.stderr
    assert "BrokenPipe" not in completed.stderr
    assert completed.returncode == 0
