#!/usr/bin/env bash
# The demo: the whole pipeline on the seed's three prompts, offline, from recorded answers.
# Those answers were written by hand for this demo (examples/demo_answers/), not produced by a model.
# They are unittest files, so the demo asks for unittest (this repository itself is configured for pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
OUT=demo-output
mkdir -p "$OUT"
"$BIN/codegen" demo --out "$OUT" --force   # the three prompts, replayed from codegen/demo/
echo
echo "Running the generated tests:"
(cd "$OUT" && ../"$BIN"/python -m unittest -q 2>&1 | tail -n 3)
echo
echo "The same three prompts as a Weave evaluation (scores, pass rate, coverage, latency):"
"$BIN/codegen" eval --dataset codegen/demo/prompts.csv --replay codegen/demo/replay --report "$OUT/eval-report.json" --html "$OUT/eval-report.html"
echo
echo "Same thing against a real model: OPENAI_API_KEY=sk-... $BIN/codegen generate \"<your prompt>\" --out $OUT"
echo "or a local one:                  $BIN/codegen generate \"<your prompt>\" --base-url http://localhost:11434/v1 --model qwen2.5-coder"
