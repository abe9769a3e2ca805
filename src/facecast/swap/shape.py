"""Face-shape transfer: move the target's geometry toward the identity's neutral shape.

The difference between the two neutral shapes (identity's, and the target's own, learnt
over its track) is added to every frame's mesh in the canonical frame, so expressions stay
the target's while proportions become the user's. The frame around the face is warped by
the same displacement, spread smoothly and fading to zero at a margin around the face, so
the jaw line moves with the face: no holes, no doubled jaw.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.faces.shape import procrustes
from facecast.imaging import channels, smoothstep

_GRID = 8  # pixels per cell of the displacement grid
_LIP_PAIRS = ((13, 14), (82, 87), (81, 178), (80, 88), (312, 317), (311, 402), (310, 318))
"""Upper and lower inner-lip points facing each other: how open a mouth is."""
_MOUTH_CORNERS = (L.MOUTH_LEFT, L.MOUTH_RIGHT)


class ShapeTransfer:
    """Per-track state: the target's running neutral shape."""

    def __init__(self, identity_neutral: np.ndarray) -> None:
        self._identity = identity_neutral.astype(np.float64)
        self._sum: np.ndarray | None = None
        self._n = 0
        self._jaw = _jaw_weight(self._identity)

    def reshape(self, points: np.ndarray, strength: float) -> np.ndarray:
        """The mesh moved toward the identity's shape by `strength` (0..1)."""
        sim = procrustes(points, self._identity)
        canonical = sim.to_canonical(points).astype(np.float64)
        self._sum = canonical if self._sum is None else self._sum + canonical
        self._n += 1
        if strength <= 0:
            return points
        mean = self._sum / self._n
        delta = self._identity - mean
        delta[L.N_MESH :] = 0.0
        # a mouth open in the identity's selfies is expression too: its lower lip and chin
        # hang lower by that opening, which would stretch the lower lip over a closed mouth
        # and paint the selfies' mouth interior between the lips
        delta[:, 1] -= (_opening(self._identity) - _opening(mean)) * self._jaw
        for opening in (L.RIGHT_EYE, L.LEFT_EYE, L.LIPS_INNER):
            # how open eyes and mouth are is expression, not shape: a target who talks with
            # the mouth open learns an open neutral mouth, and the full difference would shut
            # it in every frame (mouth correlation: s13 0.56 -> 0.77, d12 0.91 -> 0.92)
            rows = list(opening)
            delta[rows, 1] = delta[rows, 1].mean()
        delta[list(L.RIGHT_IRIS)] = delta[list(L.RIGHT_EYE)].mean(axis=0)
        delta[list(L.LEFT_IRIS)] = delta[list(L.LEFT_EYE)].mean(axis=0)
        return sim.to_image(canonical + strength * delta)


def _opening(shape: np.ndarray) -> float:
    """How far apart the inner lips are (canonical units; y grows downward)."""
    return float(np.mean([shape[b, 1] - shape[a, 1] for a, b in _LIP_PAIRS]))


def _jaw_weight(neutral: np.ndarray) -> np.ndarray:
    """0..1 per point: how much of a mouth's opening moves it. The lower lip and all
    below it move with the jaw; the mouth's corners and everything above stay."""
    corners = float(neutral[list(_MOUTH_CORNERS), 1].mean())
    lower = float(np.mean([neutral[b, 1] for _, b in _LIP_PAIRS]))
    weight = smoothstep((neutral[:, 1] - corners) / max(lower - corners, 1e-6))
    weight[L.N_MESH :] = 0.0
    return weight


def warp_around(frame: np.ndarray, old_xy: np.ndarray, new_xy: np.ndarray,
                pinned: tuple[Region, np.ndarray] | None = None, *, spread: float = 10.0,
                grid: int = _GRID) -> np.ndarray:
    """Warp the frame in place so that content at `old_xy` moves to `new_xy`, smoothly;
    returns where the content at `old_xy` landed.

    `pinned` (a window and a 0..1 mask over it) marks pixels that must not move: an
    occluder in front of the face keeps its shape. The displacements are spread by a
    Gaussian of (points' extent / `spread`) over a grid of `grid` pixels: a whole-face shape
    change wants the default; a local one (an eye, the lips) a larger `spread` and a finer
    grid, or neighbouring points' opposite moves would average out. The field is smooth,
    so content lands near `new_xy`, not on it: a brow between an eye that moved down and a
    forehead that stayed lands a few pixels off the mesh's brow (what the swap must hide).
    """
    size = float(np.ptp(old_xy[:, 0]) + np.ptp(old_xy[:, 1])) / 2
    region = Region.around(np.vstack([old_xy, new_xy]), frame.shape[:2], margin=0.3)
    if region.w < 2 * grid or region.h < 2 * grid:
        return old_xy.astype(np.float32)
    gw, gh = region.w // grid + 1, region.h // grid + 1
    disp = (new_xy - old_xy).astype(np.float32)
    cells = np.clip(((new_xy - (region.x0, region.y0)) / grid).astype(int), 0, [gw - 1, gh - 1])
    num = np.zeros((gh, gw, 2), np.float32)
    den = np.zeros((gh, gw), np.float32)
    np.add.at(num, (cells[:, 1], cells[:, 0]), disp)
    np.add.at(den, (cells[:, 1], cells[:, 0]), 1.0)
    sigma = max(size / spread / grid, 1.0)
    num = cv2.GaussianBlur(num, (0, 0), sigma)
    den = cv2.GaussianBlur(den, (0, 0), sigma)
    field = num / np.maximum(den, 1e-3)[..., None] * smoothstep(den / 0.02)[..., None]
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    edge = np.minimum(np.minimum(xs, gw - 1 - xs), np.minimum(ys, gh - 1 - ys))
    field *= smoothstep(edge / max(min(gw, gh) * 0.15, 1.0))[..., None]
    field = cv2.resize(field, (region.w, region.h), interpolation=cv2.INTER_LINEAR)
    if pinned is not None:
        field *= channels(1.0 - region.take(*pinned), 2)
    gx, gy = np.meshgrid(np.arange(region.w, dtype=np.float32) + region.x0,
                         np.arange(region.h, dtype=np.float32) + region.y0)
    window = frame[region.slices]
    window[...] = cv2.remap(frame, gx - field[..., 0], gy - field[..., 1], cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
    # the pixel at x shows the content from x - field(x): content at p lands near
    # p + field(new), its intended place being where the field is read
    at = np.round(new_xy - (region.x0, region.y0)).astype(int)
    at = np.clip(at, 0, [region.w - 1, region.h - 1])
    return (old_xy + field[at[:, 1], at[:, 0]]).astype(np.float32)
