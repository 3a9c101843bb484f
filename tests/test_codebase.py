"""The codebase keeps the shape a newcomer can change in one place (README "Layout")."""

import ast

import pytest

MAX_LINES = 50  # a function's body, decorators and docstring included


def _functions(root):
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path.relative_to(root), node


def test_no_function_in_the_package_is_longer_than_50_lines(repo):
    long = [f"{path}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path, node in _functions(repo / "src" / "agecascade")
            if node.end_lineno - node.lineno + 1 > MAX_LINES]
    assert not long, "split these functions:\n" + "\n".join(long)


@pytest.mark.parametrize("script", ["train.py", "gridsearch.py", "evaluate.py", "tables.py", "figure.py"])
def test_workflow_scripts_call_one_function_of_the_package(repo, script):
    tree = ast.parse((repo / "workflow_scripts" / script).read_text())
    calls = [node for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)]
    names = [call.value.func.id for call in calls if isinstance(call.value.func, ast.Name)]
    assert names[0] == "log_to" and len(names) == 2, names  # the log, then the one function
