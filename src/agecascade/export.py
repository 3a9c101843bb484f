"""Export an age model for deployment without agecascade: TensorFlow SavedModel or ONNX.

The exported model takes what a camera pipeline has: RGB faces as uint8, (N, S, S, 3) at the
model's own size S, cropped square around the face with the model's margin. Inside it: the
backbone's preprocessing (keras-vggface's channel means), the network, and the expected value.
Outputs:

* `probabilities` (N, k): the softmax over the label space;
* `expected_age` (N, 1): sum_i p_i * a_i in years (age models: the label ages; Adience models:
  the group midpoints, as `agecascade predict` reports);
* `median_age` (N, 1): the posterior median (the unified benchmark's rule), and `age_low`,
  `age_high` (N, 1): the central 80 % interval of the distribution, over the same ages
  (`agecascade.decision`: the smallest age whose cumulative probability reaches 0.5, 0.1, 0.9);
* `group` (N,): the most probable group (Adience models only).

The label values, their names, the crop margin and the input size travel with the file: in a
SavedModel as `assets.extra/agecascade.json`, in ONNX as the model's metadata properties
(`onnxruntime.InferenceSession(...).get_modelmeta().custom_metadata_map`).

ONNX uses Keras' own exporter (`Model.export`, through the pinned tf2onnx); the SavedModel is
written with `tf.saved_model.save` (see `_save_savedmodel`).
"""

from __future__ import annotations

import errno
import json
import shutil
import time
from pathlib import Path

import numpy as np

from agecascade import decision
from agecascade.config import schema_default
from agecascade.outputs import OutputWriteError

FORMATS = ("savedmodel", "onnx")

DEFAULT_MARGIN = schema_default("margin")  # for a model that records no margin of its own


class ExportError(ValueError):
    """A model that cannot be exported as asked (format, output path, missing converter)."""


def export_metadata(model) -> dict:
    """What a user of the exported file needs to feed it and read it."""
    from agecascade.models.files import group_midpoints
    from agecascade.models.head import label_space_of

    space = label_space_of(model)
    size = int(model.input_shape[1])
    ages = group_midpoints(space.names) if space.kind == "group" else np.asarray(space.values)
    info = dict(space.info)
    return {
        "format_version": 1,
        "input": f"uint8 RGB faces, (N, {size}, {size}, 3), each cropped square around the face with "
                 f"a margin of {info.get('margin', DEFAULT_MARGIN)} x the face side on every side",
        "image_size": size,
        "margin": float(info.get("margin", DEFAULT_MARGIN)),
        "kind": space.kind,
        "label_values": [float(v) for v in space.values],
        "label_names": list(space.names),
        "expected_age_values": [float(a) for a in ages],
        "backbone": info.get("backbone"),
        "chain": info.get("chain"),
        "variant": info.get("variant"),
        # age_low / age_high and calibrated_probabilities are at this temperature (1.0: the model's own)
        "temperature": float(info.get("temperature", 1.0)),
    }


def quantile_output(probabilities, values, q: float, name: str):
    """Per row of probabilities, the smallest of the ascending `values` whose cumulative probability
    reaches `q` (`agecascade.decision.quantile`), written as v_0 + sum_i (v_i - v_(i-1))
    [cumulative_(i-1) < q]: cumsum and compare, then a fixed dense layer, which both exporters and
    every ONNX runtime support (argmax over a boolean is not; a captured constant becomes an input)."""
    import keras
    import tensorflow as tf

    values = np.asarray(values, dtype="float32")
    below = keras.layers.Lambda(
        lambda p: tf.cast(tf.math.cumsum(p, axis=-1)[:, :-1] < q - 1e-6, tf.float32), name=f"{name}_below")
    steps = keras.layers.Dense(1, trainable=False, name=name)
    result = steps(below(probabilities))
    steps.set_weights([np.diff(values)[:, None], values[:1]])
    return result


def tempered(probabilities, temperature: float):
    """softmax(log p / T) as a layer (`agecascade.calibration.temper`): log, scale and softmax,
    operators both exporters and every ONNX runtime have."""
    import keras
    import tensorflow as tf

    return keras.layers.Lambda(lambda p: tf.nn.softmax(tf.math.log(p) / temperature, axis=-1),
                               name="calibrated_probabilities")(probabilities)


def deployable(model):
    """`model` wrapped for deployment: uint8 faces in, probabilities, expected age (and group) out."""
    import keras

    meta = export_metadata(model)
    size = meta["image_size"]
    faces = keras.Input((size, size, 3), dtype="uint8", name="faces")
    probabilities = model(keras.ops.cast(faces, "float32"))
    expected = keras.layers.Dense(1, use_bias=False, trainable=False, name="expected_age")
    outputs = {"probabilities": probabilities, "expected_age": expected(probabilities)}
    expected.set_weights([np.asarray(meta["expected_age_values"], dtype="float32")[:, None]])
    calibrated = tempered(probabilities, meta["temperature"])
    outputs["calibrated_probabilities"] = calibrated
    low, high = decision.interval_quantiles()  # the interval at the model's temperature, as `predict` gives it
    quantiles = (("median_age", 0.5, probabilities), ("age_low", low, calibrated), ("age_high", high, calibrated))
    for name, q, p in quantiles:
        outputs[name] = quantile_output(p, meta["expected_age_values"], q, name)
    if meta["kind"] == "group":
        import tensorflow as tf  # both exporters trace TensorFlow graphs; keras.ops.argmax bitcasts,
        # which ONNX has no operator for

        outputs["group"] = keras.layers.Lambda(lambda p: tf.math.argmax(p, axis=-1, output_type=tf.int32),
                                               name="group")(probabilities)
    wrapped = keras.Model(faces, outputs, name="agecascade_deployable")
    wrapped(np.zeros((1, size, size, 3), dtype="uint8"))  # built and called once: the exporters trace it
    return wrapped


