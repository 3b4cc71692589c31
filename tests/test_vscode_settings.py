"""The VS Code extension's package.json declares exactly the server's settings, with the server's
defaults."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import get_args

import pytest

from codegen.settings import Settings
from codegen_lsp import config, constants

PACKAGE_JSON = Path(__file__).resolve().parents[1] / "client-vscode" / "package.json"
PREFIX = constants.CONFIGURATION_SECTION + "."


@pytest.fixture(scope="module")
def package() -> dict:
    return json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def properties(package) -> dict[str, dict]:
    declared = package["contributes"]["configuration"]["properties"]
    return {name[len(PREFIX) :]: spec for name, spec in declared.items() if name.startswith(PREFIX)}


def test_the_extension_declares_every_server_setting_and_no_other(properties):
    assert sorted(properties) == sorted(config.SETTINGS)


def test_no_setting_holds_an_api_key(properties):
    assert not [name for name in properties if "key" in name.lower()]


def test_server_setting_defaults_match_the_server_options(properties):
    defaults = {field.name: field.default for field in dataclasses.fields(config.ServerOptions)}
    for name, field in config.SERVER_SETTINGS.items():
        assert properties[name].get("default", "missing") == defaults[field], name


def test_server_setting_names_are_the_schema_aliases():
    schema = config.editor_schema()
    aliases = {name: spec.alias for name, spec in schema.model_fields.items()}
    assert config.SERVER_SETTINGS == {alias: name for name, alias in aliases.items()}


def _schema_of(name: str) -> dict:
    """The JSON schema pydantic gives the editor setting `name` (server or pipeline)."""
    if name in config.SERVER_SETTINGS:
        return config.editor_schema().model_json_schema(by_alias=True)["properties"][name]
    field = config.PIPELINE_SETTINGS[name]
    schema = Settings.model_json_schema()["properties"][field]
    # Optional fields: the bounds sit on the non-null branch
    return next((branch for branch in schema.get("anyOf", []) if "type" in branch), schema)


def test_bounds_the_extension_declares_are_the_schema_bounds(properties):
    for name, spec in properties.items():
        schema = _schema_of(name)
        assert spec.get("maximum") == schema.get("maximum"), name
        if "exclusiveMinimum" in schema:  # JSON schema in VS Code: a minimum just above it
            assert spec["minimum"] > schema["exclusiveMinimum"], name
        else:
            assert spec.get("minimum") == schema.get("minimum"), name


def test_every_value_the_extension_offers_is_one_the_schema_accepts(properties):
    for name, spec in properties.items():
        values = [
            spec.get(key) for key in ("default", "minimum", "maximum") if spec.get(key) is not None
        ]
        values += [choice for choice in spec.get("enum", []) if choice is not None]
        for value in values:
            options, problems = config.parse_options({name: value}, workspace_trusted=True)
            assert problems == config.checked_pipeline(options)[1] == [], (name, value)


def test_each_default_is_accepted_by_the_server(properties):
    raw = {name: spec["default"] for name, spec in properties.items()}
    options, problems = config.parse_options(raw, workspace_trusted=True)
    options, more = config.checked_pipeline(options)
    assert problems == more == []
    explicit = {
        field: raw[name]
        for name, field in config.PIPELINE_SETTINGS.items()
        if raw[name] is not None
    }
    assert options == config.ServerOptions(workspace_trusted=True, pipeline=explicit)


def test_choices_match_the_server(properties):
    for name, field in config.PIPELINE_SETTINGS.items():
        if "enum" in properties[name]:
            choices = [c for c in properties[name]["enum"] if c is not None]
            assert choices == list(get_args(Settings.model_fields[field].annotation)), name
    for name, field in config.SERVER_SETTINGS.items():
        if "enum" in properties[name]:
            annotation = config.editor_schema().model_fields[field].annotation
            assert properties[name]["enum"] == list(get_args(annotation)), name


def test_every_setting_is_described(properties):
    for name, spec in properties.items():
        assert spec.get("description") or spec.get("markdownDescription"), name


def test_client_commands_never_reuse_the_server_command_ids(package):
    # vscode-languageclient registers the server's command ids itself; a second registration fails.
    contributed = {command["command"] for command in package["contributes"]["commands"]}
    assert contributed.isdisjoint(constants.COMMANDS)
    assert all(command.startswith("codegen.client.") for command in contributed)
