"""Shared fixtures: a loopback Chat Completions server and an environment with no real
credentials."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Helpers assert too: their failures get pytest's detailed messages, as in a test file.
pytest.register_assert_rewrite("tests.helpers")

from tests.loopback_model import LoopbackModel  # noqa: E402

# Nothing a test runs may find a real key or reach W&B, whatever the developer's shell has.
_SCRUBBED_PREFIXES = ("OPENAI_", "WANDB_", "CODEGEN_", "WEAVE_")


@pytest.fixture(autouse=True)
def clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in list(os.environ):
        if name.startswith(_SCRUBBED_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def model() -> LoopbackModel:
    with LoopbackModel() as server:
        yield server


# -- lanes ------------------------------------------------------------------------------------
# Markers by where a test lives and what it costs, so that `make test-fast` can leave out the slow.
# `slow`: measured with `pytest --durations=0 -p no:randomly` (2 cores): the files below run
# sandboxed test runs, the CLI with its sandbox, or servers as subprocesses in most of their tests;
# the tests named below took 1 s or more in files that are otherwise fast.
_TESTS = Path(__file__).parent
_SLOW_FILES = {
    "test_seed_differential.py",
    "test_execution.py",
    "test_execution_pytest.py",
    "test_pytest_generation.py",
    "test_generate_cli.py",
    "test_eval.py",
    "test_tracing.py",
    "test_trace_store.py",
    "test_test_explorer_data.py",
    "test_streaming.py",
    "test_replay.py",
    "test_reports.py",
    "test_review_findings.py",
    "test_packaging.py",
    "server_unit/test_stdio.py",
    # added since, each running sandboxed runs, the CLI as a process or a whole generation
    "test_mutation.py",
    "test_humaneval.py",
    "test_steer.py",
    "test_concurrency.py",
    "test_generate_into.py",
    "test_shadowed_module.py",
    "test_missing_pytest.py",
    "test_byte_order_mark.py",
    "test_big_module_generation.py",
    "test_cli_edges.py",
    "test_dotenv_trust.py",
}
_SLOW_TESTS = {
    "test_formatting.py::test_first_generations_running_concurrently_all_format",
    "test_quality_incremental.py::TestEditingSession",
    "test_quality.py::test_a_50_000_line_file_is_scored",
    "test_quality_properties.py::test_any_text_is_scored_in_range",
    "test_quality_properties.py::test_every_generated_function_is_found_and_linted",
    "test_imports.py::test_after_any_rewrite_names_are_bound_and_come_from_the_module",
    "test_imports.py::test_aliased_import_of_a_correct_function_passes",
    "test_imports.py::test_top_level_rebinding_is_removed_so_the_real_function_is_tested",
    "test_reasoning_models.py::test_the_command_line_tells_the_user_the_temperature_is_ignored",
    "test_reasoning_models.py::"
    "test_a_generation_against_a_reasoning_model_succeeds_with_max_completion_tokens",
    "test_reasoning_models.py::"
    "test_a_refusal_of_both_parameters_from_another_profile_shape_is_adapted_to_as_well",
    "test_doctor.py::test_all_checks_pass_against_a_working_endpoint",
    "test_dotenv_trust.py::test_a_base_url_from_dotenv_never_gets_the_environments_key",
    "test_ast_threads.py::test_every_ast_we_build_takes_the_lock",
    "test_pipeline_entry_points.py::"
    "test_tests_run_against_the_files_they_join_and_failures_get_the_repair_round",
}


def lanes_of(path: str, name: str) -> set[str]:
    """The markers of the test `name` (its node id's tail) in `path`, relative to tests/."""
    markers = set()
    if path.startswith("lsp/"):
        markers.add("lsp")
    if path.startswith("editors/") or path == "test_report_screenshots.py":
        markers.add("e2e")  # real editors, headless Chromium
    file_name = path.rsplit("/", 1)[-1]
    if file_name == "test_sandbox_hostile.py" or file_name.startswith("test_sandbox_red_team_"):
        markers |= {"boundary", "slow"}  # hostile sandbox suites: each test a sandboxed run
    test = name.split("[")[0]
    if path in _SLOW_FILES or any(
        f"{path}::{test}" == slow or f"{path}::{test}".startswith(slow + "::")
        for slow in _SLOW_TESTS
    ):
        markers.add("slow")
    return markers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path)).relative_to(_TESTS).as_posix()
        for marker in sorted(lanes_of(path, item.nodeid.split("::", 1)[-1])):
            item.add_marker(marker)
