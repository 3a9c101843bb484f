"""`Study`: the one object the rules ask (rules/common.smk builds it from the config).

A thin front: paths come from `plan.paths`, settings from `plan.settings`, cluster resources from
`plan.resources`, folds from `plan.folds`, figures and tables from their registries
(`agecascade.figures.FIGURES`, `agecascade.tables.TABLES`). Its methods take a job's wildcards (for
`input:`, `params:`, `resources:`) or nothing (targets), and everything comes from the config
alone, so the whole plan is known before any data exists.
"""

from __future__ import annotations

import json

from agecascade.plan import paths, resources, settings
from agecascade.plan.folds import benchmark_folds, fold_benchmarks, grid_folds
from agecascade.plan.unified import UnifiedPlan
from agecascade.vocabulary import (
    CHAINS,
    DATASETS,
    FROZEN_PRETRAININGS,
    TRAINING_SETS,
    Variant,
    chain_dataset,
    parent_chain,
)


def start_model(config: dict, backbone: str, pretraining: str) -> str | None:
    """What a training run starts from: the cascade stage model of a chain, the keras-vggface
    weights (`faces2`: the face backbone; `training.init: vggface`), or None (random initialisation)."""
    if pretraining not in FROZEN_PRETRAININGS:
        return paths.STAGE_MODEL.format(backbone=backbone, chain=pretraining)
    return paths.WEIGHTS.format(backbone=backbone) if config["training"]["init"] == "vggface" else None


def training_inputs(dataset: str, split: str, start: str | None) -> dict:
    """Face store, split table and label space of a training run, and its start model."""
    inputs = {"store": paths.FACE_STORE.format(dataset=dataset), "split": paths.SPLIT_TABLE.format(split=split),
              "labels": paths.LABEL_SPACE.format(split=split)}
    return {**inputs, "start": start} if start else inputs


