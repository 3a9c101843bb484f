"""The unified benchmark's `aligned_bbox` crop, checked by geometry against the reference's
description (../shared/reference/unified-benchmark.md, "Their faces"): the box extended by 5 %,
mapped onto a picture of the input size x 1.1, upright, black outside."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from agecascade.images import aligned_corners, aligned_crop, aligned_side


def _rotated_box(center, side, degrees):
    """Corners A (top-left), B, C, D of a square of `side` rotated by `degrees`, 0-based."""
    angle = np.deg2rad(degrees)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    half = side / 2
    offsets = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
    return offsets @ rotation.T + np.asarray(center, dtype=float)


def _picture(corners, marker_corner):
    """A grey picture with the box drawn white and a red marker inside it near `marker_corner`."""
    image = Image.new("RGB", (400, 300), (90, 90, 90))
    draw = ImageDraw.Draw(image)
    draw.polygon([tuple(p) for p in corners], fill=(255, 255, 255))
    center = corners.mean(axis=0)
    marker = center + 0.7 * (corners[marker_corner] - center)
    draw.ellipse([marker[0] - 5, marker[1] - 5, marker[0] + 5, marker[1] + 5], fill=(255, 0, 0))
    return image


@pytest.mark.parametrize("degrees", [0, 25, -40])
def test_a_rotated_box_comes_out_upright_filling_the_central_crop(degrees):
    size = 100
    corners = _rotated_box((200, 150), 120, degrees)
    one_based = (corners + 1).ravel().tolist()  # the database file's convention
    face = aligned_crop(_picture(corners, marker_corner=0), one_based, size)
    side = aligned_side(size)
    assert face.shape == (side, side, 3) == (110, 110, 3)
    white = (face.min(axis=2) > 200)
    rows, columns = np.nonzero(white.any(axis=1))[0], np.nonzero(white.any(axis=0))[0]
    # the box is 1/1.1 of the picture, centred: it fills the central 100 x 100 crop (pixels 5-104)
    offset = (side - size) / 2
    for found in (rows, columns):
        assert found.min() == pytest.approx(offset, abs=1.5)
        assert found.max() == pytest.approx(offset + size - 1, abs=1.5)
    # upright: the marker drawn near corner A (top-left of the box) is in the top-left quadrant
    red = (face[..., 0] > 200) & (face[..., 1] < 80)
    marker_rows, marker_columns = np.nonzero(red)
    assert marker_rows.mean() < side / 2 and marker_columns.mean() < side / 2


def test_the_box_grows_by_five_percent_of_its_sides_and_outside_the_picture_is_black():
    # an upright box of side 100 with A at (11, 21) 1-based: extended by 5 each way
    corners = [11, 21, 111, 21, 111, 121, 11, 121]
    a, b, c = aligned_corners(corners)
    assert a.tolist() == pytest.approx([5, 15]) and b.tolist() == pytest.approx([115, 15])
    assert c.tolist() == pytest.approx([115, 125])
    # a box at the picture's corner: its extension lies outside and comes out black
    picture = Image.new("RGB", (50, 50), (255, 255, 255))
    face = aligned_crop(picture, [1, 1, 50, 1, 50, 50, 1, 50], 40)
    assert face.shape == (44, 44, 3)
    assert face[0, 0].max() < 60 and face[22, 22].min() == 255


@pytest.mark.integration  # Keras layers
def test_training_takes_random_80_to_100_percent_crops_and_testing_the_central_crop():
    import keras

    from agecascade.input_pipeline import ExtendedCrop

    stored, size = 44, 40
    # a stored face whose pixel values are their column numbers (rows: their row numbers)
    columns = np.tile(np.arange(stored, dtype="float32"), (stored, 1))
    images = np.stack([np.stack([columns, columns.T, np.zeros_like(columns)], axis=-1)] * 64)
    layer = ExtendedCrop(size, seed=7)
    central = keras.ops.convert_to_numpy(layer(images, training=False))
    assert central.shape == (64, size, size, 3)
    assert central[0, 0, 0, 0] == 2 and central[0, -1, -1, 0] == 41  # pixels 2-41: the centre
    crops = keras.ops.convert_to_numpy(layer(images, training=True))
    assert crops.shape == (64, size, size, 3)
    # each crop's side (in stored pixels) is its column span / (size - 1) x size: 80-100 % of the area
    spans = (crops[:, 0, -1, 0] - crops[:, 0, 0, 0]) * size / (size - 1)
    areas = (spans / stored) ** 2
    assert areas.min() >= 0.8 - 0.02 and areas.max() <= 1.0 + 1e-6
    assert areas.std() > 0.02  # one crop per face, not one per batch
    assert crops[..., 0].min() >= 0 and crops[..., 0].max() <= stored - 1  # never outside the stored face
    left = crops[:, 0, 0, 0]
    assert left.std() > 0.1  # at random places
