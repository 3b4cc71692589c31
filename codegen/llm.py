"""The model client: structured output through the openai SDK, with a json_object fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from . import prompts
from .errors import ModelCallError, ModelRefusal, ModelReplyError
from .recording import AnswerRecorder, AnswerReplayer, request_key
from .settings import Settings

Reply = TypeVar("Reply", bound=BaseModel)

SYSTEM_MESSAGE = "You write correct, idiomatic, well-documented Python. You answer in the requested JSON format."


class ModelClient:
    """Asks the configured endpoint for one pydantic-shaped reply per call.

    Retries (429, 5xx, connection errors) and timeouts are the openai SDK's own, configured from
    Settings. An endpoint that answers 400 to a `json_schema` response format is asked again with
    `json_object` and the schema spelled out in the prompt; that choice is remembered.
    """

    def __init__(self, settings: Settings, *, record_dir: Path | None = None, replay_dir: Path | None = None):
        self.settings = settings
        self._recorder = AnswerRecorder(record_dir) if record_dir else None
        self._replayer = AnswerReplayer(replay_dir) if replay_dir else None
        self._sdk = None
        self._json_object_only = False
        if self._replayer is None:
            settings.require_endpoint()

    @property
    def json_object_only(self) -> bool:
        """True once the endpoint has rejected json_schema and we ask with json_object instead."""
        return self._json_object_only

    @property
    def endpoint(self) -> str:
        if self._replayer is not None:
            return f"replay of {self._replayer.directory}"
        return self.settings.base_url or "https://api.openai.com/v1"

    def prepare(self) -> None:
        """Import the SDK and build its client now (the language server's warm-up), not on the first request."""
        if self._replayer is None:
            self._client()

    def _client(self):
        if self._sdk is None:
            import openai  # lazy: the language server must start without paying for it

            self._sdk = openai.AsyncOpenAI(
                api_key=self.settings.api_key_for_client(),
                base_url=self.settings.base_url,
                timeout=self.settings.timeout,
                max_retries=self.settings.max_retries,
            )
        return self._sdk

    async def ask(self, response_model: type[Reply], user_message: str, *, step: str, prompt: str) -> Reply:
        """One structured reply. `step` names the pipeline step in errors; `prompt` names the request in replay misses."""
        messages = [{"role": "system", "content": SYSTEM_MESSAGE}, {"role": "user", "content": user_message}]
        key = request_key(response_model.__name__, messages)
        if self._replayer is not None:
            content = self._replayer.answer(key, step=step, prompt=prompt)
            return parse_reply(response_model, content, step=step)
        reply, content = await self._ask_endpoint(response_model, messages, step=step)
        if self._recorder is not None:
            self._recorder.save(
                key,
                step=step,
                prompt=prompt,
                model=self.settings.model,
                request={"response_format": response_model.__name__, "messages": messages},
                answer=content,
            )
        return reply

    async def _ask_endpoint(self, response_model: type[Reply], messages: list[dict[str, Any]], *, step: str):
        import openai

        try:
            if not self._json_object_only:
                try:
                    return await self._ask_json_schema(response_model, messages, step=step)
                except openai.BadRequestError as error:
                    # Some endpoints accept only json_object; ask once more that way, then remember it.
                    schema_error = error
                    self._json_object_only = True
                    try:
                        return await self._ask_json_object(response_model, messages, step=step)
                    except openai.BadRequestError:
                        self._json_object_only = False
                        raise schema_error from None
            return await self._ask_json_object(response_model, messages, step=step)
        except openai.OpenAIError as error:
            raise self._call_error(error, step) from None

    async def _ask_json_schema(self, response_model: type[Reply], messages, *, step: str):
        import openai

        try:
            completion = await self._client().chat.completions.parse(
                model=self.settings.model,
                messages=messages,
                response_format=response_model,
                **self._sampling(),
            )
        except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as error:
            raise ModelReplyError(_finish_reason_message(error), step=step) from None
        except ValidationError as error:
            raise ModelReplyError(_invalid_reply_message(response_model, error), step=step) from None
        message = _first_message(completion, step)
        if message.refusal:
            raise ModelRefusal(f"The model refused: {message.refusal}", step=step)
        if message.parsed is None:
            return parse_reply(response_model, message.content or "", step=step), message.content or ""
        return message.parsed, message.content or message.parsed.model_dump_json()

    async def _ask_json_object(self, response_model: type[Reply], messages, *, step: str):
        system = {"role": "system", "content": messages[0]["content"] + "\n\n" + prompts.json_object_instruction(response_model)}
        completion = await self._client().chat.completions.create(
            model=self.settings.model,
            messages=[system, *messages[1:]],
            response_format={"type": "json_object"},
            **self._sampling(),
        )
        message = _first_message(completion, step)
        if getattr(message, "refusal", None):
            raise ModelRefusal(f"The model refused: {message.refusal}", step=step)
        if completion.choices[0].finish_reason == "length":
            raise ModelReplyError("The reply was cut off at the model's token limit; try a shorter prompt.", step=step)
        content = message.content or ""
        return parse_reply(response_model, content, step=step), content

    def _sampling(self) -> dict[str, Any]:
        return {} if self.settings.temperature is None else {"temperature": self.settings.temperature}

    def _call_error(self, error: Exception, step: str) -> ModelCallError:
        import openai

        endpoint = self.endpoint
        retries = self.settings.max_retries
        if isinstance(error, openai.APITimeoutError):
            text = (
                f"The model at {endpoint} did not answer within {self.settings.timeout:g} s "
                f"({retries} retries). Raise the timeout (--timeout, CODEGEN_TIMEOUT or the editor's codegen.timeout "
                "setting) or try a smaller model."
            )
        elif isinstance(error, openai.APIConnectionError):
            cause = error.__cause__ or error
            text = (
                f"Cannot reach {endpoint} ({cause}). Check OPENAI_BASE_URL (--base-url, or the editor's codegen.baseUrl "
                "setting) and that the server is running."
            )
        elif isinstance(error, openai.AuthenticationError):
            text = f"{endpoint} rejected the API key (HTTP 401). Check OPENAI_API_KEY."
        elif isinstance(error, openai.PermissionDeniedError):
            text = f"{endpoint} refused access (HTTP 403): {_status_detail(error)}. Check the key's permissions."
        elif isinstance(error, openai.NotFoundError):
            text = (
                f"{endpoint} does not know the model {self.settings.model!r} (HTTP 404). "
                "Check --model / CODEGEN_MODEL (for Ollama, `ollama list` shows the names)."
            )
        elif isinstance(error, openai.RateLimitError):
            text = (
                f"{endpoint} is rate limiting us (HTTP 429) after {retries} retries: {_status_detail(error)}. "
                "Wait a moment, or raise CODEGEN_MAX_RETRIES."
            )
        elif isinstance(error, openai.BadRequestError):
            text = f"{endpoint} rejected the request (HTTP 400): {_status_detail(error)}."
        elif isinstance(error, openai.APIStatusError):
            text = (
                f"{endpoint} failed with HTTP {error.status_code} after {retries} retries: {_status_detail(error)}. "
                "Try again later, or check the server's logs."
            )
        else:
            text = f"The request to {endpoint} failed: {error}."
        return ModelCallError(text, step=step)

    async def close(self) -> None:
        if self._sdk is not None:
            await self._sdk.close()
            self._sdk = None


def parse_reply(response_model: type[Reply], content: str, *, step: str) -> Reply:
    """Validate a raw JSON reply with the pydantic model, or raise a ModelReplyError saying what was wrong."""
    try:
        return response_model.model_validate_json(content)
    except ValidationError as error:
        raise ModelReplyError(_invalid_reply_message(response_model, error, content), step=step) from None


def _invalid_reply_message(response_model: type[BaseModel], error: ValidationError, content: str | None = None) -> str:
    first = error.errors()[0] if error.errors() else {"msg": str(error)}
    excerpt = f" It began: {content[:80]!r}." if content else ""
    return (
        f"The model's reply is not a valid {response_model.__name__} ({first['msg']}).{excerpt} "
        "Try again, or use a model that supports structured outputs."
    )


def _finish_reason_message(error: Exception) -> str:
    if type(error).__name__ == "LengthFinishReasonError":
        return "The reply was cut off at the model's token limit; try a shorter prompt."
    return "The endpoint's content filter stopped the reply; rephrase the prompt."


def _first_message(completion, step: str):
    if not completion.choices:
        raise ModelReplyError("The endpoint returned no choices.", step=step)
    return completion.choices[0].message


def _status_detail(error) -> str:
    """The endpoint's own words: the SDK puts the `error` object of the JSON body in `body`."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        nested = body.get("error")
        detail = body.get("message") or (nested.get("message") if isinstance(nested, dict) else nested)
        if detail:
            return str(detail)[:300]
    return str(getattr(error, "message", None) or error)[:300]
