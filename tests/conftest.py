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
    cases = {
        "imdb": syn.write_imdb(root / "imdb", n_subjects=6, images_per_subject=10, seed=1, canvas=128),
        "imdb_full": syn.write_imdb(root / "imdb_full", n_subjects=6, images_per_subject=10, seed=1, canvas=128,
                                    archive="full"),
        "agedb": syn.write_agedb(root / "agedb", n_subjects=10, images_per_subject=6, seed=2, canvas=160),
        "fgnet": syn.write_fgnet(root / "fgnet", n_subjects=6, images_per_subject=8, seed=3, canvas=160),
        "adience": syn.write_adience(root / "adience", n_users_per_fold=3, faces_per_user=8, seed=4, size=64),
    }
    return root, cases


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    """A face store of 96 synthetic 32-px faces (ages 5-90) and its train/val split."""
    import json

    import numpy as np
    import pandas as pd
    from PIL import Image

    from agecascade.data.store import FaceStoreWriter
    from agecascade.data.synthetic import aligned_face

    root = tmp_path_factory.mktemp("store")
    rng = np.random.default_rng(0)
    ages = rng.integers(5, 91, size=96)
    with FaceStoreWriter(root / "faces.h5", 32) as writer:
        for age in ages:
            writer.append(np.asarray(aligned_face(float(age), rng, 32).resize((32, 32), Image.BILINEAR)))
    split = pd.DataFrame({"index": np.arange(96), "subject": [f"s{i % 24}" for i in range(96)],
                          "label": ages, "split": ["val" if i % 24 < 5 else "train" for i in range(96)]})
    split.to_csv(root / "split.csv", index=False)
    values = sorted(int(a) for a in np.unique(ages))
    (root / "labels.json").write_text(json.dumps({"kind": "age", "values": values, "names": [str(v) for v in values]}))
    return root
