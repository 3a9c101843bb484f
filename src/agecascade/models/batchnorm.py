"""Frozen batch normalisation as the thesis' software (standalone Keras 2.2) did it.

In Keras 2.2, `BatchNormalization.call` normalised with the mini-batch's moments whenever the
learning phase was training, whether or not the layer was trainable; the moving-average updates it
registered were dropped for a layer with `trainable = False` (`Layer.get_updates_for` and
`Network.updates` return no updates for a non-trainable layer). At prediction it used the stored
moving statistics. So a frozen ResNet-50 / SENet-50 (mode a) fed its head features normalised by
each batch while training, and features normalised by the pretrained statistics at test time
(keras-team/keras issue 9522; PR 9965, closed unmerged). tf.keras 2 and Keras 3 run a frozen
batch-norm layer in inference mode instead (`frozen_batchnorm: inference`, today's default).

`Keras2BatchNormalization` reproduces the Keras 2.2 behaviour (`frozen_batchnorm:
batch_statistics`); a trainable layer behaves as Keras 3's.
"""

from __future__ import annotations

import keras
from keras import ops

FROZEN_BATCHNORM = ("inference", "batch_statistics")


@keras.saving.register_keras_serializable(package="agecascade")
class Keras2BatchNormalization(keras.layers.BatchNormalization):
    """Batch normalisation that, frozen and training, normalises with the batch's moments (biased
    variance, as Keras 2.2's `K.normalize_batch_in_training`) and updates no moving statistics."""

    def call(self, inputs, training=None, mask=None):
        if not training or self.trainable:
            return super().call(inputs, training=training, mask=mask)
        compute_dtype = inputs.dtype
        if compute_dtype in ("float16", "bfloat16"):
            inputs = ops.cast(inputs, "float32")  # moments in float32, as Keras' own layer does
        axes = [a for a in range(len(inputs.shape)) if a != self.axis % len(inputs.shape)]
        mean, variance = ops.moments(inputs, axes=axes)
        outputs = ops.batch_normalization(inputs, mean, variance, axis=self.axis, offset=self.beta,
                                          scale=self.gamma, epsilon=self.epsilon)
        return ops.cast(outputs, compute_dtype)


def with_keras2_batchnorm(backbone: keras.Model) -> keras.Model:
    """A copy of `backbone` (weights included) whose batch-norm layers behave as Keras 2.2's."""

    def clone(layer):
        if isinstance(layer, keras.layers.BatchNormalization):
            return Keras2BatchNormalization.from_config(layer.get_config())
        return layer.__class__.from_config(layer.get_config())

    copy = keras.models.clone_model(backbone, clone_function=clone)
    copy.set_weights(backbone.get_weights())
    return copy


def uses_batch_statistics(backbone: keras.Model) -> bool:
    """Whether a frozen backbone normalises with batch statistics in training (Keras 2.2)."""
    return any(isinstance(layer, Keras2BatchNormalization) for layer in backbone.layers)
