"""The VS Code extension's package.json declares exactly the server's settings, with the server's
defaults."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import get_args

import pytest

from codegen.settings import Settings, check_fields
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
    for name, (field, _convert) in config.SERVER_SETTINGS.items():
        assert properties[name].get("default", "missing") == defaults[field], name


def test_pipeline_setting_defaults_match_the_pipeline_settings(properties):
    """null is "unset": the environment, then Settings' default decide. Anything else is Settings'
    default."""
    for name, field in config.PIPELINE_SETTINGS.items():
        default = properties[name].get("default", "missing")
        assert default is None or default == Settings.model_fields[field].default, name


def test_every_value_the_extension_offers_is_one_the_pipeline_accepts(properties):
    offered = {}
    for name, field in config.PIPELINE_SETTINGS.items():
        spec = properties[name]
        values = [
            spec.get(key) for key in ("default", "minimum", "maximum") if spec.get(key) is not None
        ]
        offered[field] = values + [choice for choice in spec.get("enum", []) if choice is not None]
    for field, values in offered.items():
        for value in values:
            assert check_fields({field: value})[1] == {}, (field, value)


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
    assert properties["testLocation"]["enum"] == list(config.TEST_LOCATIONS)


def test_every_setting_is_described(properties):
    for name, spec in properties.items():
        assert spec.get("description") or spec.get("markdownDescription"), name


def test_client_commands_never_reuse_the_server_command_ids(package):
    # vscode-languageclient registers the server's command ids itself; a second registration fails.
    contributed = {command["command"] for command in package["contributes"]["commands"]}
    assert contributed.isdisjoint(constants.COMMANDS)
    assert all(command.startswith("codegen.client.") for command in contributed)
