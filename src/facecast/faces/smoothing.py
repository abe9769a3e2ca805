"""Landmark smoothing that removes jitter yet follows fast head shakes (One-Euro filter).

The filter runs on the whole mesh with one cutoff per frame, driven by the mesh's mean speed
in face sizes per second: all points are smoothed alike, so the face shape never distorts,
and parameters do not depend on the face's size in pixels. The lips and what lies around
them are the exception (`MOUTH`): a mouth opens and shuts faster than a head turns, and
there a second cutoff, driven by the mouth's own speed in mouth widths, takes over when it
is higher. So are the eyes (`EYES`): a blink shuts and opens them within 3-5 frames.

A filter that only looks back lags: the face trailed the head by 1-1.5 px on s18's slow
turns and by 3-4 px on d12's shakes, and kept moving after the head had stopped, sliding
over the frame's own grain and light. A video's frames are all there, so the face is also
smoothed backwards from the frames ahead (`MeshFilter.both_ways`): the two lags are equal
and opposite, and their mean has none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.shape import distance_outside, lid_gaps, mouth_distance
from facecast.imaging import smoothstep

AHEAD = 5
"""Frames of a video the smoothing looks ahead: on the first 4 s of s18 and d12 the mesh
kept 0.24 and 2.7 px from the raw points against 0.67 and 3.8 looking back only, at the
same smoothness (mean second difference 0.10 and 15.2 px against 0.11 and 15.8), and the
swap's flicker went 1.235 -> 1.202 (s18-d3) and 1.130 -> 1.064 (d12-d3)."""


MOUTH = (12.0, 4.0, 0.5, 0.5)
"""The mouth's own filter (`MeshFilter`): beta, derivative cutoff (Hz) and the floor under
which a mouth's speed is jitter, in mouth widths per second of opening and widening; and
its reach, in mouth widths outside the lips' outline (full on and inside it, none from
there). Smoothed with the whole mesh, driven by the head's speed alone, a mouth that shut
for a few frames between words ("m", "b", "p") stayed open: on d10 the inner lips' gap
read 0.10-0.15 mouth widths on frames where the mesh found them shut, and the swapped
mouth showed its opening where the original's lips met (dlib's false open, 5 frames of
120)."""

EYES = (20.0, 8.0, 1.0, 0.4)
"""Each eye's own filter, as `MOUTH`'s: beta, derivative cutoff (Hz), the floor under which
the lids' speed is jitter (in eye widths a second of their gap: a still eye's reads
0.1-0.4 at the median, 0.5-1.4 at the 90th percentile; a blink's 3-10), and its reach, in
eye widths outside the eye's outline. Smoothed at the head's speed, a blink of three frames
was half lost: d14's eyes shut to 0.12-0.15 of their open gap in the mesh found and to
0.31-0.54 in the smoothed one, and the swap drawn on it showed a slit of eye white under
half-closed lids where the original's were shut (s18's blink under d3's and d10's eyes,
d14's under d10's); now 0.13-0.15. A blind viewer chose the shut eyes on d14 in 4 of 4
blink frames, the half-closed ones on s18 and s32 in 6 of 6 (confidence 55-65: "a doubled,
see-through lid", "a pale patch": the target's own lid shown through). Ghosting on d14
under d10 0.545 -> 0.006; the flicker figure counts the blink's change as flicker, and a
drawn eye darker than the target's changes more as it shuts (s18 under d10 1.042 -> 1.077,
under d3 1.118 -> 1.195, the rise all in the blink's frames)."""
_EYE_PARTS = ((L.RIGHT_EYE, L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER, L.RIGHT_IRIS),
              (L.LEFT_EYE, L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER, L.LEFT_IRIS))
_MIDDLE_LIPS = ((13, 14), (82, 87), (312, 317))  # upper and lower inner-lip points facing


