"""The ResNet-50 body of keras-vggface's ResNet50 and SENet50 (bottleneck blocks, optionally with
squeeze-and-excitation), shared by `backbones.resnet50` and `backbones.senet50`. Keras is imported
inside the builders, so the registry loads without TensorFlow."""

from __future__ import annotations

from functools import partial

from agecascade.backbones.spec import Backbone, keras_name

STAGES = ((2, (64, 64, 256), 3), (3, (128, 128, 512), 4), (4, (256, 256, 1024), 6), (5, (512, 512, 2048), 3))


def _bn(x, name: str, epsilon: float):
    from keras import layers

    return layers.BatchNormalization(axis=-1, epsilon=epsilon, name=keras_name(name))(x)


def _squeeze_excite(x, name: str, ratio: int = 16):
    from keras import layers

    channels = x.shape[-1]
    se = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_se_pool")(x)
    se = layers.Conv2D(channels // ratio, 1, use_bias=True, activation="relu", name=f"{name}_1x1_down")(se)
    se = layers.Conv2D(channels, 1, use_bias=True, activation="sigmoid", name=f"{name}_1x1_up")(se)
    return layers.Multiply(name=f"{name}_se_scale")([x, se])


def _bottleneck(x, filters, name: str, strides: int, project: bool, se: bool, epsilon: float):
    """A ResNet-50 bottleneck block (1x1 reduce, 3x3, 1x1 increase), optionally with SE."""
    from keras import layers

    reduce, middle, increase = filters
    y = layers.Conv2D(reduce, 1, strides=strides, use_bias=False, name=f"{name}_1x1_reduce")(x)
    y = layers.Activation("relu")(_bn(y, f"{name}_1x1_reduce/bn", epsilon))
    y = layers.Conv2D(middle, 3, padding="same", use_bias=False, name=f"{name}_3x3")(y)
    y = layers.Activation("relu")(_bn(y, f"{name}_3x3/bn", epsilon))
    y = layers.Conv2D(increase, 1, use_bias=False, name=f"{name}_1x1_increase")(y)
    y = _bn(y, f"{name}_1x1_increase/bn", epsilon)
    if se:
        y = _squeeze_excite(y, name)
    shortcut = x
    if project:
        shortcut = layers.Conv2D(increase, 1, strides=strides, use_bias=False, name=f"{name}_1x1_proj")(x)
        shortcut = _bn(shortcut, f"{name}_1x1_proj/bn", epsilon)
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.Activation("relu", name=f"{name}_relu")(y)


def resnet50_body(x, se: bool):
    """keras-vggface's ResNet-50 layers (SENet-50 with `se`) on preprocessed faces."""
    from keras import layers

    # keras-vggface: SENet50 uses batch-norm epsilon 1e-4, ResNet50 Keras' default 1e-3
    epsilon = 1e-4 if se else 1e-3
    x = layers.Conv2D(64, 7, strides=2, padding="same", use_bias=False, name=keras_name("conv1/7x7_s2"))(x)
    x = layers.Activation("relu")(_bn(x, "conv1/7x7_s2/bn", epsilon))
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, filters, blocks in STAGES:
        for block in range(1, blocks + 1):
            strides = 2 if block == 1 and stage > 2 else 1
            x = _bottleneck(x, filters, f"conv{stage}_{block}", strides, project=block == 1, se=se, epsilon=epsilon)
    return x


def pooled_head(seed: int | None) -> list:
    """The thesis' ResNet-50 / SENet-50 head: their pooled 2,048 features (keras-vggface's
    `avg_pool`), then the output layer ("architecture unchanged except the final softmax")."""
    from keras import layers

    return [layers.GlobalAveragePooling2D(name="avg_pool")]


def vggface2_resnet(name: str, label: str, se: bool, parameters: int, thesis: dict) -> Backbone:
    """The declaration of keras-vggface's ResNet50 (`se=False`) or SENet50 (`se=True`): VGGFace2
    preprocessing, their shared layer names and head, and their own weights and thesis rows."""
    return Backbone(name=name, label=label, preprocessing=2, weight_file=f"rcmalli_vggface_tf_notop_{name}.h5",
                    parameters=parameters, first_conv="conv1__7x7_s2", last_conv="conv5_3_1x1_increase",
                    hidden_layers=("avg_pool",), features=partial(resnet50_body, se=se), head=pooled_head,
                    thesis=thesis)
