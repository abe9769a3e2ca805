"""Where a long video is cut: frame ranges, each with the warm-up run before it.

The cut is made on the source's own frame timestamps (read from its packets, nothing is
decoded), so every frame lands in exactly one piece whatever the frame rate does. Each
piece's reader starts `warmup` seconds earlier: those frames go through the same swap, so
smoothing, occlusion memory, relight gain and tracking have settled when its first written
frame comes, but they are not written.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from facecast.media.probe import inspect_video, open_video

WARMUP_SECONDS = 2.0
"""Run before each piece: the occlusion memory (the longest-lived state, `ACCEPT_AFTER`
frames, 2 s at 30 fps) and the relight gain (30 % a frame) have settled by then."""


@dataclass(frozen=True)
class Chunk:
    """One piece: frames `first`..`first + count - 1` of the span, written from `start` s."""

    index: int
    first: int
    count: int
    warm: float | None
    """Seconds where its reader starts (None: the source's start)."""
    start: float | None
    """Seconds of its first written frame, a little before it (None: the source's start)."""
    end: float | None
    """Seconds past its last frame (None: the source's end)."""
    first_pts: int
    """Its first frame's timestamp in the source's time base."""


@dataclass(frozen=True)
class Plan:
    """A span of a video cut into pieces, and what the join needs to put them together."""

    chunks: tuple[Chunk, ...]
    origin_pts: int
    """Subtracted from every timestamp of the output (the first frame's, when trimmed)."""
    end_pts: int
    """Where the last frame ends (source time base): the sound stops there when trimmed."""
    trimmed: bool

    @property
    def frames(self) -> int:
        return sum(c.count for c in self.chunks)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(chunks=tuple(Chunk(**c) for c in data["chunks"]),
                   origin_pts=data["origin_pts"], end_pts=data["end_pts"],
                   trimmed=data["trimmed"])


def frame_pts(source: Path) -> list[int] | None:
    """Every video frame's timestamp in display order, from the packets; None when the
    container has frames without one (such a video is not cut)."""
    with open_video(source) as (container, stream):
        stamps = [p.pts for p in container.demux(stream) if p.size]
    if any(pts is None for pts in stamps):
        return None
    return sorted(stamps)


def plan_chunks(source: Path, start: float | None, end: float | None, chunk_seconds: float,
                warmup: float = WARMUP_SECONDS) -> Plan | None:
    """The pieces of [start, end) seconds of `source`, each at most about `chunk_seconds`
    long; None when the span is not longer than that (or cannot be cut)."""
    info, details = inspect_video(source)
    stamps = frame_pts(source)
    if stamps is None:
        return None
    tb = details.time_base
    times = [float((pts - details.start_pts) * tb) for pts in stamps]
    keep = [i for i, t in enumerate(times)
            if (start is None or t >= start) and (end is None or t < end)]
    if not keep:
        return None
    stamps = [stamps[i] for i in keep]
    times = [times[i] for i in keep]
    span = times[-1] - times[0] + 1 / (info.fps or 30)
    n = len(times)
    # pieces by time, but none with fewer frames than half a piece's worth: a damaged
    # file's timestamps may leap by hours over a handful of frames
    at_least = max(round(chunk_seconds * (info.fps or 30) / 2), 1)
    pieces = min(math.ceil(span / chunk_seconds), n // at_least)
    if pieces < 2:
        return None
    bounds = [round(i * n / pieces) for i in range(pieces + 1)]

    def between(i: int) -> float:
        """A time between frames i-1 and i: frame i is the first one at or after it."""
        return (times[i - 1] + times[i]) / 2

    chunks = []
    for k in range(pieces):
        a, b = bounds[k], bounds[k + 1]
        if k == 0:
            warm = first = start
        else:
            w = next(i for i in range(a + 1) if times[i] >= times[a] - warmup)
            warm = start if w == 0 else between(w)
            first = between(a)
        last = end if k == pieces - 1 else between(b)
        chunks.append(Chunk(index=k, first=a, count=b - a, warm=warm, start=first, end=last,
                            first_pts=stamps[a]))
    trimmed = start is not None or end is not None
    ticks = max(round(1 / (details.rate * tb)), 1)
    return Plan(chunks=tuple(chunks), origin_pts=stamps[0] if trimmed else 0,
                end_pts=stamps[-1] + ticks, trimmed=trimmed)
