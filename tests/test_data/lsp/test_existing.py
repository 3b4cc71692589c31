import unittest

from prompt_module import existing


class TestExisting(unittest.TestCase):
    def test_sums_values(self):
        self.assertEqual(existing([1, 2, 3]), 6)


if __name__ == "__main__":
    unittest.main()
