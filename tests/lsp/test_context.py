"""Generation in context through an LSP session: the function request carries the module's
signatures within the budget, a reply repeating the module's definitions is reduced to the new
function, and tests follow the project's conftest.py fixture (read from disk only when trusted)."""

from __future__ import annotations

import ast

from tests.context_data import (
    CONFTEST,
    GEOMETRY,
    PERIMETER_REDEFINING,
    PROMPT_COMMENT,
    PYTEST_USING_FIXTURE,
    conventions_of,
    module_context_of,
    padding,
)
from tests.helpers.lsp_editor import action
from tests.loopback_model import LoopbackModel, Reply

PROMPT_LINE = GEOMETRY.count("\n")


def top_level(text: str) -> list[str]:
    return [
        node.name
        for node in ast.parse(text).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    ]


async def test_the_function_request_carries_the_module_and_the_reply_is_reduced(
    start_editor, workspace
):
    with LoopbackModel() as model:
        editor = await start_editor(model=model, env={"CODEGEN_RUN_TESTS": "false"})
        uri = editor.open("geometry.py", GEOMETRY + PROMPT_COMMENT + padding(400))
        await editor.diagnostics(uri)  # analysed: the server keeps the module's statement spans
        model.enqueue(Reply.code("GeneratedCode", PERIMETER_REDEFINING))
        actions = await editor.code_actions(uri, PROMPT_LINE)
        outcome = await editor.run(action(actions, "Generate function"))

        assert outcome["applied"], outcome
        context = module_context_of(model.requests[0]["messages"][-1]["content"])
        assert "class Point:" in context
        assert "def distance(p: Point, q: Point) -> float:" in context
        assert len(context) <= 1500 * 4 and "unrelated_399" not in context
        names = top_level(editor.text(uri))
        assert names.count("Point") == 1 and names.count("distance") == 1
        assert names.index("perimeter") == 2
        assert "math.sqrt" not in editor.text(uri)


def request_for_tests(model) -> str:
    *_, message = [
        r["messages"][-1]["content"]
        for r in model.requests
        if "test file" in r["messages"][-1]["content"]
    ]
    return message


SOURCE = GEOMETRY + PROMPT_COMMENT


async def beside_conftest_on_disk(start_editor, workspace, model, *, trusted: bool):
    """The editor on a pytest workspace with the project's conftest.py on disk; trusted, it runs
    the tests once without repair, untrusted it runs none."""
    (workspace / "conftest.py").write_text(CONFTEST)
    if trusted:
        env = {"CODEGEN_TEST_REPEATS": "1", "CODEGEN_REPAIR_ROUNDS": "0"}
        return await start_editor(model=model, options={"testFramework": "pytest"}, env=env)
    options = {"workspaceTrusted": False, "testFramework": "pytest"}
    return await start_editor(model=model, options=options, env={"CODEGEN_RUN_TESTS": "false"})


async def generate_with_tests(editor, model, uri: str) -> dict:
    """Runs "Generate function, runner and tests" at the prompt in `uri`, the model answering with
    the reply that redefines the module and with tests using the conftest fixture."""
    model.enqueue(
        Reply.code("GeneratedCode", PERIMETER_REDEFINING),
        Reply.code("UnitTest", PYTEST_USING_FIXTURE),
    )
    actions = await editor.code_actions(uri, PROMPT_LINE)
    return await editor.run(action(actions, "Generate function, runner and tests"))


async def test_tests_carry_the_conftest_fixture_and_run_green_in_a_trusted_workspace(
    start_editor, workspace
):
    with LoopbackModel() as model:
        editor = await beside_conftest_on_disk(start_editor, workspace, model, trusted=True)
        outcome = await generate_with_tests(editor, model, editor.open("geometry.py", SOURCE))

        assert "def sample_points() -> list[Point]:" in conventions_of(request_for_tests(model))
        assert outcome["applied"], outcome
        assert "2/2 tests passed" in outcome["message"], outcome["message"]


async def test_an_untrusted_workspace_gives_conventions_from_open_documents_only(
    start_editor, workspace
):
    with LoopbackModel() as model:
        editor = await beside_conftest_on_disk(start_editor, workspace, model, trusted=False)
        outcome = await generate_with_tests(editor, model, editor.open("geometry.py", SOURCE))
        assert outcome["applied"], outcome
        assert "sample_points" not in request_for_tests(model)

        editor.open("conftest.py")  # on disk it was not read; open, it is the user's document
        other = editor.open("shapes.py", SOURCE)
        outcome = await generate_with_tests(editor, model, other)
        assert outcome["applied"], outcome
        assert "def sample_points() -> list[Point]:" in conventions_of(request_for_tests(model))
