"""Generated methods: indented to their class (tabs in a tab class), placed in it for the tests,
checked to be methods, and cut out of a reply that repeats the class."""

from __future__ import annotations

from codegen.context.budget import approximate_tokens
from codegen.generation import MethodOf
from codegen.shaping.methods import (
    body_indent,
    class_with_methods,
    indent_block,
    method_problem,
    new_methods,
)
from codegen.source import parse_or_none

PEEK = "def peek(self) -> int:\n    if not self.items:\n        raise IndexError\n    return 1\n"
TAB_CLASS = "class Stack:\n\tdef __init__(self):\n\t\tself.items = []\n"


def test_a_method_is_indented_with_the_class_unit():
    assert body_indent(TAB_CLASS) == "\t" and body_indent("class A:\n  x = 1\n") == "  "
    assert body_indent("class Empty:\n") == "    "
    assert indent_block(PEEK, "\t").splitlines() == [
        "\tdef peek(self) -> int:",
        "\t\tif not self.items:",
        "\t\t\traise IndexError",
        "\t\treturn 1",
    ]
    assert indent_block(PEEK, "    ").splitlines()[1] == "        if not self.items:"


def test_the_class_with_the_method_parses_and_keeps_imports_first():
    code = "import math\n\n\n" + PEEK
    joined = class_with_methods(TAB_CLASS, code)
    assert joined.startswith("import math\n")
    tree = parse_or_none(joined)
    assert tree is not None
    assert [node.name for node in tree.body[1].body] == ["__init__", "peek"]


def test_only_self_taking_functions_are_methods():
    assert method_problem(PEEK, "Stack") is None
    assert method_problem("@staticmethod\ndef make() -> int:\n    return 1\n", "Stack") is None
    assert "does not take self first" in method_problem("def f(x):\n    return x\n", "Stack")
    assert "defines no method" in method_problem("X = 1\n", "Stack")


def test_a_repeated_class_is_cut_down_to_its_new_methods():
    reply = (
        "import math\n\n\nclass Stack:\n    def __init__(self):\n        self.items = []\n\n"
        "    def peek(self) -> int:\n        return self.items[-1]\n"
    )
    assert new_methods(reply, "Stack", TAB_CLASS) == (
        "import math\n\n\ndef peek(self) -> int:\n    return self.items[-1]\n"
    )
    assert new_methods(PEEK, "Stack", TAB_CLASS) == PEEK  # already methods
    assert new_methods("class Other:\n    pass\n", "Stack", TAB_CLASS).startswith("class Other")


def test_the_tests_of_a_method_see_a_huge_class_outlined_within_the_budget():
    """The tests step is shown the class with its new method: a class of 2,000 methods is shown as
    its outline (class line, attributes, method signatures) within the context budget, the new
    method whole."""
    methods = "".join(
        f"    def method_{index}(self, value: int) -> int:\n        return value + {index}\n\n"
        for index in range(2000)
    )
    huge = MethodOf("Stack", "class Stack:\n    size = 0\n\n" + methods)
    shown = huge.for_tests(PEEK, budget_tokens=1500)
    assert approximate_tokens(shown) <= 1500 + approximate_tokens(PEEK) + 20
    tree = parse_or_none(shown)
    assert tree is not None
    names = [node.name for node in tree.body[0].body if hasattr(node, "name")]
    assert names[0] == "method_0" and names[-1] == "peek" and "method_1999" not in names
    assert "more members not shown" in shown
    small = MethodOf("Stack", TAB_CLASS)
    assert small.for_tests(PEEK, budget_tokens=1500) == class_with_methods(TAB_CLASS, PEEK)
