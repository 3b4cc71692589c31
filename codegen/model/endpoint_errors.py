"""What an endpoint's failures mean to the user: the messages that explain them, and the response
hook that spots a non-retryable 500 or a reply that is not a chat completion."""

from __future__ import annotations

import json
import re

from ..errors import ModelCallError
from ..settings import Settings
from . import structured_output as so

_MODE_FIX = (
    "If the endpoint does not support this response format, pick another structured-output mode "
    "(--structured-output, CODEGEN_STRUCTURED_OUTPUT or the editor's codegen.structuredOutput: "
    "auto, json_schema, json_object or text)."
)


def call_error(
    error: Exception, *, endpoint: str, settings: Settings, step: str, mode: str
) -> ModelCallError:
    """The user's message for a request that failed: what the endpoint said, and what to change."""
    import openai

    retries = settings.max_retries
    if isinstance(error, openai.APITimeoutError):
        text = (
            f"The model at {endpoint} did not answer within {settings.timeout:g} s"
            f" ({retries} retries). Raise the timeout (--timeout, CODEGEN_TIMEOUT or the"
            " editor's codegen.timeout setting) or try a smaller model."
        )
    elif isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error
        text = (
            f"Cannot reach {endpoint} ({cause}). Check OPENAI_BASE_URL (--base-url, or the"
            " editor's codegen.baseUrl setting) and that the server is running."
        )
    elif isinstance(error, openai.AuthenticationError):
        text = f"{endpoint} rejected the API key (HTTP 401). Check OPENAI_API_KEY."
    elif isinstance(error, openai.PermissionDeniedError):
        text = (
            f"{endpoint} refused access (HTTP 403): {status_detail(error)}. Check the key's"
            " permissions."
        )
    elif isinstance(error, openai.NotFoundError):
        text = (
            f"{endpoint} does not know the model {settings.model!r} (HTTP 404). "
            "Check --model / CODEGEN_MODEL (for Ollama, `ollama list` shows the names)."
        )
    elif isinstance(error, openai.RateLimitError):
        text = (
            f"{endpoint} is rate limiting us (HTTP 429) after {retries} retries:"
            f" {status_detail(error)}. Wait a moment, or raise CODEGEN_MAX_RETRIES."
        )
    elif isinstance(error, openai.BadRequestError):
        detail = status_detail(error).rstrip(".")
        text = f"{endpoint} rejected the {mode} request (HTTP 400): {detail}."
    elif isinstance(error, openai.APIResponseValidationError):
        text = (
            f"{endpoint} answered the {mode} request with {error.message}, not a chat"
            f" completion. {_MODE_FIX}"
        )
    elif isinstance(error, openai.APIStatusError):
        text = (
            f"{endpoint} failed with HTTP {error.status_code} after {retries} retries:"
            f" {status_detail(error)}. Try again later, or check the server's logs."
        )
    else:
        text = f"The request to {endpoint} failed: {error}."
    return ModelCallError(text, step=step)


# A 400 that says a parameter is not taken at all (OpenAI: code unsupported_parameter or
# unsupported_value, "Unsupported parameter: 'max_tokens' is not supported with this model. Use
# 'max_completion_tokens' instead."), not that its value is too big ("max_tokens is too large").
_UNSUPPORTED = re.compile(
    r"unsupported|not supported|does not support|only the default|max_completion_tokens",
    re.IGNORECASE,
)


def rejected_parameter(error) -> str | None:
    """The request parameter a 400 refuses outright (`max_tokens`, `temperature`...), or None.

    Read from the error's `param` where the endpoint names it, else from a quoted name in its
    message; a rejection of a value's size or of the prompt names none.
    """
    if getattr(error, "status_code", None) != 400:
        return None
    body = getattr(error, "body", None)
    nested = body.get("error", body) if isinstance(body, dict) else None
    fields = nested if isinstance(nested, dict) else {}
    message = str(fields.get("message") or body_text(error))
    said = f"{fields.get('code') or ''} {message}"
    if not _UNSUPPORTED.search(said):
        return None
    param = fields.get("param")
    if isinstance(param, str) and param:
        return param
    quoted = re.search(r"'([a-z_]+)' (?:is not supported|does not support)", message)
    return quoted.group(1) if quoted else None


def finish_reason_message(error: Exception | type[Exception]) -> str:
    name = error.__name__ if isinstance(error, type) else type(error).__name__
    if name == "LengthFinishReasonError":
        return (
            "The reply was cut off at the token limit; try a shorter prompt, or raise --max-tokens "
            "(CODEGEN_MAX_TOKENS, the editor's codegen.maxTokens)."
        )
    return "The endpoint's content filter stopped the reply; rephrase the prompt."


def closed_early_message(endpoint: str, how: str, serial: bool) -> str:
    """Asked twice, cut twice: what happened, and what to change."""
    said = f"The server at {endpoint} closed the reply early, twice ({how})."
    if serial:
        return (
            f"{said} Requests already went one at a time: check the server's logs (it may have"
            " stopped or run out of memory), then try again."
        )
    return (
        f"{said} If it serves one request at a time (llama-cpp-python's server stops a reply when"
        " another request arrives, unless started with --interrupt_requests False), send requests"
        " one after the other: --concurrency serial, CODEGEN_CONCURRENCY=serial or the editor's"
        " codegen.concurrency setting. Otherwise check the server's logs and try again."
    )


def all_rejected_message(endpoint: str, settings: Settings, rejected: list[str]) -> str:
    tried = "; ".join(rejected)
    if settings.structured_output == "auto":
        return (
            f"{endpoint} rejected every response format codegen can ask with: {tried}. Check the"
            " server's logs."
        )
    return (
        f"{endpoint} rejected the structured-output mode {settings.structured_output!r}: {tried}."
        f" {_MODE_FIX}"
    )


async def inspect_response(response) -> None:
    """An httpx response hook, run before the SDK reads the response.

    The SDK retries every 5xx, but a server that answers 500 to the response format
    (llama-cpp-python 0.3 does) will answer the same again: `x-should-retry: false` stops it. And a
    2xx chat completion that is not a JSON object (empty, an HTML page) is an error here, not a
    string the SDK hands back.
    """
    import openai

    status = response.status_code
    if status >= 500 and "x-should-retry" not in response.headers:
        await response.aread()
        if so.is_format_rejection(status, response.text):
            response.headers["x-should-retry"] = "false"
    elif 200 <= status < 300 and response.request.url.path.endswith("/chat/completions"):
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return  # a streamed reply: read as it arrives, checked as it is read
        await response.aread()
        if not _is_json_object(response.text):
            what = _describe_body(response) if response.text.strip() else "an empty body"
            raise openai.APIResponseValidationError(
                response, response.text, message=f"HTTP {status} and {what}"
            )


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def body_text(error) -> str:
    """All the endpoint said: the error body as the SDK parsed it, and the raw text."""
    response = getattr(error, "response", None)
    raw = response.text if response is not None else ""
    return f"{getattr(error, 'body', '')} {raw}"


def status_detail(error) -> str:
    """The endpoint's own words: the SDK puts the `error` object of the JSON body in `body`."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        nested = body.get("error")
        detail = body.get("message") or (
            nested.get("message") if isinstance(nested, dict) else nested
        )
        if detail:
            return str(detail)[:300]
    response = getattr(error, "response", None)
    if isinstance(body, str) and body.strip() and response is not None:
        return _describe_body(response)
    return str(getattr(error, "message", None) or error)[:300]


def _describe_body(response) -> str:
    """A body that is not the JSON expected: its content type and first characters."""
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    return f"{kind} beginning {response.text.strip()[:80]!r}"
