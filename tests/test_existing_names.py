"""A reply reduced to what its module lacks: definitions and imports the module has are left out,
and a name the module imports under an alias is used under that alias."""

from __future__ import annotations

from codegen.context.outline import module_names
from codegen.shaping.existing import without_existing

# Point and distance as the module has them, the distance computed with `hypot` by that name.
POINT_AND_DISTANCE = """@dataclass
class Point:
    x: float
    y: float


def distance(p: Point, q: Point) -> float:
    return {hypot}(p.x - q.x, p.y - q.y)
"""

MODULE = (
    "import numpy as np\nfrom math import hypot as length\nfrom dataclasses import dataclass\n\n\n"
    + POINT_AND_DISTANCE.format(hypot="length")
)

# The reply defines Point and distance again and imports numpy and hypot under their own names.
REPLY = (
    "import itertools\nimport numpy\nfrom math import hypot\n"
    "from dataclasses import dataclass, field\n\n\n"
    + POINT_AND_DISTANCE.format(hypot="hypot")
    + '''

def spread(points: list[Point]) -> float:
    """The largest distance between two of `points`."""
    pairs = itertools.combinations(points, 2)
    return float(numpy.max([distance(a, b) for a, b in pairs] + [hypot(0, 0)]))
'''
)


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
