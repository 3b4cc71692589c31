"""docs/configuration.md's settings tables, made from the schemas (`make docs`) or checked.

From `Settings`, the CLI's setting flags, the server's editor settings and the VS Code extension's
package.json; `--check` fails when the file differs from what they make.

    .venv/bin/python scripts/settings_doc.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from codegen.cli import FLAG_DESTS, build_parser
from codegen.settings import ENVIRONMENT_VARIABLES, Settings
from codegen_lsp import config

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "configuration.md"
PACKAGE_JSON = ROOT / "client-vscode" / "package.json"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"
NOTE = (
    "<!-- Made by `make docs` (scripts/settings_doc.py) from codegen/settings.py, the CLI, "
    "server/codegen_lsp/config.py and client-vscode/package.json; edit those, not this table. -->"
)
STALE = "docs/configuration.md's settings tables are out of date: run `make docs` and commit it."


def editor_settings() -> dict[str, dict[str, Any]]:
    """package.json's `codegen.*` settings, by their name without the section."""
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    declared = package["contributes"]["configuration"]["properties"]
    return {name.split(".", 1)[1]: spec for name, spec in declared.items()}


def setting_flags() -> dict[str, list[str]]:
    """Settings field -> `--flag (command, ...)` for each flag that sets it."""
    parser = build_parser()
    # argparse has no public way to list a parser's actions; `_actions` is stable since 2.7
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    fields = {FLAG_DESTS.get(name, name): name for name in Settings.model_fields}
    where: dict[tuple[str, str], list[str]] = {}
    for command, subparser in commands.choices.items():
        for action in subparser._actions:
            if action.dest in fields and action.option_strings:
                where.setdefault((fields[action.dest], action.option_strings[0]), []).append(
                    command
                )
    flags: dict[str, list[str]] = {}
    for (name, flag), used_by in where.items():
        flags.setdefault(name, []).append(f"`{flag}` ({', '.join(used_by)})")
    return flags


def shown(value: Any) -> str:
    """A default as the table shows it."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return f"`{value}`" if isinstance(value, str) else str(value)


def allowed(model: type[BaseModel], name: str, by_alias: bool = False) -> str:
    """The values a field takes, from its JSON schema: its choices, or its bounds."""
    schema = model.model_json_schema(by_alias=by_alias)["properties"][name]
    schema = next((branch for branch in schema.get("anyOf", []) if "type" in branch), schema)
    if "enum" in schema:
        return " | ".join(f"`{choice}`" for choice in schema["enum"])
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    low_sign = "≤" if "minimum" in schema else "<"
    if low is None and "maximum" not in schema:
        return schema.get("type", "")
    return f"{low} {low_sign} n ≤ {schema.get('maximum', '∞')}"


def table_row(cells: list[str]) -> str:
    """A Markdown table row; a `|` in a cell is escaped, so it stays in its cell."""
    return "| " + " | ".join(text.replace("|", "\\|").replace("\n", " ") for text in cells) + " |"


def pipeline_table(flags: Mapping[str, list[str]], editor: Mapping[str, Any]) -> list[str]:
    editor_names = {field: name for name, field in config.PIPELINE_SETTINGS.items()}
    rows = [
        "| setting | environment | flag | editor | default | values | what it is |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        editor_name = editor_names.get(name)
        variable = ENVIRONMENT_VARIABLES.get(name)
        row = [
            f"`{name}`",
            f"`{variable}`" if variable else "—",
            "<br>".join(flags.get(name, [])) or "—",
            f"`codegen.{editor_name}`" if editor_name in editor else "—",
            shown(field.default),
            allowed(Settings, name),
            field.description or "",
        ]
        rows.append(table_row(row))
    return rows


def server_table(editor: Mapping[str, Any]) -> list[str]:
    schema = config.editor_schema()
    rows = ["| editor setting | default | values | what it is |", "|---|---|---|---|"]
    for name, field in config.SERVER_SETTINGS.items():
        spec = editor[name]
        row = [
            f"`codegen.{name}`",
            shown(schema.model_fields[field].default),
            allowed(schema, name, by_alias=True),
            spec.get("markdownDescription") or spec["description"],
        ]
        rows.append(table_row(row))
    return rows


def tables() -> str:
    """The generated part of docs/configuration.md, markers included."""
    editor = editor_settings()
    return "\n".join(
        [
            START,
            NOTE,
            "",
            *pipeline_table(setting_flags(), editor),
            "",
            "The editor settings only the language server uses (section `codegen`; see "
            "[editors.md](editors.md)):",
            "",
            *server_table(editor),
            END,
        ]
    )


def with_tables(text: str) -> str:
    """`text` with what stands between the markers replaced by `tables()`."""
    if START not in text or END not in text:
        raise SystemExit(f"{DOC} lost its {START} and {END} lines: put them back around the tables")
    start, end = text.index(START), text.index(END) + len(END)
    return text[:start] + tables() + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the file is out of date")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    made = with_tables(text)
    if args.check:
        if made != text:
            print(STALE, file=sys.stderr)
            return 1
        return 0
    if made != text:
        DOC.write_text(made, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
