"""The model client: one pydantic-shaped reply per call, in whichever structured-output mode the
endpoint takes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelCallError, ModelRefusal, ModelReplyError
from ..progress import TokenCallback
from ..settings import Settings
from . import structured_output as so
from .concurrency import RequestGate, StreamCut
from .endpoint_errors import (
    all_rejected_message,
    body_text,
    call_error,
    closed_early_message,
    finish_reason_message,
    inspect_response,
    rejected_parameter,
    status_detail,
)
from .recording import AnswerRecorder, AnswerReplayer, request_key
from .streaming import ReceivedReply, finished_reply, read_stream
from .structured_output import Reply

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

# The reply token limit's names: Chat Completions' first, which every local server takes, and its
# successor, the only one OpenAI's reasoning models (o1, o3, o4-mini, gpt-5) take.
MAX_TOKENS, MAX_COMPLETION_TOKENS = "max_tokens", "max_completion_tokens"

SYSTEM_MESSAGE = (
    "You write correct, idiomatic, well-documented Python. You answer in the requested JSON format."
)


class ModelClient:
    """Asks the configured endpoint for one pydantic-shaped reply per call.

    Retries (429, 5xx, connection errors) and timeouts are the openai SDK's own, configured from
    Settings. A rejection of the response format is never retried: the client steps down the
    setting's ladder (structured_output.LADDERS) and remembers where it landed. Likewise a 400 that
    refuses `max_tokens` (OpenAI's reasoning models) is asked again at once with
    `max_completion_tokens`, and one that refuses `temperature` without it; each at most once per
    client, which remembers it (no list of model names: they change, and proxies rename them). One
    client serves one endpoint and model for a session (a CLI command; a language-server
    configuration), so each endpoint is probed once per session. A stream cut short is asked
    again once; a cut while another request was in flight also teaches the client's RequestGate
    that the endpoint serves one request at a time.
    """

    def __init__(
        self, settings: Settings, *, record_dir: Path | None = None, replay_dir: Path | None = None
    ):
        self.settings = settings
        self._recorder = AnswerRecorder(record_dir) if record_dir else None
        self._replayer = AnswerReplayer(replay_dir) if replay_dir else None
        self._sdk: AsyncOpenAI | None = None
        self._ladder = so.LADDERS[settings.structured_output]
        self._mode = self._ladder[0]  # where rejections have led so far
        self._token_limit = MAX_TOKENS  # the name the endpoint takes the reply token limit under
        self._sends_temperature = settings.temperature is not None  # until the endpoint refuses it
        self.requests = RequestGate(settings.concurrency)
        if self._replayer is None:
            settings.require_endpoint()

    @property
    def endpoint(self) -> str:
        if self._replayer is not None:
            return f"replay of {self._replayer.directory}"
        return self.settings.base_url or "https://api.openai.com/v1"

    @property
    def structured_output_mode(self) -> str:
        """The mode the next request is made in: the first of the ladder, or where rejections
        led."""
        return self._mode

    @property
    def one_request_at_a_time(self) -> bool:
        """Whether requests go one after the other: the setting, or a cut stream showed it."""
        return self.requests.serial

    def prepare(self) -> None:
        """Import the SDK and build its client now (the language server's warm-up), not on the first
        request."""
        if self._replayer is None:
            self._client()

    def _client(self) -> AsyncOpenAI:
        if self._sdk is None:
            import openai  # lazy: the language server must start without paying for it

            self._sdk = openai.AsyncOpenAI(
                api_key=self.settings.api_key_for_client(),
                base_url=self.settings.base_url,
                timeout=self.settings.timeout,
                max_retries=self.settings.max_retries,
                http_client=openai.DefaultAsyncHttpxClient(
                    event_hooks={"response": [inspect_response]}
                ),
            )
        return self._sdk

    async def ask(
        self,
        response_model: type[Reply],
        user_message: str,
        *,
        step: str,
        prompt: str,
        on_tokens: TokenCallback | None = None,
    ) -> Reply:
        """One validated reply. `step` names the pipeline step in errors; `prompt` names the request
        in replay misses.

        `on_tokens(step, tokens, seconds)` hears how much of the reply has arrived, as it arrives.
        """
        messages = [
            {"role": "system", "content": SYSTEM_MESSAGE},
            {"role": "user", "content": user_message},
        ]
        key = request_key(response_model.__name__, messages)
        if self._replayer is not None:
            content = self._replayer.answer(key, step=step, prompt=prompt)
            return so.read_reply(response_model, content, mode="recorded", step=step)
        reply = await self._ask_endpoint(response_model, messages, step=step, on_tokens=on_tokens)
        if self._recorder is not None:
            self._recorder.save(
                key,
                step=step,
                prompt=prompt,
                model=self.settings.model,
                request={"response_format": response_model.__name__, "messages": messages},
                answer=reply.model_dump_json(),
            )
        return reply

    async def _ask_endpoint(
        self,
        response_model: type[Reply],
        messages: list[dict[str, Any]],
        *,
        step: str,
        on_tokens: TokenCallback | None = None,
    ) -> Reply:
        import openai

        mode = self.structured_output_mode
        rejected: list[str] = []
        cut: StreamCut | None = None
        while True:
            try:
                async with self.requests.slot(self.endpoint):
                    return await self._ask_in_mode(
                        mode, response_model, messages, step=step, on_tokens=on_tokens
                    )
            except StreamCut as again:
                if cut is not None:  # asked twice, cut twice
                    raise ModelCallError(
                        closed_early_message(self.endpoint, again.how, self.requests.serial),
                        step=step,
                    ) from None
                cut = again
                log.info("%s: %s; asking once more", self.endpoint, again.how)
            except openai.APIStatusError as error:
                if self._adapt_sampling(error):
                    continue  # the same request again, without what the endpoint refused
                if not so.is_format_rejection(error.status_code, body_text(error)):
                    raise call_error(
                        error, endpoint=self.endpoint, settings=self.settings, step=step, mode=mode
                    ) from None
                rejected.append(f"{mode} (HTTP {error.status_code}: {status_detail(error)})")
                following = self._ladder.index(mode) + 1
                if following == len(self._ladder):
                    raise ModelCallError(
                        all_rejected_message(self.endpoint, self.settings, rejected), step=step
                    ) from None
                mode = self._mode = self._ladder[following]
            except openai.OpenAIError as error:
                raise call_error(
                    error, endpoint=self.endpoint, settings=self.settings, step=step, mode=mode
                ) from None

    async def _ask_in_mode(
        self,
        mode: str,
        response_model: type[Reply],
        messages,
        *,
        step: str,
        on_tokens: TokenCallback | None = None,
    ) -> Reply:
        """One streamed request in `mode`: progress as the reply arrives, a size cap enforced while
        it does."""
        import openai

        request: dict[str, Any] = {"model": self.settings.model, **self._sampling()}
        if mode == so.JSON_SCHEMA:
            request["messages"] = messages
            request["response_format"] = _json_schema_format(response_model)
        else:
            request["messages"] = so.with_schema_in_prompt(messages, response_model)
            response_format = so.response_format(mode, response_model)
            if response_format is not None:
                request["response_format"] = response_format
        received = ReceivedReply(on_tokens)
        # create(stream=True), not the SDK's stream() helper: weave traces create, streamed or not.
        stream = await self._client().chat.completions.create(**request, stream=True)
        await read_stream(stream, received, step)
        if received.refusal:
            raise ModelRefusal(f"The model refused: {received.refusal}", step=step)
        if received.finish_reason == "length":
            raise ModelReplyError(finish_reason_message(openai.LengthFinishReasonError), step=step)
        if received.finish_reason == "content_filter":
            raise ModelReplyError(
                finish_reason_message(openai.ContentFilterFinishReasonError), step=step
            )
        return finished_reply(response_model, received, mode=mode, step=step)

    def _sampling(self) -> dict[str, Any]:
        sampling: dict[str, Any] = {self._token_limit: self.settings.max_tokens}
        if self._sends_temperature:
            sampling["temperature"] = self.settings.temperature
        return sampling

    def _adapt_sampling(self, error) -> bool:
        """Whether the endpoint refused a sampling parameter this client can do without; if so, the
        next request (the retry of this one, and every later one) leaves it out.

        Each adaptation happens once per client, so a request is asked again at most twice, as fast
        as a 400 comes back, with the SDK's timeout and retries as for any request.
        """
        refused = rejected_parameter(error)
        if refused == MAX_TOKENS and self._token_limit == MAX_TOKENS:
            self._token_limit = MAX_COMPLETION_TOKENS
            log.info(
                "%s does not take max_tokens; the token limit goes as max_completion_tokens",
                self.endpoint,
            )
            return True
        if refused == "temperature" and self._sends_temperature:
            self._sends_temperature = False
            log.warning(
                "The model %s ignores the temperature setting (%g): codegen sends none, so the"
                " model uses its default (the endpoint said: %s). Drop --temperature to silence"
                " this.",
                self.settings.model,
                self.settings.temperature,
                status_detail(error),
            )
            return True
        return False

    async def close(self) -> None:
        if self._sdk is not None:
            await self._sdk.close()
            self._sdk = None


def _json_schema_format(response_model: type[Reply]) -> dict[str, Any]:
    """The strict json_schema response format the SDK's own parse() sends, as a plain request
    parameter.

    Given as data (not the pydantic class), the SDK streams the text without parsing partial JSON;
    the reply is validated by the same pydantic model as in every other mode.
    """
    import openai

    schema = openai.pydantic_function_tool(response_model)["function"]["parameters"]
    return {
        "type": "json_schema",
        "json_schema": {"name": response_model.__name__, "schema": schema, "strict": True},
    }
