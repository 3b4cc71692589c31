"""Values checked one by one against the fields of a pydantic model, each rejection explained."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError


def check_model_fields(
    values: Mapping[str, Any], model: type[BaseModel], *, strict: bool = True
) -> tuple[dict[str, Any], dict[str, str]]:
    """Each value checked against its `model` field (by field name) alone: (the valid ones,
    field -> why each other is not).

    For callers that keep what is valid and report the rest (the editor's settings), rather than
    refuse all. Strict: these values arrive typed (JSON), so "yes" is not a boolean as it would be
    in the environment. Imports only pydantic, so the language server can check its own settings
    without loading codegen's.
    """
    probe = model.model_construct()
    valid: dict[str, Any] = {}
    rejected: dict[str, str] = {}
    for name, value in values.items():
        try:
            # the field's own type, bounds and validators, as `validate_assignment` runs them
            model.__pydantic_validator__.validate_assignment(probe, name, value, strict=strict)
        except ValidationError as error:
            rejected[name] = "; ".join(e["msg"] for e in error.errors())
        else:
            valid[name] = getattr(probe, name)
    return valid, rejected
