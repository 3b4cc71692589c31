"""The module's lines that ran, recorded by coverage.py's compiled tracer without importing the rest
of coverage.py.

Importing coverage.py costs a runner ~28 ms at start (its reporters, SQLite, multiprocessing,
TOML), more than a whole plain unittest run, and a first run pays it before any test starts.  The
lines that ran come from its C tracer alone, driven here as coverage.py's collector drives it (one
tracer per thread, a shared lock).  It is used only where this interpreter loads that extension
from our coverage and a trial trace of a known function records exactly that function's lines;
anywhere else the runner imports coverage.py as before.
"""

import importlib.machinery
import importlib.util
import os
import sys
import threading

_MUTATORS = (
    "add",
    "update",
    "discard",
    "remove",
    "pop",
    "clear",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
    "__ior__",
    "__iand__",
    "__isub__",
    "__ixor__",
)


def _flagging(name):
    method = getattr(set, name)

    def mutator(self, *arguments):
        self.edited = True
        return method(self, *arguments)

    mutator.__name__ = name
    return mutator


class _RecordedLines(set):
    """The set the tracer adds lines to (through the C API, which no Python method sees); a change
    made through its methods is the tests' own."""

    edited = False


for _name in _MUTATORS:
    setattr(_RecordedLines, _name, _flagging(_name))


def _canonical(filename):
    return os.path.normcase(os.path.realpath(os.path.abspath(filename)))


def _ignore(*_arguments, **_options):
    """The tracer's warnings (a plugin failed, say): none apply without plugins."""


class TracerLines:
    """Records the lines of one file that run, in every thread, from ``start`` to ``stop``."""

    def __init__(self, tracer_module, filename):
        self._module = tracer_module
        self._filename = _canonical(filename)
        self._lines = _RecordedLines()
        self._data = {self._filename: self._lines}
        self._lock = threading.Lock()
        self._cache = {}
        self._tracers = []

    def _should_trace(self, filename, _frame):
        disposition = self._module.CFileDisposition()
        canonical = _canonical(filename)
        traced = canonical == self._filename
        disposition.original_filename = filename
        disposition.canonical_filename = canonical
        disposition.source_filename = canonical if traced else None
        disposition.trace = traced
        disposition.reason = "" if traced else "not the module under test"
        disposition.file_tracer = None
        disposition.has_dynamic_filename = False
        return disposition

    def _start_tracer(self):
        tracer = self._module.CTracer()
        tracer.data = self._data
        # The lock's own C methods: no Python code runs while it is held.
        tracer.lock_data = self._lock.acquire
        tracer.unlock_data = self._lock.release
        tracer.trace_arcs = False
        tracer.should_trace = self._should_trace
        tracer.should_trace_cache = self._cache
        tracer.warn = _ignore
        # What coverage.py's collector sets where the tracer has it: no greenlets, plugins or
        # dynamic contexts.
        for name, value in (
            ("concur_id_func", None),
            ("file_tracers", {}),
            ("check_include", None),
            ("should_start_context", None),
            ("switch_context", None),
            ("disable_plugin", None),
        ):
            if hasattr(tracer, name):
                setattr(tracer, name, value)
        trace = tracer.start()
        self._tracers.append(tracer)
        return trace

    def _installation_trace(self, frame, event, argument):
        """A new thread's first trace call: start a tracer of its own (as coverage.py does)."""
        sys.settrace(None)
        trace = self._start_tracer()
        return trace(frame, event, argument) if trace else None

    def start(self):
        self._start_tracer()
        threading.settrace(self._installation_trace)

    def stop(self):
        threading.settrace(None)  # None removes it
        for tracer in self._tracers:
            tracer.stop()

    def forged(self):
        """What the tests changed of the recorded lines, if anything."""
        changed = []
        if self._lines.edited:
            changed.append("coverage data (lines added or removed by the tests)")
        if list(self._data) != [self._filename] or self._data[self._filename] is not self._lines:
            changed.append("coverage data (replaced)")
        if any(tracer.data is not self._data for tracer in self._tracers):
            changed.append("the coverage tracer (its data replaced)")
        return changed

    def lines(self):
        return set(self._lines)


def _trial(numbers):
    total = 0
    for number in numbers:
        total += number
    return total


def _answers(tracer_module):
    """Whether the tracer records exactly the lines of a function we run under it."""
    if sys.gettrace() is not None:  # something traces this process already: do not displace it
        return False
    code = _trial.__code__
    lines = TracerLines(tracer_module, code.co_filename)
    try:
        lines.start()
        try:
            _trial([1])
        finally:
            lines.stop()
    except Exception:
        sys.settrace(None)
        return False
    first = code.co_firstlineno
    trial = set(range(first + 1, first + 5))  # this file's other lines ran too (stop's)
    return lines.lines() & trial == trial and not lines.forged()


class _LoadedExtension:
    """Hands coverage.py the tracer module loaded here when it imports ``coverage.tracer``: this
    interpreter gives a second load of that extension an empty module."""

    def __init__(self, module):
        self._module = module

    def find_spec(self, name, _path=None, _target=None):
        if name != "coverage.tracer":
            return None
        # A loader by what it does (create_module, exec_module): importlib.abc would cost a start.
        return importlib.util.spec_from_loader(name, self, origin=self._module.__file__)  # type: ignore[arg-type]

    def create_module(self, _spec):
        return self._module

    def exec_module(self, _module):
        """Loaded already."""


def load_tracer(lib_dir):
    """coverage.py's compiled tracer, loaded from our coverage's folder in ``lib_dir``, if it loads
    in this interpreter and records lines as expected; else None."""
    folder = os.path.join(lib_dir, "coverage")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, "tracer" + suffix)
        if not os.path.isfile(path):
            continue
        try:
            spec = importlib.util.spec_from_file_location("coverage.tracer", path)
            if spec is None or spec.loader is None:
                return None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        except Exception:  # built for another Python, or broken: coverage.py decides then
            return None
        sys.meta_path.insert(0, _LoadedExtension(module))
        return module if _answers(module) else None
    return None
