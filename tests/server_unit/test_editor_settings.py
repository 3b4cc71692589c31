"""config: the server's own editor settings checked against their one schema, each on its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from codegen_lsp.config import ServerOptions, checked_pipeline, parse_options

PACKAGE_JSON = Path(__file__).resolve().parents[2] / "client-vscode" / "package.json"


def checked(**settings) -> tuple[ServerOptions, list[str]]:
    """The options as a generation sees them, and every problem reported on the way."""
    options, problems = parse_options(settings, workspace_trusted=True)
    options, more = checked_pipeline(options)
    return options, problems + more


def test_one_wrong_server_setting_is_named_and_the_others_apply():
    options, problems = checked(
        diagnosticsDelayMs=-1, testLocation="beside", keepPromptComment=True, maxDiagnostics=7
    )
    assert (options.test_location, options.keep_prompt_comment, options.max_diagnostics) == (
        "beside",
        True,
        7,
    )
    assert options.diagnostics_delay_ms == 300  # the default
    assert problems == [
        "codegen.diagnosticsDelayMs: Input should be greater than or equal to 0; using the default"
    ]


def test_each_kind_of_wrong_value_says_what_is_expected():
    _, problems = checked(
        keepPromptComment="yes", testLocation="nowhere", maxDiagnostics=2.5, previewEdits=None
    )
    assert problems == [
        "codegen.keepPromptComment: Input should be a valid boolean; using the default",
        "codegen.testLocation: Input should be 'auto', 'beside' or 'testsFolder';"
        " using the default",
        "codegen.maxDiagnostics: Input should be a valid integer; using the default",
    ]


def test_server_and_pipeline_problems_come_together():
    options, problems = checked(maxDiagnostics=0, timeout=-1, model="small")
    assert options.pipeline == {"model": "small"} and options.max_diagnostics == 500
    assert [problem.split(":")[0] for problem in problems] == [
        "codegen.maxDiagnostics",
        "codegen.timeout",
    ]


def test_server_settings_apply_at_once():
    """In force from `initialize` on: a file opened at once is served with them."""
    options, problems = parse_options(
        {"maxDiagnostics": 3, "testLocation": "beside"}, workspace_trusted=False
    )
    assert (options.max_diagnostics, options.test_location, problems) == (3, "beside", [])


def test_the_extension_defaults_are_read_without_pydantic():
    """VS Code sends every setting, mostly unchanged: reading them must not import pydantic before
    `initialize` is answered (~50 ms of a start-up budget of 15 % over a bare pygls server)."""
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    declared = package["contributes"]["configuration"]["properties"]
    defaults = {name.split(".", 1)[1]: spec["default"] for name, spec in declared.items()}
    code = (
        "import json, sys\n"
        "from codegen_lsp.config import parse_options\n"
        f"options, problems = parse_options(json.loads({json.dumps(defaults)!r}),"
        " workspace_trusted=True)\n"
        "print(json.dumps([problems, 'pydantic' in sys.modules]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(output) == [[], False]
