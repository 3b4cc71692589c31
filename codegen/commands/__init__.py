"""One module per `codegen` subcommand; cli.py only parses and dispatches."""
