"""The unified benchmark's jobs (`benchmarks.unified`, rules/unified.smk): one training job per
(dataset, variant, split), each tested on its split's test part and on every picture of the other
datasets that have a database file (cross-dataset); one evaluation per (dataset, variant), one
table per dataset.

A dataset is trained under the protocol when it is in `benchmarks.unified.datasets` and has a
database file and a benchmark file (`datasets.<name>.protocol_file`, `benchmark_file`); its
number of splits is the config's `benchmark_splits` (the plan is made before any file is fetched;
`unified_split` checks the file against it). A variant whose cascade saw the dataset (a
`-imdb-agedb` model has seen all of AgeDB, test folders included) is not planned there.
"""

from __future__ import annotations

from pathlib import Path

from agecascade.datasets import base, benchmark_tag, benchmark_tags, benchmark_trained, tag_key
from agecascade.plan import paths, settings
from agecascade.plan.starts import crop, start_model
from agecascade.vocabulary import FROZEN_PRETRAININGS, Variant

UNIFIED = "unified"  # its key in `benchmarks`


def cascade_datasets(pretraining: str) -> list[str]:
    """The datasets a variant's start model was trained on (`imdb-agedb` -> imdb, agedb)."""
    return [] if pretraining in FROZEN_PRETRAININGS else pretraining.split("-")


