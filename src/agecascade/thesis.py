"""Values reported in the thesis (König 2019) and the literature baselines it lists.

Reported, not measured here: tables print them beside this run's values.
"""

# Table 4 (FG-NET MAE, median AE, upper and lower quartile per variant) is written in each
# backbone's module (`agecascade.backbones.<name>.BACKBONE.thesis`); `table4()` gathers it.


def table4() -> dict[str, dict]:
    """Thesis Table 4 as {variant: {label, mae, median_ae, q3, q1}} (values None where the thesis
    reports none), in the thesis' row order, gathered from the backbone modules."""
    from dataclasses import asdict

    from agecascade.backbones.registry import registry
    from agecascade.vocabulary import Variant

    rows = {f"{name}-{pretraining}": asdict(row) for name, spec in registry().items()
            for pretraining, row in spec.thesis.items()}
    return {v: rows[v] for v in sorted(rows, key=lambda v: Variant.parse(v).order)}


# Table 2: previous FG-NET results (leave one person out), MAE
FGNET_BASELINES = {
    "ResNet/RoR with LSTM attention mechanism [47]": 2.39,
    "VGG-16 with Label Distribution Age Encoding [2]": 2.84,
    "VGG-16 with Expected Value [40]": 3.09,
}

# Section 5: VGG-16-IMDB-AgeDB on Adience (5 folds), percent
ADIENCE = {"accuracy": 61.41, "accuracy_std": 4.37, "one_off_accuracy": 87.80, "one_off_accuracy_std": 2.22}

# Table 3: previous Adience results, exact accuracy in percent
ADIENCE_BASELINES = {
    "ResNet/RoR with LSTM attention mechanism [47]": 67.83,
    "VGG-16 with Expected Value [40]": 64.00,
    "VGG-16 with attention mechanism [38]": 61.78,
    "Shallow CNNs [29]": 50.70,
}

# Table 6: 3-class confusion on Adience fold 1 (rows true, columns predicted); accuracy 92.59%
TABLE6 = {
    "classes": ["0-12", "15-20", "25-100"],
    "matrix": [[1646, 12, 9], [12, 36, 104], [66, 143, 2362]],
    "accuracy": 92.59,
}


# Table 5: auto-sklearn regression on VGG-16 features, FG-NET leave one person out (MAE, R^2).
TABLE5 = {
    "vgg16-faces2-last": {"label": "VGG-16-Faces2", "mae": 5.05, "r2": 0.40},
    "vgg16-imdb-agedb-last": {"label": "VGG-16-IMDB-AgeDB", "mae": 3.98, "r2": 0.45},
    "vgg16-faces2-first": {"label": "VGG-16-Faces2 First Layer", "mae": 9.68, "r2": -1.43},
    "vgg16-imdb-agedb-first": {"label": "VGG-16-IMDB-AgeDB First Layer", "mae": 9.53, "r2": -1.40},
    "vgg16-imdb-agedb-flat": {"label": "VGG-16-IMDB-AgeDB Flattened", "mae": 9.98, "r2": -1.52},
}


# Section 3: dataset sizes after the study's cleaning (kept faces), and what they came from.
DATASET_COUNTS = {
    "imdb": {"kept": 171_858, "of": 460_723, "text": "171,858 of the IMDB subset's 460,723 images"},
    "agedb": {"kept": 16_488, "of": 16_488, "text": "16,488 images (no count after face detection given)"},
    "fgnet": {"kept": 1_002, "of": 1_002, "subjects": 82, "text": "1,002 images of 82 subjects"},
    "adience": {"kept": 17_417, "of": 26_580, "text": "17,417 images after cleaning (of 26,580)"},
}

# Section 4: the output layer's size per dataset ("91, 63, 8 or 3 output neurons").
LABEL_SPACE_SIZES = {"imdb": 91, "fgnet": 63, "adience": 8, "adience3": 3}
