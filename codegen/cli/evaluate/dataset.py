"""The prompts `codegen eval` runs: a JSONL or CSV file, each row checked to have a prompt."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from ...errors import ConfigurationError

# Shipped with the package (examples/prompts.jsonl in a checkout links to it): `codegen eval`
# with no --dataset works in any install.
DEFAULT_DATASET = Path(__file__).with_name("prompts.jsonl")


def resolve_dataset(path: Path | None) -> Path:
    """`path`, or the prompts shipped with codegen."""
    if path is None:
        return DEFAULT_DATASET
    if not path.is_file():
        raise ConfigurationError(
            f"The dataset {path} is not a file; pass --dataset PATH to a JSONL or CSV file."
        )
    return path


def load_prompts(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL (one object per line) or CSV file, each with a non-empty `prompt`."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"Cannot read the dataset {path}: {error}.") from None
    if suffix == ".csv":
        rows = _csv_rows(path, text)
    elif suffix in (".jsonl", ".json", ".ndjson"):
        rows = _jsonl_rows(path, text)
    else:
        raise ConfigurationError(
            f"The dataset {path} should be a .jsonl or .csv file (got {suffix or 'no extension'})."
        )
    if not rows:
        raise ConfigurationError(
            f"The dataset {path} has no prompts; add rows with a `prompt` column."
        )
    # `into`: an existing module to generate into, relative to the dataset's folder
    return [
        {**row, "into": str(path.parent / row["into"])} if row.get("into") else row for row in rows
    ]


def _jsonl_rows(path: Path, text: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ConfigurationError(
                f"{path}:{number}: not valid JSON ({error.msg} at column {error.colno}); "
                'each line must be one JSON object such as {"prompt": "reverse a string"}.'
            ) from None
        if not isinstance(row, dict):
            raise ConfigurationError(
                f'{path}:{number}: expected a JSON object such as {{"prompt": "reverse a string"}},'
                f" got {type(row).__name__}."
            )
        rows.append(_checked_row(row, f"{path}:{number}"))
    return rows


def _csv_rows(path: Path, text: str) -> list[dict[str, Any]]:
    try:
        reader = csv.DictReader(text.splitlines())
        columns = reader.fieldnames or []
        if "prompt" not in columns:
            found = ", ".join(repr(c) for c in columns) or "none"
            raise ConfigurationError(
                f"{path}:1: the CSV header has no `prompt` column (columns: {found})."
            )
        rows = []
        for row in reader:
            if None in row:  # more cells than header columns
                raise ConfigurationError(
                    f"{path}:{reader.line_num}: {len(columns) + len(row[None])} cells but the"
                    f" header has {len(columns)} columns; quote cells that contain commas."
                )
            rows.append(_checked_row(row, f"{path}:{reader.line_num}"))
        return rows
    except csv.Error as error:
        raise ConfigurationError(f"{path}: not valid CSV ({error}).") from None


def _checked_row(row: dict[str, Any], where: str) -> dict[str, Any]:
    prompt = row.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ConfigurationError(f'{where}: the row needs a non-empty "prompt" string.')
    return {**{k: v for k, v in row.items() if v is not None}, "prompt": prompt.strip()}
