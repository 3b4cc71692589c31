"""CodeGenerationPipeline: prompt -> function -> (runner || tests) -> formatted, checked, scored."""

from __future__ import annotations

import asyncio
import contextvars
import time
from pathlib import Path
from typing import Any

import weave
from pydantic import PrivateAttr

from . import repair
from .context import where
from .context.budget import Context
from .errors import GeneratedCodeError, ModelCallError, ModelReplyError, ReplayMiss
from .execution.frameworks import Framework, check_runnable, resolve_framework
from .execution.results import TestRunResult
from .finishing import CodeFormatter, finish_part
from .generation import PARTS, Destination, GenerationResult, MethodOf, SavedFiles, join_module
from .model import prompts
from .model.llm import ModelClient
from .model.schemas import GeneratedCode, ProgramRunner, UnitTest
from .mutation import Mutant, MutationReport, mutation_test_of_texts
from .mutation.steering import SteerVerdicts, judge_new_tests, survivors_text
from .progress import StageCallback, TokenCallback
from .scoring import quality
from .shaping.existing import without_existing
from .shaping.imports import defined_names, imported_modules
from .shaping.merging import MergeError, merge_test_file
from .shaping.methods import method_problem, new_methods
from .shaping.naming import module_name_for, name_beside
from .stage_clock import current_clock, start_clock


