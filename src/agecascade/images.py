"""Reading pictures as RGB arrays and cropping faces with a margin.

Every picture of every dataset goes through `load_rgb` (one place that knows about grayscale
scans, CMYK, palette and alpha images, 16-bit PNGs and EXIF orientation) and `crop_face`
(one place that knows about margins and picture borders).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

# Errors PIL raises for files that are not pictures, are truncated or corrupt.
IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError)

# The pixel budget of every picture the project decodes (prepare and predict): a 150-megapixel
# RGB picture takes 450 MB decoded. Larger ones are skipped as `too_large` before decoding, so no
# picture can exhaust a worker's memory. (PIL's own decompression-bomb check, 179 MP, is replaced.)
MAX_PIXELS = 150_000_000


EXIF_ORIENTATION = 0x0112
# EXIF orientation -> the transpose that makes the picture upright (as ImageOps.exif_transpose)
ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class ImageSkip(Exception):
    """A picture that cannot be used; `reason` is the key counted in the preparation report."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _too_large(path, width: int, height: int) -> ImageSkip:
    return ImageSkip("too_large", f"{path}: {width} x {height} pixels ({width * height / 1e6:.0f} MP) is over "
                                  f"the budget of {MAX_PIXELS / 1e6:.0f} MP (agecascade.images.MAX_PIXELS)")


