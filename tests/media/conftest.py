"""Shared fixtures for the media tests: the real sample media and synthetic clips made with PyAV."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import av.container
import numpy as np
import pytest

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "/work/shared/media"))


@pytest.fixture(scope="session")
def videos() -> Path:
    folder = MEDIA / "videos"
    assert folder.is_dir(), f"sample videos missing: set FACECAST_MEDIA (looked in {folder})"
    return folder


@pytest.fixture(scope="session")
def portraits() -> Path:
    folder = MEDIA / "portraits"
    assert folder.is_dir(), f"sample portraits missing: set FACECAST_MEDIA (looked in {folder})"
    return folder


MakeClip = Callable[..., Path]


@pytest.fixture
def make_clip(tmp_path: Path) -> MakeClip:
    """Return a function writing `images` as an H.264 MP4 with exactly the given pts."""

    def make(
        name: str,
        images: Sequence[np.ndarray],
        pts: Sequence[int],
        time_base: Fraction = Fraction(1, 25),
        rotation: float | None = None,
        audio_codec: str | None = None,
    ) -> Path:
        path = tmp_path / name
        height, width = images[0].shape[:2]
        with av.open(str(path), "w") as out:
            stream = out.add_stream("libx264", rate=Fraction(1) / time_base)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.time_base = time_base
            stream.codec_context.time_base = time_base
            if rotation is not None:
                stream.set_display_rotation(rotation)
            audio = None if audio_codec is None else out.add_stream(audio_codec, rate=48_000)
            for image, t in zip(images, pts, strict=True):
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts, frame.time_base = t, time_base
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
            if audio is not None:
                write_tone(out, audio, seconds=float(pts[-1] * time_base))
        return path

    return make


def write_tone(out: av.container.OutputContainer, stream: av.AudioStream, seconds: float) -> None:
    """Fill `stream` (48 kHz) with a stereo 440 Hz tone and a click every 0.25 s."""
    rate, chunk = 48_000, 960
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.5 * ((t % 0.25) < 0.002)
    for start in range(0, len(wave), chunk):
        part = wave[start : start + chunk].astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.stack([part, part]), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = rate, start
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
