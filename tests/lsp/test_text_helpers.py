"""The server's pure text helpers: finding prompts and functions, merging code into existing
files."""

from __future__ import annotations

import pytest

from codegen.shaping.merging import merge_imports, merge_test_file
from codegen_lsp.config import checked_pipeline, codegen_settings, parse_options
from codegen_lsp.editing.merging import append_runner, has_runner, place_function, split_imports
from codegen_lsp.editing.prompts import (
    find_prompt,
    function_at,
    function_block,
    looks_like_code,
    prompt_at,
)
from codegen_lsp.text import split_lines


@pytest.mark.parametrize(
    "text",
    [
        "x = 1",
        "print(x)",
        "import os",
        "if ready:",
        "return total",
        "foo.bar(1, 2)",
        "for i in range(3):",
        "x += 1",
        "del cache[key]",
    ],
)
def test_commented_out_code(text):
    assert looks_like_code(text)


@pytest.mark.parametrize(
    "text",
    [
        "compute the moving average",
        "TODO",
        "sort a list of numbers, stable",
        "return the sum of a and b",
        "fast",
        "parse an ISO-8601 date: 2024-01-02",
        "",
        "not implemented",
    ],
)
def test_prose(text):
    assert not looks_like_code(text)


def test_prompt_block_and_exclusions():
    lines = split_lines(
        "#!/usr/bin/env python\n# type: ignore\n# reverse a string\n# keeping unicode intact\n"
        "# x = 1\n\ndef f():\n    # a note inside a body\n    return 1\n"
    )
    prompt = prompt_at(lines, 3)
    assert (prompt.start_line, prompt.end_line) == (2, 3)
    assert prompt.text == "reverse a string keeping unicode intact"
    assert (
        prompt_at(lines, 0) is None and prompt_at(lines, 1) is None and prompt_at(lines, 4) is None
    )
    assert prompt_at(lines, 7) is None  # comments inside bodies are notes
    assert prompt_at(lines, 99) is None
    moved = split_lines("X = 1\n\n" + "".join(lines))
    assert find_prompt(moved, prompt).start_line == 4
    assert find_prompt(split_lines("# reverse a string\n# keeping it\n"), prompt) is None


def test_function_at_and_block():
    lines = split_lines(
        "@cache\ndef first(a,\n          b):\n    x = '''\ntext\n'''\n\n    return a\n\n\n"
        "X = 1\n\nasync def second():\n    pass\n"
    )
    assert function_at(lines, 1).name == "first"
    assert function_at(lines, 2).name == "first"  # a wrapped signature
    assert function_at(lines, 0) is None  # the decorator line
    assert function_at(lines, 10) is None
    assert function_at(lines, 13).name == "second"
    assert function_at(lines, 500) is None
    assert function_block(lines, "first") == (0, 4)  # indentation alone cannot see past the string
    assert function_block(lines, "second") == (12, 14)
    assert function_block(lines, "third") is None


def test_imports_merge_sorted_and_deduplicated():
    text = '"""Doc."""\nimport os\nfrom typing import List\n\n\ndef f():\n    pass\n'
    merged = merge_imports(
        text, ["import os\n", "from typing import Dict, List\n", "import math\n"]
    )
    assert merged.startswith(
        '"""Doc."""\nimport math\nimport os\nfrom typing import Dict, List\n\n\ndef f'
    )
    assert merge_imports(text, ["import os\n"]) == text
    assert (
        merge_imports("def f():\n    pass\n", ["import os\n"])
        == "import os\n\n\ndef f():\n    pass\n"
    )
    shebang = "#!/usr/bin/env python\nimport sys\n"
    assert (
        merge_imports(shebang, ["import abc\n"])
        == "#!/usr/bin/env python\nimport abc\nimport sys\n"
    )


