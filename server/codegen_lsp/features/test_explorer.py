"""The data behind an editor's test explorer: a test file's tests, and one run's results and line
coverage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pygls.protocol import JsonRPCProtocol
from pygls.uris import from_fs_path

from codegen.test_files import DeclaredClass, declared_test, read_test_file

if TYPE_CHECKING:  # the server imports this module
    from ..request_context import RequestContext

# Our own protocol additions (the VS Code client mirrors these names).
TEST_ITEMS = "codegen/testItems"  # request: {uri} -> {testUri, items} | null
TEST_RESULTS = "codegen/testResults"  # notification after every test run of a module


def explorer_items(test_text: str) -> list[dict[str, Any]]:
    """Each test class and test of a unittest or pytest file: id, label, parent id, 0-based line.

    Ids are the ones test runs report (`TestClass.test_x`, `test_f`), so results find their item.
    """
    items: list[dict[str, Any]] = []
    for entry in read_test_file(test_text).entries:
        if isinstance(entry, DeclaredClass):
            items.append(
                {"id": entry.name, "label": entry.name, "parent": None, "line": entry.line - 1}
            )
        for test in entry.tests if isinstance(entry, DeclaredClass) else (entry,):
            items.append(
                {"id": test.id, "label": test.name, "parent": test.parent, "line": test.line - 1}
            )
    return items


def results_notification(
    module_uri: str, test_uri: str, run: Any, mutation: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One run's outcome per test item (cases of a parametrized test folded into it), line
    coverage, and each function's mutation score when the run was mutation tested."""
    tests: dict[str, dict[str, Any]] = {}
    rank = {"passed": 0, "skipped": 0, "flaky": 1, "failed": 2, "errored": 3}
    for test in run.tests:
        item = declared_test(test.test_id)
        entry = tests.setdefault(item, {"id": item, "outcome": test.outcome, "messages": []})
        if rank.get(test.outcome, 3) > rank.get(entry["outcome"], 3):
            entry["outcome"] = test.outcome
        if test.outcome in ("failed", "errored", "flaky"):
            entry["messages"].append(
                {
                    "message": (
                        f"{test.test_id}: {test.message}" if test.test_id != item else test.message
                    ),
                    "line": None if test.line is None else test.line - 1,
                }
            )
    return {
        "uri": module_uri,
        "testUri": test_uri,
        "tests": list(tests.values()),
        "coverage": {
            "measured": bool(run.coverage_measured),
            "statements": [line - 1 for line in getattr(run, "statement_lines", [])],
            "missing": [line - 1 for line in getattr(run, "missing_lines", [])],
        },
        "isolation": getattr(run, "isolation", "unknown"),
        "problem": run.problem,
        "mutation": _mutation_scores(mutation),
    }


def _mutation_scores(mutation: dict[str, Any] | None) -> dict[str, dict[str, Any]] | None:
    """function -> {score, killed, survived, total}; None when the run was not mutation tested."""
    if mutation is None or mutation.get("status") != "mutated":
        return None
    return {
        name: {key: entry[key] for key in ("score", "killed", "survived", "timeout", "total")}
        for name, entry in mutation["functions"].items()
    }


def uri_parameter(params: Any) -> str | None:
    """`params.uri` of one of our requests, whichever shape the JSON-RPC layer gave it."""
    uri = params.get("uri") if isinstance(params, dict) else getattr(params, "uri", None)
    return uri if isinstance(uri, str) else None


def items_answer(context: RequestContext) -> dict[str, Any] | None:
    """The answer to codegen/testItems for a module: its test file's URI and items (None if it has
    none)."""
    test_path = context.test_file()
    if test_path is None:
        return None
    text, _ = context.read(test_path)
    if text is None:
        return None
    return {"testUri": from_fs_path(str(test_path)), "items": explorer_items(text)}


def publish_results(protocol: JsonRPCProtocol, payload: dict[str, Any] | None) -> None:
    if payload is not None:
        protocol.notify(TEST_RESULTS, payload)
