"""The study's plan from the config: what runs, from what, with which settings, and where it goes.

`Study` (plan.study) is the one object the rules ask; behind it, one module per part of the study
(`data`, `stages`, `grid`, `fold_jobs`, `regression_jobs`, `unified`, `reports`), and one each for
paths (`paths`), settings (`settings`), cluster resources (`resources`), folds (`folds`) and start
models (`starts`). Import from those modules.
"""
