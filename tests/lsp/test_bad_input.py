"""Invalid UTF-8, unknown documents, invalid params, huge files: the server answers or errors, and
keeps running."""

from __future__ import annotations

import asyncio
import time

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.helpers.lsp_editor import shared_editor

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared_server, editor = shared_editor()


async def still_serving(editor):
    uri = editor.open("alive.py", "# add two numbers\n")
    actions = await editor.code_actions(uri, 0)
    assert [a.title for a in actions] == [
        "Generate function",
        "Generate function, runner and tests",
    ]


async def raw_request(editor, method, params):
    """A request whose params the typed client would refuse to send."""
    protocol = editor.client.protocol
    message_id = f"raw-{method}"
    answer = asyncio.get_running_loop().create_future()
    protocol._request_futures[message_id] = answer
    protocol._send_data({"jsonrpc": "2.0", "id": message_id, "method": method, "params": params})
    return await asyncio.wait_for(answer, 5)


async def test_invalid_params_get_an_error_answer(editor):
    with pytest.raises(JsonRpcException, match="Invalid params"):
        await raw_request(
            editor, types.TEXT_DOCUMENT_CODE_ACTION, {"textDocument": 5, "range": "everywhere"}
        )
    with pytest.raises(JsonRpcException, match="Invalid params"):
        await raw_request(editor, types.TEXT_DOCUMENT_INLAY_HINT, None)
    for arguments in (
        [],
        [{"uri": 3}],
        [{"uri": "file:///x.py", "kind": "poem"}],
        ["a", "b"],
        [{"uri": "file:///x.py", "line": -1}],
    ):
        with pytest.raises(JsonRpcException, match="Invalid params"):
            await editor.command("codegen.generate", *arguments, timeout=5)
    with pytest.raises(JsonRpcException):
        await editor.command("codegen.generateTests", timeout=5)
    with pytest.raises(JsonRpcException):
        await editor.command("codegen.generateTests", {"uri": "file:///x.py"}, 3.5, timeout=5)
    with pytest.raises(JsonRpcException):
        await editor.command("codegen.noSuchCommand", timeout=5)
    await still_serving(editor)


async def test_unknown_documents(editor):
    nowhere = editor.uri("nowhere.py")
    assert not await editor.code_actions(nowhere, 0)
    outcome = await editor.command(
        "codegen.generate", {"uri": nowhere, "kind": "function", "line": 0}
    )
    assert not outcome["applied"] and "Open the file" in outcome["message"]
    outcome = await editor.command("codegen.runTests", nowhere)
    assert not outcome["ran"] and "no test file" in outcome["message"]
    outcome = await editor.command("codegen.generateTests", nowhere)
    assert not outcome["applied"]
    editor.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=editor.uri("ghost.py"), version=3
            ),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="x = 1\n")],
        )
    )
    editor.client.text_document_did_close(
        types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=editor.uri("ghost.py"))
        )
    )
    assert editor.model.requests == []
    await still_serving(editor)


async def test_invalid_utf8_files(editor):
    uri = editor.place("buggy.py")
    editor.test_file(uri).write_bytes(b"import unittest\n# caf\xe9 \xff\xfe\n")
    (editor.root / "latin1.py").write_bytes(b"# r\xe9sum\xe9 of a list\n")
    published = await editor.diagnostics(uri)  # the unreadable test file is skipped, not fatal
    assert published.diagnostics
    outcome = await editor.command("codegen.runTests", uri)
    assert not outcome["ran"] and "Cannot read" in outcome["message"]
    outcome = await editor.command("codegen.runTests", editor.uri("latin1.py"))
    assert not outcome["ran"]
    outcome = await editor.run(
        next(a for a in await editor.code_actions(uri, 1) if a.title == "Generate tests")
    )
    assert not outcome["applied"] and editor.test_file(uri).name in outcome["message"]
    # A document whose text holds lone surrogates (what undecodable bytes become) is still analysed.
    odd = editor.open("odd.py", "def f():\n    return '\udcff'\n")
    assert (await editor.diagnostics(odd)).uri == odd
    assert await editor.code_actions(odd, 1, 20)
    await still_serving(editor)


async def test_fifty_thousand_lines(editor):
    block = (
        "def f{n}(values):\n    total = 0\n    for value in values:\n        total += value\n"
        "    return total\n\n\n"
    )
    text = "# sum many lists\n" + "".join(block.format(n=n) for n in range(50_000 // 7)) + "X = 1\n"
    uri = editor.open("huge.py", text)
    published = await editor.diagnostics(uri, timeout=60)
    # Two findings per function (no docstring, no type hints): 14,284, of which maxDiagnostics (500)
    # are shown.
    codes = [d.code for d in published.diagnostics]
    assert codes.count("missing-docstring") + codes.count("missing-type-hints") == 500
    [more] = [d for d in published.diagnostics if d.code == "more-findings"]
    assert (
        more.message.startswith("13,784 more findings are not shown")
        and "codegen.maxDiagnostics" in more.message
    )
    started = time.perf_counter()
    actions = await editor.code_actions(uri, 40_002, 8)
    assert [a.title for a in actions] == ["Generate runner (main)", "Generate tests"]
    assert time.perf_counter() - started < 1.0
    assert await editor.code_actions(uri, 0)
    hints = await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=100, character=0),
                end=types.Position(line=200, character=0),
            ),
        )
    )
    assert 10 <= len(hints) <= 20
    await still_serving(editor)
