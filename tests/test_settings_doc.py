"""docs/configuration.md's settings tables are the ones `make docs` makes from the schemas."""

from __future__ import annotations

import shutil

import pytest

from codegen.settings import Settings
from scripts import settings_doc


def test_the_settings_tables_are_current(capsys):
    assert settings_doc.main(["--check"]) == 0, capsys.readouterr().err


def test_a_changed_setting_makes_the_doc_stale_until_make_docs(tmp_path, monkeypatch, capsys):
    doc = tmp_path / "configuration.md"
    shutil.copy(settings_doc.DOC, doc)
    monkeypatch.setattr(settings_doc, "DOC", doc)
    field = Settings.model_fields["timeout"]
    monkeypatch.setattr(field, "description", "Seconds before giving up on a reply.")
    assert settings_doc.main(["--check"]) == 1
    assert "run `make docs`" in capsys.readouterr().err
    assert settings_doc.main([]) == 0  # what `make docs` runs
    assert settings_doc.main(["--check"]) == 0
    text = doc.read_text(encoding="utf-8")
    assert "| Seconds before giving up on a reply. |" in text
    assert text.startswith("# Configuration\n")  # the prose around the tables is kept
    assert "## Tracing (Weave, local first)" in text


def test_the_tables_say_where_each_setting_comes_from():
    made = settings_doc.tables()
    row = next(line for line in made.splitlines() if line.startswith("| `timeout` |"))
    assert "`CODEGEN_TIMEOUT`" in row and "`codegen.timeout`" in row and "| 60 |" in row
    assert "`--timeout` (generate, demo, eval, doctor)" in row
    row = next(line for line in made.splitlines() if line.startswith("| `codegen.testLocation` |"))
    assert "`auto` \\| `beside` \\| `testsFolder`" in row


def test_a_doc_without_its_markers_says_how_to_fix_it(tmp_path, monkeypatch):
    doc = tmp_path / "configuration.md"
    doc.write_text("# Configuration\n", encoding="utf-8")
    monkeypatch.setattr(settings_doc, "DOC", doc)
    with pytest.raises(SystemExit, match="settings:start"):
        settings_doc.main(["--check"])
