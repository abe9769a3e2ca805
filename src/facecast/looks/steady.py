"""Temporal stability for painted video: what did not change is not painted again.

A painted style turns a camera's noise into moving brush strokes and wobbling outlines, and
a still scene boils. So a region keeps its previous painted pixels unless its source moved
beyond noise since it was last painted: the change is measured against the source as it
was when those pixels were painted (not the previous frame), so a slow drift still
repaints once it adds up. Changed places are grown by the style's reach (a stroke, a
filter's radius) and feathered, so repainted and kept areas meet without a seam.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.imaging import smoothstep

NOISE = 5.0
"""Levels of change (0..255, after a light blur at half size) that count as noise: compressed
footage moves 1-2 levels between frames of a still scene (measured: a 3-level grain, H.264
CRF 23, gives under 1.5 after the blur)."""
CERTAIN = 5.0
"""Levels above NOISE where a change counts fully."""


class Steady:
    """One per stream: call with each frame's source (what was painted) and its painting;
    returns what to show (a new array: the caller may change it)."""

    def __init__(self, reach: float = 8.0) -> None:
        self.reach = reach  # pixels at 720p: how far a style's change spreads
        self._seen: np.ndarray | None = None  # source when each pixel was last painted
        self._shown: np.ndarray | None = None

    def __call__(self, source: np.ndarray, painted: np.ndarray) -> np.ndarray:
        h, w = source.shape[:2]
        small = cv2.resize(source, (max(w // 2, 1), max(h // 2, 1)),
                           interpolation=cv2.INTER_AREA).astype(np.float32)
        small = cv2.GaussianBlur(small, (0, 0), 1.0)
        if self._seen is None or self._seen.shape != small.shape:
            self._seen, self._shown = small, painted.copy()
            return painted
        change = np.abs(small - self._seen).max(axis=2)
        moving = smoothstep((change - NOISE) / CERTAIN).astype(np.float32)
        if not moving.any():
            return self._shown.copy()
        reach = max(self.reach * min(h, w) / 720.0 / 2.0, 1.0)
        k = 2 * round(reach) + 1
        moving = cv2.dilate(moving, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        moving = np.minimum(cv2.GaussianBlur(moving, (0, 0), reach / 2) * 1.5, 1.0)
        self._seen += moving[..., None] * (small - self._seen)
        full = cv2.resize(moving, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
        shown = self._shown.astype(np.float32)
        shown += full * (painted.astype(np.float32) - shown)
        self._shown = cv2.convertScaleAbs(shown)
        return self._shown.copy()
