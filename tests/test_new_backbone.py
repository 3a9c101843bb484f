"""Adding a backbone is its module plus its config entries: a toy fourth backbone dropped into a
copy of the workflow is built, recorded in its models, transferred, listed in Table 4 and planned
by the workflow, with no other file changed."""

import shutil
import subprocess
import sys
import textwrap

import pytest

from test_workflow import job_counts

pytestmark = pytest.mark.integration

TOYNET = '''
"""ToyNet: two convolutions, a test's fourth backbone."""

from agecascade.backbones.spec import Backbone


def features(x):
    from keras import layers

    x = layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    return layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)


def head(seed):
    from keras import layers

    return [layers.GlobalAveragePooling2D(name="avg_pool")]


BACKBONE = Backbone(name="toynet", label="ToyNet", preprocessing=2, weight_file="toynet_notop.h5",
                    parameters=1392, first_conv="conv1", last_conv="conv2", hidden_layers=("avg_pool",),
                    features=features, head=head)
'''

CONFIG = """
weights:
  toynet: {source: "file:toynet_notop.h5"}
training:
  chains:
    toynet: [imdb]
  stages:
    imdb: {learning_rate: {toynet: 0.001}}
fold_training:
  fgnet: {learning_rate: {toynet: 0.001}}
benchmarks:
  fgnet:
    variants: [vgg16-faces2, toynet-faces2, toynet-imdb]
"""

CHECK = """
import pandas as pd
from agecascade.models.head import build_age_model, label_space_of, transfer
from agecascade.tables import table4
from agecascade.vocabulary import BACKBONES

assert "toynet" in BACKBONES, BACKBONES
model = build_age_model("toynet", [10, 20, 30], input_shape=(16, 16, 3), seed=0)
assert label_space_of(model).info["backbone"] == "toynet"
child = transfer(model, [1, 2])  # a cascade step keeps the toy's head layers
assert label_space_of(child).info["backbone"] == "toynet" and child.output_shape == (None, 2)
summary = {"fold": "summary", "mae": 3.0, "median_ae": 2.0, "fold_mae_q3": 4.0, "fold_mae_q1": 1.0,
           "pooled_median_ae": 2.0, "pooled_ae_q3": 4.0, "pooled_ae_q1": 1.0, "ci95_low": 2.5, "ci95_high": 3.5,
           "folds": 82}
pd.DataFrame([summary]).to_csv("metrics.csv", index=False)
table = table4({"toynet-imdb": "metrics.csv"})
row = table[table["variant"] == "toynet-imdb"].iloc[0]
assert row["model"] == "ToyNet-IMDB" and row["mae"] == 3.0 and pd.isna(row["thesis_mae"])
print("toynet ok")
"""


@pytest.fixture(scope="module")
def copy_with_toynet(repo, tmp_path_factory):
    root = tmp_path_factory.mktemp("toynet")
    for name in ("src", "workflow_scripts", "rules", "report", "envs", "profiles"):
        shutil.copytree(repo / name, root / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("Snakefile", "config.yaml", "config.demo.yaml"):
        shutil.copy(repo / name, root / name)
    (root / "src/agecascade/backbones/toynet.py").write_text(textwrap.dedent(TOYNET))
    (root / "toynet.yaml").write_text(CONFIG)
    return root


def test_a_toy_backbone_module_is_built_recorded_transferred_and_tabled(copy_with_toynet, tmp_path):
    env = {"PYTHONPATH": str(copy_with_toynet / "src"), "PATH": "/usr/bin:/bin", "KERAS_BACKEND": "tensorflow"}
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0 and "toynet ok" in result.stdout, result.stderr[-3000:]


def test_the_workflow_plans_the_toy_backbone_from_its_config_entries(copy_with_toynet, tmp_path):
    command = [sys.executable, "-m", "snakemake", "-s", str(copy_with_toynet / "Snakefile"), "-d", str(tmp_path),
               "-n", "--cores", "8", "--configfile", str(copy_with_toynet / "config.yaml"),
               str(copy_with_toynet / "toynet.yaml")]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    counts, output = job_counts(result.stdout + result.stderr), result.stdout + result.stderr
    # vgg16 (imdb, imdb-agedb), resnet50 and senet50 (imdb), and the toy's IMDB stage
    assert counts["train_stage"] == 5 and "results/models/toynet/imdb.keras" in output
    assert counts["download_weights"] == 4 and "resources/weights/toynet.h5" in output
    # three FG-NET variants x 82 folds, plus Adience's 5 + adience3's 1 + the top-4 fold
    assert counts["train_fold"] + counts["train_fold_kept"] == 3 * 82 + 5 + 1 + 1
    assert "results/fgnet/toynet-imdb/fold17/predictions.csv" in output
