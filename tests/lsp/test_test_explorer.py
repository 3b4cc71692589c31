"""codegen/testItems and codegen/testResults: what the VS Code Test Explorer is fed, over the
wire."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.helpers.lsp_editor import DATA, shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()


def value(obj, name):
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


async def test_items_then_one_test_run_alone_with_results_and_coverage(editor):
    uri = editor.place("buggy.py")
    module = Path(uri).stem
    test_file = editor.test_file(uri)
    test_file.write_text(
        (DATA / "test_buggy.py").read_text().replace("from buggy ", f"from {module} ")
    )

    answer = await editor.client.protocol.send_request_async("codegen/testItems", {"uri": uri})
    items = [value(item, "id") for item in value(answer, "items")]
    assert value(answer, "testUri").endswith(test_file.name)
    assert len(items) >= 3 and all(isinstance(item, str) for item in items)
    [test_class] = [item for item in items if "." not in item]
    one = next(item for item in items if item.startswith(test_class + "."))

    waiting = asyncio.ensure_future(editor.client.wait_for_notification("codegen/testResults"))
    await editor.command("codegen.runTests", uri, {"only": [one]})
    payload = await asyncio.wait_for(waiting, 30)

    assert value(payload, "uri") == uri
    assert [value(test, "id") for test in value(payload, "tests")] == [one]
    coverage = value(payload, "coverage")
    assert value(coverage, "measured") and value(coverage, "statements")
    assert value(payload, "isolation") == "full"


async def test_a_test_file_has_no_items_of_its_own(editor):
    uri = editor.place("buggy.py")
    editor.test_file(uri).write_text("import unittest\n")
    test_uri = editor.uri(editor.test_file(uri).name)
    assert (
        await editor.client.protocol.send_request_async("codegen/testItems", {"uri": test_uri})
        is None
    )
