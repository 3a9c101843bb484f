import json
import sys
from pathlib import Path

# The package lives in src/. Jobs find it through the link workflow_scripts/agecascade (Snakemake
# puts a script's folder on sys.path), so it needs no installation in conda envs or on nodes.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from agecascade import config as agecascade_config  # noqa: E402
from agecascade import plan  # noqa: E402
from agecascade.data.adience import class_names  # noqa: E402
from agecascade.download import redact  # noqa: E402
from agecascade.figures import caption  # noqa: E402

agecascade_config.validate(config)
for warning in plan.check_folds(config):
    print(f"agecascade: {warning}", file=sys.stderr)

DATASETS = ["imdb", "agedb", "fgnet", "adience"]
BACKBONES = ["vgg16", "resnet50", "senet50"]
TRAINING_SETS = ["imdb", "agedb"]
BENCHMARKS = list(config["benchmarks"])
SPLITS = TRAINING_SETS + BENCHMARKS


CHAINS = ["imdb", "imdb-agedb"]
VARIANTS = sorted(
    {v for spec in config["benchmarks"].values() for v in spec["variants"]}
)


def benchmark_folds(benchmark, all_folds=False):
    return plan.benchmark_folds(config, benchmark, all_folds)


# "<benchmark>/<variant>/fold<k>" of every fold whose model is kept
KEPT = [
    f"{benchmark}/{variant}/fold{fold}"
    for benchmark, spec in config["benchmarks"].items()
    for variant in spec["variants"]
    for fold in benchmark_folds(benchmark)
    if fold in spec["keep_models"]
]


wildcard_constraints:
    dataset="|".join(DATASETS),
    chain="|".join(CHAINS),
    backbone="|".join(BACKBONES),
    split="|".join(SPLITS),
    benchmark="|".join(BENCHMARKS),
    variant="|".join(VARIANTS) or "none",
    fold=r"\d+",
    lr=r"[0-9.e+-]+",
    batch=r"\d+",
    kept="|".join(KEPT) or "none",
    extractor=r"(vgg16|resnet50|senet50)-(faces2|imdb|imdb-agedb)",
    layer="first|last|flat",
    figure="fig0[3-6]_[a-z0-9_]+|fig1[0-3]_[a-z0-9_]+",


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
    """The dataset's config entry without credentials (params are recorded in Snakemake's
    metadata; the download script reads the entry itself from the config)."""
    return json.loads(redact(json.dumps(config["datasets"][wildcards.dataset])))


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


def start_model(backbone, pretraining):
    """What a training starts from: the stage model of a chain, the keras-vggface weights
    (faces2 = the face backbone), or None (random initialisation)."""
    if pretraining != "faces2":
        return f"results/models/{backbone}/{pretraining}.keras"
    if config["training"]["init"] == "vggface":
        return f"resources/weights/{backbone}.h5"
    return None


def training_inputs(dataset, split, start):
    """Face store, split table and label space of a training run, and its start model."""
    inputs = {
        "store": f"resources/faces/{dataset}.h5",
        "split": f"results/splits/{split}.csv",
        "labels": f"results/splits/{split}.labels.json",
    }
    if start:
        inputs["start"] = start
    return inputs


def get_stage_inputs(wildcards):
    """A cascade stage's dataset and what it starts from: the parent chain's model, the
    keras-vggface weights, or nothing (random initialisation)."""
    dataset = plan.stage_dataset(wildcards.chain)
    parent = wildcards.chain.rsplit("-", 1)[0] if "-" in wildcards.chain else "faces2"
    return training_inputs(dataset, dataset, start_model(wildcards.backbone, parent))


def get_gridsearch_choice(wildcards):
    if not config["gridsearch"]["enabled"]:
        return {}
    return {
        "gridsearch": f"results/gridsearch/models/{wildcards.backbone}/{wildcards.chain}.csv"
    }


def get_stage_settings(wildcards):
    return plan.stage_settings(config, wildcards.backbone, wildcards.chain)


