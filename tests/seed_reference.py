"""The seed's scoring functions written out literally (DESIGN.md, "Scores"): the oracle ours must
equal.

Deliberately naive: plain `ast.walk`, float additions in the order the rules are listed, no caching
and no early exit, so that any shortcut in codegen.scoring.quality shows up as a mismatch.
"""

import ast


def seed_code_quality_score(code):
    score = 0
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return 0.0
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)) and ast.get_docstring(
            node
        ):
            score += 0.2
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            if node.returns or any(arg.annotation for arg in node.args.args):
                score += 0.2
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and len(node.id) > 1 and not node.id.startswith("_"):
            score += 0.1
    if any(len(line) > 100 for line in code.split("\n")):
        score -= 0.2
    return min(max(score, 0), 1)


def seed_test_coverage_score(code, tests):
    if not tests:
        return 0.0
    try:
        code_tree = ast.parse(code)
        test_tree = ast.parse(tests)
    except SyntaxError:
        return 0.0
    function_count = sum(1 for node in ast.walk(code_tree) if isinstance(node, ast.FunctionDef))
    test_count = sum(
        1
        for node in ast.walk(test_tree)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    )
    coverage = min(1, test_count / function_count) if function_count > 0 else 0
    if "self.assert" in tests:
        coverage += 0.2
    return min(coverage, 1)


def seed_overall_score(code, tests):
    return (seed_code_quality_score(code) + seed_test_coverage_score(code, tests)) / 2
