"""The study's names, spelled once: backbones, pretrainings, datasets, chains, feature layers.

Backbones come from their modules (`agecascade.backbones`), datasets from their descriptors
(`agecascade.data.registry`). The config schema's enums and patterns (`agecascade.config`), the
rules' wildcard constraints and the package's checks are built from these.
"""

from agecascade.backbones.registry import names as _backbone_names
from agecascade.datasets import DATASETS as _DATASETS

BACKBONES = _backbone_names()
DATASETS = tuple(_DATASETS)
# what a benchmark variant starts from: the face backbone (mode a; `-keras2`: with Keras 2.2's frozen
# batch norm, the thesis' software) or a cascade stage model
PRETRAININGS = ("faces2", "faces2-keras2", "imdb", "imdb-agedb")
FROZEN_PRETRAININGS = ("faces2", "faces2-keras2")  # mode a: the face backbone frozen, the head trained
# how a pretraining is written in a row label (`VGG-16-IMDB-AgeDB`)
PRETRAINING_LABELS = {"faces2": "Faces2", "faces2-keras2": "Faces2 (Keras 2.2 frozen BN)", "imdb": "IMDB",
                      "imdb-agedb": "IMDB-AgeDB"}
# what features can be extracted from (Table 5): the face backbone or a stage model's
EXTRACTOR_PRETRAININGS = ("faces2", "imdb", "imdb-agedb")
# the datasets the cascade stages train on, and the stage chains (`imdb-agedb`: IMDB, then AgeDB)
TRAINING_SETS = ("imdb", "agedb")
CHAINS = ("imdb", "imdb-agedb")
# where features are taken from a model (Table 5)
LAYERS = ("first", "last", "flat")


def alternatives(names) -> str:
    """A regex matching exactly one of `names`."""
    return "|".join(names)


VARIANT_PATTERN = f"({alternatives(BACKBONES)})-({alternatives(PRETRAININGS)})"
EXTRACTOR_PATTERN = f"({alternatives(BACKBONES)})-({alternatives(EXTRACTOR_PRETRAININGS)})"


def chain_dataset(chain: str) -> str:
    """The dataset a cascade stage trains on: the last link of its chain (`imdb-agedb` -> agedb)."""
    return chain.split("-")[-1]


def parent_chain(chain: str) -> str:
    """What a cascade stage starts from: the chain before its last link, or `faces2` (the face
    backbone) for the first stage (`imdb-agedb` -> imdb, `imdb` -> faces2)."""
    return chain.rsplit("-", 1)[0] if "-" in chain else "faces2"


def schema_names() -> dict[str, tuple[str, object]]:
    """{schema definition: (keyword, value)}: what the config schema's name definitions allow."""
    ages = [d.name for d in _DATASETS.values() if d.labels == "age"]
    return {"backbone_name": ("enum", list(BACKBONES)),
            # a known dataset, or a second configuration of one (`agedb_aligned`: `datasets.dataset`)
            "dataset_name": ("pattern", f"^({alternatives(DATASETS)})(_[a-z0-9]+)?$"),
            "unified_dataset_name": ("pattern", f"^({alternatives(ages)})(_[a-z0-9]+)?$"),
            "variant_name": ("pattern", f"^{VARIANT_PATTERN}$"),
            "feature_set_name": ("pattern", f"^{EXTRACTOR_PATTERN}/({alternatives(LAYERS)})$")}


class Variant(tuple):
    """A row of thesis Table 4: a backbone and what its training starts from (its pretraining),
    spelled `<backbone>-<pretraining>` (`vgg16-imdb-agedb`). The one parser of that spelling.

    `faces2` is mode a (the frozen face backbone, head trained); `imdb` / `imdb-agedb` are the
    cascade stage models fine-tuned whole (modes b and c).
    """

    __slots__ = ()

    def __new__(cls, backbone: str, pretraining: str):
        if backbone not in BACKBONES or pretraining not in PRETRAININGS:
            raise ValueError(f"Unknown variant. Expected <{'|'.join(BACKBONES)}>-<{'|'.join(PRETRAININGS)}>. "
                             f"Received: {backbone}-{pretraining}")
        return super().__new__(cls, (backbone, pretraining))

    @classmethod
    def parse(cls, text: str) -> "Variant":
        """`vgg16-imdb-agedb` -> Variant("vgg16", "imdb-agedb"); a ValueError for anything else."""
        backbone, _, pretraining = str(text).partition("-")
        return cls(backbone, pretraining)

    @property
    def backbone(self) -> str:
        return self[0]

    @property
    def pretraining(self) -> str:
        return self[1]

    @property
    def frozen(self) -> bool:
        """Mode a: only the head trains on the face backbone."""
        return self.pretraining in FROZEN_PRETRAININGS

    @property
    def keras2_batchnorm(self) -> bool:
        """Mode a as the thesis' Keras 2.2 ran it: frozen batch norm with batch statistics."""
        return self.pretraining == "faces2-keras2"

    def __str__(self) -> str:
        return f"{self.backbone}-{self.pretraining}"

    @property
    def order(self) -> tuple:
        """Where the variant's row stands in Table 4: mode a, then each cascade chain; by
        backbone within each (the thesis' order)."""
        mode = 0 if self.frozen else 1 + CHAINS.index(self.pretraining)
        return mode, self.backbone, PRETRAININGS.index(self.pretraining)
