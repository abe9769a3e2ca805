"""Portrait sliders: local warps of the face's features, driven by its mesh.

Each slider moves the mesh points near one feature in the face's own frame (u along the eye
line, n down the face, distances in face widths), with a smooth falloff, so the feature
grows, narrows or stretches while its neighbours follow gently. The frame then follows the
moved points through `swap.shape.warp_around`: features in one pass with a fine spread,
the face's outline (width, jaw, chin, forehead) in a second, broader one. In a video the
mesh is One-Euro smoothed (`faces.smoothing`), so the warp is as steady as the tracking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from facecast.faces import landmarks as L
from facecast.imaging import smoothstep
from facecast.params import Sliders
from facecast.swap.shape import warp_around

CHEEK_RIGHT, CHEEK_LEFT = 234, 454
NOSE_WING_RIGHT, NOSE_WING_LEFT = 129, 358
NOSE_BRIDGE, NOSE_BOTTOM = 6, 2
BROW_MIDDLE = 9


@dataclass(frozen=True)
class FaceFrame:
    """The face's own axes: `u` along the eye line (image left to right in a frontal
    view), `n` down the face; `width` cheek to cheek in pixels."""

    points: np.ndarray  # N_MESH x 2
    origin: np.ndarray
    u: np.ndarray
    n: np.ndarray
    width: float

    @classmethod
    def of(cls, xy: np.ndarray) -> FaceFrame:
        pts = xy[: L.N_MESH].astype(np.float64)
        right = pts[list(L.RIGHT_EYE)].mean(axis=0)
        left = pts[list(L.LEFT_EYE)].mean(axis=0)
        u = (left - right) / max(float(np.linalg.norm(left - right)), 1e-6)
        n = np.array([-u[1], u[0]])
        if n @ (pts[L.CHIN] - pts[L.FOREHEAD]) < 0:
            n = -n
        width = float(np.linalg.norm(pts[CHEEK_LEFT] - pts[CHEEK_RIGHT]))
        return cls(pts, (left + right) / 2, u, n, max(width, 1.0))

    def coords(self, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every point's (along u, along n) offset from `centre`, in pixels."""
        d = self.points - centre
        return d @ self.u, d @ self.n

    def level(self, index: int) -> float:
        """How far down the face a point is, from the eye line, in face widths."""
        return float((self.points[index] - self.origin) @ self.n) / self.width


def _bump(a: np.ndarray, b: np.ndarray, ra: float, rb: float) -> np.ndarray:
    """1 at the centre, falling smoothly to 0 on an ellipse of radii (ra, rb)."""
    d2 = (a / ra) ** 2 + (b / rb) ** 2
    return np.where(d2 < 1.0, (1.0 - d2) ** 2, 0.0)


def _eyes(f: FaceFrame, v: float) -> np.ndarray:
    """Each eye magnified about its centre (up to 25 % at 100)."""
    disp = np.zeros_like(f.points)
    for loop in (L.RIGHT_EYE, L.LEFT_EYE):
        centre = f.points[list(loop)].mean(axis=0)
        radius = np.ptp(f.coords(centre)[0][list(loop)]) / 2
        a, b = f.coords(centre)
        w = _bump(a, b, 2.4 * radius, 2.0 * radius)
        disp += 0.4 * v * w[:, None] * (f.points - centre)
    return disp


def _across(f: FaceFrame, centre: np.ndarray, amount: float, ra: float, rb: float
            ) -> np.ndarray:
    """Points near `centre` pushed apart (amount > 0) or together along the eye line."""
    a, b = f.coords(centre)
    return (amount * _bump(a, b, ra, rb) * a)[:, None] * f.u


def _nose(f: FaceFrame, v: float) -> np.ndarray:
    wings = f.points[[NOSE_WING_RIGHT, NOSE_WING_LEFT]]
    half = float(np.linalg.norm(wings[1] - wings[0])) / 2
    length = float(np.linalg.norm(f.points[NOSE_BOTTOM] - f.points[NOSE_BRIDGE]))
    return _across(f, wings.mean(axis=0), 0.3 * v, 2.2 * half, 0.8 * length)


def _mouth(f: FaceFrame, v: float) -> np.ndarray:
    corners = f.points[[L.MOUTH_RIGHT, L.MOUTH_LEFT]]
    half = float(np.linalg.norm(corners[1] - corners[0])) / 2
    return _across(f, corners.mean(axis=0), 0.25 * v, 1.7 * half, 1.0 * half)


