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


def frames_between(path: Path, start: float, end: float) -> list[np.ndarray]:
    """The frames of a clip whose time is in [start, end), as a trimmed swap has them."""
    from facecast.media import VideoReader

    with VideoReader(path, start=start, end=end) as reader:
        return [f.image for f in reader]


def write_clip(path: Path, frames: list[np.ndarray], fps: int = 30, crf: int = 0) -> None:
    """A lossless H.264 clip: what the test put in is exactly what the swap reads (at crf 0;
    the swap's own encoder setting, 20, makes a plain re-encode)."""
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.height, s.width = frames[0].shape[:2]
        s.pix_fmt = "yuv420p"
        s.options = {"crf": str(crf)}
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


def alternating_clip(path: Path, videos: list[Path], segment: int, segments: int,
                     side: int = 384) -> list[str]:
    """A clip of `segments` runs of `segment` frames taken from `videos` in turn (each video
    continuing where its last run stopped), every frame centre-cropped square and resized to
    `side`. Returns the name (stem) of the video each frame came from: the truth a
    clustering is judged against."""
    import cv2

    per_video = -(-segments // len(videos)) * segment
    runs = []
    for video in videos:
        frames = []
        with av.open(str(video)) as c:
            for frame in c.decode(video=0):
                rgb = frame.to_ndarray(format="rgb24")
                h, w = rgb.shape[:2]
                s = min(h, w)
                square = rgb[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
                frames.append(cv2.resize(square, (side, side), interpolation=cv2.INTER_AREA))
                if len(frames) == per_video:
                    break
        runs.append(frames)
    clip, truth = [], []
    for i in range(segments):
        which = i % len(videos)
        start = (i // len(videos)) * segment
        run = runs[which][start : start + segment]
        clip += run
        truth += [videos[which].stem] * len(run)
    write_clip(path, clip, fps=25)
    return truth