def _save_savedmodel(wrapped, path: Path, size: int) -> None:
    """A SavedModel with one `serve` function (also `serving_default`): uint8 faces -> outputs.

    Written with `tf.saved_model.save` rather than Keras' `Model.export`, whose archive stores every
    weight twice (a 110 MB VGG16 became a 222 MB SavedModel).
    """
    import tensorflow as tf

    class Serving(tf.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model
            self.model_variables = list(model.variables)

        @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.uint8, name="faces")])
        def serve(self, faces):
            return self.model(faces, training=False)

    module = Serving(wrapped)
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})


def _check_export(model_path, fmt: str, output: Path, force: bool) -> None:
    """Refuse an export that cannot work or would replace something, before anything loads."""
    if fmt not in FORMATS:
        raise ExportError(f"--format must be one of {FORMATS}. Received: {fmt!r}")
    if output.resolve() == Path(model_path).resolve():
        raise ExportError(f"{output} is the model itself: choose another path.")
    if output.exists() and not force:
        raise ExportError(f"{output} exists: use --force to replace it.")
    if output.exists() and not is_export(output):
        raise ExportError(f"{output} exists and is not an earlier export of agecascade: --force replaces only "
                          "those. Choose another path.")
    if fmt == "onnx":
        try:
            import onnx  # noqa: F401
            import tf2onnx  # noqa: F401
        except ImportError as error:
            raise ExportError(f"ONNX export needs the pinned tf2onnx and onnx packages ({error}); "
                              "install requirements.txt.") from error


def is_export(path: Path) -> bool:
    """Whether `path` is what `export_model` writes: a SavedModel folder with agecascade's metadata
    (and nothing the export does not write), or an ONNX file carrying it."""
    path = Path(path)
    if path.is_dir():
        expected = {"assets", "assets.extra", "variables", "saved_model.pb", "fingerprint.pb"}
        return (path / "assets.extra" / "agecascade.json").is_file() and {p.name for p in path.iterdir()} <= expected
    if not path.is_file():
        return False
    try:
        import onnx

        return any(prop.key == "agecascade" for prop in onnx.load(str(path), load_external_data=False).metadata_props)
    except Exception:  # not an ONNX file at all
        return False


def _write_savedmodel(wrapped, staging: Path, meta: dict) -> None:
    _save_savedmodel(wrapped, staging, meta["image_size"])
    (staging / "assets.extra").mkdir(exist_ok=True)
    (staging / "assets.extra" / "agecascade.json").write_text(json.dumps(meta, indent=2) + "\n")


def _write_onnx(wrapped, staging: Path, meta: dict) -> None:
    import onnx

    wrapped.export(str(staging), format="onnx", verbose=False)
    proto = onnx.load(str(staging))
    properties = {"agecascade": json.dumps(meta), "margin": str(meta["margin"]),
                  "image_size": str(meta["image_size"]), "label_values": json.dumps(meta["label_values"]),
                  "label_names": json.dumps(meta["label_names"])}
    onnx.helper.set_model_props(proto, properties)
    onnx.save(proto, str(staging))


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def full_disk(error: BaseException) -> bool:
    """Whether `error` is a full disk: an OSError ENOSPC, or the converters' and TensorFlow's own
    errors that carry the operating system's message."""
    return (isinstance(error, OSError) and error.errno == errno.ENOSPC) or "No space left on device" in str(error)


def export_model(model_path, fmt: str, output, force: bool = False) -> dict:
    """Write `model_path` (an agecascade `.keras` age model) as `fmt` to `output`.

    Args:
        model_path: the `.keras` file.
        fmt: "savedmodel" (a folder) or "onnx" (a file).
        output: where to write; an existing one is replaced only with `force`.
        force: replace an existing output.

    Returns:
        A summary: output, format, size in bytes, seconds, metadata.

    Raises:
        ExportError: unknown format, existing output, or the ONNX converter is not installed.
    """
    from agecascade.models.files import load_model_file

    output = Path(output)
    _check_export(model_path, fmt, output, force)
    started = time.perf_counter()
    model = load_model_file(model_path)
    meta = export_metadata(model)
    wrapped = deployable(model)
    staging = output.with_name(output.name + ".partial")
    _remove(staging)
    try:
        (_write_savedmodel if fmt == "savedmodel" else _write_onnx)(wrapped, staging, meta)
    except BaseException as error:
        _remove(staging)  # nothing partial is left, whatever stopped the writer
        if full_disk(error):
            raise OutputWriteError(f"{output} could not be written: the disk is full; nothing was left.") from error
        raise
    if output.is_dir():
        shutil.rmtree(output)
    elif output.exists():
        output.unlink()
    staging.rename(output)
    size = sum(p.stat().st_size for p in output.rglob("*") if p.is_file()) if output.is_dir() else output.stat().st_size
    return {"output": str(output), "format": fmt, "bytes": int(size),
            "seconds": round(time.perf_counter() - started, 1), "metadata": meta}
