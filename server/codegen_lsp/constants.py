"""Command ids, setting names and other names the server shares with its clients."""

SERVER_NAME = "codegen-lsp"
DIAGNOSTIC_SOURCE = "codegen"
CONFIGURATION_SECTION = "codegen"

# Commands (the VS Code extension mirrors these ids).
GENERATE = "codegen.generate"
GENERATE_TESTS = "codegen.generateTests"
RUN_TESTS = "codegen.runTests"
SHOW_TRACE = "codegen.showTrace"
CANCEL = "codegen.cancel"
COMMANDS = (GENERATE, GENERATE_TESTS, RUN_TESTS, SHOW_TRACE, CANCEL)

# Sent when a background job ends: {token, message, applied | ran, ...}. "$/": clients may ignore
# it.
FINISHED_NOTIFICATION = "$/codegen/finished"

# How to trust a folder, for every refusal an untrusted workspace causes.
TRUST_HOWTO = (
    'Trust the folder to allow it (VS Code: "Workspaces: Manage Workspace Trust"; other editors: '
    'set "workspaceTrusted": true in the server\'s initializationOptions).'
)

# What a code action asks `codegen.generate` to make.
KIND_FUNCTION = "function"
KIND_ALL = "all"
KIND_RUNNER = "runner"
KIND_TESTS = "tests"
# The code action on a surviving mutant's diagnostic: the steer round for that mutant alone.
CATCH_MUTANT_TITLE = "Generate a test that catches this"
GENERATION_KINDS = (KIND_FUNCTION, KIND_ALL, KIND_RUNNER, KIND_TESTS)

# Code action kinds: sub-kinds of the standard ones, so "refactor.rewrite"/"source" filters include
# them (an action reports the kind the client asked for, for clients that compare kinds exactly).
ACTION_KIND_FUNCTION = "refactor.rewrite.codegen"
ACTION_KIND_RUNNER = "source.codegen.runner"
ACTION_KIND_TESTS = "source.codegen.tests"
# A fix for a surviving mutant's diagnostic: VS Code's lightbulb and Ctrl+. list quick fixes and
# refactorings, never source actions.
ACTION_KIND_MUTANT = "quickfix.codegen.mutant"

ACTION_TITLES = {
    KIND_FUNCTION: "Generate function",
    KIND_ALL: "Generate function, runner and tests",
    KIND_RUNNER: "Generate runner (main)",
    KIND_TESTS: "Generate tests",
}
# A prompt in a class body asks for method(s) of the class: no runner, tests that construct it.
METHOD_TITLES = {
    KIND_FUNCTION: "Generate method",
    KIND_ALL: "Generate method and tests",
}
CANCEL_TITLE = 'Cancel "{title}" (running)'
