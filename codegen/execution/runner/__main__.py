"""The runner's entry script: make this private copy importable, then start the supervisor."""

import importlib
import os
import sys

if __name__ == "__main__":
    # -I leaves the script's folder off sys.path: put this copy's folder there, and only that.
    _package_dir = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.dirname(_package_dir))
    _write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # no __pycache__ in a copy that is deleted at start
    _job = importlib.import_module(os.path.basename(_package_dir) + ".job")
    sys.dont_write_bytecode = _write_bytecode
    _job.main()
