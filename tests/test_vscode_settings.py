"""The VS Code extension's package.json declares exactly the server's settings, with the server's defaults."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from codegen_lsp import config, constants

PACKAGE_JSON = Path(__file__).resolve().parents[1] / "client-vscode" / "package.json"
PREFIX = constants.CONFIGURATION_SECTION + "."


@pytest.fixture(scope="module")
def package() -> dict:
    return json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def properties(package) -> dict[str, dict]:
    declared = package["contributes"]["configuration"]["properties"]
    return {name[len(PREFIX):]: spec for name, spec in declared.items() if name.startswith(PREFIX)}


def test_the_extension_declares_every_server_setting_and_no_other(properties):
    assert sorted(properties) == sorted(config.SETTINGS)


def test_no_setting_holds_an_api_key(properties):
    assert not [name for name in properties if "key" in name.lower()]


def test_defaults_match_the_server_options(properties):
    defaults = {field.name: field.default for field in dataclasses.fields(config.ServerOptions)}
    for name, (field, _convert) in config.SETTINGS.items():
        assert properties[name].get("default", "missing") == defaults[field], name


def test_each_default_is_accepted_by_the_server(properties):
    raw = {name: spec["default"] for name, spec in properties.items()}
    options, problems = config.parse_options(raw, workspace_trusted=True)
    assert problems == []
    assert options == config.ServerOptions(workspace_trusted=True)


def test_choices_match_the_server(properties):
    assert [c for c in properties["tracing"]["enum"] if c is not None] == list(config.TRACING_MODES)
    assert properties["testLocation"]["enum"] == list(config.TEST_LOCATIONS)
    assert properties["testFramework"]["enum"] == list(config.TEST_FRAMEWORKS)


def test_every_setting_is_described(properties):
    for name, spec in properties.items():
        assert spec.get("description") or spec.get("markdownDescription"), name


def test_client_commands_never_reuse_the_server_command_ids(package):
    # vscode-languageclient registers the server's command ids itself; a second registration fails.
    contributed = {command["command"] for command in package["contributes"]["commands"]}
    assert contributed.isdisjoint(constants.COMMANDS)
    assert all(command.startswith("codegen.client.") for command in contributed)
