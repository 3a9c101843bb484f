"""What a training run starts from: a cascade stage model, the keras-vggface face weights, or
random initialisation, with a new output layer for the run's label space."""

from __future__ import annotations

from pathlib import Path

import keras


def initial_model(backbone: str, start: str | Path | None, space, *, image_size: int, seed: int,
                  info: dict | None = None, frozen: str | None = None):
    """The model a training run starts from, with a new output layer for the label space `space`.

    Args:
        backbone: vgg16, resnet50 or senet50.
        start: a `.keras` age model of the previous cascade stage (every layer but its output layer
            is kept: `agecascade.models.head.transfer`), a keras-vggface weight file (`.h5`; a new head
            is built on the face backbone), or None for random initialisation (demo).
        space: the label space, `{"values", "names", "kind"}` (`read_label_space`), or just the
            ages (values).
        image_size: input side in pixels (a new backbone only; a stage model keeps its own).
        seed: seed of the new layers' initialisation.
        info: what the model records about its training (`LabelSpace.info`).
        frozen: mode a (head only; the face backbone is not trained), with its frozen batch norm:
            "inference" (today's Keras) or "batch_statistics" (Keras 2.2: `models.batchnorm`). Only
            with a face backbone. None: every layer trains (modes b and c).

    Layers take the precision policy `setup_device` set (call it first).
    """
    from agecascade.models.backbones import build_backbone
    from agecascade.models.files import load_age_model
    from agecascade.models.head import build_age_model, transfer
    from agecascade.models.weights import load_vggface_weights
    from agecascade.models.batchnorm import FROZEN_BATCHNORM, with_keras2_batchnorm

    space = space if isinstance(space, dict) else {"values": list(space), "names": None, "kind": "age"}
    labels = (space["values"], space.get("names"), space.get("kind", "age"), info)
    keras.utils.set_random_seed(seed)
    if start is not None and str(start).endswith(".keras"):
        if frozen:
            raise ValueError(f"Mode a (frozen) starts from the face backbone, not from an age model. Received: {start}")
        return transfer(load_age_model(start), *labels, seed=seed)
    base = build_backbone(backbone, (image_size, image_size, 3))
    if start is not None:
        load_vggface_weights(base, start)
    if frozen not in (None, *FROZEN_BATCHNORM):
        raise ValueError(f"frozen must be None or one of {FROZEN_BATCHNORM}. Received: frozen={frozen!r}")
    if frozen == "batch_statistics":
        base = with_keras2_batchnorm(base)
    return build_age_model(base, *labels, frozen is not None, seed=seed)
