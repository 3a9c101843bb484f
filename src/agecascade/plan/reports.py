"""The report part of the plan (`Study.reports`; rules/report.smk, figures.smk): which tables and
figures a config makes, and the files each reads. The registries (`agecascade.tables.TABLES`,
`agecascade.figures.FIGURES`) say what each table needs and what each figure reads, in the study's
words; this module turns that into paths, so the registries never see the planner."""

from __future__ import annotations

from agecascade.datasets import THESIS_DATASETS, dataset
from agecascade.figures import FIGURES, Reads, caption, gradcam_caption
from agecascade.plan import paths, settings
from agecascade.tables import TABLES


class ReportPlan:
    """Tables, figures and the summary of a config.

    Args:
        config: the validated config.
        parts: the study's other parts: `data`, `folds`, `regression` and `unified` (their
            `results()`, `label_spaces()`, `by_age()`, ...).
    """

    def __init__(self, config: dict, parts):
        self.config = config
        self.parts = parts

    # ------------------------------------------------------------------ tables (agecascade.tables.TABLES)

    def table_results(self) -> list[dict]:
        """What the tables and the summary read: benchmark, regression and unified results."""
        return self.parts.folds.results() + self.parts.regression.results() + self.parts.unified.results()

    def _made(self, needs) -> bool:
        if needs is None:
            return True
        experiment, row = needs
        return any(r["experiment"] == experiment and row in (None, r["row"]) for r in self.table_results())

    def table_paths(self) -> dict[str, str]:
        """The tables this config produces: {name: CSV path} (a Markdown copy beside each)."""
        return {name: paths.TABLE.format(stem=spec.stem) for name, spec in TABLES.items() if self._made(spec.needs)}

    def choices(self) -> dict:
        """The choices the thesis' text leaves open, as this config makes them."""
        return settings.unstated_choices(self.config)

    def table_inputs(self) -> list[str]:
        """Every file the tables and the summary read (the DAG's edges)."""
        files = ("metrics", "confusion", "groups")
        return ([path for r in self.table_results() for key, path in r.items() if key in files]
                + list(self.parts.data.label_spaces().values()) + list(self.parts.data.prepare_reports().values()))

    # ------------------------------------------------------------------ figures (agecascade.figures.FIGURES)

    def _reads(self, reads: Reads) -> dict[str, str]:
        """The files a figure reads under this config ({} when the config makes none of them)."""
        kind, args = reads.kind, reads.args
        if kind == "faces":
            return {"store": paths.FACE_STORE.format(dataset=args[0]),
                    "manifest": paths.MANIFEST.format(dataset=args[0])}
        if kind == "age_manifests":
            # the thesis' age datasets (Figure 5)
            return {d: paths.MANIFEST.format(dataset=d) for d in THESIS_DATASETS if dataset(d).labels == "age"}
        if kind == "manifest":
            return {"manifest": paths.MANIFEST.format(dataset=args[0])}
        if kind == "fold_metrics":
            return {v: paths.VARIANT_METRICS.format(benchmark=args[0], variant=v)
                    for v in self.parts.folds.variants_from(*args)}
        if kind == "regression_metrics":
            return {r["row"]: r["metrics"] for r in self.parts.regression.results()}
        if kind == "confusion":
            spec = self.config["benchmarks"].get(args[0])
            ran = spec and args[1] in spec["variants"]
            return {"confusion": paths.VARIANT_CONFUSION.format(benchmark=args[0], variant=args[1])} if ran else {}
        if kind == "results":  # {<experiment>/<row>: file} of every result that has the file `args[0]`
            return {f"{r['experiment']}/{r['row']}": r[args[0]] for r in self.table_results() if args[0] in r}
        if kind == "unified_by_age":
            unified = self.parts.unified
            return unified.by_age(args[0]) if args[0] in unified.tables() else {}
        raise ValueError(f"Unknown kind of figure input. Received: {reads}")

    def figures(self) -> dict[str, dict[str, str]]:
        """{figure: {name: input}} of every registered figure this config draws."""
        drawn = {name: self._reads(spec.reads) for name, spec in FIGURES.items()}
        return {name: inputs for name, inputs in drawn.items() if inputs}

    def unified_figures(self) -> list[str]:
        """The unified benchmark's figures this config draws (the `unified` target)."""
        return [paths.FIGURE.format(figure=f) for f in self.figures() if f.startswith("unified_")]

    def figure_inputs(self, wildcards) -> dict[str, str]:
        return self.figures()[wildcards.figure]

    def figure_caption(self, wildcards) -> str:
        """The report's caption: what the figure shows and the thesis' numbers to compare with."""
        return caption(wildcards.figure, self.figures()[wildcards.figure])

    def gradcam_fold(self) -> int:
        return self.config["figures"]["gradcam"]["fold"]

    def gradcam_models(self) -> dict[str, str]:
        """{variant: kept model} of the Grad-CAM fold (figures.gradcam.fold must be a kept fold)."""
        fold = self.gradcam_fold()
        variants = self.parts.folds.variants_from("fgnet", ["faces2", "imdb"])
        # a fold that does not exist stops the run (check_folds); one not run is left out
        if not variants or fold not in self.parts.folds.folds("fgnet"):
            return {}
        return {v: paths.FOLD_MODEL.format(benchmark="fgnet", variant=v, fold=fold) for v in variants}

    def gradcam_inputs(self, wildcards) -> dict[str, str]:
        return self.gradcam_models()

    def gradcam_caption(self) -> str:
        return gradcam_caption(self.gradcam_fold())

    def figure_targets(self) -> list[str]:
        targets = [paths.FIGURE.format(figure=figure) for figure in self.figures()]
        if self.gradcam_models():
            targets.append(paths.GRADCAM)
        return targets
