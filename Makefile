# Two entry points on a fresh clone: `make demo` (the main job) and `make test`.
# Both create .venv and install the project into it on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo docs test test-fast test-boundary lint fix lint-client test-wheel test-vscode test-reports editors test-editors bench install clean

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

# The fast lane, for after every change (under a minute on 2 cores): no sandboxed runs, no language
# server or editor subprocesses, nothing that took a second (markers set in tests/conftest.py).
# COVERAGE=1 adds the project's own coverage report (CI: reported, not gated).
FAST := not slow and not lsp and not e2e and not boundary
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "$(FAST)" $(if $(COVERAGE),--cov --cov-report=term:skip-covered)

# The hostile sandbox suites as an unprivileged user and with user namespaces unavailable (needs
# root; skips elsewhere, fails under CI=true). `pytest -m boundary` runs them as the caller.
test-boundary: $(STAMP)
	bash scripts/test-boundary.sh $(BIN)/python

# The Python gates: ruff (lint and format) over every tracked Python file, mypy over codegen/,
# server/ and scripts/, and the import layers (lint-imports, contracts in pyproject.toml); any finding fails.
lint: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# docs/configuration.md's settings tables, made from codegen/settings.py, the CLI, the server's editor
# settings and client-vscode/package.json (the fast lane's tests/test_settings_doc.py fails when stale).
docs: $(STAMP)
	$(BIN)/python scripts/settings_doc.py

# What ruff can fix by itself: its safe fixes, then the formatter. What is left, `make lint` shows.
fix: $(STAMP)
	$(BIN)/ruff check --fix
	$(BIN)/ruff format

# The VS Code client's gates: eslint (typescript-eslint, type-aware) and tsc --noEmit; any finding fails.
lint-client:
	cd client-vscode && npm ci --no-audit --no-fund --loglevel=error && npm run --silent lint && npm run --silent typecheck

# The wheel as users get it: built from a clean tree, installed (not editable) into a fresh venv, and
# used from a folder outside the repository (version, demo, score --run, traces, doctor, LSP initialize).
test-wheel:
	bash scripts/test-wheel.sh "$(PYTHON)"

# The VS Code extension: builds the .vsix, unit tests, and the end-to-end test in code-server + headless
# Chromium (installs Debian packages, Node 24 and code-server the first time: about 5 minutes, 1.3 GB).
test-vscode: $(STAMP)
	bash client-vscode/scripts/ci.sh "$(CURDIR)/$(BIN)/python"

# Real editors for tests/editors: Debian's neovim (0.7) and emacs-nox + elpa-eglot (28, eglot 1.9); apt needs root.
editors:
	@if ! command -v nvim >/dev/null || ! command -v emacs >/dev/null || ! dpkg -s elpa-eglot >/dev/null 2>&1; then \
		echo "apt-get install neovim emacs-nox elpa-eglot"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends neovim emacs-nox elpa-eglot >/dev/null; \
	fi

test-editors: $(STAMP) editors
	$(BIN)/python -m pytest tests/editors -q

# The HTML reports (codegen eval --html, codegen traces show --html) screenshotted in headless Chromium
# (Debian's chromium; test-vscode installs it). CI=true makes a missing chromium a failure, not a skip.
test-reports: $(STAMP)
	$(BIN)/python -m pytest -m screenshot tests/test_report_screenshots.py

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo-output .pytest_cache
