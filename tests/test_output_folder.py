"""`--out` is checked before any model call, and files are written with the user's umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.helpers.cli import files_in, generate


@pytest.fixture
def unwritable_folder(tmp_path) -> Path:
    """A folder this process cannot write in: read-only for users, /sys/kernel for root (which can
    write anywhere its mode bits say not to)."""
    if os.geteuid() == 0:
        yield Path("/sys/kernel")
        return
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


def test_out_naming_a_file_fails_before_any_model_call(model, tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    assert generate(model, target) == 2
    err = capsys.readouterr().err
    assert f"The output folder {target} is a file; pass a folder to --out." in err
    assert "Traceback" not in err
    assert model.requests == [] and target.read_text() == "keep me"


def test_out_below_a_file_fails_before_any_model_call(model, tmp_path, capsys):
    (tmp_path / "results.txt").write_text("")
    assert generate(model, tmp_path / "results.txt" / "out") == 2
    assert f"cannot be created: {tmp_path / 'results.txt'} is a file" in capsys.readouterr().err
    assert model.requests == []


def test_unwritable_out_fails_before_any_model_call(model, unwritable_folder, capsys):
    assert generate(model, unwritable_folder) == 2
    err = capsys.readouterr().err
    assert f"Cannot write in the output folder {unwritable_folder}" in err and "--out" in err
    assert model.requests == []


def test_out_that_would_be_created_in_an_unwritable_folder_fails_before_any_model_call(
    model, unwritable_folder, capsys
):
    assert generate(model, unwritable_folder / "new" / "out") == 2
    assert f"its nearest existing folder, {unwritable_folder}" in capsys.readouterr().err
    assert model.requests == []


def test_out_as_a_dangling_symlink_fails_before_any_model_call(model, tmp_path, capsys):
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "missing")
    assert generate(model, link) == 2
    assert "is a symbolic link to" in capsys.readouterr().err
    assert model.requests == []


def test_out_as_a_symlink_to_a_folder_writes_into_that_folder(model, tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "real")
    assert generate(model, tmp_path / "out", "--module", "ma", "--no-run") == 0
    assert files_in(tmp_path / "real") == ["ma.py", "test_ma.py"]


def test_unwritable_record_folder_fails_before_any_model_call(
    model, tmp_path, unwritable_folder, capsys
):
    assert generate(model, tmp_path, "--record", str(unwritable_folder)) == 2
    assert model.requests == []


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_files_are_written_with_the_users_umask(model, tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        assert (
            generate(
                model,
                tmp_path / "out",
                "--module",
                "ma",
                "--no-run",
                "--record",
                str(tmp_path / "answers"),
            )
            == 0
        )
    finally:
        os.umask(previous)
    written = [
        tmp_path / "out" / "ma.py",
        tmp_path / "out" / "test_ma.py",
        *(tmp_path / "answers").iterdir(),
    ]
    assert len(written) == 5  # module, tests, and three recorded answers
    assert {stat.S_IMODE(path.stat().st_mode) for path in written} == {mode}


def test_a_record_that_cannot_be_written_leaves_the_old_one_and_no_temporary_file(tmp_path):
    from codegen.model.recording import AnswerRecorder, AnswerReplayer

    recorder = AnswerRecorder(tmp_path)
    recorder.save("k", step="function", prompt="p", model="m", request={}, answer="old")
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate has no UTF-8 form
        recorder.save("k", step="function", prompt="p", model="m", request={}, answer="new \ud800")
    assert AnswerReplayer(tmp_path).answer("k", step="function", prompt="p") == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["k.json"]
