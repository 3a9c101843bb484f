"""The study's plan from the config: folds that do not exist stop the run at start."""

import copy

import pytest

from agecascade import config, plan


@pytest.fixture(scope="module")
def demo(repo):
    return config.load(repo / "config.yaml", repo / "config.demo.yaml")


@pytest.mark.parametrize("change,message", [
    ({"benchmarks": {"fgnet": {"run_folds": [99]}}}, r"benchmarks.fgnet.run_folds: folds \[99\] do not exist; fgnet's folds are 1-10"),
    ({"benchmarks": {"fgnet": {"keep_models": [0]}}}, r"benchmarks.fgnet.keep_models: folds \[0\] do not exist"),
    ({"benchmarks": {"adience": {"run_folds": [5]}}}, r"benchmarks.adience.run_folds: folds \[5\] do not exist; adience's folds are 0-4"),
    ({"benchmarks": {"fgnet": {"gridsearch_folds": [11]}}}, r"gridsearch_folds: folds \[11\]"),
    ({"regression": {"run_folds": [42]}}, r"regression.run_folds: folds \[42\] do not exist"),
    ({"figures": {"gradcam": {"fold": 99}}}, r"figures.gradcam.fold: fold 99 does not exist; FG-NET's folds are 1-10"),
    ({"figures": {"gradcam": {"fold": 2}}}, r"figures.gradcam.fold 2 must be one of benchmarks.fgnet.keep_models \[1\]"),
])
def test_folds_that_do_not_exist_stop_the_run_naming_the_key(demo, change, message):
    with pytest.raises(ValueError, match=message):
        plan.check_folds(config.deep_update(copy.deepcopy(demo), change))


def test_a_partial_run_says_what_it_leaves_out(demo):
    assert plan.check_folds(demo) == []
    partial = config.deep_update(copy.deepcopy(demo), {"benchmarks": {"fgnet": {"run_folds": [2, 3]}}})
    assert plan.benchmark_folds(partial, "fgnet") == [2, 3]
    assert plan.benchmark_folds(partial, "fgnet", all_folds=True) == list(range(1, 11))
    (warning,) = plan.check_folds(partial)
    assert "Figure 14 (Grad-CAM) is not planned" in warning
