"""Longer 720p test footage from $FACECAST_MEDIA: a clip played forwards and backwards,
optionally framed upright (`framed`).

The shared media holds clips of 6-20 s; the speed goal is stated for 12 s and 60 s. A clip
played forwards, then backwards, then forwards again... has no cut (each turn starts on the
frame where the last one ended), so the face tracks through it as through real footage.
The sound is the clip's own, repeated the same way. Made once, kept under out/bench/.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def _bounce(n: int, length: int) -> Iterator[int]:
    """Indices 0, 1, ..., n-1, n-2, ..., 0, 1, ... up to `length` of them."""
    cycle = list(range(n)) + list(range(n - 2, 0, -1))
    for i in range(length):
        yield cycle[i % len(cycle)]


def _frames(src: Path) -> tuple[list[np.ndarray], Fraction]:
    with av.open(str(src)) as c:
        stream = c.streams.video[0]
        return [f.to_ndarray(format="rgb24") for f in c.decode(stream)], stream.average_rate


def _sound(src: Path) -> tuple[np.ndarray, int, str] | None:
    """The clip's audio as float32 planes (channels x samples), its rate and layout."""
    with av.open(str(src)) as c:
        if not c.streams.audio:
            return None
        stream = c.streams.audio[0]
        planes = [f.to_ndarray() for f in c.decode(stream)]
        return np.concatenate(planes, axis=1), stream.rate, stream.layout.name


def framed(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`rgb` scaled to fill `size`'s width (width, height), over a blurred copy of itself
    that covers the rest, as a phone shows a square clip upright: a close-up whose face is
    as large as a portrait 720p selfie video's."""
    w, h = size
    scale = w / rgb.shape[1]
    inner = cv2.resize(rgb, (w, round(rgb.shape[0] * scale)), interpolation=cv2.INTER_CUBIC)
    cover = max(w / rgb.shape[1], h / rgb.shape[0])
    back = cv2.resize(cv2.GaussianBlur(rgb, (0, 0), 8), (round(rgb.shape[1] * cover),
                                                          round(rgb.shape[0] * cover)))
    y, x = (back.shape[0] - h) // 2, (back.shape[1] - w) // 2
    out = back[y: y + h, x: x + w].copy()
    top = (h - inner.shape[0]) // 2
    out[top: top + inner.shape[0]] = inner[: h - top]
    return out


def bounced(src: Path, dst: Path, seconds: float, size: tuple[int, int] | None = None
            ) -> Path:
    """`dst`: `src` played to and fro for `seconds`, H.264 (CRF 18) with AAC sound; kept.
    With `size` (width, height), each frame `framed` to it."""
    if dst.is_file():
        return dst
    frames, rate = _frames(src)
    if size is not None:
        frames = [framed(f, size) for f in frames]
    count = round(seconds * rate)
    sound = _sound(src)
    tmp = dst.with_suffix(".part.mp4")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(tmp), "w") as out:
        video = out.add_stream("libx264", rate=rate, options={"crf": "18"})
        video.height, video.width = frames[0].shape[:2]
        video.pix_fmt = "yuv420p"
        audio = None
        if sound is not None:
            samples, audio_rate, layout = sound
            audio = out.add_stream("aac", rate=audio_rate, layout=layout)
        for i in _bounce(len(frames), count):
            out.mux(video.encode(av.VideoFrame.from_ndarray(frames[i], format="rgb24")))
        out.mux(video.encode(None))
        if audio is not None:
            per_frame = samples.shape[1] / len(frames)
            pieces = [samples[:, round(i * per_frame): round((i + 1) * per_frame)]
                      for i in _bounce(len(frames), count)]
            track = np.ascontiguousarray(np.concatenate(pieces, axis=1), np.float32)
            step = 1024
            for at in range(0, track.shape[1], step):
                frame = av.AudioFrame.from_ndarray(track[:, at: at + step], format="fltp",
                                                   layout=layout)
                frame.sample_rate = audio_rate
                frame.pts = at
                out.mux(audio.encode(frame))
            out.mux(audio.encode(None))
    tmp.replace(dst)
    return dst