class CodeGenerationPipeline(weave.Model):
    """The whole pipeline as a Weave Model; `predict(prompt)` returns code, runner, tests and
    scores."""

    model_name: str = "gpt-4o"
    formatter: CodeFormatter = CodeFormatter()
    # The prompt template of the function step: "function" writes from a description,
    # "function_completion" completes given code keeping its signatures (HumanEval's prompts).
    function_template: str = "function"

    _client: ModelClient = PrivateAttr()
    _on_stage: StageCallback | None = PrivateAttr(default=None)
    _on_tokens: TokenCallback | None = PrivateAttr(default=None)
    _call_id: str | None = PrivateAttr(default=None)
    _project_dir: Path | None = PrivateAttr(default=None)
    _framework: Framework | None = PrivateAttr(default=None)
    _destination: Destination | None = PrivateAttr(default=None)
    _last_run: tuple[SavedFiles, Any] | None = PrivateAttr(default=None)

    def __init__(
        self,
        client: ModelClient,
        *,
        on_stage: StageCallback | None = None,
        on_tokens: TokenCallback | None = None,
        project_dir: Path | None = None,
        destination: Destination | None = None,
        **data: Any,
    ):
        data.setdefault("model_name", client.settings.model)
        super().__init__(**data)
        self._client = client
        self._on_stage = on_stage
        self._on_tokens = on_tokens
        self._project_dir = project_dir
        self._destination = destination

    @property
    def last_run(self) -> tuple[SavedFiles, Any] | None:
        """The files and TestRunResult of the last `predict`'s kept test run, or None when none
        ran."""
        return self._last_run

    @property
    def test_framework(self) -> Framework:
        """The setting, with `auto` decided once from the project folder and the test
        interpreter, then the existing test file."""
        if self._framework is None:
            settings = self._client.settings
            self._framework = resolve_framework(
                settings.test_framework,
                self._project_dir,
                settings.test_python,
                self._destination.test_source if self._destination else None,
            )
        return self._framework

    def _check_test_framework(self) -> None:
        check_runnable(self.test_framework, self._client.settings.test_python)

    @property
    def call_id(self) -> str | None:
        """The Weave call id of the last traced `predict`, to tell the user where the trace is."""
        return self._call_id

    def _stage(self, name: str) -> None:
        if self._on_stage is not None:
            self._on_stage(name)

    def _shown_to_the_model(self, code: str, method_of: MethodOf | None) -> str:
        """The code a tests, repair or steer request shows: methods with their class, a class
        over the context budget as its outline."""
        if method_of is None:
            return code
        return method_of.for_tests(code, self._client.settings.context_tokens)

    async def _ask(self, response_model, message: str, *, step: str, prompt: str):
        started = time.perf_counter()
        try:
            return await self._client.ask(
                response_model, message, step=step, prompt=prompt, on_tokens=self._on_tokens
            )
        finally:
            current_clock().add(f"model.{step}", time.perf_counter() - started)

    async def _format(self, code: str, step: str) -> str:
        """Formatting is CPU work (autopep8 alone takes ~10 ms): off the event loop, so a server
        stays responsive."""
        started = time.perf_counter()
        try:
            return await asyncio.to_thread(
                contextvars.copy_context().run, self.formatter.format, code, step
            )
        finally:
            current_clock().add(f"format.{step}", time.perf_counter() - started)

    @weave.op(postprocess_inputs=where.traced_inputs)
    async def generate_code(
        self,
        prompt: str,
        method_of: MethodOf | None = None,
        context: Context | None = None,
        module_name: str = "",
    ) -> GeneratedCode:
        """`context`: what the module around the prompt shows (traced as names and sizes)."""
        section = prompts.context_section(
            "module_context", context.text() if context else "", module_name=module_name
        )
        message = (
            prompts.render(self.function_template, prompt=prompt, context=section)
            if method_of is None
            else prompts.render(
                "method", prompt=prompt, class_name=method_of.class_name, context=section
            )
        )
        return await self._ask(GeneratedCode, message, step="function", prompt=prompt)

    @weave.op
    async def generate_program(self, code: str) -> ProgramRunner:
        return await self._ask(
            ProgramRunner,
            prompts.render("runner", code=code),
            step="runner",
            prompt=_describe(code),
        )

    @weave.op(postprocess_inputs=where.traced_inputs)
    async def generate_tests(
        self,
        code: str,
        module_name: str,
        method_of: MethodOf | None = None,
        conventions: Context | None = None,
    ) -> UnitTest:
        """`conventions`: what the project's tests show (traced as names and sizes)."""
        section = prompts.context_section(
            "test_conventions", conventions.text() if conventions else ""
        )
        if method_of is None:
            names = [n for n in defined_names(code) if not n.startswith("_")] or defined_names(code)
            message = prompts.render_tests(
                self.test_framework,
                code=code,
                module_name=module_name,
                names=", ".join(names) or "*",
                conventions=section,
            )
        else:
            message = prompts.render_tests(
                self.test_framework,
                method=True,
                code=self._shown_to_the_model(code, method_of),
                module_name=module_name,
                class_name=method_of.class_name,
                methods=", ".join(f"`{name}`" for name in defined_names(code)),
                conventions=section,
            )
        return await self._ask(UnitTest, message, step="tests", prompt=_describe(code))

    @weave.op
    async def repair_tests(
        self, code: str, tests: str, failures: str, module_name: str
    ) -> UnitTest:
        message = prompts.render_repair(
            self.test_framework, code=code, tests=tests, failures=failures, module_name=module_name
        )
        return await self._ask(UnitTest, message, step="repair", prompt=_describe(code))

    @weave.op
    async def run_tests(
        self,
        module_code: str,
        tests: str,
        module_name: str,
        test_module_name: str | None = None,
        measured: tuple[str, ...] = (),
    ):
        """The sandboxed run: a child process under coverage, never this one. Returns a
        TestRunResult; `measured`: the functions whose coverage is analysed (all when empty)."""
        from .execution import run_tests_async

        settings = self._client.settings
        started = time.perf_counter()
        try:
            result = await run_tests_async(
                module_code,
                tests,
                module_name=module_name,
                test_module_name=test_module_name,
                python=settings.test_python,
                timeout=settings.test_timeout,
                repeats=settings.test_repeats,
                allow_unsandboxed=settings.allow_unsandboxed_tests,
                framework=self.test_framework,
                extra_paths=self._destination.extra_paths if self._destination else (),
                measured=measured,
                conftest_source=self._destination.conftest_source(tests)
                if self._destination
                else "",
            )
        finally:
            current_clock().add("run", time.perf_counter() - started)
        return result

    async def _run_saved(self, code: str, runner: str, tests: str, module_name: str):
        """Run the tests as they will be saved: joined to the module here, or merged into the
        destination's files."""
        if self._destination is None:
            files = SavedFiles(join_module(code, runner), tests)
        else:
            files = await self._destination.compose(code, runner, tests)
        # Joined to an editor's (maybe long) module, only the generated functions' coverage is
        # analysed: the rest is the user's code, not what these tests are for
        measured = tuple(defined_names(code)) if self._destination is not None else ()
        result = await self.run_tests(
            files.module_code, files.test_code, module_name, files.test_module_name, measured
        )
        return files, result

    async def _run_kept(self, files: SavedFiles, kept: str, module_name: str):
        """Run `files` with the kept new tests added: merged by the destination (as a generation's
        tests are), else merged here the same way."""
        if self._destination is not None:
            return await self._run_saved("", "", kept, module_name)
        try:
            merged = merge_test_file(files.test_code, kept, module_name=module_name)
        except MergeError as error:
            raise GeneratedCodeError(f"{error}.", step="steer") from None
        saved = SavedFiles(files.module_code, merged, files.test_module_name)
        result = await self.run_tests(
            saved.module_code, saved.test_code, module_name, saved.test_module_name
        )
        return saved, result

    async def tests_that_pass(
        self,
        code: str,
        runner: str,
        tests: str,
        module_name: str,
        method_of: MethodOf | None = None,
    ):
        """Run the tests; on failures, up to `repair_rounds` repairs, keeping whichever version
        fails least (a repair of method tests is shown the class with the method in it).

        Repair is optional: an unusable repair (a refusal, a reply that does not parse or has the
        wrong shape, a failing endpoint) keeps the tests already made and is reported, never fatal.
        Returns (tests, TestRunResult, repaired, possible bugs, why repair stopped or None).
        """
        tested = code if method_of is None else method_of.with_methods(code)
        shown = self._shown_to_the_model(code, method_of)
        self._stage("run")
        best_files, best_result = await self._run_saved(code, runner, tests, module_name)
        repaired, repair_problem = False, None
        for _ in range(self._client.settings.repair_rounds):
            if not repair.needs_repair(best_result):
                break
            self._stage("repair")
            try:
                reply = await self.repair_tests(
                    shown, tests, repair.failure_report(best_result), module_name
                )
                candidate = await finish_part(
                    reply.test_code, tested, module_name, step="repair", format_code=self._format
                )
            except (ModelCallError, ModelReplyError, GeneratedCodeError, ReplayMiss) as error:
                repair_problem = f"{error} The tests as first generated were kept."
                break
            self._stage("run")
            files, outcome = await self._run_saved(code, runner, candidate, module_name)
            if repair.failure_count(outcome) < repair.failure_count(best_result):
                tests, best_files, best_result, repaired = candidate, files, outcome, True
        self._last_run = (best_files, best_result)
        bugs = repair.possible_bugs(tests, best_result, defined_names(code))
        return tests, best_result, repaired, bugs, repair_problem

    def _run_settings(self, module_name: str, test_module_name: str | None) -> dict[str, Any]:
        """The sandboxed run's keyword arguments (run_tests_async's) besides the sources."""
        settings = self._client.settings
        return dict(
            module_name=module_name,
            test_module_name=test_module_name or f"test_{module_name}",
            python=settings.test_python,
            timeout=settings.test_timeout,
            allow_unsandboxed=settings.allow_unsandboxed_tests,
            framework=self.test_framework,
            extra_paths=self._destination.extra_paths if self._destination else (),
        )

    @weave.op
    async def measure_mutation(
        self,
        files: SavedFiles,
        module_name: str,
        functions: list[str],
        clean: TestRunResult | None = None,
    ) -> MutationReport:
        """How many mutants of `functions` the tests kill, in the sandbox (the mutation engine);
        `clean`: the run of these very files just made, which stands for the clean run."""
        arguments = self._run_settings(module_name, files.test_module_name)
        started = time.perf_counter()
        try:
            return await mutation_test_of_texts(
                files.module_code,
                files.test_code,
                functions=functions,
                clean=clean,
                **arguments,
            )
        finally:
            current_clock().add("mutation", time.perf_counter() - started)

    @weave.op
    async def steer_tests(
        self,
        tested_code: str,
        files: SavedFiles,
        module_name: str,
        survivors: list[Mutant],
    ) -> SteerVerdicts:
        """One more model round (ACH-style): tests that catch the surviving mutants; each is kept
        only if it passes on the function and fails on at least one survivor (sandboxed)."""
        message = prompts.render_steer(
            self.test_framework,
            code=tested_code,
            tests=files.test_code,
            module_name=module_name,
            mutants=survivors_text(survivors),
        )
        reply = await self._ask(UnitTest, message, step="steer", prompt=_describe(tested_code))
        new_tests = await finish_part(
            reply.test_code, tested_code, module_name, step="steer", format_code=self._format
        )
        return await judge_new_tests(
            files.module_code,
            new_tests,
            survivors,
            run_settings=self._run_settings(module_name, files.test_module_name),
        )

    async def mutation_for(
        self, code: str, runner: str, tests: str, module_name: str, method_of: MethodOf | None
    ) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
        """The kept tests' mutation report and, under `steer`, the steer round's outcome and the
        tests with the kept new ones appended. Returns (report dict, steer dict or None, tests)."""
        assert self._last_run is not None
        files, clean = self._last_run
        functions = mutated_functions(code, files.module_code, method_of)
        self._stage("mutation")
        report = await self.measure_mutation(files, module_name, functions, clean)
        survivors = [mutant for mutant in report.mutants if mutant.status == "survived"]
        if self._client.settings.mutation != "steer" or not survivors:
            return report.as_dict(), None, tests
        self._stage("steer")
        tested = self._shown_to_the_model(code, method_of)
        steer: dict[str, Any] = {"before": report.score, "after": report.score, "problem": None}
        try:
            verdicts = await self.steer_tests(tested, files, module_name, survivors)
        except (ModelCallError, ModelReplyError, GeneratedCodeError, ReplayMiss) as error:
            steer["problem"] = f"{error} The tests were kept as they were."
            return report.as_dict(), steer | {"kept": 0, "dropped": 0, "tests": {}}, tests
        steer |= {"kept": len(verdicts.kept), "dropped": len(verdicts.dropped)}
        steer["tests"] = verdicts.as_dict()
        if not verdicts.kept:
            return report.as_dict(), steer, tests
        try:
            tests = merge_test_file(tests, verdicts.kept_source, module_name=module_name)
        except MergeError as error:
            steer["problem"] = f"{str(error)[:1].upper()}{str(error)[1:]}."  # why, and what to do
            return report.as_dict(), steer, tests
        self._stage("run")
        self._last_run = await self._run_saved(code, runner, tests, module_name)
        files, clean = self._last_run
        self._stage("mutation")
        after = await self.measure_mutation(files, module_name, functions, clean)
        steer["after"] = after.score
        return after.as_dict(), steer, tests

    @weave.op
    async def catch_mutant(
        self, files: SavedFiles, function: str, line: int, description: str
    ) -> dict[str, Any]:
        """The steer round for one surviving mutant alone (the editor's "Generate a test that
        catches this"): `function`'s mutants are measured again on `files` as they are now, the
        survivor at `line` making `description` is sent to the model, and the new tests that
        pass on the function and fail on it are returned as `unit_tests`, with the mutation score
        after they are added. Raises GeneratedCodeError when the mutant is gone or no new test
        catches it: nothing half-made is returned."""
        module_name = self._destination.module_name if self._destination else function
        self._last_run = None
        self._stage("mutation")
        report = await self.measure_mutation(files, module_name, [function])
        target = [
            mutant
            for mutant in report.mutants
            if mutant.status == "survived"
            and (mutant.line, mutant.description) == (line, description)
        ]
        if not target:
            why = report.message or "the tests catch it now, or the function changed"
            raise GeneratedCodeError(
                f"The change {description} on line {line} no longer goes unnoticed ({why});"
                " nothing was changed.",
                step="steer",
            )
        self._stage("steer")
        verdicts = await self.steer_tests(files.module_code, files, module_name, target)
        if not verdicts.kept:
            dropped = "; ".join(f"{test}: {why}" for test, why in verdicts.dropped.items())
            raise GeneratedCodeError(
                f"No new test caught {description} on line {line} ({dropped or 'none written'});"
                " nothing was changed.",
                step="steer",
            )
        self._stage("run")
        self._last_run = await self._run_kept(files, verdicts.kept_source, module_name)
        saved, clean = self._last_run
        self._stage("mutation")
        after = await self.measure_mutation(saved, module_name, [function], clean)
        steer = {"before": report.score, "after": after.score, "problem": None}
        steer |= {"kept": len(verdicts.kept), "dropped": len(verdicts.dropped)}
        return {
            "generated_code": "",
            "program_runner": "",
            "unit_tests": verdicts.kept_source,
            "scores": None,
            "mutation": after.as_dict(),
            "steer": steer | {"tests": verdicts.as_dict()},
        }

    async def function_for(
        self, prompt: str, method_of: MethodOf | None = None, module_name: str = ""
    ) -> str:
        """The formatted function(s) for a prompt; `method_of`: method(s) of that class."""
        self._stage("function")
        budget = self._client.settings.context_tokens
        context = where.function_context(self._destination, prompt, method_of, budget)
        reply = await self.generate_code(prompt, method_of, context, module_name)
        code = await self._format(reply.code, "function")
        if method_of is not None:  # small models often write the whole class again
            code = new_methods(code, method_of.class_name, method_of.class_source)
        elif self._destination is not None and self._destination.module_source is not None:
            code = await self._without_existing(code, self._destination)
        if not defined_names(code):
            raise GeneratedCodeError(
                "The model's answer defines no function; try again or make the prompt more"
                " specific.",
                step="function",
            )
        problem = method_problem(code, method_of.class_name) if method_of else None
        if problem:
            raise GeneratedCodeError(problem, step="function")
        return code

    async def _without_existing(self, code: str, destination: Destination) -> str:
        """The reply without what the module has already; GeneratedCodeError when nothing is new."""
        names = where.destination_names(destination)
        reduced = without_existing(code, names)
        if reduced == code:
            return code
        if not defined_names(reduced):
            repeated = ", ".join(n for n in defined_names(code) if n in names.defined)
            raise GeneratedCodeError(
                f"The model's answer only defines what the module already has ({repeated});"
                " try again or make the prompt more specific.",
                step="function",
            )
        return await self._format(reduced, "function")

    async def runner_for(self, code: str) -> str:
        """A formatted `main()` + guard calling the functions of `code`, defining none of them."""
        self._stage("runner")
        reply = await self.generate_program(code)
        return await finish_part(
            reply.main_function_code, code, "", step="runner", format_code=self._format
        )

    async def tests_for(
        self, code: str, module_name: str, method_of: MethodOf | None = None
    ) -> str:
        """A formatted test file (the chosen framework) importing the functions (or the class of
        `method_of`) from `module_name`."""
        self._stage("tests")
        conventions = where.test_context(self._destination, self._client.settings.context_tokens)
        reply = await self.generate_tests(code, module_name, method_of, conventions)
        tested = code if method_of is None else method_of.with_methods(code)
        return await finish_part(
            reply.test_code, tested, module_name, step="tests", format_code=self._format
        )

    @weave.op
    async def predict(
        self,
        prompt: str,
        module_name: str | None = None,
        code: str | None = None,
        parts: str = "all",
        runner_exists: bool = False,
        method_of: MethodOf | None = None,
    ) -> dict[str, Any]:
        """Every face's one traced call: the CLI, `codegen eval` and the editor's code actions.

        `code` given: the runner and/or tests are for that existing function (`parts` "runner",
        "tests" or "all"); otherwise the function is generated from `prompt` first. `parts`
        "function" stops there. `runner_exists`: the module already has a main(), so none is asked
        for. `method_of`: the code is method(s) of that class (no runner; tests construct it).
        """
        call = weave.get_current_call()
        self._call_id = call.id if call is not None else None
        result = await self.run(
            prompt,
            module_name=module_name,
            code=code,
            parts=parts,
            runner_exists=runner_exists,
            method_of=method_of,
        )
        return result.as_dict()

    async def run(
        self,
        prompt: str,
        *,
        module_name: str | None = None,
        code: str | None = None,
        parts: str = "all",
        runner_exists: bool = False,
        method_of: MethodOf | None = None,
    ) -> GenerationResult:
        """Every stage asked for; raises a CodegenError naming the failed step, having produced
        nothing partial."""
        if parts not in PARTS:
            raise ValueError(f"parts must be one of {', '.join(PARTS)}")
        if not prompt.strip():
            raise GeneratedCodeError(
                "The prompt is empty; describe the function you want.", step="function"
            )
        wants_runner = parts in ("runner", "all") and not runner_exists and method_of is None
        wants_tests = parts in ("tests", "all")
        if wants_tests and self._client.settings.run_tests:
            # Tests the test interpreter cannot run fail here, before a model call is paid for.
            await asyncio.to_thread(self._check_test_framework)
        clock = start_clock()
        self._last_run = None
        started = time.perf_counter()
        if self._destination is not None:
            module_name = self._destination.module_name  # the file exists: its name is given
        # Asking the test interpreter what it can import takes a process start
        elif not module_name:
            module_name = await asyncio.to_thread(
                module_name_for, prompt, python=self._client.settings.test_python
            )
        if code is None:
            code = await self.function_for(prompt, method_of, module_name)
            # `import requests` in a module named requests.py imports itself
            if self._destination is None:
                module_name = name_beside(module_name, imported_modules(code))
        runner, tests = await self._runner_and_tests(
            code, module_name, method_of, runner=wants_runner, tests=wants_tests
        )
        self._stage("format")  # each part was formatted as it arrived; the module is their join
        execution, repaired, bugs, repair_problem = None, False, [], None
        if tests and self._client.settings.run_tests:
            tests, run_result, repaired, found, repair_problem = await self.tests_that_pass(
                code, runner, tests, module_name, method_of
            )
            execution, bugs = run_result.as_dict(), [bug.as_dict() for bug in found]
        mutation, steer = None, None
        if execution is not None and self._client.settings.mutation != "off":
            mutation, steer, tests = await self.mutation_for(
                code, runner, tests, module_name, method_of
            )
            execution = self._last_run[1].as_dict() if self._last_run else execution
        self._stage("score")
        score_started = time.perf_counter()
        scores = quality.seed_scores(code, tests)
        current_clock().add("score", time.perf_counter() - score_started)
        current_clock().add("total", time.perf_counter() - started)
        return GenerationResult(
            prompt=prompt,
            module_name=module_name,
            generated_code=code,
            program_runner=runner,
            unit_tests=tests,
            scores=scores,
            timings=dict(clock.timings),
            execution=execution,
            repaired=repaired,
            possible_bugs=bugs,
            repair_problem=repair_problem,
            test_framework=self.test_framework,
            mutation=mutation,
            steer=steer,
        )

    async def _runner_and_tests(
        self, code: str, module_name: str, method_of: MethodOf | None, *, runner: bool, tests: bool
    ) -> tuple[str, str]:
        """The runner adds nothing the tests need, so both are asked for at once; one after the
        other when the endpoint serves one request at a time (so progress names the one being
        written)."""
        asks = (
            (lambda: self.runner_for(code)) if runner else _nothing,
            (lambda: self.tests_for(code, module_name, method_of)) if tests else _nothing,
        )
        if self._client.one_request_at_a_time:
            return await asks[0](), await asks[1]()
        made_runner, made_tests = await gather_or_cancel(asks[0](), asks[1]())
        return made_runner, made_tests


def mutated_functions(code: str, module_code: str, method_of: MethodOf | None) -> list[str]:
    """The functions generated (or their methods, "Class.method"), as the module names them."""
    from .execution.coverage import function_spans

    names = set(defined_names(code))
    if method_of is not None:
        names = {f"{method_of.class_name}.{name}" for name in names}
    # Top-level functions are found without parsing the rest of the module; methods need it whole
    measured = tuple(sorted(names)) if method_of is None else ()
    return [
        span[0]
        for span in function_spans(module_code, measured)
        if span[0] in names or span[0].partition(".")[0] in names
    ]


async def _nothing() -> str:
    return ""


async def gather_or_cancel(*coroutines):
    """Like asyncio.gather, but the first failure cancels the siblings instead of leaving them
    running."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _describe(code: str) -> str:
    """How replay misses name a runner/tests request: by the functions it is for."""
    return f"the code defining {', '.join(defined_names(code)) or 'nothing'}"
