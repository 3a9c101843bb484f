"""One descriptor per dataset: how its pictures are found and parsed, what its labels are, its
config defaults, what its jobs declare, and its unified-benchmark split scheme. The vocabulary,
the config schema's enums and defaults, the plan's resources and the figures read these.

Light on purpose (no parser is imported here): the Snakefile reads it at start-up. A parser module
of `agecascade.data` has `LAYOUT` (what the dataset's folder holds, for error messages),
`looks_like_root(path)` and `read(root, label_policy, cleaning)` -> (records, dropped counts);
`agecascade.data.registry` finds the folder and calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dataset:
    """A dataset of the study.

    Attributes:
        name: the config's spelling (`fgnet`).
        label: the thesis' spelling (`FG-NET`).
        parser: its parser module in `agecascade.data`.
        labels: "age" (years) or "group" (Adience's eight age groups).
        defaults: config values of `datasets.<name>` it takes when the config leaves them out
            (the schema's generic defaults apply after these).
        stage_runtime, stage_grid_runtime: minutes a cascade stage (a grid point) on it declares.
        fold_runtime: minutes a benchmark fold job on it declares.
        unified_splits: its unified-benchmark database file's split scheme (`data.unified`):
            `ten_folders`, `three_folders`, `test_only`, or None (no database file).
        unified_runtime: minutes a unified-benchmark training job on it declares.
    """

    name: str
    label: str
    parser: str
    labels: str = "age"
    defaults: dict = field(default_factory=dict)
    stage_runtime: int | None = None
    stage_grid_runtime: int | None = None
    fold_runtime: int | None = None
    unified_splits: str | None = None
    unified_runtime: int | None = None


# Runtimes: the thesis' GPU timings (GTX 1080 Ti) plus margin; training resumes across retries, so
# a job cut by its limit continues where it stopped. IMDB stage: about 2 days per backbone (an
# epoch about 50 minutes); AgeDB stage: about 4 hours; an FG-NET fold (20 epochs of ~990 faces)
# minutes; an Adience fold (20 epochs of ~14,000 faces) about half an hour; a unified AgeDB split
# trains on 60 % and validates on 20 % each epoch, as long as the AgeDB stage, plus its tests.
IMDB = Dataset("imdb", "IMDB", "imdb", defaults={"detector": "none"},
               stage_runtime=3 * 24 * 60, stage_grid_runtime=90)
AGEDB = Dataset("agedb", "AgeDB", "agedb", defaults={"detector": "mtcnn"},
                stage_runtime=6 * 60, stage_grid_runtime=30, unified_splits="ten_folders", unified_runtime=6 * 60)
FGNET = Dataset("fgnet", "FG-NET", "fgnet", defaults={"detector": "mtcnn"}, fold_runtime=120,
                unified_splits="test_only")
ADIENCE = Dataset("adience", "Adience", "adience", labels="group", defaults={"detector": "none"},
                  fold_runtime=240)

DATASETS: dict[str, Dataset] = {d.name: d for d in (IMDB, AGEDB, FGNET, ADIENCE)}


def dataset(name: str) -> Dataset:
    """The descriptor of `name`; a ValueError naming the known datasets otherwise."""
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset. Expected one of {tuple(DATASETS)}. Received: dataset={name!r}")
    return DATASETS[name]


def unified_datasets(config: dict) -> list[str]:
    """The datasets with a unified-benchmark split scheme whose config names a database file
    (`datasets.<name>.protocol_file`), in registry order."""
    return [d.name for d in DATASETS.values()
            if d.unified_splits and config["datasets"].get(d.name, {}).get("protocol_file")]
