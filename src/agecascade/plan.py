"""The study's plan from the config: what runs, from what, with which settings, and where it goes.

`Study` is the one place the rules ask (rules/common.smk only builds it from the config): which
datasets, stages, benchmark folds, feature sets, tables and figures exist, what each training
starts from, and its hyper-parameters, so the values a training job receives are the ones
`tests/test_thesis_hyperparameters.py` checks against the thesis' text.
"""

from __future__ import annotations

import json

from agecascade.vocabulary import Variant, chain_dataset, parent_chain


def per_backbone(value, backbone: str):
    """A config value that is either one value or one per backbone."""
    return value[backbone] if isinstance(value, dict) else value


def fit_settings(config: dict, spec: dict, backbone: str, frozen: bool) -> dict:
    """`agecascade.training.FitSettings` fields from a `fit` entry of the config."""
    return {
        "learning_rate": per_backbone(spec["learning_rate"], backbone),
        "batch_size": spec["batch_size"],
        "epochs": spec["epochs"],
        "patience": spec.get("patience"),
        "frozen": frozen,
        "augment": config["training"]["augment"],
        "seed": config["seed"],
        "backup_interval_minutes": config["training"]["backup_interval_minutes"],
        "precision": config["training"]["precision"],
        "jit_compile": config["training"]["jit_compile"],
        "require_gpu": config["training"]["require_gpu"],
    }


def stage_settings(config: dict, backbone: str, chain: str) -> dict:
    """Settings of a cascade stage (modes b and c: all layers trained)."""
    return fit_settings(config, config["training"]["stages"][chain_dataset(chain)], backbone, frozen=False)


def variant_settings(config: dict, benchmark: str, variant: str) -> dict:
    """Settings of a variant's fold training: mode a (frozen) for -faces2, else the dataset's."""
    variant = Variant.parse(variant)
    dataset = config["benchmarks"][benchmark]["dataset"]
    return fit_settings(config, config["fold_training"]["frozen" if variant.frozen else dataset], variant.backbone,
                        variant.frozen)


def benchmark_folds(config: dict, benchmark: str, all_folds: bool = False) -> list[int]:
    """The folds of a benchmark that run (`run_folds`), or all its folds; from the config alone,
    so the whole plan is known before any data exists. The `splits` rule checks the data."""
    spec = config["benchmarks"][benchmark]
    if spec["protocol"] == "leave_one_subject_out":
        folds = list(range(1, spec["subjects"] + 1))  # a fold per subject, numbered as the subjects
    elif spec["protocol"] == "holdout_subjects":
        folds = [0]
    else:
        folds = list(range(spec["folds"]))
    if spec["run_folds"] is not None and not all_folds:
        folds = [k for k in folds if k in spec["run_folds"]]
    return folds


def grid_folds(config: dict, benchmark: str) -> list[int]:
    """The folds whose training sets a benchmark's grid search uses: `gridsearch_folds`, or the
    benchmark's first fold (thesis: FG-NET's first 6, Adience's first)."""
    spec = config["benchmarks"][benchmark]
    return spec["gridsearch_folds"] or benchmark_folds(config, benchmark, all_folds=True)[:1]


def _span(folds: list[int]) -> str:
    return f"{folds[0]}-{folds[-1]}" if len(folds) > 1 else str(folds[0])


def check_folds(config: dict) -> list[str]:
    """Every fold the config names must exist: a fold that does not would silently shrink the study.

    Returns:
        Warnings about what a partial run leaves out (e.g. the Grad-CAM figure).

    Raises:
        ValueError: naming the key, the folds that do not exist and the valid ones.
    """
    warnings = []
    for name, spec in config["benchmarks"].items():
        every = benchmark_folds(config, name, all_folds=True)
        for key in ("run_folds", "keep_models", "gridsearch_folds"):
            unknown = sorted(set(spec.get(key) or []) - set(every))
            if unknown:
                raise ValueError(f"benchmarks.{name}.{key}: folds {unknown} do not exist; "
                                 f"{name}'s folds are {_span(every)}.")
    regression = config["regression"]
    every = benchmark_folds(config, regression["benchmark"], all_folds=True)
    unknown = sorted(set(regression.get("run_folds") or []) - set(every))
    if unknown:
        raise ValueError(f"regression.run_folds: folds {unknown} do not exist; "
                         f"{regression['benchmark']}'s folds are {_span(every)}.")
    fgnet = config["benchmarks"].get("fgnet")
    if fgnet:
        fold = config["figures"]["gradcam"]["fold"]
        if fold not in benchmark_folds(config, "fgnet", all_folds=True):
            raise ValueError(f"figures.gradcam.fold: fold {fold} does not exist; FG-NET's folds are "
                             f"{_span(benchmark_folds(config, 'fgnet', all_folds=True))}.")
        if fold not in fgnet["keep_models"]:
            raise ValueError(f"figures.gradcam.fold {fold} must be one of benchmarks.fgnet.keep_models "
                             f"{fgnet['keep_models']} (Grad-CAM needs that fold's trained models).")
        if fold not in benchmark_folds(config, "fgnet"):
            warnings.append(f"Figure 14 (Grad-CAM) is not planned: figures.gradcam.fold {fold} is not among "
                            f"benchmarks.fgnet.run_folds {fgnet['run_folds']}.")
    return warnings


