import sys
from pathlib import Path

# The package lives in src/. Jobs find it through the link workflow_scripts/agecascade (Snakemake
# puts a script's folder on sys.path), so it needs no installation in conda envs or on nodes.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from agecascade import config as agecascade_config  # noqa: E402

agecascade_config.validate(config)

DATASETS = ["imdb", "agedb", "fgnet", "adience"]
BACKBONES = ["vgg16", "resnet50", "senet50"]
TRAINING_SETS = ["imdb", "agedb"]
BENCHMARKS = list(config["benchmarks"])
SPLITS = TRAINING_SETS + BENCHMARKS


CHAINS = ["imdb", "imdb-agedb"]


wildcard_constraints:
    dataset="|".join(DATASETS),
    chain="|".join(CHAINS),
    backbone="|".join(BACKBONES),
    split="|".join(SPLITS),


def get_data_targets():
    """Face stores of every dataset and the split table of every benchmark and training set."""
    return expand("resources/faces/{dataset}.h5", dataset=DATASETS) + expand(
        "results/splits/{split}.csv", split=SPLITS
    )


def get_stage_models():
    """Every cascade stage model of `training.chains`."""
    return [
        f"results/models/{backbone}/{chain}.keras"
        for backbone, chains in config["training"]["chains"].items()
        for chain in chains
    ]


def get_synthetic_spec(wildcards):
    return config["synthetic"][wildcards.dataset]


def get_download_inputs(wildcards):
    """The synthetic archive (demo) is an input of the download, so the DAG generates it."""
    if wildcards.dataset in config["synthetic"]:
        return {
            "archive": f"resources/synthetic/{wildcards.dataset}.tar.gz",
            "checksum": f"resources/synthetic/{wildcards.dataset}.tar.gz.sha256",
        }
    return {}


def get_dataset_spec(wildcards):
    return config["datasets"][wildcards.dataset]


def get_weights_spec(wildcards):
    return config["weights"][wildcards.backbone]


def get_prepare_options(wildcards):
    """Face location and crop settings of a dataset (agecascade.data.prepare.PrepareOptions)."""
    spec = config["datasets"][wildcards.dataset]
    return {
        "image_size": config["image_size"],
        "margin": config["margin"],
        "detector": spec["detector"],
        "no_face": spec["no_face"],
        "min_confidence": spec["min_confidence"],
    }


def get_parse_options(wildcards):
    """Dataset-specific parsing settings (Adience label policy, IMDB cleaning thresholds)."""
    spec = config["datasets"][wildcards.dataset]
    return {"label_policy": spec["label_policy"], "cleaning": spec.get("cleaning")}


def get_prepare_mem_mb(wildcards, threads):
    # MTCNN workers hold TensorFlow (~700 MB each); PIL-only workers need little.
    per_worker = (
        1000 if config["datasets"][wildcards.dataset]["detector"] == "mtcnn" else 300
    )
    return 2000 + per_worker * threads


def get_split_dataset(wildcards):
    if wildcards.split in TRAINING_SETS:
        return wildcards.split
    return config["benchmarks"][wildcards.split]["dataset"]


def get_split_manifest(wildcards):
    return f"resources/faces/{get_split_dataset(wildcards)}.csv"


def get_split_spec(wildcards):
    if wildcards.split in TRAINING_SETS:
        spec = config["datasets"][wildcards.split]
        return {
            "protocol": "train_val",
            "validation_fraction": spec["validation_fraction"],
        }
    return config["benchmarks"][wildcards.split]


def stage_dataset(chain):
    """The dataset a cascade stage trains on: the last link of its chain."""
    return chain.split("-")[-1]


def get_stage_inputs(wildcards):
    """Face store and split of the stage's dataset, and what the stage starts from: the parent
    chain's model, the keras-vggface weights, or nothing (random initialisation)."""
    dataset = stage_dataset(wildcards.chain)
    inputs = {
        "store": f"resources/faces/{dataset}.h5",
        "split": f"results/splits/{dataset}.csv",
    }
    if "-" in wildcards.chain:
        parent = wildcards.chain.rsplit("-", 1)[0]
        inputs["parent"] = f"results/models/{wildcards.backbone}/{parent}.keras"
    elif config["training"]["init"] == "vggface":
        inputs["parent"] = f"resources/weights/{wildcards.backbone}.h5"
    return inputs


def get_gridsearch_choice(wildcards):
    if not config["gridsearch"]["enabled"]:
        return {}
    return {
        "gridsearch": f"results/gridsearch/{wildcards.backbone}/{wildcards.chain}.csv"
    }


def per_backbone(value, backbone):
    return value[backbone] if isinstance(value, dict) else value


def get_stage_settings(wildcards):
    """agecascade.training.FitSettings of a cascade stage (modes b and c: all layers trained)."""
    stage = config["training"]["stages"][stage_dataset(wildcards.chain)]
    return {
        "learning_rate": per_backbone(stage["learning_rate"], wildcards.backbone),
        "batch_size": stage["batch_size"],
        "epochs": stage["epochs"],
        "patience": stage.get("patience"),
        "frozen": False,
        "augment": config["training"]["augment"],
        "seed": config["seed"],
    }


def get_stage_runtime(wildcards):
    # thesis, GTX 1080 Ti: IMDB about 2 days per backbone, AgeDB about 4 hours (plus margin)
    return {"imdb": 3 * 24 * 60, "agedb": 6 * 60}[stage_dataset(wildcards.chain)]


def get_gridsearch_runtime(wildcards):
    # 16 one-epoch runs; one IMDB epoch takes about 50 minutes on the thesis' GPU
    epochs = len(config["gridsearch"]["learning_rates"]) * len(
        config["gridsearch"]["batch_sizes"]
    )
    return epochs * {"imdb": 60, "agedb": 10}[stage_dataset(wildcards.chain)]
