import numpy as np
import pytest
from PIL import Image

from agecascade.images import ImageSkip, crop_face, load_rgb, margin_box, read_face


def test_margin_box_is_square_and_adds_margin_on_every_side():
    # face 100 wide, 50 high, centred at (150, 125): square side 100, plus 40 on each side
    assert margin_box((100, 100, 200, 150), 0.4) == (60, 35, 240, 215)
    assert margin_box((10, 10, 20, 20), 0.0) == (10, 10, 20, 20)


@pytest.mark.parametrize("box", [(5, 5, 5, 9), (9, 9, 3, 3)])
def test_margin_box_rejects_empty_boxes(box):
    with pytest.raises(ValueError, match="Empty face box"):
        margin_box(box, 0.4)


def test_crop_at_the_picture_border_pads_and_keeps_the_face_in_place():
    # a white 20x20 "face" in the top-left corner of a gray picture
    array = np.full((100, 100, 3), 128, np.uint8)
    array[:20, :20] = 255
    face = crop_face(Image.fromarray(array), (0, 0, 20, 20), margin=0.5, size=40)
    # crop box (-10, -10, 30, 30): the face sits in the middle quarter, the margin beyond the
    # picture is black, the margin inside it is the gray background
    assert face.shape == (40, 40, 3)
    assert (face[12:28, 12:28] > 240).all()
    assert (face[:8, :8] < 5).all()
    assert (abs(face[34:, 34:].astype(int) - 128) < 3).all()


def test_crop_without_box_resizes_the_whole_picture():
    face = crop_face(Image.new("RGB", (30, 60), (10, 20, 30)), None, 0.4, 16)
    assert face.shape == (16, 16, 3) and tuple(face[8, 8]) == (10, 20, 30)


def _save(tmp_path, name, image, **kwargs):
    path = tmp_path / name
    image.save(path, **kwargs)
    return path


@pytest.mark.parametrize(
    "mode,fmt", [("L", "JPEG"), ("CMYK", "JPEG"), ("RGBA", "PNG"), ("P", "PNG"), ("I;16", "PNG")]
)
def test_every_mode_becomes_8_bit_rgb(tmp_path, mode, fmt):
    image = Image.new("RGB", (24, 16), (200, 100, 50)).convert(mode)
    loaded = load_rgb(_save(tmp_path, f"x.{fmt.lower()}", image, format=fmt))
    assert loaded.mode == "RGB" and loaded.size == (24, 16)


def test_transparent_pixels_become_white(tmp_path):
    image = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    assert load_rgb(_save(tmp_path, "a.png", image, format="PNG")).getpixel((1, 1)) == (255, 255, 255)


def test_exif_orientation_is_applied(tmp_path):
    upright = Image.new("RGB", (40, 20), (0, 0, 0))
    upright.paste((255, 255, 255), (0, 0, 10, 20))  # white band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: viewer must rotate 90 degrees clockwise
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    loaded = load_rgb(_save(tmp_path, "r.jpg", stored, format="JPEG", exif=exif.tobytes()))
    assert loaded.size == (40, 20)
    assert np.asarray(loaded)[:, :8].mean() > 200 and np.asarray(loaded)[:, 12:].mean() < 50


def test_truncated_and_non_pictures_are_skips_with_a_reason(tmp_path):
    path = _save(tmp_path, "t.jpg", Image.effect_noise((64, 64), 50).convert("RGB"), format="JPEG")
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ImageSkip) as skip:
        load_rgb(path)
    assert skip.value.reason == "corrupt_image"
    (tmp_path / "n.jpg").write_text("not a picture")
    with pytest.raises(ImageSkip, match="corrupt_image"):
        load_rgb(tmp_path / "n.jpg")
    with pytest.raises(ImageSkip, match="missing_file"):
        load_rgb(tmp_path / "absent.jpg")


def _face_picture(width=400, height=300):
    """A gray picture with a white square 'face' at (200, 100)-(260, 160) and a red dot at its top-left."""
    array = np.full((height, width, 3), 90, np.uint8)
    array[100:160, 200:260] = 255
    array[100:110, 200:210] = (255, 0, 0)
    return Image.fromarray(array)


