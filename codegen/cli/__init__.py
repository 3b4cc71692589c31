"""The `codegen` command line: parse arguments, build settings, dispatch to a subcommand."""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import sys
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from .. import __version__
from ..errors import CodegenError
from ..settings import Settings, load_settings
from .numbers import count, setting_number

# Settings field -> the `args` attribute its flag sets, where that is not the field's own name
# (`score --mutation` is a switch of its own).
FLAG_DESTS = {"mutation": "mutation_mode"}


def setting_option(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, flag: str, name: str, help: str
) -> None:
    """A flag that sets `Settings.<name>`: its choices (the field's `Literal`), its number type
    (bounded as the field is) or, for a boolean, the switch away from its default come from the
    field, and `{default}` in `help` is the field's default, so that a new choice or default is
    written in `codegen/settings.py` only. Unset, the flag leaves the value to the environment."""
    field = Settings.model_fields[name]
    kwargs: dict[str, Any] = {}
    if field.annotation is bool:
        kwargs.update(action="store_false" if field.default else "store_true", default=None)
    elif get_origin(field.annotation) is Literal:
        kwargs["choices"] = get_args(field.annotation)
    else:  # a value: named after the flag in help, as for any other flag
        kwargs["metavar"] = flag.lstrip("-").upper().replace("-", "_")
        if str not in (field.annotation, *get_args(field.annotation)):
            kwargs["type"] = setting_number(name)
    parser.add_argument(
        flag, dest=FLAG_DESTS.get(name, name), help=help.format(default=field.default), **kwargs
    )


# (flag, Settings field, help) of the model options every model-calling command takes
MODEL_OPTIONS = (
    ("--model", "model", "model name (default {default}, or CODEGEN_MODEL)"),
    (
        "--base-url",
        "base_url",
        "OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (or OPENAI_BASE_URL)",
    ),
    ("--timeout", "timeout", "seconds to wait for one model reply (default {default:g})"),
    ("--max-retries", "max_retries", "retries on 429/5xx/connection errors (default {default})"),
    ("--temperature", "temperature", "sampling temperature (default: the model's)"),
    (
        "--max-tokens",
        "max_tokens",
        "reply token limit sent with every request (default {default})",
    ),
    (
        "--structured-output",
        "structured_output",
        "how replies are held to the schema (default {default}; auto = json_schema, stepping down"
        " on a rejection)",
    ),
    (
        "--concurrency",
        "concurrency",
        "send the runner and tests requests at once or one after the other (default {default};"
        " auto = at once, until the server cuts a reply when a second request arrives)",
    ),
    ("--tracing", "tracing", "where Weave traces go (default {default})"),
)
# (flag, Settings field, help) of the options of the commands that generate and run tests
TEST_RUN_OPTIONS = (
    (
        "--no-run",
        "run_tests",
        "do not run the generated tests (by default they run in a sandboxed child process)",
    ),
    (
        "--repair-rounds",
        "repair_rounds",
        "model repair rounds for failing tests (default {default}; 0 = off)",
    ),
    (
        "--test-framework",
        "test_framework",
        "tests to write (default {default}): auto = pytest when the project has pytest"
        " configuration or pytest-style tests and the test interpreter has pytest, else unittest",
    ),
    (
        "--mutation",
        "mutation",
        "after the tests pass (default {default}): off; score = how many mutants of the function"
        " they catch; steer = then one more model round for tests that catch the survivors",
    ),
)


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model")
    for flag, name, help in MODEL_OPTIONS:
        setting_option(group, flag, name, help)
    _add_env_file_option(group)
    group.add_argument(
        "--no-env-file",
        dest="env_file",
        action="store_const",
        const=None,
        help="read no dotenv file",
    )
    group.add_argument(
        "--trust-env-file",
        action="store_true",
        help=(
            "take the dotenv file whole, as the editor does in a trusted workspace: its base URL"
            " gets your environment's key, its CODEGEN_TEST_PYTHON is used"
        ),
    )


