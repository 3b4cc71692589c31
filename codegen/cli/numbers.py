"""argparse types for numeric flags: a bad number is a usage error (exit 2) that names the bound."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..settings import check_fields


def setting_number(name: str) -> Callable[[str], Any]:
    """The type of a flag that sets `Settings.<name>`: parsed and bounded as that field is, so the
    flag and the environment variable accept the same values."""

    def parse(text: str) -> Any:
        valid, rejected = check_fields({name: text}, strict=False)
        if name in rejected:
            why = rejected[name].replace("Input should be", "must be")
            raise argparse.ArgumentTypeError(f"{text!r}: {why}")
        return valid[name]

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def count(minimum: int = 1) -> Callable[[str], int]:
    """The type of a flag that counts something (runs, prompts in flight): a whole number of at
    least `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: must be at least {minimum}")
        return value

    parse.__name__ = "count"
    return parse
