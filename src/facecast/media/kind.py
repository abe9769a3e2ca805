"""Route an upload to the image or the video path by what the file contains."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from facecast.errors import MediaError, ParamError

from .image import PHOTO_SUFFIXES
from .probe import probe_video
from .sniff import image_format, read_head


def media_kind(path: str | Path) -> Literal["image", "video"]:
    """Whether `path` holds an image or a video, judged by content, never by extension.

    Image signatures are checked first because FFmpeg also opens JPEG and PNG files (as one-frame
    videos). Recognised but unsupported images (GIF, BMP...) count as "image" so the caller
    routes them to read_image, whose error lists the accepted formats.
    """
    if image_format(read_head(path)) is not None:
        return "image"
    try:
        probe_video(path)
    except MediaError as exc:
        raise MediaError(
            f"{path} is neither an image (JPEG, PNG) nor a readable video: {exc}"
        ) from exc
    return "video"


def check_output_name(output: str | Path, kind: Literal["image", "video"]) -> None:
    """Refuse, before any work, an output named for the other kind of media: a photo swapped
    into `out.mp4` was written as JPEG bytes under that name, a video into `out.jpg` as an
    MP4."""
    suffix = Path(output).suffix.lower()
    if kind == "image" and suffix not in PHOTO_SUFFIXES:
        raise ParamError(f"the input is a photo: name the output .jpg or .png "
                         f"(got {suffix or 'no extension'})")
    if kind == "video" and suffix in PHOTO_SUFFIXES:
        raise ParamError(f"the input is a video: name the output .mp4 (got {suffix})")