class Study:
    """The whole plan of one config: what runs, from what, with which settings, and where it goes."""

    def __init__(self, config: dict):
        self.config = config
        self.datasets = list(DATASETS)
        self.training_sets = list(TRAINING_SETS)
        self.chains = list(CHAINS)
        benchmarks = fold_benchmarks(config)
        self.benchmarks = list(benchmarks)
        self.splits = self.training_sets + self.benchmarks
        # the unified benchmark's jobs (`benchmarks.unified`; rules/unified.smk)
        self.unified = UnifiedPlan(config, self.unified_datasets())
        self.variants = sorted({v for spec in benchmarks.values() for v in spec["variants"]}
                               | set(self.unified.all_variants()))
        # the folds whose model is kept: "<benchmark>/<variant>/fold<k>" (the {kept} wildcard) -> job
        self.kept = {f"{benchmark}/{variant}/fold{fold}": {"benchmark": benchmark, "variant": variant, "fold": fold}
                     for benchmark, spec in benchmarks.items() for variant in spec["variants"]
                     for fold in self.folds(benchmark) if fold in spec["keep_models"]}

    def folds(self, benchmark: str, all_folds: bool = False) -> list[int]:
        return benchmark_folds(self.config, benchmark, all_folds)

    # ------------------------------------------------------------------ resources (plan.resources)

    def threads(self, rule: str) -> int:
        """A rule's threads: the GPU jobs' fixed CPUs, or the config's (prepare, regress_fold)."""
        if rule in resources.GPU_JOBS:
            return resources.GPU_JOBS[rule][0]
        return {"prepare": self.config["prepare"], "regress_fold": self.config["regression"]}[rule]["threads"]

    def resources(self, rule: str) -> dict:
        """A rule's `resources:` (GPU, CPUs, memory in MB, runtime in minutes)."""
        runtimes = {
            "train_stage": lambda w: resources.stage_runtime(w.chain),
            "gridsearch_stage": lambda w: resources.stage_grid_runtime(w.chain),
            "gridsearch_fold": resources.FOLD_GRID_RUNTIME,
            "train_fold": lambda w: resources.fold_runtime(self._dataset(w.benchmark)),
            "train_fold_kept": lambda w: resources.fold_runtime(self._dataset(self.kept[w.kept]["benchmark"])),
            "train_unified": lambda w: resources.unified_runtime(w.dataset),
            "extract_features": resources.FEATURES_RUNTIME,
            "gradcam": resources.GRADCAM_RUNTIME,
        }
        if rule in runtimes:
            return resources.gpu_job(rule, runtimes[rule])
        regression = self.config["regression"]
        return {
            "synthetic_dataset": resources.SYNTHETIC,
            "prepare": {"mem_mb": lambda w, threads: resources.prepare_mem_mb(
                self.config["datasets"][w.dataset]["detector"], threads), "runtime": resources.PREPARE_RUNTIME},
            "regress_fold": {"mem_mb": lambda w, threads: resources.regression_mem_mb(regression["memory_limit_mb"],
                                                                                       threads),
                             "runtime": resources.regression_runtime(regression["time_left_for_this_task"])},
        }[rule]

    def _dataset(self, benchmark: str) -> str:
        return self.config["benchmarks"][benchmark]["dataset"]

    # ------------------------------------------------------------------ data

    def data_targets(self) -> list[str]:
        """Face stores of every dataset, the split table of every benchmark and training set, and
        the unified benchmark's split of every dataset with a database file."""
        return ([paths.FACE_STORE.format(dataset=d) for d in self.datasets]
                + [paths.SPLIT_TABLE.format(split=s) for s in self.splits]
                + [paths.UNIFIED_SPLIT.format(dataset=d) for d in self.unified_datasets()])

    def unified_datasets(self) -> list[str]:
        """The datasets with a database file of the unified benchmark (`protocol_file`)."""
        from agecascade.data.unified import PROTOCOLS

        return [d for d in PROTOCOLS if self.config["datasets"][d].get("protocol_file")]

    def protocol_inputs(self, wildcards) -> dict:
        """The synthetic database file (demo) is an input of its download, so the DAG writes it."""
        if wildcards.dataset not in self.config["synthetic"]:
            return {}
        return {"database": paths.SYNTHETIC_DATABASE.format(dataset=wildcards.dataset),
                "archive": paths.SYNTHETIC_ARCHIVE.format(dataset=wildcards.dataset)}

    def protocol_spec(self, wildcards) -> dict:
        """The database file as a download source (`agecascade.download.download_file`)."""
        spec = self.config["datasets"][wildcards.dataset]
        return {"source": spec["protocol_file"], "sha256": spec.get("protocol_sha256")}

    def synthetic_spec(self, wildcards) -> dict:
        return self.config["synthetic"][wildcards.dataset]

    def download_inputs(self, wildcards) -> dict:
        """The synthetic archive (demo) is an input of the download, so the DAG generates it."""
        if wildcards.dataset not in self.config["synthetic"]:
            return {}
        archive = paths.SYNTHETIC_ARCHIVE.format(dataset=wildcards.dataset)
        return {"archive": archive, "checksum": f"{archive}.sha256"}

    def dataset_spec(self, wildcards) -> dict:
        """The dataset's config entry without credentials (params are recorded in Snakemake's
        metadata; the download script reads the entry itself from the config)."""
        from agecascade.download import redact

        return json.loads(redact(json.dumps(self.config["datasets"][wildcards.dataset])))

    def weights_spec(self, wildcards) -> dict:
        return self.config["weights"][wildcards.backbone]

    def prepare_options(self, wildcards) -> dict:
        return settings.prepare_options(self.config, wildcards.dataset)

    def parse_options(self, wildcards) -> dict:
        return settings.parse_options(self.config, wildcards.dataset)

    def split_dataset(self, split: str) -> str:
        return split if split in self.training_sets else self._dataset(split)

    def split_manifest(self, wildcards) -> str:
        return paths.MANIFEST.format(dataset=self.split_dataset(wildcards.split))

    def split_spec(self, wildcards) -> dict:
        if wildcards.split in self.training_sets:
            spec = self.config["datasets"][wildcards.split]
            return {"protocol": "train_val", "validation_fraction": spec["validation_fraction"],
                    "no_face": spec["no_face"]}
        return self.config["benchmarks"][wildcards.split]

    # ------------------------------------------------------------------ cascade stages

    def stage_models(self) -> list[str]:
        """Every cascade stage model of `training.chains`."""
        return [paths.STAGE_MODEL.format(backbone=backbone, chain=chain)
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

    def stage_job(self, wildcards) -> dict:
        """`params.job` of a train_stage job (`agecascade.training.TrainingJob.from_rule`)."""
        backbone, chain = wildcards.backbone, wildcards.chain
        start = self._stage_start(backbone, chain)
        record = {**self._crop(), "chain": chain, "dataset": chain_dataset(chain),
                  "start": start or "random initialisation"}
        return {"backbone": backbone, "settings": settings.stage_settings(self.config, backbone, chain),
                "record": record, "backup": paths.STAGE_BACKUP.format(backbone=backbone, chain=chain)}

    def stage_grid_choice(self, wildcards) -> dict:
        if not self.config["gridsearch"]["enabled"]:
            return {}
        searched = f"models/{wildcards.backbone}/{wildcards.chain}"
        return {"gridsearch": paths.GRID_FOLDER.format(searched=searched) + ".csv"}

    # ------------------------------------------------------------------ grid search (thesis section 4)

    def _grid_points(self, searched: str) -> list[str]:
        grid = self.config["gridsearch"]
        return [f"{paths.GRID_FOLDER.format(searched=searched)}/lr{lr:g}_bs{batch}.csv"
                for lr in grid["learning_rates"] for batch in grid["batch_sizes"]]

    def stage_grid_points(self, wildcards) -> list[str]:
        return self._grid_points(f"models/{wildcards.backbone}/{wildcards.chain}")

    def fold_grid_points(self, wildcards) -> list[str]:
        return self._grid_points(f"{wildcards.benchmark}/{wildcards.variant}")

    def _grid_point(self, wildcards, folds, searched: str) -> dict:
        """What a grid point changes in the real training (`agecascade.gridsearch.grid_point`)."""
        grid = self.config["gridsearch"]
        return {"learning_rate": float(wildcards.lr), "batch_size": int(wildcards.batch), "epochs": grid["epochs"],
                "folds": folds, "validation_fraction": grid["validation_fraction"],
                "workdir": paths.GRID_WORKDIR.format(searched=searched, lr=wildcards.lr, batch=wildcards.batch)}

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
        folds = grid_folds(self.config, wildcards.benchmark)
        return {"backbone": variant.backbone, "record": record,
                **self._grid_point(wildcards, folds, f"{wildcards.benchmark}/{wildcards.variant}"),
                "settings": settings.variant_settings(self.config, wildcards.benchmark, wildcards.variant)}

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
                "settings": settings.variant_settings(self.config, key["benchmark"], key["variant"]),
                "record": {**self._crop(), "chain": variant.pretraining, **key},
                "backup": paths.FOLD_BACKUP.format(**key)}

    def variant_inputs(self, wildcards) -> dict:
        """Face store, split and label space of a benchmark, and what the variant starts from."""
        return self._variant_inputs(wildcards.benchmark, wildcards.variant)

    def _variant_inputs(self, benchmark: str, variant: str) -> dict:
        return training_inputs(self._dataset(benchmark), benchmark, start_model(self.config, *Variant.parse(variant)))

    def fold_inputs(self, wildcards) -> dict:
        """A fold's training inputs, and the grid search's choice when it is enabled."""
        return self._fold_inputs(self._fold_key(wildcards))

    def kept_fold_inputs(self, wildcards) -> dict:
        return self._fold_inputs(self.kept[wildcards.kept])

    def _fold_inputs(self, job: dict) -> dict:
        inputs = self._variant_inputs(job["benchmark"], job["variant"])
        if self.config["gridsearch"]["enabled"]:
            inputs["gridsearch"] = paths.GRID_FOLDER.format(searched=f"{job['benchmark']}/{job['variant']}") + ".csv"
        return inputs

    def class_names(self, wildcards) -> list[str] | None:
        """The group names of an Adience benchmark, None for an age benchmark."""
        from agecascade.data.adience import class_names

        names = class_names(self.config["benchmarks"][wildcards.benchmark])
        return list(names) if names else None

    def evaluated_folds(self, wildcards) -> list[int]:
        """The folds a benchmark variant's metrics are made of (the order of `fold_predictions`)."""
        return self.folds(wildcards.benchmark)

    def fold_predictions(self, wildcards) -> list[str]:
        return [paths.FOLD_FOLDER.format(benchmark=wildcards.benchmark, variant=wildcards.variant, fold=fold)
                + "/predictions.csv"
                for fold in self.folds(wildcards.benchmark)]

    def benchmark_results(self) -> list[dict]:
        """(experiment, row, metrics, confusion) of every benchmark variant that runs: the
        experiment is the benchmark, the row its variant."""
        return [{"experiment": benchmark, "row": variant,
                 "metrics": paths.VARIANT_METRICS.format(benchmark=benchmark, variant=variant),
                 "confusion": paths.VARIANT_CONFUSION.format(benchmark=benchmark, variant=variant)}
                for benchmark, spec in fold_benchmarks(self.config).items() for variant in spec["variants"]
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
        return paths.SPLIT_TABLE.format(split=self.config["regression"]["benchmark"])

    def regression_settings(self) -> str:
        return settings.regression_settings(self.config)

    def extractor_inputs(self, wildcards) -> dict:
        """The benchmark's face store and what the extractor's backbone comes from."""
        start = start_model(self.config, *Variant.parse(wildcards.extractor))
        store = paths.FACE_STORE.format(dataset=self._dataset(self.config["regression"]["benchmark"]))
        return {"store": store, **({"start": start} if start else {})}

    def regression_predictions(self, wildcards) -> list[str]:
        name = f"{wildcards.extractor}-{wildcards.layer}"
        return [paths.REGRESSION_FOLD.format(feature_set=name, fold=fold) for fold in self.regression_folds()]

    def regression_evaluated_folds(self, wildcards) -> list[int]:
        return self.regression_folds()

    def regression_results(self) -> list[dict]:
        """(experiment `regression`, row: the feature set, metrics) of every Table 5 row that runs."""
        if not self.regression_folds():
            return []
        return [{"experiment": "regression", "row": f"{extractor}-{layer}",
                 "metrics": paths.REGRESSION_METRICS.format(feature_set=f"{extractor}-{layer}")}
                for extractor, layer in self.regression_sets()]

    def regression_metrics(self) -> list[str]:
        return [r["metrics"] for r in self.regression_results()]

    # ------------------------------------------------------------------ tables (agecascade.tables.TABLES)

    def table_paths(self) -> dict[str, str]:
        """The tables this config produces: {name: CSV path} (a Markdown copy beside each)."""
        from agecascade.tables import TABLES

        return {name: paths.TABLE.format(stem=spec.stem) for name, spec in TABLES.items() if spec.made(self)}

    def choices(self) -> dict:
        """The choices the thesis' text leaves open, as this config makes them (summary)."""
        return settings.unstated_choices(self.config)

    def table_results(self) -> list[dict]:
        """What the tables and the summary read: benchmark and regression results."""
        return self.benchmark_results() + self.regression_results()

    def label_spaces(self) -> dict[str, str]:
        return {split: paths.LABEL_SPACE.format(split=split) for split in self.splits}

    def prepare_reports(self) -> dict[str, str]:
        return {dataset: paths.PREPARE_REPORT.format(dataset=dataset) for dataset in self.datasets}

    def table_inputs(self) -> list[str]:
        """Every file the tables and the summary read (the DAG's edges)."""
        return ([path for r in self.table_results() for key, path in r.items() if key in ("metrics", "confusion")]
                + list(self.label_spaces().values()) + list(self.prepare_reports().values()))

    # ------------------------------------------------------------------ figures (agecascade.figures.FIGURES)

    def fgnet_variants(self, pretrainings) -> list[str]:
        """The FG-NET variants that run and start from one of `pretrainings`."""
        spec = self.config["benchmarks"].get("fgnet")
        if not spec or not self.folds("fgnet"):
            return []
        return [v for v in spec["variants"] if Variant.parse(v).pretraining in pretrainings]

    def figures(self) -> dict[str, dict[str, str]]:
        """{figure: {name: input}} of every registered figure this config draws."""
        from agecascade.figures import FIGURES

        drawn = {name: spec.inputs(self) for name, spec in FIGURES.items()}
        return {name: inputs for name, inputs in drawn.items() if inputs}

    def unified_figures(self) -> list[str]:
        """The unified benchmark's figures this config draws (the `unified` target)."""
        return [paths.FIGURE.format(figure=f) for f in self.figures() if f.startswith("unified_")]

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
        variants = self.fgnet_variants(["faces2", "imdb"])
        # a fold that does not exist stops the run (check_folds); one not run is left out
        if not variants or fold not in self.folds("fgnet"):
            return {}
        return {v: paths.FOLD_FOLDER.format(benchmark="fgnet", variant=v, fold=fold) + "/model.keras" for v in variants}

    def gradcam_inputs(self, wildcards) -> dict[str, str]:
        return self.gradcam_models()

    def gradcam_caption(self) -> str:
        from agecascade.figures import gradcam_caption

        return gradcam_caption(self.gradcam_fold())

    def figure_targets(self) -> list[str]:
        targets = [paths.FIGURE.format(figure=figure) for figure in self.figures()]
        if self.gradcam_models():
            targets.append(paths.FIGURE.format(figure="fig14_gradcam"))
        return targets
