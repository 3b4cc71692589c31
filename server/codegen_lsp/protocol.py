"""A pygls protocol that answers a request whose params do not validate, instead of dropping
it."""

from __future__ import annotations

import logging
from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

from . import pygls_compat

log = logging.getLogger(__name__)


class _Answered:
    """Stands in for a request that was already answered with an error."""

    jsonrpc = None


class CodegenProtocol(LanguageServerProtocol):
    """pygls logs a request it cannot deserialize and never answers it; the client would wait
    forever."""

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException:
            if "id" in data and "method" in data:
                log.warning(
                    "Invalid params for %s (id %s): answering with an error",
                    data.get("method"),
                    data["id"],
                )
                answer = JsonRpcInvalidParams(message=f"Invalid params for {data['method']}")
                pygls_compat.answer_with_error(self, data["id"], answer.to_response_error())
                return _Answered()
            raise

    def handle_message(self, message):
        if isinstance(message, _Answered):
            return None
        return super().handle_message(message)
