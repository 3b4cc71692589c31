"""Command line: `codegen-lsp` / `python -m codegen_lsp` serves LSP over stdio, or TCP with
--tcp."""

from __future__ import annotations

import argparse
import logging
import sys

from . import __version__


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT, for example 127.0.0.1:2087")
    return host or "127.0.0.1", int(port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="codegen-lsp", description=__doc__)
    parser.add_argument(
        "--tcp", type=_host_port, metavar="HOST:PORT", help="listen on TCP instead of stdio"
    )
    # Clients such as vscode-languageclient pass --stdio; stdio is the default anyway.
    parser.add_argument(
        "--stdio", action="store_true", help="serve over stdin/stdout (the default)"
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    args = parser.parse_args(argv)

    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("pygls").setLevel(max(logging.WARNING, logging.getLogger().level))

    # Generations run on a thread of their own (and stdin and stdout, where the loop cannot serve
    # them): let the loop's thread take the GIL back within 1 ms, not the default 5 ms.
    sys.setswitchinterval(0.001)
    from .log_forwarding import ClientLogHandler
    from .server import SERVER

    SERVER.log_handler = ClientLogHandler(SERVER)
    SERVER.log_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger("codegen_lsp").addHandler(SERVER.log_handler)
    if args.tcp:
        SERVER.start_tcp(*args.tcp)
    else:
        from .stdio import serve_stdio

        serve_stdio(SERVER)


if __name__ == "__main__":
    main()
