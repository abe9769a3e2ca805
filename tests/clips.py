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
