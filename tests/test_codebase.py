"""The codebase keeps the shape a newcomer can change in one place (docs/layout.md; function sizes
and the import graph: tests/test_structure.py)."""

import ast

import pytest

@pytest.mark.parametrize("script", ["train.py", "gridsearch.py", "evaluate.py", "tables.py", "figure.py"])
def test_workflow_scripts_call_one_function_of_the_package(repo, script):
    tree = ast.parse((repo / "workflow_scripts" / script).read_text())
    calls = [node for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)]
    names = [call.value.func.id for call in calls if isinstance(call.value.func, ast.Name)]
    assert names[0] == "log_to" and len(names) == 2, names  # the log, then the one function