def get_stage_runtime(wildcards):
    # thesis, GTX 1080 Ti: IMDB about 2 days per backbone, AgeDB about 4 hours (plus margin)
    return {"imdb": 3 * 24 * 60, "agedb": 6 * 60}[plan.stage_dataset(wildcards.chain)]


# ---------------------------------------------------------------- grid search (thesis section 4)


def grid_point_files(folder):
    """One result file per (learning rate, batch size) of the grid."""
    grid = config["gridsearch"]
    return [
        f"{folder}/lr{lr:g}_bs{batch}.csv"
        for lr in grid["learning_rates"]
        for batch in grid["batch_sizes"]
    ]


def get_stage_grid_points(wildcards):
    return grid_point_files(
        f"results/gridsearch/models/{wildcards.backbone}/{wildcards.chain}"
    )


def get_fold_grid_points(wildcards):
    return grid_point_files(
        f"results/gridsearch/{wildcards.benchmark}/{wildcards.variant}"
    )


def grid_job(wildcards, backbone, folds):
    """agecascade.gridsearch.grid_point arguments of a grid point job."""
    return {
        "backbone": backbone,
        "learning_rate": float(wildcards.lr),
        "batch_size": int(wildcards.batch),
        "epochs": config["gridsearch"]["epochs"],
        "folds": folds,
        "validation_fraction": config["gridsearch"]["validation_fraction"],
    }


def get_stage_grid_job(wildcards):
    return grid_job(wildcards, wildcards.backbone, None)


def get_fold_grid_job(wildcards):
    backbone = wildcards.variant.split("-", 1)[0]
    return grid_job(wildcards, backbone, plan.grid_folds(config, wildcards.benchmark))


def get_grid_runtime(wildcards):
    # one epoch per search set; an IMDB epoch takes about 50 minutes on the thesis' GPU
    if hasattr(wildcards, "chain"):
        return {"imdb": 90, "agedb": 30}[plan.stage_dataset(wildcards.chain)]
    return 60


# ---------------------------------------------------------------- benchmark folds


def get_fold_job(wildcards):
    """(benchmark, variant, fold) of a train_fold or train_fold_kept job."""
    if hasattr(wildcards, "kept"):
        benchmark, variant, fold = wildcards.kept.split("/")
        return {"benchmark": benchmark, "variant": variant, "fold": int(fold[4:])}
    return {
        "benchmark": wildcards.benchmark,
        "variant": wildcards.variant,
        "fold": int(wildcards.fold),
    }


def variant_inputs(benchmark, variant):
    """Face store, split and label space of a benchmark, and what the variant starts from."""
    backbone, pretraining = variant.split("-", 1)
    dataset = config["benchmarks"][benchmark]["dataset"]
    return training_inputs(dataset, benchmark, start_model(backbone, pretraining))


def get_fold_inputs(wildcards):
    """A fold's training inputs, and the grid search's choice when it is enabled."""
    job = get_fold_job(wildcards)
    inputs = variant_inputs(job["benchmark"], job["variant"])
    if config["gridsearch"]["enabled"]:
        inputs["gridsearch"] = (
            f"results/gridsearch/{job['benchmark']}/{job['variant']}.csv"
        )
    return inputs


def get_variant_inputs(wildcards):
    return variant_inputs(wildcards.benchmark, wildcards.variant)


def get_fold_settings(wildcards):
    job = get_fold_job(wildcards)
    return plan.variant_settings(config, job["benchmark"], job["variant"])


def get_variant_settings(wildcards):
    return plan.variant_settings(config, wildcards.benchmark, wildcards.variant)


def get_benchmark_class_names(wildcards):
    names = class_names(config["benchmarks"][wildcards.benchmark])
    return list(names) if names else None


def get_fold_backup(wildcards):
    job = get_fold_job(wildcards)
    return f"results/.resume/{job['benchmark']}/{job['variant']}/fold{job['fold']}"


def get_fold_runtime(wildcards):
    # thesis GPU: an FG-NET fold (20 epochs of ~990 faces) takes minutes, an Adience fold
    # (20 epochs of ~14,000 faces) about half an hour; plus margin
    dataset = config["benchmarks"][get_fold_job(wildcards)["benchmark"]]["dataset"]
    return {"fgnet": 120, "adience": 240}[dataset]


