"""Stream a video as upright RGB frames, optionally trimmed to [start, end) seconds."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import cv2
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from facecast.errors import MediaError, ParamError

from ._pipeline import prefetch
from .probe import StreamDetails, VideoInfo, ffmpeg_reason, inspect_video, open_video

# swscale's default YUV -> RGB conversion comes out about one level too dark (measured against
# OpenCV and a floating-point reference), so each decode/encode round trip would darken the
# video. Accurate rounding with full chroma interpolation is exact, for a few ms more per 720p
# frame, spent in the decoder thread (one swscale thread: more only added overhead). Into
# planar RGB (`gbrp`, its planes then interleaved by OpenCV) it gives the same pixels as
# into packed RGB, bit for bit, in about two thirds of the time (4.0-4.5 -> 2.7-3.1 ms a
# 720p frame).
_TO_RGB = Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT

REPEAT = (0.25, 5.0, 16)
"""A frame repeats the last one not marked so when their green planes differ by less than
the first (8-bit levels) on average and by less than the second in the mean of every block
of the third's size (pixels): a still picture everywhere, not only on the whole. A clip's
duplicates (s32's every sixth frame, s13's two of five, d12's one of five, d10's one of
seven) decode 0.03-0.25 apart on average and 1-4 in their worst block; a face that moved a
little (a lid, a lip) changes some block by more (s32's frame 93: 0.24 on average, 11 in a
block), and s18, d0, d3, d9 and d14 repeat none. Compared with the last frame kept,
not the one before: a slow drift is no repeat however small each step."""

# Frames decoded ahead of the consumer. Two keep the decoder busy during a slow processing step;
# more would only cost memory (a 4K RGB frame is 25 MB).
_PREFETCH_DEPTH = 2


@dataclass
class Frame:
    """One upright RGB frame with the timestamp the writer needs to keep the source timing."""

    index: int
    image: np.ndarray
    pts: int | None
    time: float
    repeat: bool = False
    """The frame shows the picture of the last frame not marked so (`REPEAT`): a duplicate
    that a frame-rate conversion or a phone's variable rate put in the stream."""


class VideoReader:
    """Iterate a video's frames as RGB uint8 arrays, decoding in a worker thread.

    Only a few frames are in memory at once. Frames are upright: the container's rotation is
    applied to the pixels, so `image.shape` is (info.height, info.width, 3). With `start`/`end`
    (seconds from the start of the video) only frames whose time is in [start, end) are
    produced, numbered from 0.
    """

    def __init__(
        self, path: str | Path, start: float | None = None, end: float | None = None
    ) -> None:
        if start is not None and start < 0:
            raise ParamError(f"start must be >= 0 seconds, got {start}")
        if start is not None and end is not None and end <= start:
            raise ParamError(f"end ({end} s) must be after start ({start} s)")
        self.path = Path(path)
        self.start = start
        self.end = end
        self.info: VideoInfo
        self.details: StreamDetails
        self.info, self.details = inspect_video(self.path)
        if start is not None and start >= self.info.duration:
            # no path: on a server it is the store's, and a damaged file's frames may be
            # stamped past its probed length without the user asking for any start
            raise ParamError(
                f"start ({start} s) is at or after the end of the video "
                f"({self.info.duration:.2f} s)"
            )
        self.time_base: Fraction = self.details.time_base
        self._live: list[Generator[Frame, None, None]] = []

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop any iteration still running (its worker thread and open file)."""
        for live in self._live:
            live.close()
        self._live.clear()

    def __iter__(self) -> Iterator[Frame]:
        frames = prefetch(self._decode, _PREFETCH_DEPTH)
        self._live.append(frames)
        return frames

    def _decode(self) -> Iterator[Frame]:
        with open_video(self.path) as (container, stream):
            stream.thread_type = "AUTO"
            start = None if self.start is None else Fraction(self.start)
            end = None if self.end is None else Fraction(self.end)
            if start:
                container.seek(self.details.start_pts + int(start / self.time_base), stream=stream)
            turns = -self.info.rotation // 90
            # a damaged or spliced stream may change size midway: every frame comes out at
            # the size the video was probed at, as everything downstream assumes
            width, height = self.info.width, self.info.height
            if turns % 2:
                width, height = height, width
            to_rgb = VideoReformatter()  # set up once for the stream, not once a frame
            decoded = container.decode(stream)
            index = 0
            kept: np.ndarray | None = None  # the green plane of the last frame not a repeat
            while True:
                try:
                    frame = next(decoded, None)
                except av.FFmpegError as exc:
                    raise MediaError(
                        f"cannot read video {self.path}: decoding failed after frame {index} "
                        f"({ffmpeg_reason(exc)})"
                    ) from exc
                if frame is None:
                    return
                time = self._time(frame, index)
                if start is not None and time < start:
                    continue
                if end is not None and time >= end:
                    return
                planar = to_rgb.reformat(frame, width=width, height=height, format="gbrp",
                                         interpolation=_TO_RGB, threads=1)
                green = _plane(planar, 0)
                repeat = kept is not None and _same_picture(green, kept)
                if not repeat:
                    kept = green.copy()
                image = _interleaved(planar)
                if turns % 4:
                    image = np.ascontiguousarray(np.rot90(image, turns))
                yield Frame(index=index, image=image, pts=frame.pts, time=float(time),
                            repeat=repeat)
                index += 1

    def _time(self, frame: av.VideoFrame, index: int) -> Fraction:
        """Seconds from the start of the stream; by position when the container has no pts."""
        if frame.pts is None:
            return Fraction(index) / Fraction(self.info.fps or 1)
        return (frame.pts - self.details.start_pts) * self.time_base


def _plane(planar: av.VideoFrame, which: int) -> np.ndarray:
    """One plane of a planar frame (h x w, uint8), a view of its buffer."""
    plane = planar.planes[which]
    return np.frombuffer(plane, np.uint8).reshape(planar.height, plane.line_size)[:, : planar.width]


def _interleaved(planar: av.VideoFrame) -> np.ndarray:
    """RGB (h x w x 3, uint8) from a `gbrp` frame's planes."""
    g, b, r = (_plane(planar, which) for which in range(3))
    return cv2.merge([r, g, b])


def _same_picture(green: np.ndarray, kept: np.ndarray) -> bool:
    """Whether two frames' green planes show the same picture (`REPEAT`)."""
    mean, most, block = REPEAT
    difference = cv2.absdiff(green, kept)
    if cv2.mean(difference)[0] >= mean:
        return False
    h, w = difference.shape
    blocks = cv2.resize(difference, (max(w // block, 1), max(h // block, 1)),
                        interpolation=cv2.INTER_AREA)
    return float(blocks.max()) < most
