"""A reply reduced to what its module lacks: definitions and imports the module has are left out,
and a name the module imports under an alias is used under that alias."""

from __future__ import annotations

from codegen.context.outline import module_names
from codegen.shaping.existing import without_existing

MODULE = """import numpy as np
from math import hypot as length
from dataclasses import dataclass


@dataclass
class Point:
    x: float
    y: float


def distance(p: Point, q: Point) -> float:
    return length(p.x - q.x, p.y - q.y)
"""

REPLY = '''import itertools
import numpy
from math import hypot
from dataclasses import dataclass, field


@dataclass
class Point:
    x: float
    y: float


def distance(p: Point, q: Point) -> float:
    return hypot(p.x - q.x, p.y - q.y)


def spread(points: list[Point]) -> float:
    """The largest distance between two of `points`."""
    pairs = itertools.combinations(points, 2)
    return float(numpy.max([distance(a, b) for a, b in pairs] + [hypot(0, 0)]))
'''


def test_definitions_and_imports_the_module_has_are_left_out_and_aliases_used():
    reduced = without_existing(REPLY, module_names(MODULE))
    assert "class Point" not in reduced and "def distance" not in reduced
    assert "def spread(points: list[Point]) -> float:" in reduced
    assert "import itertools" in reduced and "from dataclasses import field" in reduced
    assert "import numpy\n" not in reduced and "from math import hypot" not in reduced
    assert "np.max(" in reduced and "length(0, 0)" in reduced
    assert "numpy." not in reduced and "hypot(" not in reduced.replace("length(", "")


def test_code_that_does_not_parse_is_left_as_it_is():
    assert without_existing("def f(:\n", module_names(MODULE)) == "def f(:\n"


def test_a_module_that_does_not_parse_still_names_what_parses():
    names = module_names(MODULE + "\ndef broken(:\n    pass\n")
    assert {"Point", "distance"} <= names.defined
    assert names.imported[("numpy", "")] == "np"
    assert names.imported[("math", "hypot")] == "length"
