"""Mutants in one sandboxed run: trace which tests run which module lines, then judge each mutant in
a forked child that installs its source and runs only the tests covering its line."""

import gc
import importlib.util
import json
import os
import select
import signal
import sys
import threading
import time
import types

from .errors import MESSAGE_LIMIT, summarize_exception
from .pytest_driver import run_pytest
from .shadowing import ModuleUnderTest, is_file
from .unittest_driver import guarded_integrity, run_unittest

_dumps = json.dumps  # bound before any mutant runs
_write = os.write
_VERDICTS = ("killed", "survived", "error")


class Tally:
    """Stands in for the results channel inside a run: keeps the drivers' events instead of sending
    them."""

    def __init__(self):
        self.current = None
        self.outcomes = {}  # test id -> (outcome, message)
        self.import_error = None
        self.tampered = None

    def emit(self, event, **fields):
        if event == "start":
            self.current = fields.get("id")
        elif event == "result":
            self.outcomes[fields.get("id")] = (fields.get("outcome"), fields.get("message") or "")
        elif event == "import_error":
            self.import_error = fields.get("message") or "the test file does not import"
        elif event == "tampered":
            self.tampered = ", ".join(map(str, fields.get("what") or []))

    def failures(self):
        return [
            (test_id, message)
            for test_id, (outcome, message) in self.outcomes.items()
            if outcome not in ("passed", "skipped")
        ]

    def verdict(self):
        """killed, survived or error, with the first failure as the detail."""
        if self.tampered:
            return "error", "the mutant changed the test framework: " + self.tampered
        if self.import_error:
            return "killed", "the test file does not import: " + self.import_error
        failures = self.failures()
        for test_id, message in failures:
            if message.startswith("MemoryError"):
                return "error", f"{test_id} ran out of memory"
        if failures:
            return "killed", "{}: {}".format(*failures[0])
        return "survived", ""


def _run_driver(config, channel, integrity, only):
    job = dict(config, only=list(only))
    test_file = os.path.abspath(config["test_file"])
    tested_name = ModuleUnderTest(config)
    if config.get("framework") == "pytest":
        run_pytest(job, channel, test_file, config["test_module"], tested_name)
    else:
        tested_name.claim()
        try:
            run_unittest(job, channel, test_file, config["test_module"], integrity)
        finally:
            tested_name.release()


def trace_tests(config, integrity, clean):
    """Run every test once under a line tracer; return (tally, {test id: lines of the module it
    ran}); lines run outside any test (at import) are under None. The module is made from the
    ``clean`` code, compiled once for the whole run, unless its name is taken (`textwrap.py`):
    then the tests import it as they would anywhere."""
    module_file = config["module_file"]
    tally = Tally()
    lines: dict = {}

    def local(frame, event, arg):
        if event == "line":
            lines.setdefault(tally.current, set()).add(frame.f_lineno)
        return local

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != module_file:
            return None
        lines.setdefault(tally.current, set()).add(frame.f_lineno)
        return local

    threading.settrace(tracer)
    sys.settrace(tracer)
    try:
        if _module_name(config) in sys.modules or _import_clean(config, clean, tally):
            _run_driver(config, tally, integrity, config.get("only") or [])
    finally:
        sys.settrace(None)
        threading.settrace(None)
    return tally, lines


def covering_tests(mutant, lines, all_tests):
    """The tests that run the mutant's lines; all of them for a line run outside any test (at
    import, like a default argument's value)."""
    wanted = set(mutant["lines"])
    if mutant.get("all_tests") or wanted & lines.get(None, set()):
        return list(all_tests)
    return [test_id for test_id in all_tests if lines.get(test_id, set()) & wanted]


def _leave_room_for_the_run(memory_bytes):
    """Lower this child's address space so it runs out before the run's summed memory limit does:
    then a greedy mutant fails alone, as a MemoryError, instead of ending the whole run."""
    try:
        import resource

        with open("/proc/self/status") as stream:
            fields = dict(line.split(":", 1) for line in stream if ":" in line)
        size = int(fields["VmSize"].split()[0]) * 1024
        anonymous = int(fields.get("RssAnon", "0 kB").split()[0]) * 1024
        room = memory_bytes - 2 * anonymous - 64 * 1024 * 1024
        if room > 64 * 1024 * 1024:
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            soft = size + room
            if hard == resource.RLIM_INFINITY or soft < hard:
                resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, OSError, ValueError, KeyError):
        pass