def _lips(f: FaceFrame, v: float) -> np.ndarray:
    """The lips thickened away from the line between them (the mouth's opening stays)."""
    corners = f.points[[L.MOUTH_RIGHT, L.MOUTH_LEFT]]
    half = float(np.linalg.norm(corners[1] - corners[0])) / 2
    centre = f.points[[L.LIP_INNER_TOP, L.LIP_INNER_BOTTOM]].mean(axis=0)
    a, b = f.coords(centre)
    return (0.35 * v * _bump(a, b, 1.4 * half, 0.9 * half) * b)[:, None] * f.n


def _band(f: FaceFrame, top: float, peak: float, bottom: float) -> np.ndarray:
    """0..1 by how far down the face each point is: rising from `top` to `peak` and
    falling back to 0 at `bottom` (levels in face widths below the eye line)."""
    level = (f.points - f.origin) @ f.n / f.width
    rise = smoothstep((level - top) / max(peak - top, 1e-6))
    fall = 1.0 - smoothstep((level - peak) / max(bottom - peak, 1e-6))
    return rise * fall


def _face_width(f: FaceFrame, v: float) -> np.ndarray:
    """Cheeks in or out: lateral scaling about the face's middle, from the eyes down."""
    a, _ = f.coords(f.origin)
    return (0.14 * v * _band(f, 0.0, 0.45, 1.2) * a)[:, None] * f.u


def _jaw(f: FaceFrame, v: float) -> np.ndarray:
    """The jaw's angles in or out (lateral scaling peaking between mouth and chin)."""
    a, _ = f.coords(f.origin)
    sides = smoothstep(np.abs(a) / f.width / 0.3)
    mouth = f.level(L.MOUTH_RIGHT)
    chin = f.level(L.CHIN)
    band = _band(f, mouth - 0.1, (mouth + chin) / 2, chin + 0.1)
    return (0.25 * v * band * sides * a)[:, None] * f.u


def _chin(f: FaceFrame, v: float) -> np.ndarray:
    """Below the lower lip, points move down (or up) more the lower they are."""
    a, _ = f.coords(f.origin)
    lip = f.level(L.LIP_INNER_BOTTOM) + 0.05
    chin = f.level(L.CHIN)
    level = (f.points - f.origin) @ f.n / f.width
    w = smoothstep((level - lip) / max(chin - lip, 1e-6)) * np.exp(-((a / f.width) / 0.4) ** 2)
    return (0.09 * v * f.width * w)[:, None] * f.n


def _forehead(f: FaceFrame, v: float) -> np.ndarray:
    """Above the brows, points move up (or down) more the higher they are."""
    brow = f.level(BROW_MIDDLE)
    top = f.level(L.FOREHEAD)
    level = (f.points - f.origin) @ f.n / f.width
    w = smoothstep((brow - level) / max(brow - top, 1e-6))
    return (-0.12 * v * f.width * w)[:, None] * f.n


Move = Callable[[FaceFrame, float], np.ndarray]
FEATURES: dict[str, Move] = {"eye_size": _eyes, "nose_width": _nose, "mouth_width": _mouth,
                             "lip_fullness": _lips}
"""Sliders that move one feature: warped with a fine spread."""
OUTLINE: dict[str, Move] = {"face_width": _face_width, "jaw": _jaw, "chin_length": _chin,
                            "forehead_height": _forehead}
"""Sliders that move the face's outline: warped with a broad spread."""


def displacements(xy: np.ndarray, sliders: dict[str, float], moves: dict[str, Move]
                  ) -> np.ndarray:
    """Pixel displacement of each mesh point (N_MESH x 2) for the given slider values."""
    f = FaceFrame.of(xy)
    disp = np.zeros_like(f.points)
    for name, move in moves.items():
        if sliders.get(name):
            disp += move(f, sliders[name] / 100.0)
    return disp


def reshape(frame: np.ndarray, xy: np.ndarray, sliders: Sliders) -> None:
    """Warp `frame` in place: the face whose mesh is `xy` (478 or 468 x 2 pixels) changed
    as the sliders say. Nothing happens when they are all 0."""
    values = sliders.active()
    if not values:
        return
    old = xy[: L.N_MESH].astype(np.float64)
    for moves, spread, grid in ((FEATURES, 40.0, 2), (OUTLINE, 20.0, 4)):
        if any(name in values for name in moves):
            new = old + displacements(old, values, moves)
            warp_around(frame, old, new, spread=spread, grid=grid)
