"""Grad-CAM (Selvaraju et al. 2017) for the age models, as in thesis section 6 (Figure 14).

The gradient of the predicted class' score with respect to the output of the last convolutional
layer is averaged per channel; the channels are summed with these weights, passed
through a ReLU, normalised to [0, 1], resized to the face and laid over it as a colour map.

Works for every age model the workflow writes (a `backbone` sub-model followed by the head
layers) and for plain functional models, with the layer named by `conv_layer` (default: the
backbone's last convolutional layer, each backbone module's `gradcam_layer`).

The class score is the softmax layer's input (the class logit), as in Selvaraju et al.: the
softmax probability itself saturates for confident predictions, and its gradient, hence the map,
vanishes (the thesis' "gradients of the softmax layer").
"""

from __future__ import annotations

import numpy as np


def _find_conv(model, conv_layer: str | None):
    """(sub-model holding the layer, the layer, head layers applied after that sub-model)."""
    from agecascade.backbones.registry import registry

    holder, head = model, []
    layer_names = {layer.name for layer in model.layers}
    if "backbone" in layer_names:
        holder = model.get_layer("backbone")
        after = False
        for layer in model.layers:
            if after:
                head.append(layer)
            after = after or layer.name == "backbone"
    names = [conv_layer] if conv_layer else list(dict.fromkeys(spec.gradcam_layer for spec in registry().values()))
    for name in names:
        try:
            return holder, holder.get_layer(name), head
        except ValueError:
            continue
    raise ValueError(f"No convolutional layer {names} in {model.name}; name one with conv_layer=.")


def _is_softmax_dense(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.Dense) and layer.activation is keras.activations.softmax


def _logits(layer, x):
    from keras import ops

    return ops.matmul(x, layer.kernel) + layer.bias


def gradcam(model, faces, class_index=None, conv_layer: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Class activation maps of a batch of faces.

    Args:
        model: an age model (RGB 0-255 faces -> class probabilities).
        faces: uint8 or float array (n, size, size, 3).
        class_index: class to explain per face (default: the predicted class).
        conv_layer: name of the convolutional layer (default: the backbone's last one).

    Returns:
        (maps, classes): maps (n, h, w) in [0, 1] at the conv layer's resolution; the explained class.
    """
    import keras
    import tensorflow as tf

    holder, conv, head = _find_conv(model, conv_layer)
    inner = keras.Model(holder.inputs, [conv.output, holder.outputs[0]])
    faces = tf.convert_to_tensor(np.asarray(faces, dtype="float32"))
    with tf.GradientTape() as tape:
        maps, y = inner(faces, training=False)
        for layer in head:
            y = _logits(layer, y) if _is_softmax_dense(layer) else layer(y, training=False)
        if class_index is None:
            classes = tf.argmax(y, axis=-1)
        else:
            classes = tf.convert_to_tensor(np.broadcast_to(class_index, (faces.shape[0],)), dtype=tf.int64)
        score = tf.gather(y, classes, axis=1, batch_dims=1)
    gradients = tape.gradient(score, maps)
    weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)  # per channel
    cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1)).numpy()
    top = cam.reshape(len(cam), -1).max(axis=1).reshape(-1, 1, 1)
    cam = np.divide(cam, top, out=np.zeros_like(cam), where=top > 0)
    return cam, classes.numpy()


def overlay(face: np.ndarray, cam: np.ndarray, alpha: float = 0.45, colormap: str = "jet") -> np.ndarray:
    """The face (uint8 RGB) with the map resized to it and blended in as a colour map."""
    from matplotlib import colormaps
    from PIL import Image

    size = face.shape[1], face.shape[0]
    resized = np.asarray(Image.fromarray((cam * 255).astype(np.uint8)).resize(size, Image.Resampling.BILINEAR)) / 255.0
    heat = colormaps[colormap](resized)[..., :3] * 255
    return np.clip((1 - alpha) * face.astype(float) + alpha * heat, 0, 255).astype(np.uint8)