def _alpha(cutoff_hz: float, dt: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class MeshFilter:
    """One-Euro filter over N x 3 landmark arrays."""

    def __init__(self, min_cutoff: float = 1.5, beta: float = 7.0, d_cutoff: float = 1.0) -> None:
        """beta 7 against 4: on d12's fast head moves pose drift 0.022 -> 0.015, flicker
        1.077 -> 1.029, eye correlation 0.74 -> 0.82; on s13, blinks 3 -> 2 (as the
        original's); on the calmer s18 no change."""
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset()

    def reset(self) -> None:
        self._x: np.ndarray | None = None
        self._dx = 0.0
        self._dx_mouth = 0.0
        self._dx_eyes = np.zeros(2)
        self._mouth: np.ndarray | None = None
        self._eyes: np.ndarray | None = None
        self._t: float | None = None

    def __call__(self, points: np.ndarray, t: float) -> np.ndarray:
        if self._x is None or self._t is None or t <= self._t:
            self._x = points.astype(np.float32).copy()
            self._t = t
            if self._mouth is None and len(points) >= L.N_MESH:
                self._mouth = _mouth_weight(points)
                self._eyes = _eye_weights(points)
            return self._x
        dt = t - self._t
        size = float(np.ptp(points[:, 0]) + np.ptp(points[:, 1])) / 2 or 1.0
        speed = float(np.linalg.norm(points[:, :2] - self._x[:, :2], axis=1).mean()) / size / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = a_d * speed + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * self._dx
        a = _alpha(cutoff, dt)
        if self._mouth is not None and self._eyes is not None:
            a = np.maximum(self._mouth_alpha(points, dt, a), self._eyes_alpha(points, dt, a))
        self._x = (a * points + (1 - a) * self._x).astype(np.float32)
        self._t = t
        return self._x

    def _mouth_alpha(self, points: np.ndarray, dt: float, a: float) -> np.ndarray:
        """Per point (N x 1): the whole mesh's `a`, and on and around the lips (`MOUTH`'s
        reach) the larger of it and the mouth's own, driven by how fast the mouth opens,
        shuts, widens or narrows (in mouth widths per second), past what jitter makes of a
        still mouth (`MOUTH`'s floor)."""
        beta, d_cutoff, floor, _ = MOUTH
        gap, width = _mouth(points)
        was_gap, was_width = _mouth(self._x)
        speed = (abs(gap - was_gap) + abs(width - was_width)) / max(width, 1.0) / dt
        a_d = _alpha(d_cutoff, dt)
        self._dx_mouth = a_d * speed + (1 - a_d) * self._dx_mouth
        mouth = _alpha(self.min_cutoff + beta * max(self._dx_mouth - floor, 0.0), dt)
        return (a + self._mouth * (max(mouth, a) - a))[:, None]

    def _eyes_alpha(self, points: np.ndarray, dt: float, a: float) -> np.ndarray:
        """Per point (N x 1, or one for all): `a`, and on and around each eye (`EYES`'
        reach) the larger of it and the eye's own, driven by how fast its lids' gap changes
        (in eye widths a second), past what jitter makes of a still eye (`EYES`' floor)."""
        beta, d_cutoff, floor, _ = EYES
        speed = np.abs(np.subtract(lid_gaps(points), lid_gaps(self._x))) / dt
        a_d = _alpha(d_cutoff, dt)
        self._dx_eyes = a_d * speed + (1 - a_d) * self._dx_eyes
        eyes = [_alpha(self.min_cutoff + beta * max(float(dx) - floor, 0.0), dt)
                for dx in self._dx_eyes]
        if max(eyes) <= a:  # still eyes (most frames): the whole mesh's
            return np.float32(a)
        out = np.full(len(points), a, np.float32)
        for weight, eye in zip(self._eyes, eyes, strict=True):
            np.maximum(out, a + weight * (max(eye, a) - a), out=out)
        return out[:, None]

    def both_ways(self, points: np.ndarray, t: float,
                  ahead: Sequence[tuple[float, np.ndarray]]) -> np.ndarray:
        """`points` at time `t` smoothed forwards (this filter's state) and backwards from
        `ahead`, the same face's points in the frames after (time, points; nearest first),
        averaged. With nothing ahead (a photo, a video's last frame) the backward half is
        `points` themselves."""
        forward = self(points, t)
        backward = MeshFilter(self.min_cutoff, self.beta, self.d_cutoff)
        backward._mouth = self._mouth  # the same face: its lips' and eyes' reach are known
        backward._eyes = self._eyes
        for s, later in reversed(ahead):
            backward(later, -s)
        return (forward + backward(points, -t)) / 2


def _mouth_weight(points: np.ndarray) -> np.ndarray:
    """0..1 per point: how much the mouth's own filter drives it (`MOUTH`'s reach)."""
    weight = np.zeros(len(points), np.float32)
    weight[: L.N_MESH] = 1.0 - smoothstep(np.maximum(mouth_distance(points), 0.0) / MOUTH[3])
    return weight


def _eye_weights(points: np.ndarray) -> np.ndarray:
    """2 x N, 0..1 per point: how much each eye's own filter drives it (`EYES`' reach; its
    iris in full)."""
    weights = np.zeros((2, len(points)), np.float32)
    for weight, (contour, outer, inner, iris) in zip(weights, _EYE_PARTS, strict=True):
        width = max(float(np.linalg.norm(points[outer, :2] - points[inner, :2])), 1e-9)
        outside = distance_outside(points, contour) / width
        weight[: L.N_MESH] = 1.0 - smoothstep(np.maximum(outside, 0.0) / EYES[3])
        weight[[i for i in iris if i < len(points)]] = 1.0
    return weights


def _mouth(points: np.ndarray) -> tuple[float, float]:
    """How far apart the inner lips are in the middle, and the corners (pixels)."""
    xy = points[:, :2]
    gap = np.mean([np.linalg.norm(xy[b] - xy[a]) for a, b in _MIDDLE_LIPS])
    return float(gap), float(np.linalg.norm(xy[L.MOUTH_LEFT] - xy[L.MOUTH_RIGHT]))