def _add_env_file_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--env-file", type=Path, default=Path(".env"), help="dotenv file to read (default ./.env)"
    )


def _add_record_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--record", type=Path, metavar="DIR", help="save every model answer in DIR")
    group.add_argument(
        "--replay", type=Path, metavar="DIR", help="answer from DIR; never touch the network"
    )


def _add_test_run_options(parser: argparse.ArgumentParser) -> None:
    for flag, name, help in TEST_RUN_OPTIONS:
        setting_option(parser, flag, name, help)
    _add_unsandboxed_option(parser)


def _add_unsandboxed_option(parser: argparse.ArgumentParser) -> None:
    setting_option(
        parser,
        "--allow-unsandboxed",
        "allow_unsandboxed_tests",
        "run generated tests even where this machine has no sandbox for them (see doctor)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codegen",
        description="Turn a prompt into a function, a main() runner and unit tests; score them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser(
        "generate", help="prompt -> NAME.py (function + runner) and test_NAME.py"
    )
    generate.add_argument(
        "prompt", help='what the function should do, e.g. "moving average of a time series"'
    )
    generate.add_argument("--module", help="module name (default: derived from the prompt)")
    generate.add_argument(
        "--out", type=Path, default=Path("."), help="directory to write into (default .)"
    )
    generate.add_argument("--force", action="store_true", help="overwrite existing files")
    generate.add_argument(
        "--into",
        type=Path,
        metavar="FILE",
        help=(
            "generate into this existing module: the model is shown its imports and signatures;"
            " the function replaces a comment holding the prompt, else goes at the end"
        ),
    )
    generate.add_argument(
        "--json", action="store_true", help="print a JSON result on stdout; no progress"
    )
    _add_test_run_options(generate)
    _add_model_options(generate)
    _add_record_options(generate)

    demo = commands.add_parser(
        "demo", help="the pipeline on three prompts, replaying answers shipped with codegen"
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("demo-output"),
        help="directory to write into (default demo-output)",
    )
    demo.add_argument("--force", action="store_true", help="overwrite existing files")
    _add_test_run_options(demo)
    _add_model_options(demo)

    score = commands.add_parser(
        "score", help="seed scores and findings of a module; --run runs its tests"
    )
    score.add_argument("file", type=Path, help="the module to score")
    score.add_argument(
        "--tests",
        type=Path,
        help="its unittest file (default: test_<name>.py beside it, if present)",
    )
    score.add_argument(
        "--run", action="store_true", help="run the tests in a sandboxed child process"
    )
    score.add_argument(
        "--mutation",
        action="store_true",
        help="mutation testing: how many small changes to each function the tests catch (implies"
        " --run)",
    )
    score.add_argument(
        "--function",
        action="append",
        dest="functions",
        metavar="NAME",
        help="with --mutation, mutate only this function (f or Class.method); repeatable",
    )
    setting_option(score, "--python", "test_python", "interpreter for --run (default: this one)")
    setting_option(
        score,
        "--repeats",
        "test_repeats",
        "runs per test, to detect flaky tests (default {default})",
    )
    _add_unsandboxed_option(score)
    score.add_argument("--json", action="store_true", help="print JSON")

    evaluate = commands.add_parser(
        "eval", help="evaluate the pipeline on a dataset of prompts with Weave"
    )
    evaluate.add_argument(
        "--dataset",
        type=Path,
        help=(
            "JSONL or CSV with a `prompt` column (default: the 30 prompts shipped with codegen,"
            " examples/prompts.jsonl in its repository), or `humaneval` for HumanEval's 164"
            " problems judged by their hidden tests"
        ),
    )
    evaluate.add_argument(
        "--limit", type=count(), metavar="N", help="evaluate only the first N prompts or problems"
    )
    evaluate.add_argument(
        "--tasks",
        metavar="IDS",
        help="with --dataset humaneval: only these problems, e.g. HumanEval/0,HumanEval/12",
    )
    evaluate.add_argument("--trials", type=count(), default=1, help="runs per prompt (default 1)")
    evaluate.add_argument(
        "--parallel", type=count(), default=4, help="prompts in flight at once (default 4)"
    )
    evaluate.add_argument(
        "--report", type=Path, help="JSON report path (default eval-report-<time>.json)"
    )
    evaluate.add_argument(
        "--json", action="store_true", help="print the report as JSON instead of a table"
    )
    evaluate.add_argument(
        "--html",
        type=Path,
        metavar="PATH",
        help="also write the report as one self-contained HTML page (charts, per-prompt details)",
    )
    _add_test_run_options(evaluate)
    _add_model_options(evaluate)
    _add_record_options(evaluate)

    traces = commands.add_parser(
        "traces",
        help=(
            "list recent locally traced runs; `traces show [ID]` one run's steps; `traces sync`"
            " uploads them"
        ),
    )
    traces.add_argument("action", nargs="?", choices=["list", "show", "sync"], default="list")
    traces.add_argument(
        "call_id",
        nargs="?",
        help="for show: the run's call id or a prefix of it (default: the latest)",
    )
    traces.add_argument(
        "--html", type=Path, metavar="PATH", help="for show: write the run as an HTML page to PATH"
    )
    traces.add_argument(
        "--last", type=count(), default=10, help="how many runs to list (default 10)"
    )
    traces.add_argument("--json", action="store_true", help="print JSON")
    _add_env_file_option(traces)

    doctor = commands.add_parser(
        "doctor", help="check key, endpoint, structured output and tracing"
    )
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    _add_model_options(doctor)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Flags over environment over .env over defaults."""
    # Every field a flag can set; a command without that flag leaves it to the environment
    overrides: dict[str, Any] = {
        name: getattr(args, FLAG_DESTS.get(name, name), None) for name in Settings.model_fields
    }
    notices: list[str] = []
    settings = load_settings(
        overrides,
        env_file=getattr(args, "env_file", None),
        env_file_trusted=getattr(args, "trust_env_file", False),
        notices=notices,
    )
    for notice in notices:
        print(f"codegen: {notice}", file=sys.stderr)
    return settings


def _run(args: argparse.Namespace) -> int:
    """The subcommand `args` names; its exit status."""
    try:
        if args.command == "generate" and args.into is not None:
            from .generate_into import generate_into_command

            return asyncio.run(generate_into_command(args, settings_from_args(args)))
        if args.command == "generate":
            from .generate import generate_command

            return asyncio.run(generate_command(args, settings_from_args(args)))
        if args.command == "demo":
            from .demo import demo_command

            return asyncio.run(demo_command(args, settings_from_args(args)))
        if args.command == "score":
            from .score import score_command

            return score_command(args, settings_from_args(args))
        if args.command == "eval":
            from .evaluate.command import eval_command

            return asyncio.run(eval_command(args, settings_from_args(args)))
        if args.command == "traces":
            from .traces import traces_command

            return traces_command(args, settings_from_args(args))
        if args.command == "doctor":
            from .doctor import doctor_command

            return asyncio.run(doctor_command(args, settings_from_args(args)))
    except CodegenError as error:
        print(f"codegen: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("codegen: interrupted; nothing was written.", file=sys.stderr)
        return 130
    raise AssertionError(f"unhandled command {args.command}")


def _stdout_reader_gone() -> bool:
    """Whether nothing reads our stdout any more (a pipe whose reader exited reports POLLERR)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), 0)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll(), or no real stdout: assume it was
        return True


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = _run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit where it cannot be caught
    except BrokenPipeError:
        if not _stdout_reader_gone():
            raise  # a pipe of ours broke, not the user's: that is a bug to see
        # `codegen ... | head`: the reader has what it wanted. Python's documented recipe: point
        # stdout at devnull so the flush at exit does not fail again, and end quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return status


if __name__ == "__main__":
    sys.exit(main())