class CleanModule:
    """The module under test, compiled once per run: each mutant's child runs this code in a fresh
    module, then swaps its one function's code in. A mutant then costs what its function costs,
    not what compiling a 20,000-line module does."""

    def __init__(self, module_file):
        with open(module_file, "rb") as stream:
            self.text = stream.read().decode("utf-8", "replace")
        self.code = compile(self.text, module_file, "exec", dont_inherit=True)
        self.lines = self.text.splitlines(True)

    def mutated_source(self, mutant):
        """The whole module with the mutant's function text in place of the original lines."""
        body = "".join(mutant["text"].splitlines(True)[mutant["prefix_lines"] :])
        head, tail = self.lines[: mutant["start"] - 1], self.lines[mutant["end"] :]
        return "".join(head) + body + "".join(tail)


def _function_in(module, qualified_name):
    """The plain function object ``Class.method`` or ``name`` stands for in ``module`` (a static or
    class method's function), or None; and whether it was found under a `staticmethod` or
    `classmethod` (its code then starts on that decorator's line)."""
    owner = module
    parts = qualified_name.split(".")
    for part in parts[:-1]:
        owner = vars(owner).get(part)
        if not isinstance(owner, type):
            return None, False
    found = vars(owner).get(parts[-1])
    unwrapped = isinstance(found, (staticmethod, classmethod))
    if unwrapped:
        found = found.__func__
    return (found if isinstance(found, types.FunctionType) else None), unwrapped


def _code_named(code, name, line, depth):
    """The code object of function ``name`` defined on ``line``, ``depth`` code objects down."""
    for constant in code.co_consts:
        if not isinstance(constant, types.CodeType):
            continue
        if depth == 0 and constant.co_name == name and constant.co_firstlineno == line:
            return constant
        if depth > 0:
            found = _code_named(constant, name, line, depth - 1)
            if found is not None:
                return found
    return None


def function_code(mutant, module_file):
    """The mutated function's code object, on its lines of the module file. A method is compiled
    in a class of its class's name, so its private names are mangled as in the module and
    `super()` finds the `__class__` cell the original function already carries."""
    classes = mutant["function"].split(".")
    name = classes.pop()
    text = mutant["text"]
    if mutant["prefix_lines"]:
        header = f"class {classes[-1]}:\n" if classes else "if 1:\n"
        text = header + text.split("\n", 1)[1]
    padding = "\n" * (mutant["start"] - 1 - mutant["prefix_lines"])
    code = compile(padding + text, module_file, "exec", dont_inherit=True)
    return _code_named(code, name, mutant["start"], 1 if classes else 0)


def swappable(module, mutant, code):
    """Whether swapping ``code`` into the module's function makes the mutant: the function is
    found under its name, is not a decorator's wrapper (its code starts on the `def` line, or on a
    `staticmethod`/`classmethod` line above it), keeps its closure, and the change is not in the
    signature (a default's value is made at import)."""
    if code is None or mutant["in_signature"]:
        return False
    function, unwrapped = _function_in(module, mutant["function"])
    if function is None:
        return False
    first = function.__code__.co_firstlineno
    return (
        function.__code__.co_name == code.co_name
        and (first == code.co_firstlineno or (unwrapped and first < code.co_firstlineno))
        and function.__code__.co_freevars == code.co_freevars
    )


def _traced_module(config):
    """The module the traced clean run imported from the module file, if it is still loaded under
    its name (a name Python had taken, `textwrap.py`, was given back to Python's module)."""
    module = sys.modules.get(_module_name(config))
    return module if is_file(module, config["module_file"]) else None


def _swap_code(mutant, module_file, traced, run_at_import):
    """The code to swap into the mutant's function, or None when the whole mutated module must be
    made: its lines ran while the module was imported (`SLOTS = per_slot()`), or the swap would
    not make the mutant (judged on the module the clean run imported: the same in every child)."""
    if set(mutant["lines"]) & run_at_import:
        return None
    try:
        code = function_code(mutant, module_file)
    except (SyntaxError, ValueError):
        return None  # the whole module's compile says why, in the child
    return code if traced is not None and swappable(traced, mutant, code) else None


def _module_name(config):
    return os.path.splitext(os.path.basename(config["module_file"]))[0]


def _fresh_module(config):
    """An empty module under the tested module's name, as an import of its file would make it."""
    name = _module_name(config)
    for stale in (name, config["test_module"]):
        sys.modules.pop(stale, None)
    spec = importlib.util.spec_from_file_location(name, config["module_file"])
    if spec is None:  # not a file name Python imports from: the module alone
        module = types.ModuleType(name)
        module.__file__ = config["module_file"]
    else:
        module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    return module


def _import_clean(config, clean, tally):
    """Make the module under test from the code compiled once; False (the tests' import error
    noted) when its top-level code raises."""
    module = _fresh_module(config)
    try:
        exec(clean.code, module.__dict__)
    except BaseException as exc:
        sys.modules.pop(module.__name__, None)
        tally.import_error = "the module does not import: " + summarize_exception(type(exc), exc)
        return False
    return True


