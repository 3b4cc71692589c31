"""The protocol's converter is built for every message the server exchanges before the messages
come: cattrs builds a type's (un)structuring function on its first use, 1-10 ms apiece."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from codegen_lsp.protocol import EXCHANGED
from codegen_lsp.server import SERVER


def message_types(protocol) -> set:
    methods = {*EXCHANGED, *protocol.fm.features, *protocol.fm.builtin_features}
    return {
        kind for method in methods for kind in types.METHOD_TO_TYPES.get(method, ())[:2] if kind
    }


def test_prepare_converter_builds_every_exchanged_message_type_once():
    protocol = SERVER.protocol
    structure = protocol._converter._structure_func.dispatch
    unstructure = protocol._converter._unstructure_func.dispatch
    asyncio.run(protocol.prepare_converter())
    kinds = message_types(protocol)
    assert {
        types.CodeActionRequest,
        types.DidChangeTextDocumentNotification,
        types.InlayHintResponse,
        types.ConfigurationResponse,
    } <= kinds
    built = structure.cache_info()[1:], unstructure.cache_info()[1:]  # misses, maxsize, size
    for kind in kinds:  # what a message of each type now asks for is already built
        protocol._converter.get_structure_hook(kind)
        protocol._converter.get_unstructure_hook(kind)
    assert (structure.cache_info()[1:], unstructure.cache_info()[1:]) == built
