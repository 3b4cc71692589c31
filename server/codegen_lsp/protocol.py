"""A pygls protocol that answers a request whose params do not validate, instead of dropping it,
and has its converter ready for the messages a session exchanges."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger(__name__)

# The messages of a session, the most frequent first; the server's own features follow
EXCHANGED = (
    types.TEXT_DOCUMENT_DID_OPEN,
    types.TEXT_DOCUMENT_DID_CHANGE,
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.TEXT_DOCUMENT_INLAY_HINT,
    types.WORKSPACE_EXECUTE_COMMAND,
    types.WORKSPACE_CONFIGURATION,
    types.WINDOW_WORK_DONE_PROGRESS_CREATE,
    types.PROGRESS,
    types.WINDOW_LOG_MESSAGE,
    types.WINDOW_SHOW_MESSAGE,
    types.WORKSPACE_APPLY_EDIT,
    types.WORKSPACE_INLAY_HINT_REFRESH,
    types.CLIENT_REGISTER_CAPABILITY,
)


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
                self._send_response(data["id"], error=answer.to_response_error())
                return _Answered()
            raise

    async def prepare_converter(self, passes: int = 3) -> None:
        """Have the converter build its structuring and unstructuring functions for the messages
        this server exchanges, one message type per turn of the loop. cattrs builds each on its
        first use, 1-10 ms apiece: the first codeAction after start waited 6 ms for its own
        (bench_incremental), where later ones take 0.5. Building one type can register hooks,
        which empties cattrs' cache of those built before: passes go on until one builds none."""
        methods = dict.fromkeys([*EXCHANGED, *self.fm.features, *self.fm.builtin_features])
        kinds = [
            kind
            for method in methods
            for kind in types.METHOD_TO_TYPES.get(method, ())[:2]
            if kind is not None  # a notification has no response
        ]
        # cattrs' lru_caches of built functions (typed by cattrs as plain callables)
        caches: tuple[Any, ...] = (
            self._converter._structure_func.dispatch,
            self._converter._unstructure_func.dispatch,
        )
        for _ in range(passes):
            built = [cache.cache_info()[1:] for cache in caches]  # (misses, maxsize, currsize)
            for kind in kinds:
                self._converter.get_structure_hook(kind)
                self._converter.get_unstructure_hook(kind)
                await asyncio.sleep(0)
            if [cache.cache_info()[1:] for cache in caches] == built:
                return

    def handle_message(self, message):
        if isinstance(message, _Answered):
            return None
        return super().handle_message(message)