# ---------------------------------------------------------------------------------------- the study


def start_model(config: dict, backbone: str, pretraining: str) -> str | None:
    """What a training run starts from: the cascade stage model of a chain, the keras-vggface
    weights (`faces2`: the face backbone; `training.init: vggface`), or None (random initialisation)."""
    if pretraining != "faces2":
        return f"results/models/{backbone}/{pretraining}.keras"
    if config["training"]["init"] == "vggface":
        return f"resources/weights/{backbone}.h5"
    return None


def training_inputs(dataset: str, split: str, start: str | None) -> dict:
    """Face store, split table and label space of a training run, and its start model."""
    inputs = {"store": f"resources/faces/{dataset}.h5", "split": f"results/splits/{split}.csv",
              "labels": f"results/splits/{split}.labels.json"}
    return {**inputs, "start": start} if start else inputs


# the tables: name -> (benchmark whose vgg16-imdb-agedb results it shows, file stem)
BENCHMARK_TABLES = {"adience": ("adience", "adience"), "table6": ("adience3", "table6_adience3"),
                    "top4": ("fgnet_top4", "fgnet_top4_confusion")}
TABLE4 = "results/tables/table4_fgnet.csv"


class Study:
    """The whole plan of one config: what runs, from what, with which settings, and where it goes.

    The rules wire to it: `input:`, `params:` and `resources:` name its methods (each takes the
    job's wildcards), and targets call its list methods. Everything comes from the config alone,
    so the whole plan is known before any data exists.
    """

    def __init__(self, config: dict):
        from agecascade.vocabulary import CHAINS, DATASETS, TRAINING_SETS

        self.config = config
        self.datasets = list(DATASETS)
        self.training_sets = list(TRAINING_SETS)
        self.chains = list(CHAINS)
        self.benchmarks = list(config["benchmarks"])
        self.splits = self.training_sets + self.benchmarks
        self.variants = sorted({v for spec in config["benchmarks"].values() for v in spec["variants"]})
        # the folds whose model is kept: "<benchmark>/<variant>/fold<k>" (the {kept} wildcard) -> job
        self.kept = {f"{benchmark}/{variant}/fold{fold}": {"benchmark": benchmark, "variant": variant, "fold": fold}
                     for benchmark, spec in config["benchmarks"].items() for variant in spec["variants"]
                     for fold in self.folds(benchmark) if fold in spec["keep_models"]}

    def folds(self, benchmark: str, all_folds: bool = False) -> list[int]:
        return benchmark_folds(self.config, benchmark, all_folds)

    # ------------------------------------------------------------------ data

    def data_targets(self) -> list[str]:
        """Face stores of every dataset and the split table of every benchmark and training set."""
        return ([f"resources/faces/{d}.h5" for d in self.datasets]
                + [f"results/splits/{s}.csv" for s in self.splits])

    def synthetic_spec(self, wildcards) -> dict:
        return self.config["synthetic"][wildcards.dataset]

    def download_inputs(self, wildcards) -> dict:
        """The synthetic archive (demo) is an input of the download, so the DAG generates it."""
        if wildcards.dataset not in self.config["synthetic"]:
            return {}
        archive = f"resources/synthetic/{wildcards.dataset}.tar.gz"
        return {"archive": archive, "checksum": f"{archive}.sha256"}

    def dataset_spec(self, wildcards) -> dict:
        """The dataset's config entry without credentials (params are recorded in Snakemake's
        metadata; the download script reads the entry itself from the config)."""
        from agecascade.download import redact

        return json.loads(redact(json.dumps(self.config["datasets"][wildcards.dataset])))

    def weights_spec(self, wildcards) -> dict:
        return self.config["weights"][wildcards.backbone]

    def prepare_options(self, wildcards) -> dict:
        """Face location and crop settings of a dataset (agecascade.data.prepare.PrepareOptions)."""
        spec = self.config["datasets"][wildcards.dataset]
        return {"image_size": self.config["image_size"], "margin": self.config["margin"],
                "detector": spec["detector"], "no_face": spec["no_face"], "min_confidence": spec["min_confidence"]}

    def parse_options(self, wildcards) -> dict:
        """Dataset-specific parsing settings (Adience label policy, IMDB cleaning thresholds)."""
        spec = self.config["datasets"][wildcards.dataset]
        return {"label_policy": spec["label_policy"], "cleaning": spec.get("cleaning")}

    def prepare_mem_mb(self, wildcards, threads) -> int:
        # MTCNN workers hold TensorFlow (~700 MB each); PIL-only workers need little.
        per_worker = 1000 if self.config["datasets"][wildcards.dataset]["detector"] == "mtcnn" else 300
        return 2000 + per_worker * threads

    def split_dataset(self, split: str) -> str:
        return split if split in self.training_sets else self.config["benchmarks"][split]["dataset"]

    def split_manifest(self, wildcards) -> str:
        return f"resources/faces/{self.split_dataset(wildcards.split)}.csv"

    def split_spec(self, wildcards) -> dict:
        if wildcards.split in self.training_sets:
            spec = self.config["datasets"][wildcards.split]
            return {"protocol": "train_val", "validation_fraction": spec["validation_fraction"]}
        return self.config["benchmarks"][wildcards.split]

    # ------------------------------------------------------------------ cascade stages

    def stage_models(self) -> list[str]:
        """Every cascade stage model of `training.chains`."""
        return [f"results/models/{backbone}/{chain}.keras"
                for backbone, chains in self.config["training"]["chains"].items() for chain in chains]

    def stage_inputs(self, wildcards) -> dict:
        """A stage's dataset and what it starts from: the parent chain's model, the keras-vggface
        weights, or nothing (random initialisation)."""
        dataset = chain_dataset(wildcards.chain)
        return training_inputs(dataset, dataset, self._stage_start(wildcards.backbone, wildcards.chain))

    def _stage_start(self, backbone: str, chain: str) -> str | None:
        return start_model(self.config, backbone, parent_chain(chain))

    def _crop(self) -> dict:
        """The faces' side and crop margin, recorded in every model (`predict` crops the same way)."""
        return {"image_size": self.config["image_size"], "margin": self.config["margin"]}

    def _stage_record(self, backbone: str, chain: str) -> dict:
        start = self._stage_start(backbone, chain)
        return {**self._crop(), "chain": chain, "dataset": chain_dataset(chain),
                "start": start or "random initialisation"}

    def stage_job(self, wildcards) -> dict:
        """`params.job` of a train_stage job (`agecascade.training.TrainingJob.from_rule`)."""
        backbone, chain = wildcards.backbone, wildcards.chain
        return {"backbone": backbone, "settings": stage_settings(self.config, backbone, chain),
                "record": self._stage_record(backbone, chain), "backup": f"results/models/.resume/{backbone}/{chain}"}

    def stage_grid_choice(self, wildcards) -> dict:
        if not self.config["gridsearch"]["enabled"]:
            return {}
        return {"gridsearch": f"results/gridsearch/models/{wildcards.backbone}/{wildcards.chain}.csv"}

    def stage_runtime(self, wildcards) -> int:
        # thesis, GTX 1080 Ti: IMDB about 2 days per backbone, AgeDB about 4 hours (plus margin);
        # the slurm profile sets the partition's limit instead (training resumes across retries)
        return {"imdb": 3 * 24 * 60, "agedb": 6 * 60}[chain_dataset(wildcards.chain)]

    # ------------------------------------------------------------------ grid search (thesis section 4)

    def _grid_points(self, folder: str) -> list[str]:
        grid = self.config["gridsearch"]
        return [f"{folder}/lr{lr:g}_bs{batch}.csv" for lr in grid["learning_rates"] for batch in grid["batch_sizes"]]

    def stage_grid_points(self, wildcards) -> list[str]:
        return self._grid_points(f"results/gridsearch/models/{wildcards.backbone}/{wildcards.chain}")

    def fold_grid_points(self, wildcards) -> list[str]:
        return self._grid_points(f"results/gridsearch/{wildcards.benchmark}/{wildcards.variant}")

    def _grid_point(self, wildcards, folds, workdir: str) -> dict:
        """What a grid point changes in the real training (`agecascade.gridsearch.grid_point`)."""
        grid = self.config["gridsearch"]
        return {"learning_rate": float(wildcards.lr), "batch_size": int(wildcards.batch), "epochs": grid["epochs"],
                "folds": folds, "validation_fraction": grid["validation_fraction"],
                "workdir": f"results/.resume/gridsearch/{workdir}/lr{wildcards.lr}_bs{wildcards.batch}"}

    def stage_grid_job(self, wildcards) -> dict:
        """`params.job` of a gridsearch_stage job: the stage's job at one grid point."""
        job = self.stage_job(wildcards)
        point = self._grid_point(wildcards, None, f"models/{wildcards.backbone}/{wildcards.chain}")
        return {"backbone": job["backbone"], "settings": job["settings"], "record": job["record"], **point}

    def fold_grid_job(self, wildcards) -> dict:
        """`params.job` of a gridsearch_fold job: a variant's fold training at one grid point, on
        the training faces of the benchmark's grid folds."""
        variant = Variant.parse(wildcards.variant)
        record = {**self._crop(), "chain": variant.pretraining, "benchmark": wildcards.benchmark,
                  "variant": str(variant)}
        point = self._grid_point(wildcards, grid_folds(self.config, wildcards.benchmark),
                                 f"{wildcards.benchmark}/{wildcards.variant}")
        return {"backbone": variant.backbone, "record": record, **point,
                "settings": variant_settings(self.config, wildcards.benchmark, wildcards.variant)}

    def stage_grid_runtime(self, wildcards) -> int:
        # one epoch per search set; an IMDB epoch takes about 50 minutes on the thesis' GPU
        return {"imdb": 90, "agedb": 30}[chain_dataset(wildcards.chain)]

    def fold_grid_runtime(self, wildcards) -> int:
        return 60

    # ------------------------------------------------------------------ benchmark folds

    # train_fold's wildcards are {benchmark}, {variant}, {fold}; train_fold_kept's one {kept}
    # (`<benchmark>/<variant>/fold<k>`), looked up in `self.kept`. Each rule names its own methods.

    @staticmethod
    def _fold_key(wildcards) -> dict:
        return {"benchmark": wildcards.benchmark, "variant": wildcards.variant, "fold": int(wildcards.fold)}

    def fold_job(self, wildcards) -> dict:
        """`params.job` of a train_fold job (`agecascade.training.TrainingJob.from_rule`)."""
        return self._fold_job(self._fold_key(wildcards))

    def kept_fold_job(self, wildcards) -> dict:
        """`params.job` of a train_fold_kept job."""
        return self._fold_job(self.kept[wildcards.kept])

    def _fold_job(self, key: dict) -> dict:
        variant = Variant.parse(key["variant"])
        return {"backbone": variant.backbone, "part": {"test_fold": key["fold"]},
                "settings": variant_settings(self.config, key["benchmark"], key["variant"]),
                "record": {**self._crop(), "chain": variant.pretraining, **key},
                "backup": f"results/.resume/{key['benchmark']}/{key['variant']}/fold{key['fold']}"}


    def variant_inputs(self, wildcards) -> dict:
        """Face store, split and label space of a benchmark, and what the variant starts from."""
        return self._variant_inputs(wildcards.benchmark, wildcards.variant)

    def _variant_inputs(self, benchmark: str, variant: str) -> dict:
        dataset = self.config["benchmarks"][benchmark]["dataset"]
        return training_inputs(dataset, benchmark, start_model(self.config, *Variant.parse(variant)))

    def fold_inputs(self, wildcards) -> dict:
        """A fold's training inputs, and the grid search's choice when it is enabled."""
        return self._fold_inputs(self._fold_key(wildcards))

    def kept_fold_inputs(self, wildcards) -> dict:
        return self._fold_inputs(self.kept[wildcards.kept])

    def _fold_inputs(self, job: dict) -> dict:
        inputs = self._variant_inputs(job["benchmark"], job["variant"])
        if self.config["gridsearch"]["enabled"]:
            inputs["gridsearch"] = f"results/gridsearch/{job['benchmark']}/{job['variant']}.csv"
        return inputs

    def fold_runtime(self, wildcards) -> int:
        return self._fold_runtime(wildcards.benchmark)

    def kept_fold_runtime(self, wildcards) -> int:
        return self._fold_runtime(self.kept[wildcards.kept]["benchmark"])

    def _fold_runtime(self, benchmark: str) -> int:
        # thesis GPU: an FG-NET fold (20 epochs of ~990 faces) takes minutes, an Adience fold
        # (20 epochs of ~14,000 faces) about half an hour; plus margin
        return {"fgnet": 120, "adience": 240}[self.config["benchmarks"][benchmark]["dataset"]]

    def class_names(self, wildcards) -> list[str] | None:
        """The group names of an Adience benchmark, None for an age benchmark."""
        from agecascade.data.adience import class_names

        names = class_names(self.config["benchmarks"][wildcards.benchmark])
        return list(names) if names else None

    def evaluated_folds(self, wildcards) -> list[int]:
        """The folds a benchmark variant's metrics are made of (the order of `fold_predictions`)."""
        return self.folds(wildcards.benchmark)

    def fold_predictions(self, wildcards) -> list[str]:
        return [f"results/{wildcards.benchmark}/{wildcards.variant}/fold{fold}/predictions.csv"
                for fold in self.folds(wildcards.benchmark)]

    def benchmark_results(self) -> list[dict]:
        """(benchmark, variant, metrics, confusion) of every benchmark variant that runs."""
        return [{"benchmark": benchmark, "variant": variant, "metrics": f"results/{benchmark}/{variant}/metrics.csv",
                 "confusion": f"results/{benchmark}/{variant}/confusion.csv"}
                for benchmark, spec in self.config["benchmarks"].items() for variant in spec["variants"]
                if self.folds(benchmark)]

    def benchmark_metrics(self) -> list[str]:
        return [r["metrics"] for r in self.benchmark_results()]

    # ------------------------------------------------------------------ regression on CNN features

    def regression_folds(self) -> list[int]:
        spec = self.config["regression"]
        # regression.run_folds is checked against the benchmark's folds by check_folds
        folds = self.folds(spec["benchmark"])
        return [k for k in folds if k in spec["run_folds"]] if spec["run_folds"] is not None else folds

    def regression_sets(self) -> list[tuple[str, str]]:
        """Table 5's feature sets as (extractor, layer)."""
        return [tuple(s.split("/")) for s in self.config["regression"]["feature_sets"]]

    def regression_split(self) -> str:
        return f"results/splits/{self.config['regression']['benchmark']}.csv"

    def regression_settings(self) -> str:
        """agecascade.regression.AutoSklearnSettings as JSON (a shell argument)."""
        spec = self.config["regression"]
        if spec["per_run_time_limit"] >= spec["time_left_for_this_task"]:
            raise ValueError("regression.per_run_time_limit must be below regression.time_left_for_this_task. "
                             f"Received: {spec['per_run_time_limit']} >= {spec['time_left_for_this_task']}")
        return json.dumps({"time_left_for_this_task": spec["time_left_for_this_task"],
                           "per_run_time_limit": spec["per_run_time_limit"],
                           "memory_limit_mb": spec["memory_limit_mb"], "seed": self.config["seed"]})

    def extractor_inputs(self, wildcards) -> dict:
        """The benchmark's face store and what the extractor's backbone comes from."""
        dataset = self.config["benchmarks"][self.config["regression"]["benchmark"]]["dataset"]
        start = start_model(self.config, *Variant.parse(wildcards.extractor))
        return {"store": f"resources/faces/{dataset}.h5", **({"start": start} if start else {})}

    def regression_mem_mb(self, wildcards, threads) -> int:
        # auto-sklearn's memory limit applies to each of its n_jobs workers, plus the main process
        return self.config["regression"]["memory_limit_mb"] * threads + 4000

    def regression_runtime(self, wildcards) -> int:
        # the time budget, plus the final ensemble building, start-up and margin (minutes)
        return self.config["regression"]["time_left_for_this_task"] // 60 + 30

    def regression_predictions(self, wildcards) -> list[str]:
        name = f"{wildcards.extractor}-{wildcards.layer}"
        return [f"results/regression/{name}/fold{fold}.csv" for fold in self.regression_folds()]

    def regression_evaluated_folds(self, wildcards) -> list[int]:
        return self.regression_folds()

    def regression_results(self) -> list[dict]:
        """(feature set, metrics) of every Table 5 row that runs."""
        if not self.regression_folds():
            return []
        return [{"benchmark": "regression", "variant": f"{extractor}-{layer}",
                 "metrics": f"results/regression/{extractor}-{layer}/metrics.csv"}
                for extractor, layer in self.regression_sets()]

    def regression_metrics(self) -> list[str]:
        return [r["metrics"] for r in self.regression_results()]

    # ------------------------------------------------------------------ tables

    def table_paths(self) -> dict[str, str]:
        """The tables this config produces: {name: CSV path} (a Markdown copy beside each)."""
        outputs = {"table4": TABLE4}
        for name, (benchmark, stem) in BENCHMARK_TABLES.items():
            spec = self.config["benchmarks"].get(benchmark)
            if spec and "vgg16-imdb-agedb" in spec["variants"] and self.folds(benchmark):
                outputs[name] = f"results/tables/{stem}.csv"
        if self.regression_results():
            outputs["table5"] = "results/tables/table5_regression.csv"
        return outputs

    def table_results(self) -> list[dict]:
        """What the tables and the summary read: benchmark and regression results."""
        return self.benchmark_results() + self.regression_results()

    def label_spaces(self) -> dict[str, str]:
        return {split: f"results/splits/{split}.labels.json" for split in self.splits}

    def prepare_reports(self) -> dict[str, str]:
        return {dataset: f"resources/faces/{dataset}.report.json" for dataset in self.datasets}

    def table_inputs(self) -> list[str]:
        """Every file the tables and the summary read (the DAG's edges)."""
        return ([path for r in self.table_results() for key, path in r.items() if key in ("metrics", "confusion")]
                + list(self.label_spaces().values()) + list(self.prepare_reports().values()))

    # ------------------------------------------------------------------ figures

    def _fgnet_variants(self, pretrainings) -> list[str]:
        spec = self.config["benchmarks"].get("fgnet")
        if not spec or not self.folds("fgnet"):
            return []
        return [v for v in spec["variants"] if Variant.parse(v).pretraining in pretrainings]

    def figures(self) -> dict[str, dict[str, str]]:
        """{figure: {name: input}} of every figure this config can draw."""
        figures = {
            "fig03_fgnet_faces": {"store": "resources/faces/fgnet.h5", "manifest": "resources/faces/fgnet.csv"},
            "fig04_adience_faces": {"store": "resources/faces/adience.h5", "manifest": "resources/faces/adience.csv"},
            "fig05_age_distribution": {d: f"resources/faces/{d}.csv" for d in ("imdb", "agedb", "fgnet")},
            "fig06_adience_groups": {"manifest": "resources/faces/adience.csv"},
        }
        boxplots = (("fig10_fgnet_faces2", ["faces2"]), ("fig11_fgnet_finetuned", ["imdb", "imdb-agedb"]))
        for name, pretrainings in boxplots:
            variants = self._fgnet_variants(pretrainings)
            if variants:
                figures[name] = {v: f"results/fgnet/{v}/metrics.csv" for v in variants}
        if self.regression_results():
            figures["fig12_regression"] = {r["variant"]: r["metrics"] for r in self.regression_results()}
        top4 = self.config["benchmarks"].get("fgnet_top4")
        if top4 and "vgg16-imdb-agedb" in top4["variants"]:
            figures["fig13_top4_confusion"] = {"confusion": "results/fgnet_top4/vgg16-imdb-agedb/confusion.csv"}
        return figures

    def figure_inputs(self, wildcards) -> dict[str, str]:
        return self.figures()[wildcards.figure]

    def figure_caption(self, wildcards) -> str:
        """The report's caption: what the figure shows and the thesis' numbers to compare with."""
        from agecascade.figures import caption

        return caption(wildcards.figure, self.figures()[wildcards.figure])

    def gradcam_fold(self) -> int:
        return self.config["figures"]["gradcam"]["fold"]

    def gradcam_models(self) -> dict[str, str]:
        """{variant: kept model} of the Grad-CAM fold (figures.gradcam.fold must be a kept fold)."""
        fold = self.gradcam_fold()
        variants = self._fgnet_variants(["faces2", "imdb"])
        # a fold that does not exist stops the run (check_folds); one not run is left out
        if not variants or fold not in self.folds("fgnet"):
            return {}
        return {v: f"results/fgnet/{v}/fold{fold}/model.keras" for v in variants}

    def gradcam_inputs(self, wildcards) -> dict[str, str]:
        return self.gradcam_models()

    def gradcam_caption(self) -> str:
        from agecascade.figures import caption

        return caption("fig14_gradcam", gradcam_fold=self.gradcam_fold())

    def figure_targets(self) -> list[str]:
        targets = [f"results/figures/{figure}.png" for figure in self.figures()]
        if self.gradcam_models():
            targets.append("results/figures/fig14_gradcam.png")
        return targets
