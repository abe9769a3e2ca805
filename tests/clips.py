"""Test media and small clip helpers shared by the end-to-end tests."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
needs_media = pytest.mark.skipif(not (MEDIA / "videos").is_dir(),
                                 reason=f"test media not found at {MEDIA}; set FACECAST_MEDIA")


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def write_clip(path: Path, frames: list[np.ndarray], fps: int = 30) -> None:
    """A lossless H.264 clip: what the test put in is exactly what the swap reads."""
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.height, s.width = frames[0].shape[:2]
        s.pix_fmt = "yuv420p"
        s.options = {"crf": "0"}
        for f in frames:
            c.mux(s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        c.mux(s.encode(None))


def side_by_side(left: Path, right: Path, frames: int, height: int = 360) -> list[np.ndarray]:
    """The first `frames` frames of two videos scaled to one height and put side by side:
    a two-person clip."""
    import cv2

    def first(path: Path) -> list[np.ndarray]:
        with av.open(str(path)) as c:
            out = []
            for f in c.decode(video=0):
                rgb = f.to_ndarray(format="rgb24")
                w = round(rgb.shape[1] * height / rgb.shape[0] / 2) * 2
                out.append(cv2.resize(rgb, (w, height), interpolation=cv2.INTER_AREA))
                if len(out) == frames:
                    return out
        return out

    return [np.hstack(pair) for pair in zip(first(left), first(right), strict=True)]
