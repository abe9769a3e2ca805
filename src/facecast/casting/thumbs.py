"""Small JPEG pictures for the page and the face lists: thumbnails and poster frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from facecast.media import VideoReader, probe_video

THUMB_WIDTH = 320


def write_thumbnail(rgb: np.ndarray, out: Path, width: int = THUMB_WIDTH) -> None:
    """Write a JPEG `width` pixels wide, atomically (a reader never sees half a file)."""
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data.tobytes())
    tmp.replace(out)


def poster_frame(path: Path, at: float | None = None) -> np.ndarray:
    """An RGB frame at `at` seconds, by default a second in (or mid-way in shorter clips):
    the first is often black."""
    info = probe_video(path)
    if at is None or not 0 <= at < info.duration:
        at = min(1.0, info.duration / 2) if info.duration else None
    with VideoReader(path, start=at) as reader:
        for frame in reader:
            return frame.image
    with VideoReader(path) as reader:
        return next(iter(reader)).image
