"""A generation session: tracing, the model client and the pipeline, set up and closed in order."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

from .model.llm import ModelClient
from .progress import StageCallback, TokenCallback
from .settings import Settings
from .tracing import TracingStatus, configure_environment, start_tracing, stop_tracing

# weave's openai integration serializes `parsed` replies through a schema that expects None, and
# pydantic warns on every call; the trace is still right, and users should not see the noise.
warnings.filterwarnings("ignore", message="Pydantic serializer warnings", category=UserWarning)


class GenerationSession:
    """Long-lived (the language server keeps one per configuration) or per command (the CLI)."""

    def __init__(
        self, settings: Settings, *, record_dir: Path | None = None, replay_dir: Path | None = None
    ):
        self.settings = settings
        self.client = ModelClient(settings, record_dir=record_dir, replay_dir=replay_dir)
        configure_environment()  # before weave is first imported, below
        self.tracing: TracingStatus = start_tracing(
            settings.resolved_tracing(),
            project=settings.weave_project,
            wandb_api_key=(
                settings.wandb_api_key.get_secret_value() if settings.wandb_api_key else None
            ),
        )
        self.last_call_id: str | None = None

    def prepare(self) -> None:
        """Set up now what a first generation would: the SDK's client and the pipeline's imports
        (weave)."""
        self.client.prepare()
        self.pipeline()

    def pipeline(
        self,
        on_stage: StageCallback | None = None,
        on_tokens: TokenCallback | None = None,
        *,
        project_dir: Path | None = None,
        destination=None,
        function_template: str = "function",
    ):
        from .pipeline import CodeGenerationPipeline  # imports weave: only when generating

        return CodeGenerationPipeline(
            self.client,
            on_stage=on_stage,
            on_tokens=on_tokens,
            project_dir=project_dir,
            destination=destination,
            function_template=function_template,
        )

    async def generate(
        self,
        prompt: str,
        *,
        module_name: str | None = None,
        on_stage: StageCallback | None = None,
        on_tokens: TokenCallback | None = None,
        project_dir: Path | None = None,
    ):
        """The whole pipeline, traced as one `CodeGenerationPipeline.predict` call.

        `project_dir` is where the files will go: `test_framework="auto"` looks there for pytest.
        """
        from .generation import GenerationResult

        pipeline = self.pipeline(on_stage, on_tokens, project_dir=project_dir)
        output = await pipeline.predict(prompt, module_name)
        self.last_call_id = pipeline.call_id
        return GenerationResult.from_dict(output)

    async def close(self) -> None:
        await self.client.close()
        stop_tracing()


@contextlib.asynccontextmanager
async def traced_session(
    settings: Settings, *, record_dir: Path | None = None, replay_dir: Path | None = None
) -> AsyncIterator[GenerationSession]:
    session = GenerationSession(settings, record_dir=record_dir, replay_dir=replay_dir)
    try:
        yield session
    finally:
        await session.close()
