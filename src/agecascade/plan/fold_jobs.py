"""The benchmark folds of the plan (`Study.folds`; rules/folds.smk): one training job per
(benchmark, variant, fold) of FG-NET and Adience, their evaluations, and the folds whose model is
kept. Which folds exist and run: `plan.folds`."""

from __future__ import annotations

from agecascade.plan import paths, settings
from agecascade.plan.folds import benchmark_folds, fold_benchmarks
from agecascade.plan.starts import crop, start_model, training_inputs
from agecascade.vocabulary import Variant

# train_fold's wildcards are {benchmark}, {variant}, {fold}; train_fold_kept's one {kept}
# (`<benchmark>/<variant>/fold<k>`), looked up in `FoldPlan.kept`. Each rule names its own methods.


class FoldPlan:
    """The fold jobs of a config's benchmarks (`benchmarks.<name>`, the unified one aside)."""

    def __init__(self, config: dict):
        self.config = config
        self.specs = fold_benchmarks(config)
        self.benchmarks = list(self.specs)
        self.variants = sorted({v for spec in self.specs.values() for v in spec["variants"]})
        # the folds whose model is kept: "<benchmark>/<variant>/fold<k>" (the {kept} wildcard) -> job
        self.kept = {f"{benchmark}/{variant}/fold{fold}": {"benchmark": benchmark, "variant": variant, "fold": fold}
                     for benchmark, spec in self.specs.items() for variant in spec["variants"]
                     for fold in self.folds(benchmark) if fold in spec["keep_models"]}

    def folds(self, benchmark: str) -> list[int]:
        """The folds of a benchmark that run (`run_folds`, or all of them)."""
        return benchmark_folds(self.config, benchmark)

    def dataset(self, benchmark: str) -> str:
        """The dataset of a benchmark, or of a kept fold (`<benchmark>/<variant>/fold<k>`)."""
        benchmark = self.kept[benchmark]["benchmark"] if benchmark in self.kept else benchmark
        return self.config["benchmarks"][benchmark]["dataset"]

    @staticmethod
    def _key(wildcards) -> dict:
        return {"benchmark": wildcards.benchmark, "variant": wildcards.variant, "fold": int(wildcards.fold)}

    def job(self, wildcards) -> dict:
        """`params.job` of a train_fold job (`agecascade.training.TrainingJob.from_rule`)."""
        return self._job(self._key(wildcards))

    def kept_job(self, wildcards) -> dict:
        """`params.job` of a train_fold_kept job."""
        return self._job(self.kept[wildcards.kept])

    def _job(self, key: dict) -> dict:
        variant = Variant.parse(key["variant"])
        return {"backbone": variant.backbone, "part": {"test_fold": key["fold"]},
                "settings": settings.variant_settings(self.config, key["benchmark"], key["variant"]),
                "record": {**crop(self.config), "chain": variant.pretraining, **key},
                "backup": paths.FOLD_BACKUP.format(**key)}

    def variant_inputs(self, wildcards) -> dict:
        """Face store, split and label space of a benchmark, and what the variant starts from."""
        return self._variant_inputs(wildcards.benchmark, wildcards.variant)

    def _variant_inputs(self, benchmark: str, variant: str) -> dict:
        start = start_model(self.config, *Variant.parse(variant))
        return training_inputs(self.dataset(benchmark), benchmark, start)

    def inputs(self, wildcards) -> dict:
        """A fold's training inputs, and the grid search's choice when it is enabled."""
        return self._inputs(self._key(wildcards))

    def kept_inputs(self, wildcards) -> dict:
        return self._inputs(self.kept[wildcards.kept])

    def _inputs(self, job: dict) -> dict:
        inputs = self._variant_inputs(job["benchmark"], job["variant"])
        if self.config["gridsearch"]["enabled"]:
            searched = paths.FOLD_GRID_SEARCHED.format(benchmark=job["benchmark"], variant=job["variant"])
            inputs["gridsearch"] = paths.GRID_CHOICE.format(searched=searched)
        return inputs

    def class_names(self, wildcards) -> list[str] | None:
        """The group names of an Adience benchmark, None for an age benchmark."""
        from agecascade.data.adience import class_names

        names = class_names(self.config["benchmarks"][wildcards.benchmark])
        return list(names) if names else None

    def evaluated_folds(self, wildcards) -> list[int]:
        """The folds a benchmark variant's metrics are made of (the order of `predictions`)."""
        return self.folds(wildcards.benchmark)

    def predictions(self, wildcards) -> list[str]:
        return [paths.FOLD_PREDICTIONS.format(benchmark=wildcards.benchmark, variant=wildcards.variant, fold=fold)
                for fold in self.folds(wildcards.benchmark)]

    def results(self) -> list[dict]:
        """(experiment, row, metrics, confusion) of every benchmark variant that runs: the
        experiment is the benchmark, the row its variant."""
        return [{"experiment": benchmark, "row": variant,
                 "metrics": paths.VARIANT_METRICS.format(benchmark=benchmark, variant=variant),
                 "confusion": paths.VARIANT_CONFUSION.format(benchmark=benchmark, variant=variant),
                 "groups": paths.VARIANT_GROUPS.format(benchmark=benchmark, variant=variant)}
                for benchmark, spec in self.specs.items() for variant in spec["variants"] if self.folds(benchmark)]

    def metrics(self) -> list[str]:
        return [r["metrics"] for r in self.results()]

    def manifest(self, wildcards) -> str:
        """The manifest of a benchmark's dataset (its faces' sex, for the errors per group)."""
        return paths.MANIFEST.format(dataset=self.dataset(wildcards.benchmark))

    def variants_from(self, benchmark: str, pretrainings) -> list[str]:
        """The variants of a benchmark that run and start from one of `pretrainings`."""
        spec = self.specs.get(benchmark)
        if not spec or not self.folds(benchmark):
            return []
        return [v for v in spec["variants"] if Variant.parse(v).pretraining in pretrainings]
