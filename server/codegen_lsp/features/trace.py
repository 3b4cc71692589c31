"""codegen.showTrace: the last generation's trace, as a page the editor shows or opens."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

if TYPE_CHECKING:  # the server imports this module
    from ..language_server import CodegenLanguageServer

log = logging.getLogger(__name__)


async def show_trace(
    server: CodegenLanguageServer, arguments: tuple[Any, ...] = ()
) -> dict[str, Any]:
    """The last generation's trace as a readable page, where tracing is local.

    A client that passes `{webview: true}` (ours) gets the page's HTML to show; others get the page
    opened in a browser through `window/showDocument` where they support it, and its path either
    way.
    """
    session = server.last_session
    if session is None:
        message = "No generation has run yet; its trace will be listed here once one has."
        server.show(message, types.MessageType.Info)
        return {"message": message}
    status = getattr(session, "tracing", None)
    call_id = getattr(session, "last_call_id", None)
    detail = getattr(status, "detail", None) or "Tracing status unknown."
    message = detail + (f" Last call: {call_id}." if call_id else "")
    answer: dict[str, Any] = {
        "message": message,
        "mode": getattr(status, "mode", None),
        "location": getattr(status, "location", None),
        "callId": call_id,
    }
    if call_id and answer["mode"] == "local":
        page = await asyncio.to_thread(_trace_page, server, call_id)
        if isinstance(page, str):
            answer["message"] = message = f"{message} Its trace could not be shown: {page}"
        else:
            answer.update(html=page[0], path=str(page[1]))
            wants_webview = bool(
                arguments and isinstance(arguments[0], dict) and arguments[0].get("webview")
            )
            shown = False
            if not wants_webview and server.supports_show_document():
                try:
                    result = await server.window_show_document_async(
                        types.ShowDocumentParams(uri=from_fs_path(str(page[1])), external=True)
                    )
                    shown = bool(result and result.success)
                except (
                    Exception
                ) as error:  # the client could not open it: the path below still says where
                    log.info("window/showDocument failed: %s", error)
            if not wants_webview:
                answer["message"] = message = (
                    f"{message} {'Opened' if shown else 'Its page'}: {page[1]}."
                )
    if "html" not in answer or not (
        arguments and isinstance(arguments[0], dict) and arguments[0].get("webview")
    ):
        server.show(message, types.MessageType.Info)
    return answer


def _trace_page(server: CodegenLanguageServer, call_id: str):
    """(HTML, the file it was written to) for a traced call, or the sentence saying why not."""
    from codegen.errors import CodegenError
    from codegen.tracing.page import render_call_html

    try:
        html = render_call_html(call_id)
    except CodegenError as error:
        return str(error)
    path = server.scratch_dir() / f"trace-{call_id}.html"
    path.write_text(html, encoding="utf-8")
    return html, path
