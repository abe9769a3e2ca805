"""Landmark smoothing that removes jitter yet follows fast head shakes (One-Euro filter).

The filter runs on the whole mesh with one cutoff per frame, driven by the mesh's mean speed
in face sizes per second: all points are smoothed alike, so the face shape never distorts,
and parameters do not depend on the face's size in pixels.
"""

from __future__ import annotations

import math

import numpy as np


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
        self._t: float | None = None

    def __call__(self, points: np.ndarray, t: float) -> np.ndarray:
        if self._x is None or self._t is None or t <= self._t:
            self._x = points.astype(np.float32).copy()
            self._t = t
            return self._x
        dt = t - self._t
        size = float(np.ptp(points[:, 0]) + np.ptp(points[:, 1])) / 2 or 1.0
        speed = float(np.linalg.norm(points[:, :2] - self._x[:, :2], axis=1).mean()) / size / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = a_d * speed + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * self._dx
        a = _alpha(cutoff, dt)
        self._x = (a * points + (1 - a) * self._x).astype(np.float32)
        self._t = t
        return self._x
