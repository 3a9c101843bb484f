"""The paper configuration against the thesis' text (section 4, "Training Procedures").

Every expected value below is quoted from the thesis, not taken from our code or config. The
settings checked are the ones the rules hand to each training job (`agecascade.plan`).
"""

import pytest

from agecascade import config
from agecascade.plan import settings
from agecascade.fit import LR_FACTOR

BACKBONES = ("vgg16", "resnet50", "senet50")


@pytest.fixture(scope="module")
def cfg(repo):
    return config.load(repo / "config.yaml")


def test_the_thesis_hyperparameters_reach_every_training(cfg):
    # "we perform a grid search across learning rates 0.1, 0.01, 0.001 and 0.0001 as well as batch
    # sizes 12, 32, 48 and 64 ... training the model over 1 epoch ... on the training sets of the
    # first 6 folds of FG-NET-AD or the training set of the first fold of Adience"
    grid = cfg["gridsearch"]
    assert (grid["learning_rates"], grid["batch_sizes"], grid["epochs"]) == ([0.1, 0.01, 0.001, 0.0001],
                                                                            [12, 32, 48, 64], 1)
    assert cfg["benchmarks"]["fgnet"]["gridsearch_folds"] == [1, 2, 3, 4, 5, 6]
    assert cfg["benchmarks"]["adience"]["gridsearch_folds"] in (None, [0])  # null = the first fold

    # "In mode a), this method leads to a final learning rate of 0.001, with batch size fixed at
    # 48. Classification layers are trained over 20 epochs"
    for backbone in BACKBONES:
        a = settings.variant_settings(cfg, "fgnet", f"{backbone}-faces2")
        assert (a["learning_rate"], a["batch_size"], a["epochs"], a["frozen"]) == (0.001, 48, 20, True)
        # the same training under the thesis' Keras 2.2 batch norm (docs/thesis.md: mode a and Keras 2)
        keras2 = settings.variant_settings(cfg, "fgnet", f"{backbone}-faces2-keras2")
        assert keras2 == {**a, "frozen_batchnorm": "batch_statistics"}

    # "In training mode b), we randomly split IMDB and train on 80% of the dataset over 60 epochs
    # with a learning rate of 0.01 for ResNet-50 and SENet-50 and 0.0001 for VGG-16. Batch size is
    # set to 32 for each model. We apply a learning rate schedule, halving the learning rate after 5
    # epochs without improvement in terms of validation loss."
    assert cfg["datasets"]["imdb"]["validation_fraction"] == 0.2 and LR_FACTOR == 0.5
    for backbone, lr in (("vgg16", 0.0001), ("resnet50", 0.01), ("senet50", 0.01)):
        b = settings.stage_settings(cfg, backbone, "imdb")
        assert (b["learning_rate"], b["batch_size"], b["epochs"], b["patience"], b["frozen"]) == (lr, 32, 60, 5, False)
        assert b["monitor"] == "val_loss"  # "in terms of validation loss"

    # "To adapt the models to the FG-NET Aging Database, we train ResNet-50 over 20 epochs with
    # learning rate 0.001, SENet over 20 epochs with learning rate 0.01 and VGG-16 over 20 epochs
    # with learning rate 0.0001. Batch size is set to 16 for each model. Here we also apply
    # learning rate schedule, but reduce patience to 3 epochs without improvement."
    for backbone, lr in (("vgg16", 0.0001), ("resnet50", 0.001), ("senet50", 0.01)):
        for benchmark in ("fgnet", "fgnet_top4"):
            f = settings.variant_settings(cfg, benchmark, f"{backbone}-imdb")
            assert (f["learning_rate"], f["batch_size"], f["epochs"], f["patience"]) == (lr, 16, 20, 3)

    # "In training mode c) ... fine-tune the VGG-16 on AgeDB over 30 epochs with learning rate
    # 0.0001, using the learning rate schedule with patience fixed at 3. Again, we randomly split
    # the dataset using a 80:20 ratio ... Batch size is set to 32."
    assert cfg["training"]["chains"]["vgg16"] == ["imdb", "imdb-agedb"]
    assert cfg["datasets"]["agedb"]["validation_fraction"] == 0.2
    c = settings.stage_settings(cfg, "vgg16", "imdb-agedb")
    assert (c["learning_rate"], c["batch_size"], c["epochs"], c["patience"]) == (0.0001, 32, 30, 3)

    # "For FG-NET-AD, the same hyper-parameter setting applies as in training mode b). On the other
    # hand, we adjust batch size to 32 when finally evaluating on Adience."
    c_fgnet = settings.variant_settings(cfg, "fgnet", "vgg16-imdb-agedb")
    assert (c_fgnet["learning_rate"], c_fgnet["batch_size"]) == (0.0001, 16)
    assert (c_fgnet["epochs"], c_fgnet["patience"]) == (20, 3)
    for benchmark in ("adience", "adience3"):
        c_adience = settings.variant_settings(cfg, benchmark, "vgg16-imdb-agedb")
        assert (c_adience["learning_rate"], c_adience["batch_size"], c_adience["epochs"]) == (0.0001, 32, 20)

    # "we augment our training data by randomly rotating, shifting, cropping and flipping each
    # image" ... "set the input size to 224x224 in the RGB color space"; "cropped around a face
    # location with a 40% margin"
    augment = settings.stage_settings(cfg, "vgg16", "imdb")["augment"]
    assert all(augment[k] for k in ("rotation", "shift", "crop", "flip"))
    assert cfg["image_size"] == 224 and cfg["margin"] == 0.4
