"""Typed errors whose message tells a person what went wrong and what to do."""


class CodegenError(Exception):
    """Base class: `str(error)` is a complete, user-facing sentence naming cause and fix."""

    exit_code = 1

    def __init__(self, message: str, *, step: str | None = None):
        self.step = step
        super().__init__(f"{step}: {message}" if step else message)


class ConfigurationError(CodegenError):
    """The settings cannot work (no key and no base URL, an invalid value)."""

    exit_code = 2


class ModelCallError(CodegenError):
    """The endpoint failed: unreachable, timed out, rate limited, server error, auth."""


class ModelReplyError(CodegenError):
    """The endpoint answered, but the answer is unusable (refusal, bad JSON, wrong shape)."""


class ModelRefusal(ModelReplyError):
    """The model refused; the message carries its own words."""


class GeneratedCodeError(CodegenError):
    """The model's code does not parse."""


class ReplayMiss(CodegenError):
    """`--replay` has no recorded answer for this request."""
