"""Where every file of the workflow lives: the data flow's contract (README, "What runs today"),
spelled once as patterns whose fields are the rules' wildcards (`paths.FACE_STORE.format(dataset=...)`).

The rules' `output:` patterns spell the same paths; `Study` and the figure and table registries
fill these in, never build a path by hand.
"""

RAW_MARKER = "resources/raw/{dataset}/dataset.json"
WEIGHTS = "resources/weights/{backbone}.h5"
SYNTHETIC_ARCHIVE = "resources/synthetic/{dataset}.tar.gz"
SYNTHETIC_DATABASE = "resources/synthetic/{dataset}_unified.json"
DATABASE_FILE = "resources/protocols/{dataset}.json"  # the unified benchmark's database file
FACE_STORE = "resources/faces/{dataset}.h5"
MANIFEST = "resources/faces/{dataset}.csv"
PREPARE_REPORT = "resources/faces/{dataset}.report.json"
SPLIT_TABLE = "results/splits/{split}.csv"  # a benchmark's or a training set's split (data.folds)
LABEL_SPACE = "results/splits/{split}.labels.json"
STAGE_MODEL = "results/models/{backbone}/{chain}.keras"
# resume state: not an output, so Snakemake's cleanup of a killed job keeps it
STAGE_BACKUP = "results/models/.resume/{backbone}/{chain}"
FOLD_BACKUP = "results/.resume/{benchmark}/{variant}/fold{fold}"
# a fold job's outputs: predictions.csv, history.csv (and model.keras for a kept fold)
FOLD_FOLDER = "results/{benchmark}/{variant}/fold{fold}"
VARIANT_METRICS = "results/{benchmark}/{variant}/metrics.csv"
VARIANT_CONFUSION = "results/{benchmark}/{variant}/confusion.csv"
# the grid points of a stage (`models/<backbone>/<chain>`) or a benchmark variant
# (`<benchmark>/<variant>`); the grid choice is `<folder>.csv`
GRID_FOLDER = "results/gridsearch/{searched}"
GRID_WORKDIR = "results/.resume/gridsearch/{searched}/lr{lr}_bs{batch}"
# the unified benchmark (plan.unified): a dataset's split table, a training job's outputs
# (predictions.csv, history.csv), its resume state, a variant's metrics, a dataset's table
UNIFIED_SPLIT = "results/splits/{dataset}_unified.csv"
UNIFIED_FOLDER = "results/unified/{dataset}/{variant}/split{protocol_split}"
UNIFIED_BACKUP = "results/.resume/unified/{dataset}/{variant}/split{protocol_split}"
UNIFIED_METRICS = "results/unified/{dataset}/{variant}/metrics.csv"
UNIFIED_BY_AGE = "results/unified/{dataset}/{variant}/mae_by_age.csv"
UNIFIED_TABLE = "results/tables/unified_{dataset}.csv"
FEATURES = "results/features/{extractor}/{layer}.h5"
REGRESSION_FOLD = "results/regression/{feature_set}/fold{fold}.csv"
REGRESSION_METRICS = "results/regression/{feature_set}/metrics.csv"
TABLE = "results/tables/{stem}.csv"
FIGURE = "results/figures/{figure}.png"


class CheckoutPath:
    """A file of the workflow's own checkout (a script, the auto-sklearn interpreter, the git
    folder) handed to a rule as a parameter: formatted as its absolute path (shell commands, `str`,
    `os.fspath`), but not a `str`, so Snakemake leaves it out of the parameters it records. Moving
    or copying a checkout with its results therefore replans nothing."""

    def __init__(self, path):
        self.path = str(path)

    def __str__(self) -> str:
        return self.path

    def __fspath__(self) -> str:
        return self.path

    def __format__(self, spec: str) -> str:
        return format(self.path, spec)

    def __repr__(self) -> str:
        return f"CheckoutPath({self.path!r})"
