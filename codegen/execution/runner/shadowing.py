"""The tested module's name in the test process: freed for the run folder's file while the tests
import it, and what they got under it when that could not be."""

import importlib.util
import os
import sys


def is_file(module, path):
    found = getattr(module, "__file__", None)
    return isinstance(found, str) and os.path.realpath(found) == os.path.realpath(path)


class ModuleUnderTest:
    """The module name the tests import the tested file by (`textwrap` for textwrap.py)."""

    def __init__(self, config):
        self.module_file = config["module_file"]
        self.name = os.path.splitext(os.path.basename(self.module_file))[0]
        self._displaced = None  # the module this process had under the name, while it is freed
        self._released = False
        self._imported = None  # what the tests got under the name, as `release` found it

    def claim(self):
        """Forget a module of this name the process imported before the run folder was on
        sys.path (unittest imports textwrap, say), so the tests import the run folder's file, as
        `python -m unittest` run in that folder would; a name Python never loads from a file
        (built in, frozen) keeps its module."""
        loaded = sys.modules.get(self.name)
        if loaded is None or is_file(loaded, self.module_file):
            return
        del sys.modules[self.name]
        try:
            spec = importlib.util.find_spec(self.name)
        except BaseException:  # a broken finder: leave the module this process had
            spec = None
        origin = getattr(spec, "origin", None)
        if isinstance(origin, str) and os.path.realpath(origin) == os.path.realpath(
            self.module_file
        ):
            self._displaced = loaded
        else:
            sys.modules[self.name] = loaded

    def release(self):
        """Once the test file is imported: note what it got, and give the name back to the module
        the process had (the framework's own later imports expect it)."""
        self._released = True
        self._imported = sys.modules.get(self.name)
        if self._displaced is not None:
            sys.modules[self.name] = self._displaced
            self._displaced = None

    def imported_instead(self):
        """What the tests imported under the name when it was not the tested file, said for the
        user; None when it was (or when they did not import it)."""
        loaded = self._imported if self._released else sys.modules.get(self.name)
        if loaded is None or is_file(loaded, self.module_file):
            return None
        path = getattr(loaded, "__file__", None)
        where = f"from {path}" if path else "(built into the interpreter)"
        return (
            f"the tests imported {self.name} {where}, not the {self.name}.py tested, because"
            f" Python loads its own module of that name first; rename {self.name}.py (and its"
            " imports in the tests)"
        )
