"""The data part of the plan: downloads, preparation and split tables of every dataset, from the
config alone (`Study.data`; rules/download.smk, prepare.smk, splits.smk, synthetic.smk)."""

from __future__ import annotations

from agecascade.datasets import DATABASE_PARSER, base, benchmark_tag, benchmark_tags, configured, unified_datasets
from agecascade.datasets import dataset as dataset_descriptor
from agecascade.download import result_identity
from agecascade.plan import paths, settings
from agecascade.vocabulary import TRAINING_SETS


class DataPlan:
    """Datasets, their downloads and preparation, and the split tables of the training sets and
    benchmarks.

    Args:
        config: the validated config.
        benchmarks: {benchmark: dataset} of the benchmarks with folds.
    """

    def __init__(self, config: dict, benchmarks: dict[str, str]):
        self.config = config
        self.datasets = configured(config)
        self.training_sets = list(TRAINING_SETS)
        self.benchmark_datasets = dict(benchmarks)
        self.splits = self.training_sets + list(benchmarks)
        # the datasets with a database file of the unified benchmark (`protocol_file`)
        self.unified_datasets = unified_datasets(config)

    def targets(self) -> list[str]:
        """Face stores of every dataset, the split table of every benchmark and training set, and
        the unified benchmark's split of every dataset with a database file."""
        return ([paths.FACE_STORE.format(dataset=d) for d in self.datasets]
                + [paths.SPLIT_TABLE.format(split=s) for s in self.splits]
                + [paths.UNIFIED_SPLIT.format(dataset=d) for d in self.unified_datasets])

    def synthetic_of(self, dataset: str) -> str | None:
        """The demo's synthetic dataset whose files a dataset uses: its own, or its base's for a
        second configuration (`agedb_aligned` -> agedb); None outside the demo."""
        return next((d for d in (dataset, base(dataset)) if d in self.config["synthetic"]), None)

    def _synthetic(self, dataset: str, **files: str) -> dict:
        """The demo's synthetic files of a dataset as inputs, so the DAG writes them first."""
        synthetic = self.synthetic_of(dataset)
        if synthetic is None:
            return {}
        return {name: pattern.format(dataset=synthetic) for name, pattern in files.items()}

    def database_inputs(self, wildcards) -> dict:
        return self._synthetic(wildcards.dataset, database=paths.SYNTHETIC_DATABASE, archive=paths.SYNTHETIC_ARCHIVE)

    def download_inputs(self, wildcards) -> dict:
        return self._synthetic(wildcards.dataset, archive=paths.SYNTHETIC_ARCHIVE, checksum=paths.SYNTHETIC_CHECKSUM)

    def prepare_inputs(self, wildcards) -> dict:
        """The download's marker, and the database file where the dataset is read from it or
        cropped by its `aligned_bbox`."""
        inputs = {"marker": paths.RAW_MARKER.format(dataset=wildcards.dataset)}
        spec = self.config["datasets"][wildcards.dataset]
        if spec["crop"] == "aligned_bbox" or dataset_descriptor(wildcards.dataset).parser == DATABASE_PARSER:
            inputs["database"] = paths.DATABASE_FILE.format(dataset=wildcards.dataset)
        return inputs

    def benchmark_inputs(self, wildcards) -> dict:
        return self._synthetic(wildcards.dataset, benchmark=paths.SYNTHETIC_BENCHMARK)

    def synthetic_benchmark_others(self, wildcards) -> dict[str, str]:
        """{tag: synthetic database file} of the demo's other datasets with a database file: the
        cross-dataset entries of a synthetic benchmark file."""
        return {benchmark_tag(self.config, d): paths.SYNTHETIC_DATABASE.format(dataset=d)
                for d in self.unified_datasets if base(d) != base(wildcards.dataset) and d in self.config["synthetic"]}

    def synthetic_benchmark_tag(self, wildcards) -> str:
        return benchmark_tag(self.config, wildcards.dataset)

    def database_spec(self, wildcards, kind: str = "protocol") -> dict:
        """What the database file's (`kind` "benchmark": the benchmark file's) download depends on
        (recorded by Snakemake: `result_identity`); the script reads the source itself from the
        config. The demo's synthetic file, made by the workflow, is an input of the download
        instead."""
        location = self.config["datasets"][wildcards.dataset][f"{kind}_file"]
        synthetic = self.synthetic_of(wildcards.dataset) is not None
        return result_identity(location, hash_local_file=not synthetic)

    def benchmark_spec(self, wildcards) -> dict:
        return self.database_spec(wildcards, "benchmark")

    def unified_split_inputs(self, wildcards) -> dict:
        """A dataset's manifest and database file, and its benchmark file where it has one."""
        dataset = wildcards.dataset
        inputs = {"manifest": paths.MANIFEST.format(dataset=dataset),
                  "database": paths.DATABASE_FILE.format(dataset=dataset)}
        if self.config["datasets"][dataset].get("benchmark_file"):
            inputs["benchmark"] = paths.BENCHMARK_FILE.format(dataset=dataset)
        return inputs

    def benchmark_tags(self, wildcards) -> dict:
        """{tag_key: dataset} a benchmark file's entries are matched with (`datasets.benchmark_tags`)."""
        return benchmark_tags(self.config, wildcards.dataset)

    def benchmark_splits(self, wildcards) -> int | None:
        """The split count the config declares for a dataset's benchmark file (None: no file)."""
        return self.config["datasets"][wildcards.dataset].get("benchmark_splits")

    def synthetic_spec(self, wildcards) -> dict:
        return self.config["synthetic"][wildcards.dataset]

    def dataset_spec(self, wildcards) -> dict:
        """What a dataset's download depends on (recorded by Snakemake): its source without
        secrets; checksums, credentials' variable names and every other setting of the dataset are
        not recorded, so setting them reruns nothing. The script reads the entry from the config."""
        return result_identity(self.config["datasets"][wildcards.dataset]["source"])

    def weights_spec(self, wildcards) -> dict:
        return self.config["weights"][wildcards.backbone]

    def prepare_options(self, wildcards) -> dict:
        return settings.prepare_options(self.config, wildcards.dataset)

    def parse_options(self, wildcards) -> dict:
        return settings.parse_options(self.config, wildcards.dataset)

    def split_manifest(self, wildcards) -> str:
        split = wildcards.split
        return paths.MANIFEST.format(dataset=split if split in self.training_sets else self.benchmark_datasets[split])

    def split_spec(self, wildcards) -> dict:
        if wildcards.split in self.training_sets:
            spec = self.config["datasets"][wildcards.split]
            return {"protocol": "train_val", "validation_fraction": spec["validation_fraction"],
                    "no_face": spec["no_face"]}
        return self.config["benchmarks"][wildcards.split]

    def label_spaces(self) -> dict[str, str]:
        return {split: paths.LABEL_SPACE.format(split=split) for split in self.splits}

    def prepare_reports(self) -> dict[str, str]:
        return {dataset: paths.PREPARE_REPORT.format(dataset=dataset) for dataset in self.datasets}
