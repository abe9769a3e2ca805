"""Read and write photos as upright RGB arrays.

Only JPEG and PNG are accepted: they are what phones and browsers produce, and every other
format would need its own colour, alpha and animation rules checked. The format is judged by
content, because uploaded files are often misnamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from PIL import ImageOps

from facecast.errors import MediaError

from ._files import AtomicFile, require_file
from .sniff import image_format, read_head

ACCEPTED_FORMATS = ("JPEG", "PNG")
_EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
PHOTO_SUFFIXES = frozenset(_EXTENSIONS)  # what a photo is written as


@dataclass
class Image:
    """Pixels as a viewer sees them (EXIF rotation applied), and the format they came in."""

    rgb: np.ndarray
    format: str
    path: str | None


def read_image(path: str | Path) -> Image:
    """Decode a JPEG or PNG into an upright RGB uint8 array; MediaError naming the file if not."""
    p = require_file(path)
    kind = image_format(read_head(p))
    if kind is None:
        raise MediaError(f"cannot read {p}: not an image (JPEG and PNG are accepted)")
    if kind not in ACCEPTED_FORMATS:
        raise MediaError(f"cannot read {p}: {kind} images are not supported; use JPEG or PNG")
    try:
        with PILImage.open(p) as img:
            img.load()  # decode now: a truncated or corrupt file fails here, not later
            upright = ImageOps.exif_transpose(img)
            rgb = _to_rgb(upright)
    except PILImage.DecompressionBombError as exc:
        raise MediaError(f"cannot read {p}: the image is too large ({exc})") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaError(
            f"cannot read {p}: the {kind} file is corrupt or truncated ({exc})"
        ) from exc
    return Image(rgb=rgb, format=kind, path=str(p))


def write_image(
    path: str | Path, rgb: np.ndarray, format: str | None = None, quality: int = 95
) -> None:
    """Save an RGB uint8 array as JPEG (at `quality`) or lossless PNG, atomically.

    The format is the one the extension names; `format` where it names none (a swap passes
    its source's: a photo swapped into `out.png` was written as JPEG under that name). The
    file is written beside `path` and renamed, so readers never see a partial image.
    """
    p = Path(path)
    fmt = (_EXTENSIONS.get(p.suffix.lower()) or format or "").upper()
    if fmt == "JPG":
        fmt = "JPEG"
    if fmt not in ACCEPTED_FORMATS:
        raise MediaError(f"cannot write {p}: name a .jpg or .png file (or pass format)")
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 array of shape HxWx3, got {rgb.dtype} {rgb.shape}")
    image = PILImage.fromarray(np.ascontiguousarray(rgb))
    options = {"quality": quality} if fmt == "JPEG" else {}
    target = AtomicFile(p)
    try:
        image.save(target.tmp, format=fmt, **options)
        target.commit()
    except OSError as exc:
        raise MediaError(f"cannot write {p}: {exc}") from exc
    finally:
        target.discard()


def _to_rgb(img: PILImage.Image) -> np.ndarray:
    """RGB pixels of any JPEG/PNG mode; transparent areas become white, not arbitrary colours."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey PNG: keep the top 8 bits
        grey = (np.asarray(img, dtype=np.uint32) >> 8).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        white = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = PILImage.alpha_composite(white, rgba)
    return np.array(img.convert("RGB"), dtype=np.uint8)
