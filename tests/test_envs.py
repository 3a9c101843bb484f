import pytest
import yaml


def _pins(lines):
    """{normalised name: version} of `name==version` lines."""
    pins = (line.split("==") for line in lines if "==" in line)
    return {name.split("[")[0].lower().replace("_", "-"): version for name, version in pins}


def test_conda_env_pins_match_requirements(repo):
    requirements = _pins(line.strip() for line in (repo / "requirements.txt").read_text().splitlines() if line.strip())
    env = yaml.safe_load((repo / "envs" / "main.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pinned = _pins(pip)
    # the cluster env takes TensorFlow's CUDA build of the same version
    assert pinned.pop("tensorflow") == requirements.pop("tensorflow-cpu")
    assert pinned == requirements


def test_autosklearn_conda_env_matches_the_venv_constraints(repo):
    lines = (repo / "envs" / "autosklearn-constraints.txt").read_text().splitlines()
    constraints = _pins(line.strip() for line in lines
                        if line.strip() and not line.startswith("#"))
    env = yaml.safe_load((repo / "envs" / "autosklearn.yaml").read_text())
    conda = {d.split("=")[0].lower(): d.split("=")[1] for d in env["dependencies"] if isinstance(d, str)}
    for package in ("numpy", "scipy", "scikit-learn", "auto-sklearn", "configspace", "pyrfr", "smac", "pynisher",
                    "dask", "distributed", "pandas", "h5py"):
        assert conda[package] == constraints[package], package
    assert "tensorflow" not in conda  # the regression environment must not need TensorFlow


@pytest.mark.integration
def test_regression_code_imports_nothing_from_tensorflow(repo):
    import subprocess
    import sys

    code = ("import sys, importlib.abc\n"
            "class Block(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, *a):\n"
            "        if name.split('.')[0] in ('tensorflow', 'keras', 'mtcnn'): raise ImportError('blocked ' + name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "import agecascade.regression, agecascade.logs\n"
            "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo / "workflow_scripts")
    assert result.stdout.strip() == "ok", result.stderr
