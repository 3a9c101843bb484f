import re

import numpy as np
import pandas as pd
import pytest

from agecascade.fit import FitSettings, fit
from agecascade.input_pipeline import FaceBatches, read_label_space, to_classes
from agecascade.start_models import initial_model


def test_classes_are_positions_in_the_fixed_label_space(store):
    space = read_label_space(store / "labels.json")
    assert space["kind"] == "age" and space["values"] == sorted(space["values"])
    assert list(to_classes([5, 69, 30], [5, 30, 69])) == [0, 2, 1]
    with pytest.raises(ValueError, match=r"Labels \[31.0, 100.0\] are not in the label space"):
        to_classes([5, 31, 100], [5, 30, 69])  # never silently another class


def test_batches_read_the_right_faces_in_a_seeded_order(store):
    import h5py

    indices = np.array([40, 3, 17, 90, 8, 55, 21])
    batches = FaceBatches(store / "faces.h5", indices, np.arange(7), batch_size=3, shuffle=True, seed=5)
    assert len(batches) == 3
    with h5py.File(store / "faces.h5") as handle:
        images = handle["images"][:]
    first = list(batches())
    seen = np.concatenate([y for _, y in first])
    assert sorted(seen) == list(range(7))  # every face once per epoch
    for x, y in first:
        np.testing.assert_array_equal(x, images[indices[y]])  # faces match their labels
    second = np.concatenate([y for _, y in batches()])
    assert not np.array_equal(seen, second)  # reshuffled each epoch
    again = FaceBatches(store / "faces.h5", indices, np.arange(7), batch_size=3, shuffle=True, seed=5)
    np.testing.assert_array_equal(np.concatenate([y for _, y in again()]), seen)  # seeded
    with pytest.raises(ValueError, match="twice"):
        FaceBatches(store / "faces.h5", [1, 1], [0, 0], 2, False)


def test_a_resumed_epoch_reads_the_batches_of_the_uninterrupted_run(store):
    indices = np.arange(30)
    straight = FaceBatches(store / "faces.h5", indices, indices % 7, batch_size=8, shuffle=True, seed=2)
    epochs = [np.concatenate([y for _, y in straight()]) for _ in range(3)]
    resumed = FaceBatches(store / "faces.h5", indices, indices, batch_size=8, shuffle=True, seed=2)
    resumed[0]  # a first read (Keras reads batches to learn their shapes) must not fix the order
    resumed.epoch = 2  # as `fit` sets it after two finished epochs
    np.testing.assert_array_equal(np.concatenate([y for _, y in resumed()]) % 7, epochs[2])
    assert not np.array_equal(epochs[1], epochs[2])


def test_augmentation_runs_in_training_only_and_the_saved_model_has_none(store, tmp_path):
    import keras

    from agecascade.input_pipeline import training_model

    from agecascade.models.files import load_age_model

    model = initial_model("vgg16", None, [1, 2, 3], image_size=32, seed=0)
    augment = {"rotation": 10.0, "shift": 0.1, "crop": 0.15, "flip": True}
    trainer = training_model(model, augment, seed=0)
    faces = FaceBatches(store / "faces.h5", np.arange(8), np.zeros(8), 8, shuffle=False)[0][0]
    assert faces.dtype == np.uint8  # the host hands over uint8; the cast is in the model
    plain = keras.ops.convert_to_numpy(model(faces.astype("float32")))
    inference = keras.ops.convert_to_numpy(trainer(faces, training=False))
    np.testing.assert_allclose(inference, plain, rtol=1e-6)  # inactive outside training
    augmented = keras.ops.convert_to_numpy(trainer.get_layer("augment")(faces.astype("float32"), training=True))
    assert np.abs(augmented - faces).mean() > 5  # active in training: rotated, shifted, cropped, flipped
    model.save(tmp_path / "m.keras")
    loaded = load_age_model(tmp_path / "m.keras")
    names = {type(layer).__name__ for layer in loaded._flatten_layers()}
    assert not {n for n in names if n.startswith("Random")}, names
    np.testing.assert_allclose(loaded.predict(faces.astype("float32"), verbose=0), plain, rtol=1e-5)


def _data(store, values, batch_size=16):
    split = pd.read_csv(store / "split.csv")
    train, val = split[split.split == "train"], split[split.split == "val"]
    return (FaceBatches(store / "faces.h5", train["index"], to_classes(train["label"], values), batch_size, True),
            FaceBatches(store / "faces.h5", val["index"], to_classes(val["label"], values), batch_size, False))


