"""The structured-output modes: what each asks the endpoint for, how a rejection looks, how its
reply is read."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ModelReplyError
from ..shaping import formatting
from . import prompts

Reply = TypeVar("Reply", bound=BaseModel)

# The request shapes, most constrained first. `json_object+schema` is json_object with the schema
# inside response_format, where llama.cpp-family servers read it and enforce it with a grammar.
JSON_SCHEMA, JSON_OBJECT_SCHEMA, JSON_OBJECT, TEXT = (
    "json_schema",
    "json_object+schema",
    "json_object",
    "text",
)

# Setting -> the modes it may use, in the order tried; each step down follows a format rejection.
LADDERS: dict[str, tuple[str, ...]] = {
    "auto": (JSON_SCHEMA, JSON_OBJECT_SCHEMA, JSON_OBJECT, TEXT),
    "json_schema": (JSON_SCHEMA,),
    "json_object": (JSON_OBJECT_SCHEMA, JSON_OBJECT),
    "text": (TEXT,),
}

# Code a reply may carry. A bigger one is refused before it is formatted or sent back to the model:
# a 10 MB reply once took minutes of formatting and gigabytes of memory.
MAX_CODE_BYTES = 200_000

_REJECTION_STATUSES = (400, 422, 500)
_NAMES_THE_FORMAT = re.compile(r"response_format|json_schema", re.IGNORECASE)


def is_format_rejection(status: int | None, body: str) -> bool:
    """The endpoint refused the response format itself (not the prompt, not a passing outage)."""
    return status in _REJECTION_STATUSES and bool(_NAMES_THE_FORMAT.search(body or ""))


def response_format(mode: str, response_model: type[BaseModel]) -> dict[str, Any] | None:
    """The `response_format` a `chat.completions.create` request carries in `mode` (json_schema goes
    through `parse`)."""
    if mode == JSON_OBJECT_SCHEMA:
        return {"type": "json_object", "schema": response_model.model_json_schema()}
    if mode == JSON_OBJECT:
        return {"type": "json_object"}
    if mode == TEXT:
        return None
    raise ValueError(f"{mode} requests are made with the SDK's parse(), not a response_format dict")


def with_schema_in_prompt(
    messages: list[dict[str, Any]], response_model: type[BaseModel]
) -> list[dict[str, Any]]:
    """Every mode but json_schema spells the schema out in the system message."""
    system, *rest = messages
    return [
        {
            **system,
            "content": system["content"] + "\n\n" + prompts.json_object_instruction(response_model),
        },
        *rest,
    ]


def read_reply(response_model: type[Reply], content: str, *, mode: str, step: str) -> Reply:
    """The reply validated by the pydantic model; in text mode the JSON object is found in the
    prose, else the code is taken from a fenced block. Raises ModelReplyError naming the mode."""
    # Room for JSON escapes
    if len(content) > MAX_CODE_BYTES // 2 and len(content.encode()) > 2 * MAX_CODE_BYTES:
        raise _too_big("reply", len(content.encode()), step)
    if mode != TEXT:
        return validate(response_model, content, mode=mode, step=step)
    found = _json_object_in(content)
    if found is not None:
        return validate(response_model, found, mode=mode, step=step)
    code = formatting.strip_markdown_fences(content)
    field = _single_text_field(response_model)
    if code != content and field is not None:  # there was a fenced block
        return validate(response_model, json.dumps({field: code}), mode=mode, step=step)
    raise ModelReplyError(
        f"The model's reply ({mode} mode) holds neither a JSON object nor a fenced code block."
        f"{_excerpt(content)} Try again, or use a model that follows instructions better.",
        step=step,
    )


def validate(response_model: type[Reply], content: str, *, mode: str, step: str) -> Reply:
    """The one validation every reply goes through, in every mode, recorded or live."""
    try:
        reply = response_model.model_validate_json(content)
    except ValidationError as error:
        raise ModelReplyError(
            invalid_reply_message(response_model, error, mode, content), step=step
        ) from None
    check_size(reply, step=step)
    return reply


def check_size(reply: BaseModel, *, step: str) -> None:
    """Refuse code over MAX_CODE_BYTES before anything formats it or sends it back to the model."""
    for name, value in reply:
        if (
            isinstance(value, str)
            and len(value) > MAX_CODE_BYTES // 4
            and len(value.encode()) > MAX_CODE_BYTES
        ):
            raise _too_big(f"{name} field", len(value.encode()), step)


def reply_too_big(size_so_far: int, step: str) -> ModelReplyError:
    """A streamed reply that has already grown past what could hold acceptable code."""
    return _too_big("reply (stopped as it arrived)", size_so_far, step)


def _too_big(what: str, size: int, step: str) -> ModelReplyError:
    return ModelReplyError(
        f"The model's {what} is {size / 1e6:.1f} MB, over the {MAX_CODE_BYTES // 1000} KB of code"
        " codegen accepts; nothing was formatted or sent back to the model. Ask for a smaller"
        " piece of code, or lower the reply token limit (--max-tokens, CODEGEN_MAX_TOKENS or the"
        " editor's codegen.maxTokens setting).",
        step=step,
    )


def invalid_reply_message(
    response_model: type[BaseModel], error: ValidationError, mode: str, content: str | None
) -> str:
    first = error.errors()[0] if error.errors() else {"msg": str(error)}
    return (
        f"The model's reply ({mode} mode) is not a valid {response_model.__name__}"
        f" ({first['msg']}).{_excerpt(content)} Try again, or use a model that supports structured"
        " outputs."
    )


def _excerpt(content: str | None) -> str:
    return f" It began: {content[:80]!r}." if content else ""


def _json_object_in(text: str) -> str | None:
    """The first JSON object embedded in `text`, as JSON text."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _end = decoder.raw_decode(text, start)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return json.dumps(value)
        start = text.find("{", start + 1)
    return None


def _single_text_field(response_model: type[BaseModel]) -> str | None:
    fields = [name for name, info in response_model.model_fields.items() if info.annotation is str]
    return fields[0] if len(fields) == 1 else None
