"""A module with a `Point` and a `distance` helper, a conftest.py fixture, and the replies a model
gives for a prompt in it: shared by the CLI and LSP tests of generation in context."""

from __future__ import annotations

GEOMETRY = '''"""Plane geometry."""

import math
from dataclasses import dataclass

UNIT = 1.0


@dataclass
class Point:
    """A point in the plane."""

    x: float
    y: float


def distance(p: Point, q: Point) -> float:
    """The Euclidean distance between two points."""
    return math.hypot(p.x - q.x, p.y - q.y)

'''
PROMPT = "the perimeter of a closed polygon given as a list of Points, using distance"
PROMPT_COMMENT = f"# {PROMPT}\n"

# What a model that was not told about the module writes: Point and distance again.
PERIMETER_REDEFINING = '''import math
from dataclasses import dataclass


@dataclass
class Point:
    x: float
    y: float


def distance(p: Point, q: Point) -> float:
    """Distance."""
    return math.sqrt((p.x - q.x) ** 2 + (p.y - q.y) ** 2)


def perimeter(points: list[Point]) -> float:
    """The length of the closed path through `points`."""
    if len(points) < 2:
        return 0.0
    return sum(distance(a, b) for a, b in zip(points, points[1:] + points[:1]))
'''

CONFTEST = '''"""Fixtures shared by the project's tests."""

import pytest

from geometry import Point


@pytest.fixture
def sample_points() -> list[Point]:
    """The corners of the unit square, counter-clockwise."""
    return [Point(0, 0), Point(1, 0), Point(1, 1), Point(0, 1)]
'''

PYTEST_USING_FIXTURE = """import pytest

from geometry import Point, perimeter


def test_perimeter_of_the_unit_square(sample_points):
    assert perimeter(sample_points) == pytest.approx(4.0)


def test_perimeter_of_one_point_is_zero():
    assert perimeter([Point(2, 3)]) == 0.0
"""


def padding(count: int) -> str:
    """`count` unrelated documented functions: a module far over any context budget."""
    return "".join(
        f"\n\ndef unrelated_{i}(value: int) -> int:\n"
        f'    """Unrelated helper number {i}."""\n'
        f"    return value * {i} + 1\n"
        for i in range(count)
    )


def module_context_of(message: str) -> str:
    """The module context a function request carries (between its template's framing lines)."""
    start = message.index("bodies left out, except small helpers the task names):\n\n")
    start = message.index("\n\n", start) + 2
    return message[start : message.index("\n\nUse what the module already has")]


def conventions_of(message: str) -> str:
    """The test conventions a tests request carries."""
    start = message.index("test names:\n\n") + len("test names:\n\n")
    return message[start : message.index("\n\nUse the fixtures above by name")]