@pytest.mark.parametrize("frozen", [True, False])
def test_mode_a_trains_only_the_head_modes_b_c_everything(store, tmp_path, frozen, caplog):
    import logging

    caplog.set_level(logging.INFO)
    values = np.unique(pd.read_csv(store / "split.csv")["label"])
    model = initial_model("vgg16", None, values, frozen="inference" if frozen else None, image_size=32, seed=1)
    backbone_before = [np.array(w) for w in model.get_layer("backbone").weights]
    head_before = np.array(model.get_layer("fc1").kernel)
    settings = FitSettings(learning_rate=1e-3, batch_size=16, epochs=1, patience=None, frozen=frozen)
    history = fit(model, *_data(store, values), settings, tmp_path / "b", tmp_path / "h.csv")
    backbone_after = [np.array(w) for w in model.get_layer("backbone").weights]
    changed = any(not np.array_equal(a, b) for a, b in zip(backbone_before, backbone_after))
    assert changed is (not frozen)
    assert not np.array_equal(head_before, np.array(model.get_layer("fc1").kernel))
    assert list(history.columns[:1]) == ["epoch"] and len(history) == 1 and "val_loss" in history
    # one progress line per epoch: losses, learning rate, faces/s, the job's ETA
    assert re.search(r"epoch 1/1: .*loss [\d.]+.*val_loss [\d.]+, val_mae [\d.]+, "
                     r"learning rate 0.001, [\d.]+ faces/s, job ETA 0 s",
                     caplog.text), caplog.text


@pytest.mark.integration  # 16 grid trainings and a fold training: 10-16 s, too long for the fast tier
def test_fold_grid_search_validates_on_training_subjects_and_training_takes_the_best(store, tmp_path):
    from agecascade.data.folds import Part, select_faces
    from agecascade.grid_choice import grid_choice, with_grid_choice
    from agecascade.gridsearch import grid_point
    from agecascade.plan.settings import grid_point_settings

    split = pd.read_csv(store / "split.csv").drop(columns="split")
    split["fold"] = split["subject"].str[1:].astype(int) + 1  # leave one subject out: 24 folds
    split.to_csv(tmp_path / "folds.csv", index=False)
    for fold in (1, 2, 3):
        faces = select_faces(split, Part(fold, validation_fraction=0.25), seed=0)
        train, val = faces.train, faces.val
        assert faces.test is None  # a grid point never sees the fold's test faces
        test_subject = f"s{fold - 1}"
        assert test_subject not in set(train["subject"]) | set(val["subject"])  # never the test subject
        assert not set(train["subject"]) & set(val["subject"])  # grouped by subject
        assert len(train) + len(val) == len(split) - (split["subject"] == test_subject).sum()
    settings = {"learning_rate": 9.0, "batch_size": 1, "epochs": 5, "patience": 3, "frozen": True, "seed": 0,
                "augment": {"rotation": 10, "shift": 0.1, "crop": 0.1, "flip": True}}
    points = []
    for lr in (0.5, 1e-4):
        points.append(tmp_path / f"lr{lr}.csv")
        record = {"image_size": 32, "margin": 0.4, "chain": "faces2"}
        point = {"backbone": "vgg16", "settings": grid_point_settings(settings, lr, 16, 1), "record": record,
                 "learning_rate": lr, "batch_size": 16, "epochs": 1, "folds": [1, 2], "validation_fraction": 0.25,
                 "workdir": str(tmp_path / "work")}
        inputs = {"store": store / "faces.h5", "split": tmp_path / "folds.csv", "labels": store / "labels.json"}
        table = grid_point(point, inputs, points[-1])
        assert list(table["fold"]) == [1, 2] and (table["learning_rate"] == lr).all()
    assert not (tmp_path / "work" / "fold1").exists()
    choice = grid_choice(points, tmp_path / "grid.csv")
    rows = pd.concat([pd.read_csv(p) for p in points])
    means = rows.groupby("learning_rate")["val_loss"].mean()
    assert list(choice["folds"]) == [2, 2]
    assert choice.iloc[0]["learning_rate"] == means.idxmin()  # the lowest mean validation loss
    chosen = with_grid_choice(FitSettings(learning_rate=9.0, batch_size=1, epochs=3), tmp_path / "grid.csv")
    assert (chosen.learning_rate, chosen.batch_size, chosen.epochs) == (means.idxmin(), 16, 3)


