"""Table 5 of the plan (`Study.regression`; rules/regression.smk): CNN features of every FG-NET face
per (extractor, layer), and one auto-sklearn job per (feature set, fold)."""

from __future__ import annotations

from agecascade.plan import paths, settings
from agecascade.plan.folds import benchmark_folds
from agecascade.plan.starts import start_model
from agecascade.vocabulary import Variant


class RegressionPlan:
    """Feature extraction and auto-sklearn regression of a config (`regression`)."""

    def __init__(self, config: dict):
        self.config = config
        self.spec = config["regression"]

    def folds(self) -> list[int]:
        """The folds that run (`regression.run_folds`, checked against the benchmark's by
        `plan.folds.check_folds`), in the benchmark's order."""
        folds = benchmark_folds(self.config, self.spec["benchmark"])
        return [k for k in folds if k in self.spec["run_folds"]] if self.spec["run_folds"] is not None else folds

    def feature_sets(self) -> list[tuple[str, str]]:
        """Table 5's feature sets as (extractor, layer)."""
        return [tuple(s.split("/")) for s in self.spec["feature_sets"]]

    def split(self) -> str:
        return paths.SPLIT_TABLE.format(split=self.spec["benchmark"])

    def settings(self) -> str:
        return settings.regression_settings(self.config)

    def extractor_inputs(self, wildcards) -> dict:
        """The benchmark's face store and what the extractor's backbone comes from."""
        start = start_model(self.config, *Variant.parse(wildcards.extractor))
        dataset = self.config["benchmarks"][self.spec["benchmark"]]["dataset"]
        return {"store": paths.FACE_STORE.format(dataset=dataset), **({"start": start} if start else {})}

    def predictions(self, wildcards) -> list[str]:
        name = f"{wildcards.extractor}-{wildcards.layer}"
        return [paths.REGRESSION_FOLD.format(feature_set=name, fold=fold) for fold in self.folds()]

    def evaluated_folds(self, wildcards) -> list[int]:
        return self.folds()

    def results(self) -> list[dict]:
        """(experiment `regression`, row: the feature set, metrics) of every Table 5 row that runs."""
        if not self.folds():
            return []
        return [{"experiment": "regression", "row": f"{extractor}-{layer}",
                 "metrics": paths.REGRESSION_METRICS.format(feature_set=f"{extractor}-{layer}")}
                for extractor, layer in self.feature_sets()]

    def metrics(self) -> list[str]:
        return [r["metrics"] for r in self.results()]
