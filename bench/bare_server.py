"""The floor for start-up: a pygls 2 server with no features at all, started the same way as
ours."""

from pygls.lsp.server import LanguageServer

LanguageServer("bare", "0").start_io()
