"""Tell images from videos by their first bytes, never by the file name.

Users rename files freely (a PNG saved as .jpg, a video without extension), so every entry
point decides what a file is from its content.
"""

from __future__ import annotations

from pathlib import Path

from facecast.errors import MediaError

from ._files import require_file

# Formats we recognise, so a rejection can say "this is a GIF" rather than "unknown file".
# Only JPEG and PNG are accepted by read_image.
_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


def image_format(head: bytes) -> str | None:
    """Name of the image format whose signature starts `head`, or None."""
    for magic, name in _IMAGE_MAGIC:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"avif"):
        return "HEIC/AVIF"
    return None


def read_head(path: str | Path, size: int = 32) -> bytes:
    """First bytes of a readable file, with MediaError naming the file if it is not."""
    p = require_file(path)
    try:
        with p.open("rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise MediaError(f"cannot read {p}: {exc.strerror or exc}") from exc
