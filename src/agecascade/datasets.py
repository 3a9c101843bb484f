"""One descriptor per dataset: how its pictures are found and parsed, what its labels are, its
config defaults and what its jobs declare. The vocabulary,
the config schema's enums and defaults, the plan's resources and the figures read these.

Light on purpose (no parser is imported here): the Snakefile reads it at start-up. A parser module
of `agecascade.data` has `LAYOUT` (what the dataset's folder holds, for error messages),
`looks_like_root(path)` and `read(root, label_policy, cleaning)` -> (records, dropped counts);
`agecascade.data.registry` finds the folder and calls it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace


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
        unified_runtime: minutes a unified-benchmark training job on it declares (the thesis'
            recipe; `plan.resources` scales it for the benchmark's). Its splits come from its
            benchmark file (`datasets.<name>.benchmark_file`), never from code.
    """

    name: str
    label: str
    parser: str
    labels: str = "age"
    defaults: dict = field(default_factory=dict)
    stage_runtime: int | None = None
    stage_grid_runtime: int | None = None
    fold_runtime: int | None = None
    unified_runtime: int | None = None
    pictures: int | None = None
    tag: str | None = None

    def __post_init__(self):
        if self.tag is None:
            object.__setattr__(self, "tag", self.label)


# Runtimes: the thesis' GPU timings (GTX 1080 Ti) plus margin; training resumes across retries, so
# a job cut by its limit continues where it stopped. IMDB stage: about 2 days per backbone (an
# epoch about 50 minutes); AgeDB stage: about 4 hours; an FG-NET fold (20 epochs of ~990 faces)
# minutes; an Adience fold (20 epochs of ~14,000 faces) about half an hour; a unified AgeDB split
# trains on 60 % and validates on 20 % each epoch, as long as the AgeDB stage, plus its tests.
IMDB = Dataset("imdb", "IMDB", "imdb", defaults={"detector": "none"},
               stage_runtime=3 * 24 * 60, stage_grid_runtime=90)
AGEDB = Dataset("agedb", "AgeDB", "agedb", defaults={"detector": "mtcnn"},
                stage_runtime=6 * 60, stage_grid_runtime=30, unified_runtime=6 * 60,
                pictures=16_488)
FGNET = Dataset("fgnet", "FG-NET", "fgnet", defaults={"detector": "mtcnn"}, fold_runtime=120,
                unified_runtime=60, pictures=1_002)
ADIENCE = Dataset("adience", "Adience", "adience", labels="group", defaults={"detector": "none"},
                  fold_runtime=240)

# The unified benchmark's other datasets: no parser of their own, their pictures are found from their
# database files (`data.database_pictures`); their faces default to the benchmark's crop. Picture
# counts: about, as published (AFAD-Full and CACD2000 about 165,000 each), for the runtimes only.
DATABASE_PARSER = "database_pictures"
# (the detector serves only `crop: margin`: the aligned crop runs none)
_BENCHMARK_DEFAULTS = {"detector": "mtcnn", "crop": "aligned_bbox", "no_face": "keep"}
UTKFACE = Dataset("utkface", "UTKFace", DATABASE_PARSER, defaults=_BENCHMARK_DEFAULTS, pictures=24_000)
AFAD = Dataset("afad", "AFAD", DATABASE_PARSER, defaults=_BENCHMARK_DEFAULTS, pictures=165_000)
MORPH = Dataset("morph", "MORPH", DATABASE_PARSER, defaults=_BENCHMARK_DEFAULTS, pictures=55_000)
CACD2000 = Dataset("cacd2000", "CACD2000", DATABASE_PARSER, defaults=_BENCHMARK_DEFAULTS, pictures=165_000)
CLAP2016 = Dataset("clap2016", "CLAP2016", DATABASE_PARSER, defaults=_BENCHMARK_DEFAULTS, pictures=7_600)

DATASETS: dict[str, Dataset] = {d.name: d for d in (IMDB, AGEDB, FGNET, ADIENCE, UTKFACE, AFAD, MORPH, CACD2000,
                                                     CLAP2016)}
THESIS_DATASETS = ("imdb", "agedb", "fgnet", "adience")
DERIVED = re.compile(r"^(?P<base>[a-z0-9]+)_(?P<suffix>[a-z0-9]+)$")


def dataset(name: str) -> Dataset:
    """The descriptor of `name`, or of a second configuration of a known dataset's pictures,
    `<dataset>_<suffix>` (`agedb_aligned`: AgeDB under another crop; it answers to the same tag);
    a ValueError naming the known datasets otherwise."""
    if name in DATASETS:
        return DATASETS[name]
    derived = DERIVED.match(name)
    if derived and derived["base"] in DATASETS:
        base = DATASETS[derived["base"]]
        return replace(base, name=name, label=f"{base.label} ({derived['suffix']})", tag=base.tag)
    raise ValueError(f"Unknown dataset. Expected one of {tuple(DATASETS)} or <one of them>_<suffix>. "
                     f"Received: dataset={name!r}")


def base(name: str) -> str:
    """The dataset whose pictures `name` configures (`agedb_aligned` -> agedb)."""
    return name if name in DATASETS else DERIVED.match(name)["base"]


def configured(config: dict) -> list[str]:
    """The datasets the config has an entry for, in its order."""
    return list(config["datasets"])


def unified_datasets(config: dict) -> list[str]:
    """The datasets whose config names a unified-benchmark database file
    (`datasets.<name>.protocol_file`): every one can be tested, in registry order."""
    return [name for name in configured(config) if config["datasets"][name].get("protocol_file")]


def benchmark_trained(config: dict) -> list[str]:
    """The datasets with a database file and a benchmark file (`benchmark_file`): the ones a model
    can be trained on under the benchmark's protocol; the others are test sets only."""
    return [d for d in unified_datasets(config) if config["datasets"][d].get("benchmark_file")]


def tag_key(tag: str) -> str:
    """A benchmark file's tag as compared: lower case, letters and digits only (`FG-NET` -> `fgnet`)."""
    return re.sub(r"[^a-z0-9]", "", str(tag).lower())


def benchmark_tag(config: dict, name: str) -> str:
    """The tag a dataset answers to in benchmark files: `datasets.<name>.benchmark_tag`, or its
    descriptor's tag (`FG-NET`; a `<dataset>_<suffix>` answers to its dataset's)."""
    return config["datasets"][name].get("benchmark_tag") or dataset(name).tag


def benchmark_tags(config: dict, trained_on: str) -> dict[str, str]:
    """{tag_key: dataset} of the datasets a model trained on `trained_on` is tested on when a
    benchmark file names their tag. Two datasets answering to one tag (the same pictures cropped
    two ways) resolve to the one with `trained_on`'s crop, else the first in the config's order."""
    def crop(name: str) -> str:
        return config["datasets"][name].get("crop", "margin")

    tags: dict[str, str] = {}
    for name in unified_datasets(config):
        key = tag_key(benchmark_tag(config, name))
        if key not in tags or (crop(name) == crop(trained_on) != crop(tags[key])):
            tags[key] = name
    tags[tag_key(benchmark_tag(config, trained_on))] = trained_on
    return tags
