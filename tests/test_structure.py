"""The package's shape: no import cycle, no import up a layer, short functions with few parameters,
and a small `Study` front (docs/layout.md).

Every import statement counts: module level, inside functions and under `TYPE_CHECKING`. Importing
`pkg.mod` (`import pkg.mod`, `from pkg.mod import x`, `from pkg import mod`) also imports `pkg`, so
it counts as an import of `pkg/__init__.py` too, except for the root package `agecascade`, under
which every module lives (its `__init__` imports nothing at import time).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

# Layers, bottom up: a module may import its own layer and the layers below, never one above.
LAYERS = [
    # names and plain facts: what every other part says; no Keras, no data
    ("names", ["agecascade.backbones", "agecascade.datasets", "agecascade.vocabulary", "agecascade.thesis",
               "agecascade.config", "agecascade.fit_settings", "agecascade.decision", "agecascade.calibration",
               "agecascade.group_errors", "agecascade.outputs", "agecascade.logs", "agecascade.redaction",
               "agecascade.download", "agecascade.images", "agecascade.resume", "agecascade.grid_choice"]),
    # datasets: parsers, preparation, face stores, folds and splits
    ("data", ["agecascade.data"]),
    # models and the pieces of a training run
    ("models", ["agecascade.keras_internals", "agecascade.models", "agecascade.device", "agecascade.input_pipeline",
                "agecascade.fit", "agecascade.start_models", "agecascade.evaluation", "agecascade.regression",
                "agecascade.gradcam"]),
    # what a job does: training, features, prediction, export, results, tables and figures
    ("jobs", ["agecascade.training", "agecascade.gridsearch", "agecascade.features", "agecascade.inference",
              "agecascade.export", "agecascade.unified_results", "agecascade.tables", "agecascade.figures"]),
    # the study's plan (asks the registries of tables and figures what they read)
    ("plan", ["agecascade.plan"]),
    # the fronts: the command line and the package's own `predict`
    ("front", ["agecascade.cli", "agecascade"]),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SRC.rglob("*.py")}


def _with_parents(name: str) -> set[str]:
    """`a.b.c` -> the package's modules among a.b.c, a.b (the root `agecascade` left out)."""
    parts = name.split(".")
    found = {".".join(parts[:i]) for i in range(2, len(parts) + 1)}
    return {m for m in found if m in MODULES}


def imports_of(module: str) -> set[str]:
    """Every module of the package that `module` imports, by any import statement anywhere in it."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found |= _with_parents(alias.name)
                if alias.name == "agecascade":
                    found.add("agecascade")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found |= _with_parents(base)
            for alias in node.names:
                found |= _with_parents(f"{base}.{alias.name}")
            if base == "agecascade" and any(f"agecascade.{a.name}" not in MODULES for a in node.names):
                found.add("agecascade")  # a name the root package defines
    return found - {module}


GRAPH = {module: imports_of(module) for module in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def layer_of(module: str) -> int:
    """The layer of the longest prefix that names the module (`agecascade.data.unified` is the
    `data` layer's; a longer prefix, when one is listed, wins)."""
    best, depth = None, -1
    for number, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "agecascade"  # the root names itself only
            if (module == prefix or inside) and prefix.count(".") > depth:
                best, depth = number, prefix.count(".")
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def test_the_checks_see_what_they_should():
    # a function-level import, a relative one and a package's __init__ all count
    assert "agecascade.inference" in GRAPH["agecascade"]  # inside `predict`
    assert "agecascade.plan" in GRAPH["agecascade.plan.study"]  # `from agecascade.plan import paths`
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_package_has_no_import_cycle():
    assert _cycles(GRAPH) == []


def test_no_module_imports_a_layer_above_its_own():
    upward = [f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
              for a, targets in GRAPH.items() for b in targets if layer_of(b) > layer_of(a)]
    assert upward == []


def _functions(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path.relative_to(ROOT), node


@pytest.mark.parametrize("folder", ["src", "workflow_scripts"])
def test_functions_stay_short_with_few_parameters(folder):
    too_long, too_many = [], []
    for path, node in _functions(ROOT / folder):
        if node.end_lineno - node.lineno + 1 > 50:
            too_long.append(f"{path}:{node.lineno} {node.name}")
        args = node.args
        names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        count = len(names) + bool(args.vararg) + bool(args.kwarg) - (names[:1] in (["self"], ["cls"]))
        if count > 8:
            too_many.append(f"{path}:{node.lineno} {node.name} ({count})")
    assert too_long == [] and too_many == []


def test_the_study_is_a_small_front():
    tree = ast.parse((SRC / "agecascade/plan/study.py").read_text())
    (study,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Study"]
    assert sum(isinstance(n, ast.FunctionDef) for n in study.body) <= 30
