"""`codegen generate PROMPT --into FILE`: a function generated into an existing module, told what
the module has, with new tests beside it that follow the project's."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..context.conventions import convention_sources, read_bounded
from ..errors import ConfigurationError
from ..files import refuse_existing, write_all
from ..generation import Destination, GenerationResult, SavedFiles
from ..progress import StderrProgress
from ..session import traced_session
from ..settings import Settings
from ..shaping.into_module import place_into, prompt_comment
from .generate import execution_summary


def _module_text(path: Path) -> str:
    """The module's text; ConfigurationError naming the fix when it cannot be generated into."""
    if path.suffix != ".py" or not path.stem.isidentifier():
        raise ConfigurationError(
            f"--into takes an existing Python module (NAME.py, NAME an identifier), not {path}."
        )
    if not path.is_file():
        raise ConfigurationError(f"{path} does not exist; create it first, or drop --into.")
    text = read_bounded(path)
    if text is None:
        raise ConfigurationError(f"{path} cannot be read as UTF-8 text of a sensible size.")
    return text


def _test_target(module_path: Path, code: str) -> Path:
    """test_NAME.py beside the module, or test_NAME_FUNCTION.py when that file exists already
    (an existing test file is never overwritten)."""
    from ..shaping.imports import defined_names

    plain = module_path.with_name(f"test_{module_path.stem}.py")
    if not plain.exists():
        return plain
    first = next(iter(defined_names(code)), "new")
    return module_path.with_name(f"test_{module_path.stem}_{first}.py")


def into_destination(path: Path, prompt: str) -> Destination:
    """The destination of a generation into the module at `path` (read, never written here):
    what `codegen eval` runs a dataset row with an `into` column against."""
    return _destination(path, _module_text(path), prompt)


def _destination(path: Path, text: str, prompt: str) -> Destination:
    """Where the code goes: the module as it is, the prompt's line (its comment's, else the end),
    the project's test conventions (read from disk: the user ran this command on their files)."""
    test_text = read_bounded(path.with_name(f"test_{path.stem}.py"))
    found = prompt_comment(text, prompt)
    cwd = Path.cwd().resolve()
    folder = path.resolve().parent
    project = cwd if folder.is_relative_to(cwd) else folder

    async def compose(code: str, runner: str, tests: str) -> SavedFiles:
        return SavedFiles(place_into(text, code, prompt), tests, _test_target(path, code).stem)

    return Destination(
        path.stem,
        compose,
        (str(folder),),
        test_text,
        module_source=text,
        prompt_line=found[0] if found else len(text.splitlines()),
        convention_sources=tuple(convention_sources(path, project, test_text)),
    )


async def generate_into_command(args: argparse.Namespace, settings: Settings) -> int:
    path: Path = args.into
    if args.module:
        raise ConfigurationError("--module cannot go with --into: the module is FILE itself.")
    text = _module_text(path)
    progress = StderrProgress(quiet=args.json)
    destination = _destination(path, text, args.prompt)
    async with traced_session(settings, record_dir=args.record, replay_dir=args.replay) as session:
        progress.say(
            f"asking {session.client.endpoint} ({settings.model}); traces: {session.tracing.mode}"
        )
        pipeline = session.pipeline(
            progress.stage, progress.tokens, project_dir=path.parent, destination=destination
        )
        output = await pipeline.predict(args.prompt, runner_exists=True)
        session.last_call_id = pipeline.call_id
    result = GenerationResult.from_dict(output)
    test_path = _test_target(path, result.generated_code)
    refuse_existing([test_path], force=args.force)
    # The module is re-read: written only if nobody changed it while the model worked
    if read_bounded(path) != text:
        raise ConfigurationError(f"{path} changed while the model worked; nothing was written.")
    module_text = place_into(text, result.generated_code, args.prompt)
    write_all({path: module_text, test_path: result.unit_tests}, force=True)
    if args.json:
        files = {"module": str(path), "tests": str(test_path)}
        print(json.dumps({**result.as_dict(), "files": files}, indent=2))
        return 0
    progress.say("done")
    print(f"Wrote the new code into {path}")
    print(f"Wrote {test_path} ({result.test_framework} tests)")
    for line in execution_summary(result):
        print(line)
    return 0
