"""Generations through one `codegen.session` against the loopback model, as a language server runs
them."""

from __future__ import annotations

from codegen.session import traced_session
from codegen.settings import Settings, load_settings
from tests.helpers.cli import PROMPT
from tests.loopback_model import LoopbackModel


def untraced_settings(model: LoopbackModel) -> Settings:
    """Settings for `model` with tracing off and no test run: only the model's requests matter."""
    return load_settings(
        {"base_url": model.base_url, "tracing": "off", "run_tests": False}, environ={}
    )


async def generate_twice(settings: Settings, model: LoopbackModel) -> None:
    """Two generations of PROMPT in one session, as a language server keeps one per configuration;
    `model.requests` keeps only the second's."""
    async with traced_session(settings) as session:
        await session.generate(PROMPT, module_name="ma")
        model.requests.clear()
        await session.generate(PROMPT, module_name="ma")
