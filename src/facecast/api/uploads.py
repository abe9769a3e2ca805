"""Saving uploads to disk within the configured limits, with messages a person can act on."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import HTTPException, UploadFile
from PIL import Image

from facecast.media.sniff import image_format

CHUNK = 1 << 20


def save_upload(upload: UploadFile, dest: Path, max_mb: float) -> int:
    """Copy an upload to `dest`; 413 (and nothing left on disk) if it exceeds `max_mb`."""
    limit = int(max_mb * (1 << 20))
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                dest.unlink(missing_ok=True)
                raise HTTPException(413, f"{upload.filename or 'the file'} is larger than "
                                         f"{max_mb:g} MB, the upload limit")
            out.write(chunk)
    if size == 0:
        dest.unlink(missing_ok=True)
        raise HTTPException(422, f"{upload.filename or 'the file'} is empty")
    return size


def check_photo(path: Path, shown_name: str, max_pixels: int) -> str | None:
    """Why a saved upload is not a usable photo (format, pixels), or None if it is. Its size
    is read from the header, so a file claiming a billion pixels is refused undecoded."""
    with path.open("rb") as fh:
        kind = image_format(fh.read(32))
    if kind is None:
        return f"{shown_name} is not an image: upload JPEG or PNG photos"
    if kind not in ("JPEG", "PNG"):
        return f"{shown_name} is a {kind} image: upload JPEG or PNG photos"
    too_many = (f"{shown_name} has more pixels than the limit of {max_pixels / 1e6:g} "
                "megapixels: resize it")
    try:
        with Image.open(path) as im:  # reads the header only: nothing is decoded here
            width, height = im.size
    except Image.DecompressionBombError:
        return too_many
    except Exception:
        return f"{shown_name} is a damaged {kind} file: export it again"
    if width < 1 or height < 1:
        return f"{shown_name} is a damaged {kind} file: export it again"
    if width * height > max_pixels:
        return (f"{shown_name} has {width}x{height} pixels, more than the limit of "
                f"{max_pixels / 1e6:g} megapixels: resize it")
    return None


def clear(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
