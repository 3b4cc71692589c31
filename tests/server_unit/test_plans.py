"""plans: a snapshot of the module and its test file, plus what the model made, gives the new
texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen_lsp.constants import KIND_ALL
from codegen_lsp.editing.anchors import Anchor, anchor_for_request
from codegen_lsp.editing.plans import FilesSnapshot, Generated, edit_for, plan
from codegen_lsp.features.generation import GenerationRequest
from codegen_lsp.stop import GenerationStopped

MODULE = "import os\n\n# add two numbers\n\n\ndef existing():\n    return os.sep\n"
CODE = "from typing import List\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n"
TESTS = (
    "import unittest\n\nfrom calc import add\n\n\nclass TestAdd(unittest.TestCase):\n"
    "    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\n"
)


def snapshot(
    tmp_path: Path, *, test_text: str | None = None, keep_prompt_comment: bool = False
) -> FilesSnapshot:
    module_path = tmp_path / "calc.py"
    return FilesSnapshot(
        module_path.as_uri(),
        MODULE,
        4,
        module_path,
        tmp_path / "test_calc.py",
        test_text,
        None if test_text is None else 2,
        keep_prompt_comment=keep_prompt_comment,
    )


def prompt_anchor(text: str = MODULE) -> Anchor:
    return anchor_for_request(GenerationRequest("file:///calc.py", KIND_ALL, line=2), text)


def test_the_function_replaces_the_prompt_and_its_imports_join_the_block(tmp_path):
    module, tests = plan(snapshot(tmp_path), prompt_anchor(), Generated(code=CODE))
    assert tests is None
    assert (
        "# add two numbers" not in module.new_text
        and "def add(a: int, b: int) -> int:" in module.new_text
    )
    assert module.new_text.startswith("import os\nfrom typing import List\n")
    assert (module.old_text, module.version) == (MODULE, 4)


def test_keep_prompt_comment_keeps_it(tmp_path):
    module, _ = plan(
        snapshot(tmp_path, keep_prompt_comment=True), prompt_anchor(), Generated(code=CODE)
    )
    assert "# add two numbers" in module.new_text


def test_a_new_test_file_is_created_with_the_tests(tmp_path):
    _, tests = plan(snapshot(tmp_path), prompt_anchor(), Generated(code=CODE, tests=TESTS))
    assert (
        tests.old_text is None and tests.new_text == TESTS and tests.uri.endswith("/test_calc.py")
    )


def test_an_existing_test_file_gets_the_new_class_added(tmp_path):
    existing = TESTS.replace("TestAdd", "TestOld")
    _, tests = plan(
        snapshot(tmp_path, test_text=existing), prompt_anchor(), Generated(code=CODE, tests=TESTS)
    )
    assert "class TestOld" in tests.new_text and "class TestAdd" in tests.new_text
    assert (tests.old_text, tests.version) == (existing, 2)


def test_an_unmergeable_test_file_stops_with_its_name(tmp_path):
    with pytest.raises(GenerationStopped, match="test_calc.py"):
        plan(
            snapshot(tmp_path, test_text="def broken(:\n"),
            prompt_anchor(),
            Generated(code=CODE, tests=TESTS),
        )


def test_the_edit_is_made_against_the_snapshot_version(tmp_path):
    changes, edit = edit_for(
        snapshot(tmp_path),
        prompt_anchor(),
        Generated(code=CODE),
        len,
        document_changes=True,
        creates=True,
    )
    [change] = changes
    [document_edit] = edit.document_changes
    assert document_edit.text_document.version == 4 and change.new_text != MODULE
