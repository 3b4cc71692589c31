"""A test's exception as the user reads it: a one-line summary, the traceback without runner
frames, the line in the test file."""

import importlib
import os
import traceback

from . import PACKAGE_DIR

MESSAGE_LIMIT = 500
TRACEBACK_LIMIT = 4000
_IMPORTLIB_FILE = os.path.abspath(importlib.__file__)


def _is_internal(frame):
    code_file = frame.f_code.co_filename
    return (
        "__unittest" in frame.f_globals
        or os.path.dirname(code_file) == PACKAGE_DIR
        or code_file == _IMPORTLIB_FILE
        or code_file.startswith("<frozen importlib")
    )


def summarize_exception(exc_type, value):
    """One line a person can read: the exception type and the first line of its message."""
    text = str(value).strip()
    first_line = text.splitlines()[0] if text else ""
    summary = f"{exc_type.__name__}: {first_line}" if first_line else exc_type.__name__
    return summary[:MESSAGE_LIMIT]


def format_traceback(exc_type, value, tb):
    """The traceback without runner, unittest and importlib frames, truncated to its last part."""
    frames = [(frame, lineno) for frame, lineno in traceback.walk_tb(tb) if not _is_internal(frame)]
    text = ""
    cause = value.__cause__ or (None if value.__suppress_context__ else value.__context__)
    if cause is not None:
        text = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
        text += "\nThe exception above led to this one:\n\n"
    if frames:
        stack = traceback.StackSummary.extract(iter(frames))
        text += "Traceback (most recent call last):\n" + "".join(stack.format())
    text += "".join(traceback.format_exception_only(exc_type, value))
    if len(text) > TRACEBACK_LIMIT:
        text = "... (truncated)\n" + text[-TRACEBACK_LIMIT:]
    return text


def failure_line(value, tb, test_file):
    """The line in the test file where the failure surfaced (the deepest frame in that file)."""
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if os.path.abspath(frame.f_code.co_filename) == test_file:
            line = lineno
    if line is None and isinstance(value, SyntaxError) and value.filename:
        if os.path.abspath(value.filename) == test_file:
            line = value.lineno
    return line


def describe_error(err, test_file):
    exc_type, value, tb = err
    return {
        "message": summarize_exception(exc_type, value),
        "traceback": format_traceback(exc_type, value, tb),
        "line": failure_line(value, tb, test_file),
    }