def test_read_face_matches_crop_face_and_uses_reduced_jpeg_decoding(tmp_path):
    path = _save(tmp_path, "big.jpg", _face_picture(1600, 1200).resize((1600, 1200)), format="JPEG", quality=95)
    box = (800, 400, 1040, 640)  # the face scaled by 4
    fast, padding = read_face(path, box, 0.4, 32)
    assert padding == 0  # the crop lies inside the picture
    fast = fast.astype(int)
    slow = crop_face(load_rgb(path), box, 0.4, 32).astype(int)
    assert np.abs(fast - slow).mean() < 4  # reduced-scale decoding gives the same face


def test_read_face_applies_exif_orientation_after_cropping_in_stored_coordinates(tmp_path):
    # stored sideways, as a camera does; the box refers to the stored pixels (as for IMDB)
    upright = _face_picture()
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # EXIF 6 rotates it back
    exif = Image.Exif()
    exif[0x0112] = 6
    path = _save(tmp_path, "r.jpg", stored, format="JPEG", exif=exif.tobytes(), quality=95)
    # white square in stored coordinates: x 100-160, y 140-200 (rotated 90 degrees ccw)
    face, _ = read_face(path, (100, 140, 160, 200), 0.0, 60)
    expected = crop_face(upright, (200, 100, 260, 160), 0.0, 60)
    assert np.abs(face.astype(int) - expected.astype(int)).mean() < 6
    assert face[2, 2, 0] > 200 and face[2, 2, 1] < 80  # red dot back at the top-left


def test_read_face_skips_like_load_rgb(tmp_path):
    with pytest.raises(ImageSkip, match="missing_file"):
        read_face(tmp_path / "absent.jpg", None, 0.4, 8)


def test_padding_fraction_is_the_share_of_the_crop_outside_the_picture():
    from agecascade.images import padding_fraction

    assert padding_fraction((0, 0, 10, 10), (20, 20)) == 0
    assert padding_fraction((-10, 0, 10, 10), (20, 20)) == 0.5
    assert padding_fraction((15, 15, 25, 25), (20, 20)) == 0.75
    assert padding_fraction((30, 30, 40, 40), (20, 20)) == 1


def test_pictures_over_the_pixel_budget_are_skipped_before_decoding(tmp_path, monkeypatch):
    import agecascade.images as images

    path = tmp_path / "big.png"
    Image.new("RGB", (400, 300), (10, 20, 30)).save(path)
    monkeypatch.setattr(images, "MAX_PIXELS", 100_000)  # 400 x 300 = 120,000 pixels
    for read in (lambda: load_rgb(path), lambda: read_face(path, None, 0.4, 8)):
        with pytest.raises(ImageSkip) as skip:
            read()
        assert skip.value.reason == "too_large" and "400 x 300" in str(skip.value)
    # PIL's own decompression-bomb check is a size problem too, never "corrupt"
    monkeypatch.setattr(images, "MAX_PIXELS", 10**9)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50_000)
    with pytest.raises(ImageSkip) as skip:
        load_rgb(path)
    assert skip.value.reason == "too_large"


def test_progress_lines_are_rate_limited_and_say_rate_and_eta(caplog):
    import logging

    from agecascade.logs import Progress

    clock = iter([10.0, 31.0, 45.0, 70.0, 76.0])
    progress = Progress("pictures", 1000, "prepare imdb", every=30)
    progress._clock = lambda: next(clock)
    progress.started = progress._last = 0.0
    caplog.set_level(logging.INFO)
    # rate = done / elapsed, ETA = left / rate: 200/31 s -> 6.5/s, 124 s; 400/70 s -> 5.7/s, 105 s;
    # 400/76 s -> 5.3/s, 114 s (written as minutes from 120 s on)
    for _ in range(4):  # at 10, 31, 45, 70 s
        progress.update(100, "kept 90")
    progress.update(0, "kept 360", final=True)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "prepare imdb: 200 / 1,000 pictures (20.0 %), ETA 2 min, 6.5 pictures/s, kept 90",
        "prepare imdb: 400 / 1,000 pictures (40.0 %), ETA 105 s, 5.7 pictures/s, kept 90",
        "prepare imdb: 400 / 1,000 pictures (40.0 %), ETA 114 s, 5.3 pictures/s, kept 360",
    ]
