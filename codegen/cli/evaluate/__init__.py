"""`codegen eval`: the dataset, the run, the report and its HTML page, and the command."""