def install_mutant(config, mutant, clean, code):
    """Put the mutant in sys.modules as the module under test (the test file is imported after):
    the clean module with the function's code swapped when ``code`` is given, else the whole
    mutated module."""
    module = _fresh_module(config)
    if code is not None:
        exec(clean.code, module.__dict__)
        function, _ = _function_in(module, mutant["function"])
        if function is not None:
            function.__code__ = code
            return
        module = _fresh_module(config)  # the module made itself otherwise this time
    source = clean.mutated_source(mutant)
    exec(compile(source, config["module_file"], "exec", dont_inherit=True), module.__dict__)


def _judge(config, mutant, selected, integrity, clean, code):
    try:
        install_mutant(config, mutant, clean, code)
    except BaseException as exc:
        return "error", "the mutant does not import: " + summarize_exception(type(exc), exc)
    tally = Tally()
    _run_driver(config, tally, integrity, selected)
    return tally.verdict()


def _child(config, mutant, selected, integrity, results, verdict_write, clean, code):
    try:
        os.setpgid(0, 0)  # its own group: a timeout kills what it started too
    except OSError:
        pass
    try:
        os.close(results._fd)  # a mutant never needs the results channel
    except OSError:
        pass
    _leave_room_for_the_run(config["memory_bytes"])
    try:
        status, detail = _judge(config, mutant, selected, integrity, clean, code)
    except BaseException as exc:
        status, detail = "error", summarize_exception(type(exc), exc)
    data = _dumps({"status": status, "detail": detail[:MESSAGE_LIMIT]}).encode("utf-8", "replace")
    try:
        _write(verdict_write, data)
    except OSError:
        pass
    os._exit(0)


def _read_until(fd, deadline):
    """What the child wrote before it closed its end or the deadline passed; (data, in time)."""
    data = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return data, False
        if select.select([fd], [], [], remaining)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                return data, True
            data += chunk


def _ending(status_word):
    if os.WIFSIGNALED(status_word):
        number = os.WTERMSIG(status_word)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        hint = " (it may have gone over the memory limit)" if number == signal.SIGKILL else ""
        return f"the test process was killed by {name}{hint}"
    return f"the test process ended (exit code {os.WEXITSTATUS(status_word)}) without a verdict"


def _kill_group(pid):
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _verdict(data, status_word):
    try:
        verdict = json.loads(data.decode("utf-8"))
        if verdict.get("status") in _VERDICTS and isinstance(verdict.get("detail"), str):
            return verdict["status"], verdict["detail"]
    except (ValueError, AttributeError):
        pass
    return "error", _ending(status_word)


def judge_mutant(config, mutant, selected, integrity, results, clean, code):
    """Fork a child for the mutant and wait at most its timeout; (status, detail)."""
    verdict_read, verdict_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(verdict_read)
        _child(config, mutant, selected, integrity, results, verdict_write, clean, code)
    os.close(verdict_write)
    data, in_time = _read_until(verdict_read, time.monotonic() + mutant["timeout"])
    os.close(verdict_read)
    if not in_time:
        _kill_group(pid)
        os.waitpid(pid, 0)
        return "timeout", "no verdict within {:g} s".format(mutant["timeout"])
    _, status_word = os.waitpid(pid, 0)
    _kill_group(pid)  # whatever it left running
    return _verdict(data, status_word)


def run_mutants(config, results):
    """The test process of a mutation run: trace the clean tests, then judge each mutant."""
    integrity = guarded_integrity()
    try:
        clean = CleanModule(config["module_file"])
    except (OSError, SyntaxError, ValueError) as exc:
        results.emit("mutants_clean_failed", import_error=summarize_exception(type(exc), exc))
        return
    tally, lines = trace_tests(config, integrity, clean)
    failures = tally.failures()
    if tally.import_error or failures or tally.tampered:
        results.emit(
            "mutants_clean_failed",
            import_error=tally.import_error,
            failures=[test_id for test_id, _ in failures][:20],
        )
        return
    for test_id, ran in lines.items():  # one flat event per test: the channel nests no deeper
        if test_id is not None:
            results.emit("mutant_trace", id=str(test_id), lines=sorted(ran))
    results.emit("mutants_traced")
    # What is alive now lives on in every child: frozen, the collections pytest runs at its end (and
    # any the tests start) skip it, and its pages are not copied on write by a full collection.
    traced = _traced_module(config)
    gc.freeze()
    for mutant in config["mutants"]:
        selected = covering_tests(mutant, lines, list(tally.outcomes))
        if not selected:
            results.emit("mutant", id=mutant["id"], status="survived", detail="", tests=0)
            continue
        results.emit("mutant_start", id=mutant["id"])
        code = _swap_code(mutant, config["module_file"], traced, lines.get(None, set()))
        status, detail = judge_mutant(config, mutant, selected, integrity, results, clean, code)
        results.emit("mutant", id=mutant["id"], status=status, detail=detail, tests=len(selected))
    results.emit("mutants_done")
