"""VGG-16 of keras-vggface: the VGGFace (v1) model, 2,622 identities; without its classifier
14,714,688 parameters. Head (thesis section 4): flatten -> dense 512 -> dense 256 -> softmax."""

from __future__ import annotations

from agecascade.backbones.spec import Backbone, ThesisRow

BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def features(x):
    """VGG-16's five convolutional blocks (keras-vggface's layer names)."""
    from keras import layers

    for block, (filters, convs) in enumerate(BLOCKS, 1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{block}_{i}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"pool{block}")(x)
    return x


def head(seed: int | None) -> list:
    """"fed into a set of fully connected layers which we set to have size 512 and 256" (He-normal)."""
    import keras
    from keras import layers

    init = [keras.initializers.HeNormal(seed=None if seed is None else seed + k) for k in range(2)]
    return [layers.Flatten(name="flatten"),
            layers.Dense(512, activation="relu", kernel_initializer=init[0], name="fc1"),
            layers.Dense(256, activation="relu", kernel_initializer=init[1], name="fc2")]


BACKBONE = Backbone(
    name="vgg16", label="VGG-16", preprocessing=1, weight_file="rcmalli_vggface_tf_notop_vgg16.h5",
    parameters=14_714_688, first_conv="conv1_1", last_conv="conv5_3", hidden_layers=("flatten", "fc1", "fc2"),
    features=features, head=head,
    thesis={"faces2": ThesisRow("VGG-16-Faces2", 4.78, 4.24, 5.54, 3.06),
            "imdb": ThesisRow("VGG-16-IMDB", 2.77, 2.34, 3.47, 1.54),
            "imdb-agedb": ThesisRow("VGG-16-IMDB-AgeDB", 2.68, 2.24, 3.35, 1.58)},
)
