"""The study's names, spelled once: backbones, pretrainings, datasets, chains, feature layers.

The config schema's patterns, the rules' wildcard constraints and the package's checks are built
from these (tests/test_plan.py checks the schema against them).
"""

BACKBONES = ("vgg16", "resnet50", "senet50")
# what a benchmark variant starts from: the face backbone (mode a) or a cascade stage model
PRETRAININGS = ("faces2", "imdb", "imdb-agedb")
DATASETS = ("imdb", "agedb", "fgnet", "adience")
# the datasets the cascade stages train on, and the stage chains (`imdb-agedb`: IMDB, then AgeDB)
TRAINING_SETS = ("imdb", "agedb")
CHAINS = ("imdb", "imdb-agedb")
# where features are taken from a model (Table 5)
LAYERS = ("first", "last", "flat")


def alternatives(names) -> str:
    """A regex matching exactly one of `names`."""
    return "|".join(names)


VARIANT_PATTERN = f"({alternatives(BACKBONES)})-({alternatives(PRETRAININGS)})"
