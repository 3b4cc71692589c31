"""Record model answers keyed by a hash of the request, and replay them without any network."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import ReplayMiss
from ..files import replace_atomically


def request_key(response_format: str, messages: list[dict[str, Any]]) -> str:
    """Hash of what was asked: the messages and the reply shape.

    The model name and endpoint are left out on purpose so that recorded answers replay under
    whatever model the user has configured (they are kept in the record for reference).
    """
    canonical = json.dumps(
        {"response_format": response_format, "messages": messages}, sort_keys=True
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


class AnswerRecorder:
    """Writes one JSON file per request/answer pair into a directory."""

    def __init__(self, directory: Path):
        self.directory = directory

    def save(
        self, key: str, *, step: str, prompt: str, model: str, request: dict[str, Any], answer: str
    ) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {
            "key": key,
            "step": step,
            "prompt": prompt,
            "model": model,
            "request": request,
            "answer": answer,
        }
        path = self.directory / f"{key}.json"
        # Atomic: a crash mid-write never leaves a truncated record that a later replay would trust.
        replace_atomically(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        return path


class AnswerReplayer:
    """Answers from a directory written by AnswerRecorder; a miss is a ReplayMiss."""

    def __init__(self, directory: Path):
        self.directory = directory
        if not directory.is_dir():
            raise ReplayMiss(f"Replay directory {directory} does not exist.")

    def answer(self, key: str, *, step: str, prompt: str) -> str:
        path = self.directory / f"{key}.json"
        try:
            record = json.loads(path.read_text("utf-8"))
            return record["answer"]
        except FileNotFoundError:
            raise ReplayMiss(
                f"No recorded answer in {self.directory} for the prompt {prompt!r}. "
                f"Record one with --record {self.directory} against a real model, or drop"
                " --replay.",
                step=step,
            ) from None
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ReplayMiss(
                f"The recorded answer {path} is unreadable ({error}); record it again.", step=step
            ) from None
