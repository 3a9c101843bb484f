import numpy as np
import pandas as pd
import pytest

from agecascade.evaluation import age_metrics, confusion, evaluate, group_metrics, mean_predictor
from agecascade.tables import summary_text, table4, write_tables


def _age_predictions():
    # fold 1: errors 1, 3; fold 2: errors 2, 2, 5
    return pd.DataFrame({"fold": [1, 1, 2, 2, 2], "true": [10, 20, 30, 40, 50],
                         "expected": [11, 17, 32, 38, 55]})


def _split():
    return pd.DataFrame({"index": range(8), "label": [10, 20, 30, 40, 50, 60, 70, 80],
                         "fold": pd.array([1, 1, 2, 2, 2, 3, 3, pd.NA], dtype="Int64")})


def test_age_metrics_per_fold_and_summary():
    metrics = age_metrics(_age_predictions(), _split())
    per_fold = metrics[metrics.fold != "summary"].set_index("fold")
    assert per_fold.loc["1", "mae"] == 2 and per_fold.loc["2", "mae"] == 3
    assert per_fold.loc["1", "median_ae"] == 2 and per_fold.loc["2", "median_ae"] == 2
    summary = metrics[metrics.fold == "summary"].iloc[0]
    errors = np.array([1, 3, 2, 2, 5])
    assert summary["mae"] == pytest.approx(errors.mean())  # over all test faces
    # MedianAE and quartiles describe the per-fold MAEs (2 and 3), as the thesis' Table 4 and box plots
    assert summary["median_ae"] == pytest.approx(2.5)
    assert summary["fold_mae_q1"] == pytest.approx(2.25) and summary["fold_mae_q3"] == pytest.approx(2.75)
    # the per-face statistics stay, under their own names
    assert summary["pooled_median_ae"] == 2 and summary["pooled_ae_q3"] == pytest.approx(3)
    half = 1.96 * errors.std(ddof=1) / np.sqrt(5)
    assert summary["ci95_low"] == pytest.approx(errors.mean() - half)
    assert summary["ci95_high"] == pytest.approx(errors.mean() + half)


def test_mean_predictor_uses_the_training_faces_of_the_fold():
    split = _split()
    # fold 1 trains on labels 30..80 (the last face has no fold: always training)
    assert mean_predictor(split, 1) == pytest.approx(np.mean([30, 40, 50, 60, 70, 80]))
    metrics = age_metrics(_age_predictions(), split).set_index("fold")
    assert metrics.loc["1", "mean_predictor_mae"] == pytest.approx((55 - 10 + 55 - 20) / 2)


def test_group_metrics_exact_and_one_off_over_folds():
    predictions = pd.DataFrame({"fold": [0, 0, 0, 0, 1, 1], "true": [0, 1, 2, 3, 4, 5],
                                "predicted_class": [0, 2, 4, 3, 4, 7]})
    metrics = group_metrics(predictions).set_index("fold")
    assert metrics.loc["0", "accuracy"] == 0.5 and metrics.loc["0", "one_off_accuracy"] == 0.75
    assert metrics.loc["1", "accuracy"] == 0.5 and metrics.loc["1", "one_off_accuracy"] == 0.5
    assert metrics.loc["summary", "accuracy"] == 0.5 and metrics.loc["summary", "accuracy_std"] == 0
    assert metrics.loc["summary", "one_off_accuracy"] == pytest.approx(0.625)
    assert metrics.loc["0", "majority_rate"] == 0.25 and metrics.loc["1", "majority_rate"] == 0.5


def test_thesis_table4_statistics_are_one_distribution():
    # Thesis Table 4, VGG-16-IMDB-AgeDB: MAE 2.68, MedianAE 2.24, quartiles 3.35 / 1.58. A median
    # between the quartiles, and quartiles far wider than a per-face error distribution of mean
    # 2.68 would put around its median, fit the per-fold MAEs; our summary takes all three there.
    folds = pd.DataFrame({"fold": np.repeat(np.arange(1, 83), 2), "true": 30.0})
    rng = np.random.default_rng(0)
    fold_mae = rng.uniform(1, 4, 82)
    folds["expected"] = 30 + np.repeat(fold_mae, 2)
    summary = age_metrics(folds).set_index("fold").loc["summary"]
    assert summary["median_ae"] == pytest.approx(np.median(fold_mae))
    assert summary["fold_mae_q3"] == pytest.approx(np.quantile(fold_mae, 0.75))


def test_confusion_with_precision_and_recall():
    predictions = pd.DataFrame({"true": [0, 0, 1, 2, 2, 2], "predicted_class": [0, 1, 1, 2, 2, 0]})
    table = confusion(predictions, ["0-12", "15-20", "25-100"])
    assert table.loc["true 0-12", "predicted 0-12"] == 1 and table.loc["true 25-100", "predicted 0-12"] == 1
    assert table.loc["true 25-100", "recall"] == pytest.approx(2 / 3)
    assert table.loc["precision", "predicted 0-12"] == pytest.approx(0.5)