def fold_predictions(benchmark, variant):
    return {
        f"fold{fold}": f"results/{benchmark}/{variant}/fold{fold}/predictions.csv"
        for fold in benchmark_folds(benchmark)
    }


def get_evaluate_inputs(wildcards):
    return {
        "split": f"results/splits/{wildcards.benchmark}.csv",
        **fold_predictions(wildcards.benchmark, wildcards.variant),
    }


def benchmark_metrics():
    return [
        f"results/{benchmark}/{variant}/metrics.csv"
        for benchmark, spec in config["benchmarks"].items()
        for variant in spec["variants"]
        if benchmark_folds(benchmark)
    ]


def get_table_inputs(wildcards):
    """Metrics (and confusion matrices) the tables are made of."""
    inputs = {
        f"{benchmark}__{variant}__{kind}": f"results/{benchmark}/{variant}/{kind}.csv"
        for benchmark, spec in config["benchmarks"].items()
        for variant in spec["variants"]
        for kind in ("metrics", "confusion")
        if benchmark_folds(benchmark)
    }
    for path in regression_metrics():
        inputs[f"regression__{Path(path).parent.name}__metrics"] = path
    # label spaces and kept counts, beside the thesis' (provenance, summary)
    for split in SPLITS:
        inputs[f"labels__{split}"] = f"results/splits/{split}.labels.json"
    for dataset in DATASETS:
        inputs[f"report__{dataset}"] = f"resources/faces/{dataset}.report.json"
    return inputs


def table_outputs():
    """The tables this config produces (parse time: they depend only on the config), each in the
    report with its caption (report/<name>.rst)."""
    return {
        name: report(path, caption=f"../report/{name}.rst", category="Tables")
        for name, path in table_paths().items()
    }


def table_paths():
    outputs = {"table4": "results/tables/table4_fgnet.csv"}
    for name, (benchmark, stem) in {
        "adience": ("adience", "adience"),
        "table6": ("adience3", "table6_adience3"),
        "top4": ("fgnet_top4", "fgnet_top4_confusion"),
    }.items():
        spec = config["benchmarks"].get(benchmark)
        if (
            spec
            and "vgg16-imdb-agedb" in spec["variants"]
            and benchmark_folds(benchmark)
        ):
            outputs[name] = f"results/tables/{stem}.csv"
    if regression_metrics():
        outputs["table5"] = "results/tables/table5_regression.csv"
    return outputs


# ---------------------------------------------------------------- regression on CNN features


def workflow_script(name):
    """Absolute path of a workflow script (shell rules run in the working directory)."""
    return str(Path(workflow.basedir) / "workflow_scripts" / name)


def regression_python():
    """The auto-sklearn environment's interpreter: conda's env (--sdm conda) or the venv `make`
    builds (regression.python, relative to the workflow folder)."""
    from snakemake.settings.types import DeploymentMethod

    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
        return "python"
    python = Path(config["regression"]["python"])
    return str(python if python.is_absolute() else Path(workflow.basedir) / python)


def regression_settings():
    """agecascade.regression.AutoSklearnSettings as JSON (a shell argument)."""
    spec = config["regression"]
    if spec["per_run_time_limit"] >= spec["time_left_for_this_task"]:
        raise ValueError(
            "regression.per_run_time_limit must be below regression.time_left_for_this_task. "
            f"Received: {spec['per_run_time_limit']} >= {spec['time_left_for_this_task']}"
        )
    return json.dumps(
        {
            "time_left_for_this_task": spec["time_left_for_this_task"],
            "per_run_time_limit": spec["per_run_time_limit"],
            "memory_limit_mb": spec["memory_limit_mb"],
            "seed": config["seed"],
        }
    )


def regression_folds():
    spec = config["regression"]
    # regression.run_folds is checked against the benchmark's folds by plan.check_folds
    folds = benchmark_folds(spec["benchmark"])
    if spec["run_folds"] is not None:
        folds = [k for k in folds if k in spec["run_folds"]]
    return folds


