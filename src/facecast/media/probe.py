"""What a video file holds (size, rate, frame count, rotation, codecs), read before any work.

Probing decodes the first frame: it is the only way PyAV exposes the display matrix, and it
proves the file is decodable, so a bad upload fails here instead of minutes into a job.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.stream

from facecast.errors import MediaError

from ._files import require_file
from .sniff import image_format, read_head

UNKNOWN_CODEC = "unknown"
"""A sound track FFmpeg cannot decode (its header damaged): videos are written without it."""


@dataclass(frozen=True)
class VideoInfo:
    """Facts about a video, with width/height as a viewer sees them (rotation applied)."""

    path: str
    width: int
    height: int
    fps: float
    frames: int
    duration: float
    rotation: int
    codec: str
    audio_codec: str | None
    bit_rate: int | None = None
    """The video stream's bits a second, when the file says."""

    @property
    def bits_per_pixel(self) -> float | None:
        """The video stream's bits per pixel of each frame: how much of the picture's finest
        detail (grain, pores) its encoder could keep. None when the bit rate is unknown."""
        pixels = self.width * self.height * self.fps
        return self.bit_rate / pixels if self.bit_rate and pixels > 0 else None


@dataclass(frozen=True)
class StreamDetails:
    """What the reader and writer need beyond VideoInfo to reproduce the source's timing and
    colours: its timestamp unit and origin, its exact frame rate and its colour tags."""

    time_base: Fraction
    start_pts: int
    rate: Fraction
    colorspace: int
    color_primaries: int
    color_trc: int


def ffmpeg_reason(exc: Exception) -> str:
    """A user-facing reason for an FFmpeg failure: its own message is terse and names no cause."""
    if isinstance(exc, av.InvalidDataError):
        return "the file is corrupt, truncated or not a video"
    if isinstance(exc, av.FFmpegError):
        return exc.strerror or str(exc)
    return str(exc)


def _clockwise_rotation(frame: av.VideoFrame) -> int:
    """Clockwise degrees (0/90/180/270) a viewer turns the decoded pixels to show them upright.

    PyAV reports the display matrix counter-clockwise; the clockwise convention matches the
    classic `rotate` tag and what phones write (90 for a portrait clip stored landscape).
    """
    return (-round(frame.rotation / 90) * 90) % 360


@contextlib.contextmanager
def open_video(path: str | Path) -> Iterator[tuple[av.container.InputContainer, av.VideoStream]]:
    """Open `path` and yield its container and main video stream, mapping failures to MediaError."""
    p = require_file(path)
    kind = image_format(read_head(p))
    if kind is not None:
        raise MediaError(f"cannot read {p} as a video: it is a {kind} image")
    try:
        container = av.open(str(p), metadata_errors="replace")
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise MediaError(f"cannot read video {p}: {ffmpeg_reason(exc)}") from exc
    try:
        yield container, _main_video_stream(container, p)
    finally:
        container.close()


def probe_video(path: str | Path) -> VideoInfo:
    """Read a video's facts, or raise MediaError naming the file and what is wrong with it."""
    return inspect_video(path)[0]


def inspect_video(path: str | Path) -> tuple[VideoInfo, StreamDetails]:
    """probe_video plus the stream details the reader and writer share."""
    p = Path(path)
    with open_video(p) as (container, stream):
        _check_complete(container, p)
        first = _first_frame(container, stream, p)
        frames = stream.frames
        if frames <= 0:
            container.seek(0)
            frames = sum(1 for packet in container.demux(stream) if packet.size)
        rotation = _clockwise_rotation(first)
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        duration = _duration(container, stream)
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else (frames / duration if duration else 0.0)
        if not duration and fps:
            duration = frames / fps
        audio = container.streams.audio
        info = VideoInfo(
            path=str(p),
            width=width,
            height=height,
            fps=fps,
            frames=frames,
            duration=duration,
            rotation=rotation,
            codec=stream.codec.canonical_name,
            audio_codec=(_codec_name(audio[0]) or UNKNOWN_CODEC) if audio else None,
            bit_rate=stream.bit_rate or None,
        )
        details = StreamDetails(
            time_base=stream.time_base or Fraction(1, 90000),
            start_pts=stream.start_time or 0,
            rate=Fraction(rate) if rate else Fraction(fps).limit_denominator(1001),
            colorspace=first.colorspace,
            color_primaries=first.color_primaries,
            color_trc=first.color_trc,
        )
        return info, details


def _codec_name(stream: av.stream.Stream) -> str | None:
    """The stream's codec, None when FFmpeg does not know it (a damaged header)."""
    context = stream.codec_context
    return context.codec.canonical_name if context is not None else None


def _main_video_stream(container: av.container.InputContainer, p: Path) -> av.VideoStream:
    """The first real video stream; cover art in audio files is a "video" stream too."""
    for stream in container.streams.video:
        if stream.disposition & av.stream.Disposition.attached_pic:
            continue
        if stream.codec_context is None:
            raise MediaError(f"cannot read video {p}: its video codec is not supported")
        return stream
    raise MediaError(f"cannot read video {p}: it contains no video stream")


def _check_complete(container: av.container.InputContainer, p: Path) -> None:
    """Reject a file cut short (interrupted upload or copy) whose header survived.

    The sample index of MP4/MOV lists where every packet lies; a packet ending past the end of
    the file proves truncation. FFmpeg itself would silently stop early.
    """
    size = os.path.getsize(p)
    for stream in container.streams:
        entries = stream.index_entries
        if not len(entries):
            continue
        last = entries[len(entries) - 1]
        if last.pos + last.size > size:
            raise MediaError(f"cannot read video {p}: the file is truncated (incomplete copy?)")


def _first_frame(
    container: av.container.InputContainer, stream: av.VideoStream, p: Path
) -> av.VideoFrame:
    try:
        for frame in container.decode(stream):
            return frame
    except av.FFmpegError as exc:
        raise MediaError(f"cannot read video {p}: {ffmpeg_reason(exc)}") from exc
    raise MediaError(f"cannot read video {p}: it contains no decodable frame")


def _duration(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0
