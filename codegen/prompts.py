"""Prompt templates, rendered strictly: a missing variable is an error, never an empty gap."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from string import Template

from pydantic import BaseModel


@cache
def _template(name: str) -> Template:
    return Template(resources.files("codegen").joinpath("templates", f"{name}.txt").read_text("utf-8"))


def render(name: str, **variables: str) -> str:
    """Fill template `name`; raises KeyError naming the variable that is missing."""
    return _template(name).substitute(variables)


def json_object_instruction(response_model: type[BaseModel]) -> str:
    """The schema, spelled out for endpoints that only accept `json_object` response formats."""
    return render("json_object", schema=json.dumps(response_model.model_json_schema(), indent=2))
