"""A HumanEval problem's hidden `check(candidate)` as a unittest file importing generated code."""

from __future__ import annotations

from .problems import Problem

HIDDEN_TEST_CLASS = "HiddenTest"

_TEMPLATE = '''"""{task_id}'s hidden test: the dataset's check on the generated {entry}()."""

import unittest

import {module} as generated

# The problem's prompt as the model was given it: the imports and helpers the check may use.
{prompt}

# The problem's hidden test, as HumanEval ships it.
{test}


class {test_class}(unittest.TestCase):
    def test_check(self):
        candidate = getattr(generated, {entry!r}, None)
        if not callable(candidate):
            self.fail("the generated code does not define {entry}()")
        # As in HumanEval's own harness, the entry point's name means the candidate everywhere.
        globals()[{entry!r}] = candidate
        check(candidate)


if __name__ == "__main__":
    unittest.main()
'''


def hidden_test_file(problem: Problem, module_name: str) -> str:
    """The test file: `check(candidate)` with the candidate imported from module `module_name`."""
    return _TEMPLATE.format(
        task_id=problem.task_id,
        entry=problem.entry_point,
        module=module_name,
        prompt=problem.prompt.rstrip(),
        test=problem.test.strip(),
        test_class=HIDDEN_TEST_CLASS,
    )