def test_a_diverged_grid_point_is_never_chosen(tmp_path):
    from agecascade.grid_choice import grid_choice, with_grid_choice

    pd.DataFrame({"fold": [1, 2], "learning_rate": 0.1, "batch_size": 12, "val_loss": [0.1, np.nan]}).to_csv(
        tmp_path / "a.csv", index=False)
    pd.DataFrame({"fold": [1, 2], "learning_rate": 0.001, "batch_size": 48, "val_loss": [3.0, 2.0]}).to_csv(
        tmp_path / "b.csv", index=False)
    choice = grid_choice([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "grid.csv")
    assert choice.iloc[0]["learning_rate"] == 0.001 and np.isnan(choice.iloc[1]["val_loss"])
    chosen = with_grid_choice(FitSettings(learning_rate=1.0, batch_size=1, epochs=1), tmp_path / "grid.csv")
    assert (chosen.learning_rate, chosen.batch_size) == (0.001, 48)


@pytest.mark.integration
def test_mixed_bfloat16_trains_saves_loads_and_predicts(store, tmp_path):
    import keras

    from agecascade.device import setup_device

    from agecascade.models.files import load_age_model

    values = np.unique(pd.read_csv(store / "split.csv")["label"])
    settings = FitSettings(learning_rate=1e-3, batch_size=16, epochs=1, precision="mixed_bfloat16", jit_compile=False)
    try:
        report = setup_device(settings, None)
        assert report["precision"] == "mixed_bfloat16" and report["backend"] == "tensorflow"
        model = initial_model("resnet50", None, values, image_size=32, seed=1)
        assert model.get_layer("backbone").get_layer("conv1__7x7_s2").compute_dtype == "bfloat16"
        assert model.get_layer("age_softmax").compute_dtype == "float32"  # the softmax stays float32
        history = fit(model, *_data(store, values), settings, tmp_path / "b", tmp_path / "h.csv")
        assert np.isfinite(history["loss"]).all()
        model.save(tmp_path / "m.keras")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    loaded = load_age_model(tmp_path / "m.keras")
    x = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    p = loaded.predict(x, verbose=0)
    assert p.dtype == np.float32 and np.allclose(p.sum(axis=1), 1, atol=1e-4)
    np.testing.assert_allclose(p, model.predict(x, verbose=0), atol=1e-3)


def test_a_job_granted_a_gpu_that_tensorflow_cannot_see_stops_at_once(monkeypatch):
    from agecascade import device
    from agecascade.device import DeviceError, setup_device

    monkeypatch.setattr(device, "accelerators", lambda: ([], False))  # a backend that sees no GPU, on any machine
    monkeypatch.setenv("SLURM_JOB_GPUS", "0")  # what SLURM sets for a job with --gres=gpu:1
    with pytest.raises(DeviceError, match=r"SLURM granted this job a GPU \(SLURM_JOB_GPUS=0\).*CUDA build.*"
                                          r"training.require_gpu: false"):
        setup_device(FitSettings(learning_rate=1, batch_size=1, epochs=1), None)
    report = setup_device(FitSettings(learning_rate=1, batch_size=1, epochs=1, require_gpu=False), None)
    assert report["gpus"] == ["none: CPU only"]


@pytest.mark.integration  # two trainings with a model file per epoch: ~45 s
@pytest.mark.parametrize("keep", ["last", "best_val_mae", "best_val_median_mae"])
def test_a_stage_keeps_the_last_epoch_or_the_one_with_the_lowest_validation_mae(store, tmp_path, keep):
    from agecascade import decision
    from agecascade.input_pipeline import read_label_space
    from agecascade.models.head import expected_age
    from agecascade.models.files import load_age_model
    from agecascade.training import (
        TrainingData,
        TrainingJob,
        TrainingOutputs,
        predict_faces,
        run_training,
    )

    settings = FitSettings(learning_rate=3e-3, batch_size=16, epochs=4, patience=None, seed=5, keep=keep)
    outputs = TrainingOutputs(str(tmp_path / "backup"), str(tmp_path / "history.csv"), model=str(tmp_path / "m.keras"))
    data = TrainingData(str(store / "faces.h5"), str(store / "split.csv"), str(store / "labels.json"))
    history = run_training(TrainingJob("vgg16", data, settings, outputs, {"image_size": 32, "margin": 0.4})).history
    split = pd.read_csv(store / "split.csv")
    val = split[split["split"] == "val"]
    values = read_label_space(store / "labels.json")["values"]
    probabilities = predict_faces(load_age_model(tmp_path / "m.keras"), store / "faces.h5", val, 16)
    if keep == "best_val_median_mae":  # the posterior median's MAE, the later of equal epochs
        mae = float(np.mean(np.abs(decision.median(probabilities, values) - val["label"].to_numpy())))
        column = history["val_median_mae"]
        kept = column.iloc[len(column) - 1 - int(np.argmin(column.to_numpy()[::-1]))]
    else:
        mae = float(np.mean(np.abs(expected_age(probabilities, values) - val["label"].to_numpy())))
        kept = history["val_mae"].min() if keep == "best_val_mae" else history["val_mae"].iloc[-1]
    assert mae == pytest.approx(kept, rel=1e-4)
    assert len(history) == 4 and history["val_mae"].nunique() > 1
    # the temperature the model records minimises the NLL of its validation faces (training.calibration)
    stored = load_age_model(tmp_path / "m.keras").get_layer("label_space").info
    classes = np.abs(val["label"].to_numpy()[:, None] - np.asarray(values)[None, :]).argmin(axis=1)

    def nll(t):
        z = np.log(probabilities) / t
        return -np.mean(z[np.arange(len(z)), classes] - np.log(np.exp(z).sum(axis=1)))

    t = stored["temperature"]  # searched within 0.05-20 (a model that learned little sits at 20)
    assert 0.05 <= t <= 20 and nll(t) <= min(nll(g) for g in np.geomspace(0.05, 20, 60)) + 1e-4
    assert {"validation_coverage_80", "validation_coverage_80_uncalibrated"} <= set(stored)


def test_a_diverged_training_stops_naming_job_epoch_and_rate_writes_nothing_and_a_grid_point_records_it(
        store, tmp_path):
    from agecascade.fit import TrainingDiverged
    from agecascade.gridsearch import grid_point
    from agecascade.plan.settings import grid_point_settings
    from agecascade.training import TrainingData, TrainingJob, TrainingOutputs, run_training

    data = TrainingData(str(store / "faces.h5"), str(store / "split.csv"), str(store / "labels.json"))
    outputs = TrainingOutputs(str(tmp_path / "backup"), str(tmp_path / "out" / "history.csv"),
                              model=str(tmp_path / "out" / "model.keras"))
    record = {"image_size": 32, "margin": 0.4, "chain": "imdb"}
    absurd = FitSettings(learning_rate=1e30, batch_size=16, epochs=3, seed=1)  # weights overflow float32
    with pytest.raises(TrainingDiverged, match=r"stage vgg16/imdb: the training loss is nan in epoch 1 "
                                               r"\(batch \d+\) at learning rate 1e\+30"):
        run_training(TrainingJob("vgg16", data, absurd, outputs, record))
    assert not (tmp_path / "out").exists() and not (tmp_path / "backup").exists()  # no model, no history

    real = {"learning_rate": 1.0, "batch_size": 16, "epochs": 1, "seed": 1}
    point = {"backbone": "vgg16", "settings": grid_point_settings(real, 1e30, 16, 1),
             "record": record, "learning_rate": 1e30, "batch_size": 16, "epochs": 1, "folds": None,
             "validation_fraction": 0.25, "workdir": str(tmp_path / "work")}
    inputs = {"store": store / "faces.h5", "split": store / "split.csv", "labels": store / "labels.json"}
    table = grid_point(point, inputs, tmp_path / "point.csv")
    assert bool(table["diverged"].iloc[0]) and np.isnan(table["val_loss"].iloc[0])


@pytest.mark.integration  # four short trainings
def test_a_backup_of_another_job_or_a_damaged_one_is_set_aside_and_the_job_starts_afresh(store, tmp_path, caplog):
    import logging

    values = np.unique(pd.read_csv(store / "split.csv")["label"])
    settings = FitSettings(learning_rate=1e-3, batch_size=16, epochs=1, patience=None, seed=1)
    identity = {"job": "stage vgg16/imdb", "files": {"split": {"sha256": "a"}}}

    def run(settings, identity):
        model = initial_model("vgg16", None, values, image_size=32, seed=1)
        with caplog.at_level(logging.INFO):
            return fit(model, *_data(store, values), settings, tmp_path / "backup", tmp_path / "h.csv",
                       identity=identity)

    run(settings, identity)  # one finished epoch, its backup left as a killed job leaves it
    assert (tmp_path / "backup" / "checkpoint" / "training_metadata.json").is_file()
    # the config changed since (learning rate, epochs): the old state is not resumed
    history = run(FitSettings(learning_rate=5e-4, batch_size=16, epochs=2, patience=None, seed=1), identity)
    assert list(history["epoch"]) == [0, 1] and "Resuming" not in caplog.text
    assert re.search(r"starting afresh: the resume backup .* because it belongs to another job "
                     r"\(changed: settings.epochs, settings.learning_rate\)", caplog.text), caplog.text
    caplog.clear()
    # the same job again (the 2-epoch run left its backup): resumed, nothing set aside
    history = run(FitSettings(learning_rate=5e-4, batch_size=16, epochs=3, patience=None, seed=1), identity)
    assert "starting afresh" in caplog.text  # epochs changed: still another job
    caplog.clear()
    # a backup cut off mid-write (a kill or a full disk during an older, non-atomic save)
    weights = tmp_path / "backup" / "checkpoint" / "latest.weights.h5"
    weights.write_bytes(weights.read_bytes()[:1000])
    same = FitSettings(learning_rate=5e-4, batch_size=16, epochs=3, patience=None, seed=1)
    history = run(same, identity)
    assert list(history["epoch"]) == [0, 1, 2]
    assert re.search(r"starting afresh: .* because it cannot be read", caplog.text), caplog.text
    assert len(list(tmp_path.glob("backup.set-aside-*"))) >= 1  # never deleted, set aside