def _open(path: str | Path) -> Image.Image:
    """Open a picture lazily (header only) and check its size against the pixel budget."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our budget decides
            image = Image.open(path)
    except (FileNotFoundError, IsADirectoryError) as error:
        raise ImageSkip("missing_file", str(path)) from error
    except Image.DecompressionBombError as error:
        raise ImageSkip("too_large", f"{path}: {error}") from error
    except IMAGE_ERRORS as error:
        raise ImageSkip("corrupt_image", f"{path}: {error}") from error
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise _too_large(path, width, height)
    return image


def _decode(image: Image.Image, path) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()  # the full decode happens here, so truncation is detected here
    except Image.DecompressionBombError as error:
        image.close()
        raise ImageSkip("too_large", f"{path}: {error}") from error
    except IMAGE_ERRORS as error:
        image.close()
        raise ImageSkip("corrupt_image", f"{path}: {error}") from error


def load_rgb(path: str | Path, upright: bool = True) -> Image.Image:
    """Open a picture as an 8-bit RGB PIL image, upright according to its EXIF orientation.

    Args:
        path: picture file.
        upright: False: the stored pixels as they are (the coordinates of a database file's
            `aligned_bbox`, like IMDB's boxes, are the stored pixels').

    Returns:
        A fully decoded RGB image.

    Raises:
        ImageSkip: `missing_file` when the file does not exist, `corrupt_image` when it cannot be
            decoded completely (truncated, not a picture), `too_large` beyond `MAX_PIXELS`.
    """
    image = _open(path)
    _decode(image, path)
    if upright:
        ImageOps.exif_transpose(image, in_place=True)
    return to_rgb(image)


def read_face(path: str | Path, box: tuple[float, float, float, float] | None, margin: float,
              size: int) -> tuple[np.ndarray, float]:
    """Decode a picture and crop a face whose box is known in advance (metadata, or None = all).

    The box is in the stored pixels' coordinates (as MATLAB's `imread`, which made IMDB's
    `face_location`, sees them); the EXIF orientation is applied to the crop. JPEGs are decoded
    at a reduced DCT scale when the crop is at least twice the output size (`Image.draft`), which
    is several times faster on large pictures and loses nothing at the output size.

    Returns:
        uint8 array (size, size, 3), and the fraction of the crop that lay outside the picture
        (`padding_fraction`; 0 for the whole picture).

    Raises:
        ImageSkip: as `load_rgb`.
    """
    image = _open(path)
    width, height = image.size
    if box is None:
        reduction = min(width, height) / size
    else:
        crop = margin_box(box, margin)
        reduction = (crop[2] - crop[0]) / size
    if reduction >= 2 and image.format == "JPEG":
        image.draft("RGB", (int(np.ceil(width / reduction)), int(np.ceil(height / reduction))))
    _decode(image, path)
    if box is not None and image.size != (width, height):
        factor = image.size[0] / width
        box = tuple(v * factor for v in box)
    orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    face = crop_face(to_rgb(image), box, margin, size)
    if orientation in ORIENTATION_TRANSPOSE:
        face = np.asarray(Image.fromarray(face).transpose(ORIENTATION_TRANSPOSE[orientation]))
    padding = 0.0 if box is None else padding_fraction(margin_box(box, margin), image.size)
    return face, padding


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any PIL mode to 8-bit RGB; transparent pixels become white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit grayscale (scanned photographs): scale to 8 bit instead of clipping.
        array = np.asarray(image, dtype=np.float64)
        top = array.max() or 1.0
        image = Image.fromarray(np.round(array * (255.0 / top)).astype(np.uint8), mode="L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image if image.mode == "RGB" else image.convert("RGB")


def margin_box(
    box: tuple[float, float, float, float], margin: float
) -> tuple[int, int, int, int]:
    """Square crop box around a face box, widened by `margin` of the face size on every side.

    The study crops "around the face location with a 40% margin". The face box is first made
    square around its centre (side = its longer edge) so that resizing to a square input does not
    distort the face; then `margin * side` is added on each side.

    Args:
        box: face box (x1, y1, x2, y2) in pixels, x2/y2 exclusive.
        margin: fraction of the face side added on each side (0.4 in the study).

    Returns:
        Integer (x1, y1, x2, y2); may extend beyond the picture.
    """
    x1, y1, x2, y2 = box
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f"Empty face box. Received: box={box}")
    if margin < 0:
        raise ValueError(f"margin must be >= 0. Received: margin={margin}")
    side = max(x2 - x1, y2 - y1)
    cx, cy = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    half = side * (0.5 + margin)
    return (
        int(np.floor(cx - half)),
        int(np.floor(cy - half)),
        int(np.ceil(cx + half)),
        int(np.ceil(cy + half)),
    )


def padding_fraction(crop: tuple[int, int, int, int], picture_size: tuple[int, int]) -> float:
    """Share of a crop box's area that lies outside a picture of `picture_size` (width, height):
    what `crop_face` pads with black. A face crop that is mostly padding means the face box does
    not belong to this picture (e.g. boxes of the original photographs applied to face crops)."""
    x1, y1, x2, y2 = crop
    width, height = picture_size
    inside = max(0, min(x2, width) - max(x1, 0)) * max(0, min(y2, height) - max(y1, 0))
    return 1.0 - inside / float((x2 - x1) * (y2 - y1))


def crop_face(
    image: Image.Image,
    box: tuple[float, float, float, float] | None,
    margin: float,
    size: int,
) -> np.ndarray:
    """Crop a face with a margin and resize it to `size` x `size`.

    Where the margin reaches beyond the picture, the missing area is padded with black (PIL's
    crop does this), so the face keeps its position and scale in the crop.

    Args:
        image: RGB image.
        box: face box (x1, y1, x2, y2), or None to use the whole picture (squashed to a square).
        margin: fraction of the face side added on each side.
        size: output side in pixels.

    Returns:
        uint8 array of shape (size, size, 3).
    """
    if box is None:
        crop = image
    else:
        crop = image.crop(margin_box(box, margin))
    crop = crop.resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(crop, dtype=np.uint8)


# ------------------------------------------------------------------ the unified benchmark's crop
ALIGNED_EXTENSION = 0.05  # the box grows by 5 % of its sides on every side
ALIGNED_SCALE = 1.1  # the stored crop is the input size x 1.1 (281 px for 256), for random crops


def aligned_side(size: int) -> int:
    """The side of a stored `aligned_bbox` crop for an input of `size` pixels (256 -> 281)."""
    return int(size * ALIGNED_SCALE)


def aligned_corners(corners) -> np.ndarray:
    """The extended A, B, C of a database entry's `aligned_bbox` (8 numbers: A, B, C, D as 1-based
    (column, row); A top-left, B top-right, C bottom-right, D bottom-left of the rotated box) in
    0-based pixel coordinates: A moves by 0.05 (A - B) + 0.05 (A - D), B and C likewise."""
    a, b, c, d = np.asarray(corners, dtype=np.float64).reshape(4, 2) - 1.0
    grow = ALIGNED_EXTENSION
    return np.stack([a + grow * (a - b) + grow * (a - d), b + grow * (b - a) + grow * (b - c),
                     c + grow * (c - d) + grow * (c - b)])


def aligned_crop(image: Image.Image, corners, size: int) -> np.ndarray:
    """The benchmark's face: the extended `aligned_bbox` mapped by an affine transform onto the
    corners (0, 0), (W-1, 0), (W-1, W-1) of a W x W picture, W = `aligned_side(size)` (bilinear,
    black outside the picture): the box comes out upright and fills the central `size` crop.

    Returns:
        uint8 array (W, W, 3).
    """
    a, b, c = aligned_corners(corners)
    side = aligned_side(size)
    across, down = (b - a) / (side - 1), (c - b) / (side - 1)  # input step per output column / row
    # PIL samples output pixel x at x + 0.5 and reads input coordinate u at pixel u - 0.5
    origin = a + 0.5 - 0.5 * across - 0.5 * down
    coefficients = (across[0], down[0], origin[0], across[1], down[1], origin[1])
    warped = to_rgb(image).transform((side, side), Image.Transform.AFFINE, coefficients,
                                     resample=Image.Resampling.BILINEAR, fillcolor=(0, 0, 0))
    return np.asarray(warped, dtype=np.uint8)
