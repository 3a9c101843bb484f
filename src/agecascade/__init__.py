"""agecascade: cascaded fine-tuning of face CNNs for age estimation.

The package holds all logic of the workflow; the Snakemake rules only call it. Sub-packages that
need TensorFlow (face detection, models, training) import it lazily, so data preparation and the
auto-sklearn regression environment can use the rest without TensorFlow installed.
"""

__version__ = "0.1.0"
