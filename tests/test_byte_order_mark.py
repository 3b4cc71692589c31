"""A file opening with a UTF-8 byte-order mark, which Python runs, scored and run like one
without."""

from __future__ import annotations

import json

from codegen import source
from codegen.cli import main
from codegen.scoring import quality
from codegen.scoring.quality_incremental import IncrementalModule
from tests.loopback_model import MOVING_AVERAGE, RUNNER, TESTS

BOM = b"\xef\xbb\xbf"
MODULE = (MOVING_AVERAGE + "\n\n" + RUNNER).encode()
TEST_FILE = TESTS.replace("your_module", "moving_average").encode()


def score(capsys, folder, *flags: str) -> dict:
    assert main(["score", str(folder / "moving_average.py"), "--json", *flags]) == 0
    return json.loads(capsys.readouterr().out)


def write(folder, bom: bytes):
    folder.mkdir()
    (folder / "moving_average.py").write_bytes(bom + MODULE)
    (folder / "test_moving_average.py").write_bytes(bom + TEST_FILE)


def test_score_of_a_file_with_a_byte_order_mark_is_the_score_without(tmp_path, capsys):
    write(tmp_path / "plain", b"")
    write(tmp_path / "marked", BOM)
    plain, marked = score(capsys, tmp_path / "plain"), score(capsys, tmp_path / "marked")
    assert marked["scores"] == plain["scores"] and plain["scores"]["overall_score"] == 1.0
    assert marked["findings"] == plain["findings"]


def test_score_run_of_files_with_a_byte_order_mark_runs_their_tests(tmp_path, capsys):
    write(tmp_path / "marked", BOM)
    run = score(capsys, tmp_path / "marked", "--run", "--repeats", "1")["execution"]
    assert (run["run"], run["passed"]) == (3, 3), run
    coverage = {f["name"]: f["percent"] for f in run["functions"]}
    assert coverage["moving_average"] > 80


def test_the_mark_keeps_the_columns_of_the_text_it_is_in():
    """An editor counts the mark as a character of line 1: findings there start after it."""
    text = "\ufeffdef f(x):\n    return x\n"
    assert source.parses(text)
    assert {(f.start_line, f.start_col) for f in quality.findings(text)} == {(1, 1)}
    assert quality.seed_scores(text, "") == quality.seed_scores(text[1:], "")
    module = IncrementalModule(text.splitlines(keepends=True)).analyze(None)
    assert module.syntax_error is None and [f.start_col for f in module.findings()] == [1, 1]


def test_the_mark_counts_for_no_line_length():
    line = "X = '" + "x" * 94 + "'\n"  # exactly 100 characters: not too long
    assert quality.seed_scores("\ufeff" + line, "") == quality.seed_scores(line, "")
    assert not quality.findings("\ufeff" + line)


def test_a_mark_anywhere_but_first_is_still_an_error():
    assert not source.parses("x = 1\n\ufeffy = 2\n")
