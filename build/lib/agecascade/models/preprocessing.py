"""keras-vggface's input preprocessing as a layer, so it travels inside saved models."""

from __future__ import annotations

import keras
from keras import ops

# Channel means in BGR order, subtracted after RGB -> BGR (keras_vggface.utils.preprocess_input).
MEANS = {1: (93.5940, 104.7624, 129.1863), 2: (91.4953, 103.8827, 131.0912)}


@keras.saving.register_keras_serializable(package="agecascade")
class FacePreprocess(keras.layers.Layer):
    """RGB (0-255) -> BGR minus the channel means of keras-vggface version 1 or 2."""

    def __init__(self, version: int = 1, **kwargs):
        super().__init__(**kwargs)
        if version not in MEANS:
            raise ValueError(f"version must be 1 or 2. Received: version={version}")
        self.version = version

    def call(self, inputs):
        bgr = ops.flip(ops.cast(inputs, "float32"), axis=-1)
        return bgr - ops.convert_to_tensor(MEANS[self.version], dtype="float32")

    def get_config(self):
        return {**super().get_config(), "version": self.version}
