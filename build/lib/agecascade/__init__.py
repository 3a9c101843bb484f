"""agecascade: cascaded fine-tuning of face CNNs for age estimation.

The package holds all logic of the workflow; the Snakemake rules only call it. Sub-packages that
need TensorFlow (face detection, models, training) import it lazily, so data preparation and the
auto-sklearn regression environment can use the rest without TensorFlow installed.
"""

__version__ = "0.1.0"


def predict(paths, model, **options):
    """Ages of every face in pictures (files or folders) with a trained model, as a table.

    `agecascade.predict(["photo.jpg"], model="results/models/vgg16/imdb-agedb.keras")`; options and
    columns: `agecascade.inference.predict`. Imports TensorFlow on first use only.
    """
    from agecascade.inference import predict as _predict

    return _predict(paths, model, **options)
