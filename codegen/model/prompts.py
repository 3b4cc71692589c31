"""Prompt templates, rendered strictly: a missing variable is an error, never an empty gap."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from string import Template

from pydantic import BaseModel


@cache
def _template(name: str) -> Template:
    return Template(
        resources.files("codegen.model").joinpath("templates", f"{name}.txt").read_text("utf-8")
    )


def render(name: str, **variables: str) -> str:
    """Fill template `name`; raises KeyError naming the variable that is missing."""
    return _template(name).substitute(variables)


def context_section(template: str, context: str, **variables: str) -> str:
    """Template `template` introducing `context` ("module_context", "test_conventions"), or ""
    when there is no context to introduce."""
    return render(template, context=context, **variables) if context else ""


def json_object_instruction(response_model: type[BaseModel]) -> str:
    """The schema, spelled out for endpoints that only accept `json_object` response formats."""
    return render("json_object", schema=json.dumps(response_model.model_json_schema(), indent=2))


# The test prompt per framework, and how a repair keeps the file in that framework.
TEST_TEMPLATES = {"unittest": "tests", "pytest": "tests_pytest"}
REPAIR_STYLES = {
    "unittest": {
        "style": "unittest.TestCase classes with self.assert* assertions",
        "float_check": "assertAlmostEqual",
    },
    "pytest": {
        "style": "plain test functions with assert, pytest.raises and pytest.mark.parametrize",
        "float_check": "pytest.approx",
    },
}


def render_tests(framework: str, *, method: bool = False, **variables: str) -> str:
    """The prompt asking for a test file in `framework` ("unittest" or "pytest"); `method`: of
    methods just added to a class, which the tests construct."""
    return render(TEST_TEMPLATES[framework] + ("_method" if method else ""), **variables)


def render_repair(framework: str, **variables: str) -> str:
    """The prompt asking to fix failing tests, keeping them in `framework`."""
    return render("repair", framework=framework, **REPAIR_STYLES[framework], **variables)
