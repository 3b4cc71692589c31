"""New tests merged into an existing test file (codegen.shaping.merging.merge_test_file), as the
editor's generation and the steer round both add them: nothing there lost or silently changed."""

from __future__ import annotations

import pytest

from codegen.shaping.merging import MergeError, merge_test_file

EXISTING = """import unittest

from m import f


class TestF(unittest.TestCase):
    def test_a(self):
        self.assertTrue(f())


if __name__ == "__main__":
    unittest.main()
"""

# Steered tests often keep their data at module level.
WITH_DATA = """import unittest

from m import f

CASES = [(1, 2), (3, 4)]


class TestFCases(unittest.TestCase):
    def test_cases(self):
        for given, expected in CASES:
            self.assertEqual(f(given), expected)
"""


def test_the_module_level_data_of_new_tests_comes_with_them():
    merged = merge_test_file(EXISTING, WITH_DATA, module_name="m")
    assert merged.startswith(EXISTING.split("\n\n\nif __name__")[0])
    assert "CASES = [(1, 2), (3, 4)]\n" in merged and "class TestFCases" in merged
    assert merged.index("CASES =") < merged.index("class TestFCases")
    assert merged.rstrip().endswith("unittest.main()") and merged.count("CASES = ") == 1
    compile(merged, "test_m.py", "exec")
    # The same tests again add nothing
    assert merge_test_file(merged, WITH_DATA, module_name="m") == merged


def test_new_data_rebinding_a_name_the_file_uses_is_refused_not_merged():
    existing = EXISTING.replace("\n\nclass TestF", "\nCASES = [(0, 1)]\n\n\nclass TestF")
    with pytest.raises(MergeError, match="the new tests set CASES, which the test file already"):
        merge_test_file(existing, WITH_DATA, module_name="m")
