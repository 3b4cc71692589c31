"""HumanEval as a benchmark of the pipeline: its problems, its hidden test, its sandboxed checks."""
