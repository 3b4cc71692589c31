"""Generated methods: indented to their class (tabs in a tab class), placed in it for the tests,
checked to be methods, and cut out of a reply that repeats the class."""

from __future__ import annotations

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