def test_place_function_and_runner():
    text = "import os\n# add two numbers\nX = 1\n"
    lines = split_lines(text)
    imports, body = split_imports("import math\n\n\ndef add(a, b):\n    return math.fsum([a, b])\n")
    assert imports == ["import math\n"]
    placed = place_function(text, prompt_at(lines, 1), body, keep_prompt=False)
    assert placed == "import os\n\n\ndef add(a, b):\n    return math.fsum([a, b])\n\n\nX = 1\n"
    kept = place_function(text, prompt_at(lines, 1), body, keep_prompt=True)
    assert "# add two numbers\ndef add" in kept
    assert (
        not has_runner(placed)
        and has_runner("def main():\n    pass\n")
        and has_runner("if __name__ == '__main__':\n    f()\n")
    )
    runner = append_runner("def f():\n    pass", "def main():\n    f()\n")
    assert runner == "def f():\n    pass\n\n\ndef main():\n    f()\n"
    crlf = place_function(
        "import os\r\n# add\r\n",
        prompt_at(split_lines("import os\r\n# add\r\n"), 1),
        body,
        keep_prompt=False,
    )
    assert "\r\n" in crlf and "\n" not in crlf.replace("\r\n", "")


def test_merge_test_file_renames_clashes_and_skips_duplicates():
    existing = (
        "import unittest\n\nfrom m import f\n\n\nclass TestF(unittest.TestCase):\n"
        "    def test_a(self):\n"
        "        self.assertTrue(f())\n\n\nif __name__ == '__main__':\n    unittest.main()\n"
    )
    new = (
        "import unittest\n\nfrom m import g\n\n\nclass TestF(unittest.TestCase):\n"
        "    def test_b(self):\n"
        "        self.assertTrue(g())\n\n\nif __name__ == '__main__':\n    unittest.main()\n"
    )
    merged = merge_test_file(existing, new, module_name="m")
    assert (
        "class TestF(unittest.TestCase):\n    def test_a" in merged
        and "class TestF2(unittest.TestCase)" in merged
    )
    assert "from m import f, g" in merged and merged.count("unittest.main()") == 1
    assert merge_test_file(existing, existing, module_name="m") == existing


def test_options_conversion():
    options, problems = parse_options(
        {
            "workspaceTrusted": True,
            "timeout": 5,
            "testLocation": "testsFolder",
            "maxRetries": 1.5,
            "unknown": 1,
        },
        workspace_trusted=False,
        from_initialization=True,
    )
    assert options.workspace_trusted and options.test_location == "testsFolder" and problems == []
    options, problems = checked_pipeline(options)
    assert options.pipeline == {"timeout": 5}
    assert problems == ["codegen.maxRetries: Input should be a valid integer; using the default"]
    untrusted, problems = parse_options(
        {
            "baseUrl": "http://evil.example/v1",
            "model": "m",
            "interpreter": "/x",
            "runTestsAfterGeneration": True,
        },
        workspace_trusted=False,
    )
    assert untrusted.pipeline == {} and untrusted.interpreter is None
    assert not untrusted.runs_tests_after_generation and len(problems) == 4
    nested, _ = checked_pipeline(
        parse_options({"codegen": {"baseUrl": "ftp://x"}}, workspace_trusted=True)[0]
    )
    assert nested.pipeline == {}
    _, problems = checked_pipeline(
        parse_options({"codegen": {"baseUrl": "ftp://x"}}, workspace_trusted=True)[0]
    )
    assert "http://" in problems[0] and problems[0].startswith("codegen.baseUrl")


def test_one_bad_pipeline_setting_falls_back_and_the_others_apply(tmp_path):
    options, problems = parse_options(
        {"model": "small", "timeout": "soon", "testTimeout": 12, "tracing": "loud"},
        workspace_trusted=True,
    )
    options, problems = checked_pipeline(options)
    assert [p.split(":")[0] for p in problems] == ["codegen.timeout", "codegen.tracing"]
    settings = codegen_settings(options, tmp_path, environ={"CODEGEN_TIMEOUT": "7"})
    assert (settings.model, settings.test_timeout, settings.timeout, settings.tracing) == (
        "small",
        12,
        7,
        "auto",
    )


def test_configuration_overlays_initialization_options():
    from codegen_lsp.config import merge_settings

    merged = merge_settings(
        {"workspaceTrusted": True, "settings": {"model": "a", "timeout": 5}}, {"model": "b"}
    )
    assert merged == {"model": "b", "timeout": 5}
    assert merge_settings(None, {"model": "b"}) == {"model": "b"}
    assert merge_settings({"model": "a"}, ["bad"]) == ["bad"]
