import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """Small synthetic copies of the four datasets in their real on-disk layouts."""
    from agecascade.data import synthetic as syn

    root = tmp_path_factory.mktemp("synthetic")
    kinds = {
        "imdb": syn.write_imdb(root / "imdb", n_subjects=6, images_per_subject=10, seed=1, canvas=128),
        "imdb_full": syn.write_imdb(root / "imdb_full", n_subjects=6, images_per_subject=10, seed=1, canvas=128,
                                    archive="full"),
        "agedb": syn.write_agedb(root / "agedb", n_subjects=10, images_per_subject=6, seed=2, canvas=160),
        "fgnet": syn.write_fgnet(root / "fgnet", n_subjects=6, images_per_subject=8, seed=3, canvas=160),
        "adience": syn.write_adience(root / "adience", n_users_per_fold=3, faces_per_user=8, seed=4, size=64),
    }
    return root, kinds
