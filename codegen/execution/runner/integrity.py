"""The tampering check: what the test framework and the runner looked like before generated code
ran."""

import sys

_PACKAGE = __name__.rpartition(".")[0]


def runner_modules():
    """Every module of this package (the private copy's, in a runner) that is imported."""
    return [
        module
        for name, module in sorted(sys.modules.items())
        if module is not None and (name == _PACKAGE or name.startswith(_PACKAGE + "."))
    ]


class Integrity:
    """What the test framework and this runner looked like before any generated code ran.

    Code under test runs in this process and could patch the result class or unittest's assertions
    to turn failures into passes, or rebind a name in one of the runner's modules (a builtin
    shadowed there, say); a change found here makes the parent distrust the whole run.
    """

    def __init__(self, classes, functions):
        self._modules = runner_modules()
        self._classes = list(classes)
        for module in self._modules:  # the runner's own classes, methods included
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and value.__module__ == module.__name__
                    and value not in self._classes
                ):
                    self._classes.append(value)
        self._functions = functions
        self._before = self._snapshot()

    def _snapshot(self):
        state = {}
        for cls in self._classes:
            for name, value in list(vars(cls).items()):
                if callable(value) or isinstance(value, (staticmethod, classmethod, property)):
                    state[f"{cls.__qualname__}.{name}"] = (
                        value,
                        getattr(value, "__code__", None),
                    )
        for name, (owner, attribute) in self._functions.items():
            value = getattr(owner, attribute, None)
            state[name] = (value, getattr(value, "__code__", None))
        for module in self._modules:
            short = module.__name__[len(_PACKAGE) + 1 :] or "__init__"
            for name, value in list(vars(module).items()):
                if not (name.startswith("__") and name.endswith("__")):  # __warningregistry__ & co
                    state[f"{short}.{name}"] = (value, getattr(value, "__code__", None))
        return state

    def changes(self, result=None):
        now = self._snapshot()
        changed = sorted(
            name
            for name in set(now) | set(self._before)
            if name not in now
            or name not in self._before
            or now[name][0] is not self._before[name][0]
            or now[name][1] is not self._before[name][1]
        )
        if result is not None:
            changed += sorted(
                "result." + name
                for name in vars(result)
                if name.startswith(("add", "start", "stop"))
            )
        return changed
