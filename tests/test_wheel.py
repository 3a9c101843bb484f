"""The package as others install it: a wheel, used outside the repository (its schema included)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def installed(repo, tmp_path_factory):
    """The wheel built from the repository, installed into a folder of its own (no dependencies:
    those come from this environment), and the environment that imports it from there."""
    import shutil

    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"  # setuptools builds in the source tree: a copy keeps the checkout clean
    shutil.copytree(repo / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(root / "dist"), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (root / "dist").glob("agecascade-*.whl")
    target = root / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                           str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    env = {**os.environ, "PYTHONPATH": str(target), "TF_CPP_MIN_LOG_LEVEL": "2"}
    return wheel, target, env


def _run(args, env, cwd):
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def test_the_wheel_carries_the_config_schema(installed):
    wheel, _, _ = installed
    assert "agecascade/config.schema.yaml" in zipfile.ZipFile(wheel).namelist()


def test_an_installed_wheel_predicts_a_photo_outside_the_repository(installed, tmp_path):
    from PIL import Image
    from skimage import data

    from agecascade.models.head import build_age_model

    _, target, env = installed
    Image.fromarray(data.astronaut()).save(tmp_path / "astronaut.jpg", quality=95)
    build_age_model("vgg16", [10, 20, 30], input_shape=(32, 32, 3), seed=1).save(tmp_path / "age.keras")
    where = _run([sys.executable, "-c", "import agecascade; print(agecascade.__file__)"], env, tmp_path)
    assert where.stdout.startswith(str(target)), where.stdout + where.stderr  # the wheel's copy, not src/
    helped = _run([sys.executable, "-m", "agecascade.cli", "--help"], env, tmp_path)
    assert helped.returncode == 0 and "predict" in helped.stdout, helped.stderr[-2000:]
    predicted = _run([str(target / "bin" / "agecascade"), "predict", "astronaut.jpg", "-m", "age.keras",
                      "-o", "ages.csv", "--no-progress"], env, tmp_path)
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    table = pd.read_csv(tmp_path / "ages.csv")
    assert len(table) == 1 and 10 <= table["age"].iloc[0] <= 30  # one face, an expected value in the label space
