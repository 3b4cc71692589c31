"""The tampering check: what the test framework and the runner looked like before generated code
ran."""

import sys
from operator import attrgetter, is_

_PACKAGE = __name__.rpartition(".")[0]
_code_of = attrgetter("__code__")


def runner_modules():
    """Every module of this package (the private copy's, in a runner) that is imported."""
    return [
        module
        for name, module in sorted(sys.modules.items())
        if module is not None and (name == _PACKAGE or name.startswith(_PACKAGE + "."))
    ]


def imported(names):
    """The modules of ``names`` that are imported (a framework's result path, say)."""
    return [sys.modules[name] for name in names if sys.modules.get(name) is not None]


def _defined_classes(module):
    return [
        value
        for value in list(vars(module).values())
        if isinstance(value, type) and value.__module__ == module.__name__
    ]


def _is_dunder(name):
    return name.startswith("__") and name.endswith("__")  # __warningregistry__ & co


class Integrity:
    """What the test framework and this runner looked like before any generated code ran.

    Code under test runs in this process and could patch the result class or unittest's assertions
    to turn failures into passes, rebind a name the framework looks up as it runs
    (``unittest.case._ShouldStop``, ``unittest.TestCase``, ``_pytest.runner.CallInfo``), or rebind
    a name in one of the runner's modules (a builtin shadowed there, say); a change found here
    makes the parent distrust the whole run.  ``frameworks`` are the framework's modules: each
    name they held and each method of each class they define must still be the same object (names
    they gain are allowed: unittest imports its async support on first use).
    """

    def __init__(self, classes, functions, frameworks=(), harmless=()):
        self._harmless = frozenset(harmless)  # settings tests change on purpose: an order, say
        self._modules = runner_modules()
        self._frameworks = list(frameworks)
        self._classes = list(classes)
        for module in self._modules + self._frameworks:  # their classes, methods included
            for cls in _defined_classes(module):
                if cls not in self._classes:
                    self._classes.append(cls)
        self._functions = functions
        self._before = self._snapshot()
        self._framework_before = self._framework_names()
        self._spaces, self._coded, self._named = self._watch()

    def _snapshot(self):
        state = {}
        for cls in self._classes:
            for name, value in list(vars(cls).items()):
                if callable(value) or isinstance(value, (staticmethod, classmethod, property)):
                    state[f"{cls.__module__}.{cls.__qualname__}.{name}"] = (
                        value,
                        getattr(value, "__code__", None),
                    )
        for name, (owner, attribute) in self._functions.items():
            value = getattr(owner, attribute, None)
            state[name] = (value, getattr(value, "__code__", None))
        for module in self._modules:
            short = module.__name__[len(_PACKAGE) + 1 :] or "__init__"
            for name, value in list(vars(module).items()):
                if not _is_dunder(name):
                    state[f"{short}.{name}"] = (value, getattr(value, "__code__", None))
        return state

    def _framework_names(self):
        return {
            f"{module.__name__}.{name}": (value, getattr(value, "__code__", None))
            for module in self._frameworks
            for name, value in list(vars(module).items())
            if not _is_dunder(name)
        }

    def _watch(self):
        """The namespaces the snapshots read and what they hold now, to tell at a glance that
        nothing changed: per namespace its names and values in order (a class or runner module may
        not grow; a framework module may), the code object of each value that has one, and the
        functions named one by one.  Any difference, even where the snapshots do not look, only
        costs the full comparison."""
        growing = [vars(cls) for cls in self._classes] + [vars(m) for m in self._modules]
        spaces = [
            (namespace, list(namespace), list(namespace.values()), exact)
            for namespaces, exact in (
                (growing, True),
                ([vars(module) for module in self._frameworks], False),
            )
            for namespace in namespaces
        ]
        coded = [
            value
            for _, _, values, _ in spaces
            for value in values
            if getattr(value, "__code__", None) is not None
        ]
        named = []
        for owner, attribute in self._functions.values():
            value = getattr(owner, attribute, None)
            named.append((owner, attribute, value, getattr(value, "__code__", None)))
        return spaces, (coded, [value.__code__ for value in coded]), named

    def _unchanged(self):
        """True if every namespace watched holds the same names and objects in the same order,
        every function the same code, and no class or runner module grew: the snapshots would then
        compare equal.  The loops run in C (``map``): this is made at every test's end.  (An
        object given a ``__code__`` it had not, a class or a property, changes no behaviour.)"""
        try:
            for namespace, names, values, exact in self._spaces:
                grown = len(namespace) != len(names) if exact else len(namespace) < len(names)
                if grown or not all(map(is_, namespace, names)):
                    return False
                if not all(map(is_, namespace.values(), values)):
                    return False
            functions, codes = self._coded
            if not all(map(is_, map(_code_of, functions), codes)):
                return False
            for owner, attribute, value, code in self._named:
                now = getattr(owner, attribute, None)
                if now is not value or getattr(now, "__code__", None) is not code:
                    return False
        except Exception:  # an object that hides its code now: the full comparison names it
            return False
        return True

    def changes(self, result=None):
        """What changed since the start, by name; checked at each test's end, so it is cheap when
        nothing did (under the coverage tracer, each full comparison cost ~1-2 ms)."""
        changed = [] if self._unchanged() else self._changed_names()
        if result is not None:
            changed += sorted(
                "result." + name
                for name in vars(result)
                if name.startswith(("add", "start", "stop"))
            )
        return changed

    def _changed_names(self):
        now = self._snapshot()
        changed = sorted(
            name
            for name in (set(now) | set(self._before)) - self._harmless
            if name not in now
            or name not in self._before
            or now[name][0] is not self._before[name][0]
            or now[name][1] is not self._before[name][1]
        )
        names = self._framework_names()
        changed += sorted(
            name
            for name, (value, code) in self._framework_before.items()
            if name not in names or names[name][0] is not value or names[name][1] is not code
        )
        return changed