class UnifiedPlan:
    """What the unified benchmark runs under a config (`Study.unified`; the rules name its methods).

    Args:
        config: the validated config.
        test_sets: the datasets with a database file (`Study.unified_datasets`), in order.
    """

    def __init__(self, config: dict, test_sets: list[str]):
        self.config = config
        self.spec = config["benchmarks"].get(UNIFIED) or {"datasets": [], "variants": [], "run_splits": None}
        self.test_sets = list(test_sets)
        trainable = benchmark_trained(config)
        self.targets = [d for d in self.spec["datasets"] if d in trainable]
        self._all_splits = {d: list(range(config["datasets"][d]["benchmark_splits"])) for d in self.targets}

    def warnings(self) -> list[str]:
        """What the config asks for that is not planned, and why, and the cross-dataset entries
        of benchmark files already fetched whose dataset is not configured (printed at start-up)."""
        lines = [f"benchmarks.unified: {d} has no database file and benchmark file (datasets.{d}.protocol_file, "
                 "benchmark_file): not planned." for d in self.spec["datasets"] if d not in self.targets]
        for dataset in self.targets:
            lines += self._fetched_file_lines(dataset)
            left_out = [v for v in self.spec["variants"] if v not in self.variants(dataset)]
            lines += [f"benchmarks.unified: {v} is not planned on {dataset}: its cascade trained on all of "
                      f"{dataset} (test folders included)." for v in left_out]
        return lines

    def _fetched_file_lines(self, dataset: str) -> list[str]:
        """What a benchmark file already fetched says that the plan should know: cross entries not
        configured here (skipped), a split count other than the config's (the split job fails)."""
        from agecascade.data.benchmark import BenchmarkFileError, dataset_protocol

        fetched = Path(paths.BENCHMARK_FILE.format(dataset=dataset))
        if not fetched.is_file():
            return []
        try:
            protocol = dataset_protocol(dataset, fetched, benchmark_tags(self.config, dataset),
                                        len(self._all_splits[dataset]))
        except BenchmarkFileError as error:
            return [f"benchmarks.unified: {error}"]
        return [f"benchmarks.unified: {dataset}'s benchmark file tests {', '.join(protocol['skipped'])}, not "
                "configured here: skipped."] if protocol["skipped"] else []

    def splits(self, dataset: str) -> list[int]:
        """The splits of a dataset that run (`run_splits`, or all of them)."""
        run = self.spec["run_splits"]
        return [k for k in self._all_splits[dataset] if run is None or k in run]

    def variants(self, dataset: str) -> list[str]:
        """The configured variants whose start model never saw `dataset`'s pictures."""
        return [v for v in self.spec["variants"] if base(dataset) not in cascade_datasets(Variant.parse(v).pretraining)]

    def all_variants(self) -> list[str]:
        return sorted({v for d in self.targets for v in self.variants(d)})

    def cross_tests(self, dataset: str) -> list[str]:
        """The datasets every model trained on `dataset` is also tested on: each other configured
        dataset with a database file (the folders its benchmark file's entry names; all of them
        where the file has no entry for it). Of two datasets answering to one tag, the one with
        the training dataset's crop; none that answers to the training dataset's own tag."""
        chosen = set(benchmark_tags(self.config, dataset).values())
        return [d for d in self.test_sets if d != dataset and d in chosen]

    # ------------------------------------------------------------------ training jobs

    def jobs(self) -> list[dict]:
        """Every training job: {dataset, variant, protocol_split}."""
        return [{"dataset": d, "variant": v, "protocol_split": k}
                for d in self.targets for v in self.variants(d) for k in self.splits(d)]

    def train_inputs(self, wildcards) -> dict:
        """The dataset's face store, unified split, protocol and label space (the benchmark's ages
        0-101), what the variant starts from, and the store and unified split of every
        cross-dataset test set."""
        dataset = wildcards.dataset
        split = paths.UNIFIED_SPLIT.format(dataset=dataset)
        inputs = {"store": paths.FACE_STORE.format(dataset=dataset), "split": split,
                  "labels": paths.UNIFIED_LABELS.format(dataset=dataset),
                  "protocol": paths.UNIFIED_PROTOCOL.format(dataset=dataset)}
        start = start_model(self.config, *Variant.parse(wildcards.variant))
        for other in self.cross_tests(dataset):
            inputs[f"{other}_store"] = paths.FACE_STORE.format(dataset=other)
            inputs[f"{other}_split"] = paths.UNIFIED_SPLIT.format(dataset=other)
        return {**inputs, "start": start} if start else inputs

    def train_job(self, wildcards) -> dict:
        """`params.job` of a train_unified job (`agecascade.training.TrainingJob.from_rule`)."""
        key = {"dataset": wildcards.dataset, "variant": wildcards.variant, "split": int(wildcards.protocol_split)}
        variant = Variant.parse(key["variant"])
        return {"backbone": variant.backbone, "part": {"protocol_split": key["split"]},
                "settings": settings.unified_settings(self.config, key["dataset"], key["variant"]),
                "record": {**crop(self.config), "chain": variant.pretraining, "benchmark": UNIFIED, **key},
                "cross_tests": self.cross_tests(key["dataset"]),
                "backup": paths.UNIFIED_BACKUP.format(dataset=key["dataset"], variant=key["variant"],
                                                      protocol_split=key["split"])}

    # ------------------------------------------------------------------ results

    def predictions(self, wildcards) -> list[str]:
        """A variant's predictions, one file per split that runs (the order of `evaluated_splits`)."""
        return [paths.UNIFIED_PREDICTIONS.format(dataset=wildcards.dataset, variant=wildcards.variant, protocol_split=k)
                for k in self.splits(wildcards.dataset)]

    def evaluated_splits(self, wildcards) -> list[int]:
        return self.splits(wildcards.dataset)

    def tested_on(self, wildcards) -> list[str]:
        """The datasets a variant trained on `dataset` is tested on: itself, then its cross tests."""
        return [wildcards.dataset, *self.cross_tests(wildcards.dataset)]

    def manifests(self, wildcards) -> list[str]:
        """The manifests of `tested_on`, in its order (their faces' sex, for the errors per group)."""
        return [paths.MANIFEST.format(dataset=d) for d in self.tested_on(wildcards)]

    def results(self) -> list[dict]:
        """What the calibration and group tables read of each dataset's variants (experiment
        `unified_<dataset>`, row: the variant)."""
        return [{"experiment": f"unified_{d}", "row": v, "metrics": paths.UNIFIED_METRICS.format(dataset=d, variant=v),
                 "groups": paths.UNIFIED_GROUPS.format(dataset=d, variant=v)}
                for group in self.table_groups().values() for d in group for v in self.variants(d)]

    def table_groups(self) -> dict[str, list[str]]:
        """{table: datasets}: the datasets trained here with a variant and a split that run,
        grouped by the pictures they configure (`agedb` and `agedb_aligned` share AgeDB's table),
        each table named after its group's first dataset."""
        groups: dict[str, list[str]] = {}
        for dataset in self.targets:
            if self.variants(dataset) and self.splits(dataset):
                groups.setdefault(base(dataset), []).append(dataset)
        return {members[0]: members for members in groups.values()}

    def metrics(self, table: str) -> dict[str, str]:
        """{"<dataset>/<variant>": metrics.csv} of a table's datasets' variants."""
        return {f"{d}/{v}": paths.UNIFIED_METRICS.format(dataset=d, variant=v)
                for d in self.table_groups().get(table, []) for v in self.variants(d)}

    def by_age(self, table: str) -> dict[str, str]:
        """{"<variant> (<crop>)": mae_by_age.csv} of a table's variants (the MAE-by-true-age figure)."""
        return {f"{v} ({self.config['datasets'][d]['crop']})": paths.UNIFIED_BY_AGE.format(dataset=d, variant=v)
                for d in self.table_groups().get(table, []) for v in self.variants(d)}

    def table_metrics(self, wildcards) -> dict[str, str]:
        return self.metrics(wildcards.dataset)

    def table_contexts(self, wildcards) -> dict[str, dict]:
        """{dataset: crop, recipe, input size and tag} of a table's datasets (beside every row)."""
        return {d: {"crop": self.config["datasets"][d]["crop"], "recipe": self.spec["recipe"],
                    "image_size": self.config["image_size"], "tag": tag_key(benchmark_tag(self.config, d))}
                for d in self.table_groups()[wildcards.dataset]}

    def tables(self) -> dict[str, str]:
        """{table: CSV} of every table (`table_groups`)."""
        return {t: paths.UNIFIED_TABLE.format(dataset=t) for t in self.table_groups()}

    def all_metrics(self) -> dict[str, str]:
        """Every trained (dataset, variant)'s metrics (the cross-dataset matrix)."""
        return {key: path for table in self.table_groups() for key, path in self.metrics(table).items()}

    def targets_all(self) -> list[str]:
        """What `snakemake unified` (and the default target) builds: each table and the matrix."""
        tables = list(self.tables().values())
        return tables + [paths.UNIFIED_CROSS_TABLE] if tables else []