def test_age_confusion_rounds_expected_ages():
    table = confusion(pd.DataFrame({"true": [30, 30, 45], "expected": [29.6, 33.2, 44.9]}))
    assert table.loc["true 30", "predicted 30"] == 1 and table.loc["true 30", "predicted 33"] == 1
    assert table.loc["true 45", "predicted 45"] == 1


def _write_fold(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_tables_carry_thesis_values_and_reported_baselines(tmp_path):
    split = _split()
    split.to_csv(tmp_path / "split.csv", index=False)
    results = []
    for variant, shift in (("vgg16-imdb-agedb", 1), ("resnet50-faces2", 9)):
        folds = {}
        for fold, rows in _age_predictions().groupby("fold"):
            frame = rows.drop(columns="fold").assign(expected=rows["true"] + shift)
            folds[fold] = _write_fold(tmp_path, f"{variant}{fold}.csv", frame)
        evaluate(folds, tmp_path / "split.csv", tmp_path / f"{variant}_metrics.csv", tmp_path / f"{variant}_conf.csv")
        results.append({"experiment": "fgnet", "row": variant, "metrics": str(tmp_path / f"{variant}_metrics.csv"),
                        "confusion": str(tmp_path / f"{variant}_conf.csv")})
    table = table4({"vgg16-imdb-agedb": results[0]["metrics"]})
    row = table[table.variant == "vgg16-imdb-agedb"].iloc[0]
    assert row["mae"] == 1 and row["thesis_mae"] == 2.68 and row["source"] == "measured"
    assert pd.isna(table[table.variant == "vgg16-faces2"].iloc[0]["mae"])  # not run: no number
    literature = table[table.source == "literature"]
    assert sorted(literature["thesis_mae"]) == [2.39, 2.84, 3.09]  # Table 2, in the reported column only
    assert literature["mae"].isna().all() and table["mae"].min() == 1  # a min() never picks literature

    (tmp_path / "labels.json").write_text('{"kind": "age", "size": 3, "values": [1, 2, 3], "names": ["1", "2", "3"]}')
    (tmp_path / "report.json").write_text('{"kept": 990, "input_rows": 1002}')
    spaces, reports = {"fgnet": str(tmp_path / "labels.json")}, {"fgnet": str(tmp_path / "report.json")}
    inputs = {"label_spaces": spaces, "reports": reports, "choices": {"stage models keep": "last"}}
    written = write_tables(results, inputs, {"table4": str(tmp_path / "tables" / "table4_fgnet.csv")},
                           {"seed": 1}, tmp_path, tmp_path / "prov.json")
    assert (tmp_path / "tables" / "table4_fgnet.md").read_text().count("literature") == 3
    import json

    record = json.loads((tmp_path / "prov.json").read_text())
    assert record["choices"] == {"stage models keep": "last"}
    assert record["label_spaces"]["fgnet"]["size"] == 3 and record["label_spaces"]["fgnet"]["thesis_size"] == 63
    assert record["datasets"]["fgnet"] == {"kept": 990, "input_rows": 1002, "thesis_kept": 1002, "thesis_of": 1002}
    assert all(p.is_file() for p in written)
    text = summary_text(results, spaces, reports)
    assert "best: vgg16-imdb-agedb" in text and "learned: below 1" in text
    assert "fgnet          990 of     1,002   [1,002 of 1,002]" in text and "fgnet 3 [63]" in text


def test_table6_is_laid_out_as_the_thesis_table(tmp_path):
    from agecascade.tables import table6

    names = ["0-12", "15-20", "25-100"]
    predictions = pd.DataFrame({"fold": 0, "true": [0, 0, 1, 2, 2, 2], "predicted_class": [0, 1, 1, 2, 2, 0]})
    confusion(predictions, names).to_csv(tmp_path / "confusion.csv")
    group_metrics(predictions).to_csv(tmp_path / "metrics.csv", index=False)
    table = table6(tmp_path / "confusion.csv", tmp_path / "metrics.csv").set_index("true")
    assert list(table.index) == [*names, "precision", "accuracy (%)"]
    assert table.loc["25-100", "0-12"] == 1 and table.loc["25-100", "recall"] == pytest.approx(2 / 3)
    assert table.loc["precision", "0-12"] == pytest.approx(0.5)
    assert table.loc["accuracy (%)", "accuracy"] == pytest.approx(100 * 4 / 6)
    # the thesis' Table 6 in its own columns: its counts, and precision / recall of 0-12 computed from
    # its matrix (1646 of 1667 true 0-12; 1646 of 1724 predicted 0-12; its text rounds to 0.95 / 0.98)
    assert table.loc["25-100", "thesis 15-20"] == 143 and table.loc["accuracy (%)", "thesis accuracy"] == 92.59
    assert table.loc["0-12", "thesis recall"] == pytest.approx(1646 / 1667)
    assert table.loc["precision", "thesis 0-12"] == pytest.approx(1646 / 1724)
    # its text's 92.59 % beside what its own matrix gives: (1646 + 36 + 2362) / 4390 = 92.12 %
    assert table.loc["accuracy (%)", "thesis accuracy from its matrix"] == pytest.approx(100 * 4044 / 4390)
    assert table.loc["accuracy (%)", ["0-12", "recall", "thesis 0-12"]].isna().all()


def test_accuracy_interval_is_the_mean_plus_minus_1_96_sd_of_the_per_face_errors_over_root_n():
    from agecascade.evaluation import group_metrics

    # 8 of 10 faces right: mean 0.8; sd (n - 1) of eight 0 errors and two 1 errors = sqrt(1.6 / 9)
    predictions = pd.DataFrame({"fold": [0] * 10, "true": [1] * 10, "predicted_class": [1] * 8 + [3, 4]})
    summary = group_metrics(predictions).set_index("fold").loc["summary"]
    half = 1.96 * np.sqrt(1.6 / 9) / np.sqrt(10)  # 0.2613
    assert summary["accuracy_ci95_low"] == pytest.approx(0.8 - half)
    assert summary["accuracy_ci95_high"] == pytest.approx(0.8 + half)


def test_a_row_differs_significantly_from_the_best_when_their_intervals_do_not_overlap():
    from agecascade.tables import mark_significance

    table = pd.DataFrame({"model": ["a", "b", "c", "literature"], "mae": [3.0, 4.0, 3.2, 2.4],
                          "ci95_low": [2.5, 3.6, 2.9, np.nan], "ci95_high": [3.5, 4.4, 3.5, np.nan]})
    marked = mark_significance(table, "mae", "ci95_low", "ci95_high", lower_is_better=True)
    # best measured row: a [2.5, 3.5]; b [3.6, 4.4] lies above it, c [2.9, 3.5] overlaps it
    assert list(marked["significant_vs_best"][:3]) == [False, True, False]
    assert pd.isna(marked["significant_vs_best"].iloc[3])  # no interval: not judged
    accuracy = mark_significance(table.rename(columns={"mae": "acc"}), "acc", "ci95_low", "ci95_high", False)
    assert list(accuracy["significant_vs_best"][:3]) == [True, False, True]  # best: b (highest)


def test_evaluation_refuses_non_finite_predictions_naming_the_fold(tmp_path):
    from agecascade.evaluation import read_predictions

    good = tmp_path / "fold1.csv"
    frame = {"true": [3, 5], "expected": [3.5, 4.0], "p_3": [0.5, 0.2], "p_5": [0.5, 0.8]}
    pd.DataFrame(frame).to_csv(good, index=False)
    bad = tmp_path / "fold2.csv"
    pd.DataFrame({"true": [3, 5], "expected": [np.nan, 4.0], "p_3": [np.nan, 0.2], "p_5": [np.nan, 0.8]}).to_csv(
        bad, index=False)
    assert len(read_predictions({1: good})) == 2
    with pytest.raises(ValueError, match=r"Fold 2: 1 of 2 predictions in .*fold2.csv are NaN"):
        read_predictions({1: good, 2: bad})


def test_the_three_decision_rules_and_the_80_percent_interval():
    from agecascade import decision

    values = [10, 20, 30, 40]
    p = np.array([[0.1, 0.2, 0.3, 0.4],   # cumulative 0.1 0.3 0.6 1.0
                  [0.5, 0.5, 0.0, 0.0]])  # cumulative 0.5 1.0 1.0 1.0
    np.testing.assert_allclose(decision.decide(p, values, "expected"), [30.0, 15.0])  # 1 + 4 + 9 + 16
    np.testing.assert_array_equal(decision.decide(p, values, "median"), [30, 10])  # first to reach 0.5
    np.testing.assert_array_equal(decision.decide(p, values, "argmax"), [40, 10])
    low, high = decision.interval(p, values, 0.8)  # the 10 % and 90 % points
    np.testing.assert_array_equal(low, [10, 10])
    np.testing.assert_array_equal(high, [40, 20])
    with pytest.raises(ValueError, match="rule must be one of"):
        decision.decide(p, values, "mode")


def test_age_metrics_carry_every_rule_cs5_and_the_bias_per_decade():
    from agecascade.evaluation import rule_metrics

    predictions = pd.DataFrame({"true": [4, 8, 25, 31], "expected": [6.0, 8.0, 20.0, 40.0],
                                "median": [5, 8, 25, 35], "predicted": [4, 10, 20, 30],
                                "predicted_class": [0, 1, 2, 3]})
    metrics = rule_metrics(predictions)
    assert metrics["mae_expected"] == pytest.approx((2 + 0 + 5 + 9) / 4)
    assert metrics["mae_median"] == pytest.approx((1 + 0 + 0 + 4) / 4)
    assert metrics["mae_argmax"] == pytest.approx((0 + 2 + 5 + 1) / 4)
    assert metrics["cs5"] == pytest.approx(3 / 4)  # 2, 0, 5 are within 5 years; 9 is not
    assert metrics["bias_0-9"] == pytest.approx(1.0) and metrics["bias_20-29"] == pytest.approx(-5.0)
    assert metrics["bias_30-39"] == pytest.approx(9.0)
