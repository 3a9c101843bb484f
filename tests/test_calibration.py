"""Interval coverage, width, NLL, ECE, temperature scaling and bootstrap intervals, against values
computed by hand (issue 29)."""

import math

import numpy as np
import pytest

from agecascade.calibration import (
    bootstrap_interval,
    class_index,
    coverage,
    ece,
    fit_temperature,
    interval_metrics,
    nll,
    temper,
    width,
)

AGES = [10, 20, 30, 40]
# three faces; cumulative sums: [.1 .3 .9 1], [.7 .8 .9 1], [0 .05 .15 1]
P = np.array([[0.1, 0.2, 0.6, 0.1], [0.7, 0.1, 0.1, 0.1], [0.0, 0.05, 0.1, 0.85]])


def test_coverage_and_width_of_the_central_intervals_by_hand():
    # 80 %: the ages where the cumulative sum reaches 0.1 and 0.9
    #   face 0: 10 .. 30, face 1: 10 .. 30, face 2: 30 .. 40
    true = [30, 40, 20]
    assert coverage(P, AGES, true, 0.8) == pytest.approx(1 / 3)  # only face 0's 30 is inside
    assert width(P, AGES, 0.8) == pytest.approx((20 + 20 + 10) / 3)
    # 50 %: 0.25 and 0.75: face 0 20 .. 30, face 1 10 .. 20, face 2 40 .. 40
    assert coverage(P, AGES, [20, 20, 40], 0.5) == pytest.approx(1.0)
    assert width(P, AGES, 0.5) == pytest.approx((10 + 10 + 0) / 3)


def test_the_nll_of_the_true_class_and_the_nearest_class_of_an_age_outside_the_space():
    assert list(class_index(AGES, [30, 12, 99])) == [2, 0, 3]
    assert nll(P, [2, 0, 3]) == pytest.approx(-(math.log(0.6) + math.log(0.7) + math.log(0.85)) / 3)
    assert nll(P, [0, 0, 0]) == math.inf  # face 2 gave age 10 no probability


def test_the_expected_calibration_error_by_hand():
    p = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    # bin of 0.9: confidence 0.9, accuracy 1/2; bin of 0.6: confidence 0.6, accuracy 1: each half the faces
    assert ece(p, [0, 1, 0, 0]) == pytest.approx(0.5 * 0.4 + 0.5 * 0.4)
    assert ece(np.array([[1.0, 0.0]]), [0]) == pytest.approx(0.0)


def test_a_temperature_fitted_on_labels_drawn_from_softmax_z_over_2_recovers_2():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, size=(20000, 10))
    truth = np.exp(z / 2) / np.exp(z / 2).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(10, p=row) for row in truth])
    overconfident = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)  # the model's softmax(z)
    assert fit_temperature(overconfident, labels) == pytest.approx(2.0, rel=0.05)
    np.testing.assert_allclose(temper(overconfident, 2.0), truth, atol=1e-12)
    assert (temper(overconfident, 2.0).argmax(axis=1) == overconfident.argmax(axis=1)).all()  # argmax stays


def test_interval_metrics_report_both_distributions():
    metrics = interval_metrics(P, AGES, [30, 40, 20], temperature=1.0)
    assert metrics["coverage_80"] == metrics["coverage_80_uncalibrated"] == pytest.approx(1 / 3)
    assert set(metrics) == {f"{name}{suffix}" for suffix in ("", "_uncalibrated")
                            for name in ("coverage_50", "coverage_80", "coverage_90", "width_80", "nll")}
    wider = interval_metrics(P, AGES, [30, 40, 20], temperature=3.0)
    assert wider["width_80"] >= wider["width_80_uncalibrated"]


def test_the_bootstrap_interval_of_a_constant_error_is_that_constant():
    assert bootstrap_interval(np.full(50, 3.5)) == (3.5, 3.5)
    assert bootstrap_interval(np.full(50, 3.5), groups=np.arange(50) % 7) == (3.5, 3.5)
    errors = np.r_[np.zeros(50), np.full(50, 10.0)]
    low, high = bootstrap_interval(errors)
    assert low < 5 < high and bootstrap_interval(errors) == (low, high)  # the seed is fixed
    # one subject with every large error: resampling subjects gives the wider interval
    by_subject = bootstrap_interval(errors, groups=np.r_[np.arange(50), np.full(50, 99)])
    assert by_subject[1] - by_subject[0] > high - low


