"""Face shape in a canonical frame: similarity alignment (Procrustes) of 3D meshes.

Canonical frame: x along the face from its right to its left eye, y down, z into the face
(the image's own handedness, so a frontal face needs no rotation),
origin at the centroid of the rigid points, and unit inter-ocular distance. Shapes in this
frame can be averaged (an identity's neutral shape) and compared (shape transfer).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.pose import face_axes

_RIGID = list(L.RIGID_POINTS)


@dataclass(frozen=True)
class Similarity:
    """canonical = scale * R @ (points - origin); and back with `to_image`."""

    rotation: np.ndarray
    scale: float
    origin: np.ndarray

    def to_canonical(self, points: np.ndarray) -> np.ndarray:
        return (self.scale * (points - self.origin) @ self.rotation.T).astype(np.float32)

    def to_image(self, canonical: np.ndarray) -> np.ndarray:
        return (canonical @ self.rotation / self.scale + self.origin).astype(np.float32)


def _eye_distance(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[L.LEFT_EYE_OUTER] - points[L.RIGHT_EYE_OUTER]))


def axes_alignment(points: np.ndarray) -> Similarity:
    """Alignment from the face's own axes: no reference shape needed."""
    x, down, _ = face_axes(points)
    R = np.stack([x, down, np.cross(x, down)])
    return Similarity(R, 1.0 / _eye_distance(points), points[_RIGID].mean(axis=0))


def procrustes(points: np.ndarray, reference: np.ndarray) -> Similarity:
    """Best similarity taking `points` onto the canonical `reference` (rigid points only)."""
    src = points[_RIGID].astype(np.float64)
    dst = reference[_RIGID].astype(np.float64)
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - mu_s, dst - mu_d
    U, S, Vt = np.linalg.svd(b.T @ a)
    d = np.sign(np.linalg.det(U @ Vt))
    D = np.diag([1.0, 1.0, d])
    R = U @ D @ Vt
    scale = float((S * np.diag(D)).sum() / (a**2).sum())
    # canonical = scale * R @ (p - mu_s) + mu_d; fold mu_d into the origin
    origin = mu_s - (R.T @ mu_d) / scale
    return Similarity(R, scale, origin)


def mean_shape(meshes: list[np.ndarray], use: np.ndarray | None = None,
               iterations: int = 3) -> np.ndarray:
    """Generalised Procrustes mean of several 478 x 3 meshes, in the canonical frame.

    The median (not the mean) across photos keeps one open mouth or raised brow from
    leaking into the neutral shape. `use` (photos x 478, bool) takes each point only from
    the photos marked for it (neutral there); a point no photo is marked for takes all.
    """
    ref = axes_alignment(meshes[0]).to_canonical(meshes[0])
    if use is not None:
        use = np.where(use.any(axis=0), use, True)[..., None]
    for _ in range(iterations):
        aligned = np.stack([procrustes(m, ref).to_canonical(m) for m in meshes])
        ref = (np.median(aligned, axis=0) if use is None
               else np.nanmedian(np.where(use, aligned, np.nan), axis=0))
        ref = axes_alignment(ref).to_canonical(ref)
    return ref.astype(np.float32)


def corner_lift(points: np.ndarray) -> float:
    """How high the lip corners sit above the lips' middle (y grows downward; in `points`'
    own units): a smile raises it, a sad mouth lowers it."""
    middle = (points[L.LIP_INNER_TOP, 1] + points[L.LIP_INNER_BOTTOM, 1]) / 2
    return float(middle - (points[L.MOUTH_LEFT, 1] + points[L.MOUTH_RIGHT, 1]) / 2)


def lid_gaps(points: np.ndarray) -> tuple[float, float]:
    """How open each eye (right, left) of a mesh is: its lids' gap over its width (open
    eyes read 0.25-0.35, shut ones 0.02-0.05)."""
    xy = points[_LID_POINTS, :2].astype(np.float64)
    lids = xy[:6] - xy[6:12]
    corners = xy[12:14] - xy[14:]
    gaps = np.sqrt((lids * lids).sum(axis=1)).reshape(2, 3).mean(axis=1)
    widths = np.sqrt((corners * corners).sum(axis=1))
    widths[widths == 0] = 1.0
    right, left = gaps / widths
    return float(right), float(left)


_LID_POINTS = np.array([*(a for lids in (L.RIGHT_LIDS, L.LEFT_LIDS) for a, _ in lids),
                        *(b for lids in (L.RIGHT_LIDS, L.LEFT_LIDS) for _, b in lids),
                        L.RIGHT_EYE_OUTER, L.LEFT_EYE_OUTER, L.RIGHT_EYE_INNER,
                        L.LEFT_EYE_INNER])
"""`lid_gaps`' points in one gather (it runs a dozen times a frame in the smoothing): each
eye's upper lid points, their facing lower ones, then the outer and inner corners."""


def mouth_distance(points: np.ndarray) -> np.ndarray:
    """Per mesh point (the first `N_MESH`), how far outside the lips' outline it lies, in
    mouth widths (the outline's horizontal extent); 0 or less on and inside the lips."""
    width = max(float(np.ptp(points[list(L.LIPS_OUTER), 0])), 1e-9)
    return distance_outside(points, L.LIPS_OUTER) / width


def distance_outside(points: np.ndarray, outline: tuple[int, ...],
                     rows: np.ndarray | None = None) -> np.ndarray:
    """Per mesh point (the first `N_MESH`, or those at `rows`), how far (in the points'
    units) outside the polygon through the points `outline` (a loop of indices) it lies; 0
    or less on and inside it."""
    polygon = points[list(outline), :2].astype(np.float32)
    measured = points[: L.N_MESH, :2] if rows is None else points[rows, :2]
    return np.array([-cv2.pointPolygonTest(polygon, (float(x), float(y)), True)
                     for x, y in measured])