def regression_sets():
    """Table 5's feature sets as (extractor, layer)."""
    return [Path(s).parts for s in config["regression"]["feature_sets"]]


def get_extractor_inputs(wildcards):
    """The benchmark's face store and what the extractor's backbone comes from."""
    dataset = config["benchmarks"][config["regression"]["benchmark"]]["dataset"]
    start = start_model(*wildcards.extractor.split("-", 1))
    return {
        "store": f"resources/faces/{dataset}.h5",
        **({"start": start} if start else {}),
    }


def get_regression_mem_mb(wildcards, threads):
    # auto-sklearn's memory limit applies to each of its n_jobs workers, plus the main process
    return config["regression"]["memory_limit_mb"] * threads + 4000


def get_regression_runtime(wildcards):
    # the time budget, plus the final ensemble building, start-up and margin (minutes)
    return config["regression"]["time_left_for_this_task"] // 60 + 30


def get_regression_evaluate_inputs(wildcards):
    name = f"{wildcards.extractor}-{wildcards.layer}"
    return {
        "split": f"results/splits/{config['regression']['benchmark']}.csv",
        **{
            f"fold{fold}": f"results/regression/{name}/fold{fold}.csv"
            for fold in regression_folds()
        },
    }


def regression_metrics():
    return [
        f"results/regression/{extractor}-{layer}/metrics.csv"
        for extractor, layer in regression_sets()
        if regression_folds()
    ]


# ---------------------------------------------------------------- figures and report


def fgnet_variants(pretrainings):
    spec = config["benchmarks"].get("fgnet")
    if not spec or not benchmark_folds("fgnet"):
        return []
    return [v for v in spec["variants"] if v.split("-", 1)[1] in pretrainings]


def figure_inputs():
    """{figure: {name: input}} of every figure this config can draw (parse time, from the config)."""
    figures = {
        "fig03_fgnet_faces": {
            "store": "resources/faces/fgnet.h5",
            "manifest": "resources/faces/fgnet.csv",
        },
        "fig04_adience_faces": {
            "store": "resources/faces/adience.h5",
            "manifest": "resources/faces/adience.csv",
        },
        "fig05_age_distribution": {
            d: f"resources/faces/{d}.csv" for d in ("imdb", "agedb", "fgnet")
        },
        "fig06_adience_groups": {"manifest": "resources/faces/adience.csv"},
    }
    for name, pretrainings in (
        ("fig10_fgnet_faces2", ["faces2"]),
        ("fig11_fgnet_finetuned", ["imdb", "imdb-agedb"]),
    ):
        variants = fgnet_variants(pretrainings)
        if variants:
            figures[name] = {v: f"results/fgnet/{v}/metrics.csv" for v in variants}
    if regression_metrics():
        figures["fig12_regression"] = {
            Path(p).parent.name: p for p in regression_metrics()
        }
    top4 = config["benchmarks"].get("fgnet_top4")
    if top4 and "vgg16-imdb-agedb" in top4["variants"]:
        figures["fig13_top4_confusion"] = {
            "confusion": "results/fgnet_top4/vgg16-imdb-agedb/confusion.csv"
        }
    return figures


FIGURES = figure_inputs()


def get_figure_inputs(wildcards):
    return FIGURES[wildcards.figure]


def gradcam_models():
    """{variant: kept model} of the Grad-CAM fold (figures.gradcam.fold must be a kept fold)."""
    spec = config["figures"]["gradcam"]
    fold = spec["fold"]
    variants = fgnet_variants(["faces2", "imdb"])
    # a fold that does not exist stops the run (plan.check_folds); one not run is left out
    if not variants or fold not in benchmark_folds("fgnet"):
        return {}
    return {v: f"results/fgnet/{v}/fold{fold}/model.keras" for v in variants}


def figure_targets():
    targets = expand("results/figures/{figure}.png", figure=FIGURES)
    if gradcam_models():
        targets.append("results/figures/fig14_gradcam.png")
    return targets


def get_figure_caption(wildcards):
    """The report's caption: what the figure shows and the thesis' numbers to compare with."""
    return caption(wildcards.figure, FIGURES[wildcards.figure])
