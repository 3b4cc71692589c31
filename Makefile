# Two entry points on a fresh clone: `make demo` (the main job) and `make test`.
# Both create .venv and install the project into it on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-vscode test-reports bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	bash examples/demo.sh

test: $(STAMP)
	$(BIN)/python -m pytest

# The VS Code extension: builds the .vsix, unit tests, and the end-to-end test in code-server + headless
# Chromium (installs Debian packages, Node 24 and code-server the first time: about 5 minutes, 1.3 GB).
test-vscode: $(STAMP)
	bash client-vscode/scripts/ci.sh "$(CURDIR)/$(BIN)/python"

# The HTML reports (codegen eval --html, codegen traces show --html) screenshotted in headless Chromium
# (Debian's chromium; test-vscode installs it). CI=true makes a missing chromium a failure, not a skip.
test-reports: $(STAMP)
	$(BIN)/python -m pytest -m screenshot tests/test_report_screenshots.py

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo-output .pytest_cache
