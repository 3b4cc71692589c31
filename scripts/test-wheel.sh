#!/usr/bin/env bash
# The installed-wheel job: build the wheel from a clean tree, install it (not editable) into a fresh
# venv, and from a folder outside the repository run what a new user runs. Offline apart from pip
# fetching the dependencies; no API key. Usage: scripts/test-wheel.sh [PYTHON]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${1:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/codegen-wheel.XXXXXX")"
LOOPBACK_PID=""
cleanup() {
  if [ -n "$LOOPBACK_PID" ]; then kill "$LOOPBACK_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "clean tree (tracked files, with uncommitted changes to them) -> $WORK/src"
mkdir -p "$WORK/src" "$WORK/dist" "$WORK/outside" "$WORK/home"
snapshot="$(git -C "$ROOT" stash create 2>/dev/null || true)"  # touches neither the stash list nor the tree
git -C "$ROOT" archive --format=tar "${snapshot:-HEAD}" | tar -x -C "$WORK/src"

step "build the wheel"
"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/dist" "$WORK/src"
WHEEL="$(ls "$WORK"/dist/*.whl)"
echo "$WHEEL"

step "install it into a fresh venv (not editable)"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet "$WHEEL"

# From here on: outside the repository, no key, nothing of the developer's configuration.
cd "$WORK/outside"
user() {
  env -i PATH="$WORK/venv/bin:/usr/bin:/bin" HOME="$WORK/home" LANG=C.UTF-8 WANDB_ERROR_REPORTING=false "$@"
}
expect() {  # expect TEXT COMMAND...: run it, show its output, fail unless it succeeds and prints TEXT
  local text="$1"; shift
  local out
  if ! out="$(user "$@" 2>&1)"; then printf '%s\n' "$out"; echo "FAILED: $*" >&2; exit 1; fi
  printf '%s\n' "$out"
  if ! grep -qF -- "$text" <<<"$out"; then echo "FAILED: $* did not print: $text" >&2; exit 1; fi
}

step "codegen --version / codegen-lsp --version"
version="$(user python -c 'import codegen; print(codegen.__version__)')"
expect "codegen $version" codegen --version
expect "codegen-lsp $version" codegen-lsp --version
case "$(user python -c 'import codegen; print(codegen.__file__)')" in
  "$WORK/venv/"*) ;;
  *) echo "FAILED: codegen is not imported from the installed wheel" >&2; exit 1 ;;
esac

step "codegen demo (a replayed generate of the three seed prompts, answers shipped in the wheel)"
expect "no model was asked" codegen demo --out demo
expect "Tests: not run" codegen demo --out demo --no-run --force  # generate's options work through demo

step "codegen score --run"
expect "passed" codegen score demo/moving_average_time_series.py --run

step "codegen traces (the demo's runs, traced locally)"
expect "moving average of a time series" codegen traces

step "codegen doctor against a local OpenAI-compatible server, no key"
printf 'def add(a: int, b: int) -> int:\n    """Return a + b."""\n    return a + b\n' > "$WORK/add.py"
"$PYTHON" "$WORK/src/tests/loopback_model.py" --port 0 --answer "GeneratedCode=$WORK/add.py" > "$WORK/loopback.url" &
LOOPBACK_PID=$!
for _ in $(seq 50); do [ -s "$WORK/loopback.url" ] && break; sleep 0.1; done
BASE_URL="$(head -n 1 "$WORK/loopback.url")"
expect "structured output: loopback answered a GeneratedCode in json_schema mode" \
  codegen doctor --base-url "$BASE_URL" --model loopback
if user codegen doctor --base-url "$BASE_URL" --model loopback | grep -q FAIL; then
  echo "FAILED: doctor is not all green" >&2; exit 1
fi

step "LSP initialize against the installed codegen-lsp"
expect "initialize answered by codegen-lsp $version" python -I - "$WORK/src/bench" "$WORK/venv/bin/codegen-lsp" <<'PY'
import asyncio, pathlib, sys

sys.path.insert(0, sys.argv[1])  # bench/lsp_client.py: a stdlib-only JSON-RPC client
from lsp_client import StdioClient


async def main() -> None:
    client = StdioClient([sys.argv[2]])
    await client.start()
    result = await asyncio.wait_for(client.initialize(pathlib.Path.cwd()), 60)
    await client.stop()
    info, capabilities = result["serverInfo"], result["capabilities"]
    assert capabilities.get("codeActionProvider"), capabilities
    print(f"initialize answered by {info['name']} {info.get('version')}")


asyncio.run(main())
PY

step "the installed wheel works"
