"""Where every file of the workflow lives: the data flow's contract (README, "What runs"), spelled
once as patterns whose fields are the rules' wildcards (`paths.FACE_STORE.format(dataset=...)`).

The convention: every output path is written here, once. The rules take their `output:` patterns
from this module (`output: paths.FACE_STORE`), and the plan fills the same patterns in for the
inputs of the jobs downstream; nothing builds a path by hand. Logs and Snakemake's `benchmark:`
files are the rules' own (nothing reads them).
"""

# ------------------------------------------------------------------ data
SYNTHETIC_ARCHIVE = "resources/synthetic/{dataset}.tar.gz"
SYNTHETIC_CHECKSUM = "resources/synthetic/{dataset}.tar.gz.sha256"
SYNTHETIC_BOXES = "resources/synthetic/{dataset}.tar.gz.boxes.json"  # the face boxes drawn (the demo's aligned_bbox)
SYNTHETIC_DATABASE = "resources/synthetic/{dataset}_unified.json"
SYNTHETIC_BENCHMARK = "resources/synthetic/{dataset}_benchmark.yaml"
RAW_MARKER = "resources/raw/{dataset}/dataset.json"
WEIGHTS = "resources/weights/{backbone}.h5"
DOWNLOADS = "resources/downloads"  # the download cache
DATABASE_FILE = "resources/protocols/{dataset}.json"  # the unified benchmark's database file
BENCHMARK_FILE = "resources/protocols/{dataset}.benchmark.yaml"  # its benchmark file (splits, cross tests)
FACE_STORE = "resources/faces/{dataset}.h5"
MANIFEST = "resources/faces/{dataset}.csv"
PREPARE_REPORT = "resources/faces/{dataset}.report.json"
SPLIT_TABLE = "results/splits/{split}.csv"  # a benchmark's or a training set's split (data.folds)
LABEL_SPACE = "results/splits/{split}.labels.json"
UNIFIED_SPLIT = "results/splits/{dataset}_unified.csv"
UNIFIED_SPLIT_REPORT = "results/splits/{dataset}_unified.report.json"
UNIFIED_PROTOCOL = "results/splits/{dataset}_unified.protocol.json"  # splits and cross tests, for the jobs
UNIFIED_LABELS = "results/splits/{dataset}_unified.labels.json"  # the unified jobs' output layer: ages 0-101

# ------------------------------------------------------------------ cascade stages and grid search
STAGE_MODEL = "results/models/{backbone}/{chain}.keras"
STAGE_HISTORY = "results/models/{backbone}/{chain}.history.csv"
# resume state: not an output, so Snakemake's cleanup of a killed job keeps it
STAGE_BACKUP = "results/models/.resume/{backbone}/{chain}"
# the grid points of a stage (`models/<backbone>/<chain>`) or a benchmark variant
# (`<benchmark>/<variant>`); the grid choice is `<folder>.csv`
GRID_FOLDER = "results/gridsearch/{searched}"
GRID_POINT = "results/gridsearch/{searched}/lr{lr}_bs{batch}.csv"
GRID_CHOICE = "results/gridsearch/{searched}.csv"
GRID_WORKDIR = "results/.resume/gridsearch/{searched}/lr{lr}_bs{batch}"
STAGE_GRID_SEARCHED = "models/{backbone}/{chain}"
FOLD_GRID_SEARCHED = "{benchmark}/{variant}"

# ------------------------------------------------------------------ benchmark folds
FOLD_FOLDER = "results/{benchmark}/{variant}/fold{fold}"
FOLD_PREDICTIONS = FOLD_FOLDER + "/predictions.csv"
FOLD_HISTORY = FOLD_FOLDER + "/history.csv"
FOLD_MODEL = FOLD_FOLDER + "/model.keras"  # kept folds only (benchmarks.<name>.keep_models)
FOLD_BACKUP = "results/.resume/{benchmark}/{variant}/fold{fold}"
# a kept fold's job: {kept} is "<benchmark>/<variant>/fold<k>" (the same files as FOLD_*)
KEPT_PREDICTIONS = "results/{kept}/predictions.csv"
KEPT_HISTORY = "results/{kept}/history.csv"
KEPT_MODEL = "results/{kept}/model.keras"
VARIANT_METRICS = "results/{benchmark}/{variant}/metrics.csv"
VARIANT_CONFUSION = "results/{benchmark}/{variant}/confusion.csv"
VARIANT_GROUPS = "results/{benchmark}/{variant}/groups.csv"  # errors per age group and sex

# ------------------------------------------------------------------ Table 5: features and auto-sklearn
FEATURES = "results/features/{extractor}/{layer}.h5"
REGRESSION_FOLD = "results/regression/{feature_set}/fold{fold}.csv"
REGRESSION_ENSEMBLE = "results/regression/{feature_set}/fold{fold}.ensemble.json"
REGRESSION_TMP = "results/regression/{feature_set}/fold{fold}.autosklearn"
REGRESSION_METRICS = "results/regression/{feature_set}/metrics.csv"

# ------------------------------------------------------------------ the unified benchmark (plan.unified)
UNIFIED_FOLDER = "results/unified/{dataset}/{variant}/split{protocol_split}"
UNIFIED_PREDICTIONS = UNIFIED_FOLDER + "/predictions.csv"
UNIFIED_HISTORY = UNIFIED_FOLDER + "/history.csv"
UNIFIED_BACKUP = "results/.resume/unified/{dataset}/{variant}/split{protocol_split}"
UNIFIED_METRICS = "results/unified/{dataset}/{variant}/metrics.csv"
UNIFIED_BY_AGE = "results/unified/{dataset}/{variant}/mae_by_age.csv"
UNIFIED_GROUPS = "results/unified/{dataset}/{variant}/groups.csv"
UNIFIED_TABLE = "results/tables/unified_{dataset}.csv"
UNIFIED_TABLE_MARKDOWN = "results/tables/unified_{dataset}.md"
UNIFIED_CROSS_TABLE = "results/tables/unified_cross.csv"  # trained on x tested on, every variant
UNIFIED_CROSS_TABLE_MARKDOWN = "results/tables/unified_cross.md"

# ------------------------------------------------------------------ tables, figures, summary
TABLE = "results/tables/{stem}.csv"
TABLE4 = TABLE.format(stem="table4_fgnet")  # every run makes it: the targets name it
PROVENANCE = "results/provenance.json"
SUMMARY = "results/summary.txt"
FIGURE = "results/figures/{figure}.png"
FIGURE_PDF = "results/figures/{figure}.pdf"
GRADCAM = FIGURE.format(figure="fig14_gradcam")
GRADCAM_PDF = FIGURE_PDF.format(figure="fig14_gradcam")


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