def test_every_metrics_file_carries_coverage_before_and_after_calibration():
    import pandas as pd

    from agecascade.evaluation import age_metrics, group_metrics

    table = pd.DataFrame(P, columns=[f"p_{a}" for a in AGES]).assign(
        true=[30, 40, 20], expected=P @ np.array(AGES, float), fold=[1, 1, 2], temperature=[1.0, 1.0, 1.0])
    summary = age_metrics(table).iloc[-1]
    assert summary["coverage_80"] == summary["coverage_80_uncalibrated"] == pytest.approx(1 / 3)
    assert summary["width_80"] == pytest.approx(50 / 3) and summary["nll"] == pytest.approx(
        -(math.log(0.6) + math.log(0.1) + math.log(0.05)) / 3)
    hot = age_metrics(table.assign(temperature=[4.0, 4.0, 4.0])).iloc[-1]
    assert hot["width_80"] > hot["width_80_uncalibrated"] == pytest.approx(50 / 3)  # T > 1 widens, the own stays
    assert hot["mae"] == summary["mae"]  # point estimates are the model's own
    groups = pd.DataFrame([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]], columns=["p_0-2", "p_4-6"]).assign(
        true=[0, 1, 0, 0], predicted_class=[0, 0, 0, 0], fold=[0, 0, 0, 0])
    assert group_metrics(groups).iloc[-1]["ece"] == pytest.approx(0.4)


def test_errors_per_age_group_and_sex_by_hand():
    import pandas as pd

    from agecascade.group_errors import age_group, group_errors, largest_gap

    assert list(age_group([0, 12, 13, 17, 18, 29, 30, 44, 45, 59, 60, 69, 70, 95])) == [
        "0-12 (children)", "0-12 (children)", "13-17", "13-17", "18-29", "18-29", "30-44", "30-44",
        "45-59", "45-59", "60-69", "60-69", "70+ (elderly)", "70+ (elderly)"]
    table = pd.DataFrame({"true": [5, 8, 25, 27, 75, 80], "expected": [7, 12, 26, 27, 60, 90],
                          "subject": ["a", "b", "c", "d", "e", "f"]})
    rows = group_errors(table, genders=["m", "f", "m", "f", "m", "m"]).set_index(["grouping", "group"])
    assert rows.loc[("age group", "0-12 (children)"), "value"] == pytest.approx(3.0)  # (2 + 4) / 2
    assert rows.loc[("age group", "18-29"), "value"] == pytest.approx(0.5)
    assert rows.loc[("age group", "70+ (elderly)"), "value"] == pytest.approx(12.5)
    assert rows.loc[("sex", "female"), "value"] == pytest.approx(2.0) and rows.loc[("sex", "female"), "n"] == 2
    assert rows.loc[("sex", "male"), "value"] == pytest.approx((2 + 1 + 15 + 10) / 4)
    assert set(rows["resampled"]) == {"faces"}  # one face a subject
    gap = largest_gap(rows.reset_index())
    assert (gap["worst"], gap["best"], gap["gap"]) == ("70+ (elderly)", "18-29", pytest.approx(12.0))
    # FG-NET records no sex: the table says so instead of leaving the rows out
    unrecorded = group_errors(table, genders=None)
    assert unrecorded.iloc[-1]["group"] == "not recorded by the dataset" and pd.isna(unrecorded.iloc[-1]["value"])
    # a constant error has the constant as its interval
    constant = group_errors(table.assign(expected=table["true"] + 3), genders=None)
    assert (constant.dropna(subset=["value"])[["value", "ci95_low", "ci95_high"]] == 3.0).all().all()


def test_accuracy_per_adience_group_and_resampling_by_subject():
    import pandas as pd

    from agecascade.group_errors import group_errors

    names = ["0-2", "4-6"]
    table = pd.DataFrame({"true": [0, 0, 1, 1], "predicted_class": [0, 1, 1, 1], "subject": ["a", "a", "b", "c"]})
    rows = group_errors(table, genders=["f", "f", "m", "m"], class_names=names).set_index(["grouping", "group"])
    assert rows.loc[("Adience group", "0-2"), "value"] == 0.5 and rows.loc[("Adience group", "4-6"), "value"] == 1.0
    assert set(rows["metric"]) == {"accuracy"} and set(rows["resampled"]) == {"subjects"}  # a's two faces
