"""FFHQ-like alignment of a meshed face, and the measures taken on the aligned crop.

FFHQ frames a face from its eye centres and mouth: the crop's half side is
max(2.0 x eye distance, 1.8 x eye-to-mouth distance), centred a tenth of the way from the
eyes to the mouth. Here that framing is made a fifth tighter (FFHQ's crop is mostly hair,
neck and background: a frontal face covers only about a third of it), the eye line is made
exactly level, and the mouth anchor is the upper lip's inner centre, which does not move
when the jaw opens (FFHQ's mouth corners do, with a wide grin).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face

EYE_SPAN = 2.0  # FFHQ: half side over the eye distance
MOUTH_SPAN = 1.8  # FFHQ: half side over the eye-to-mouth distance
CENTRE_TOWARD_MOUTH = 0.1  # FFHQ: the centre sits this far from the eyes toward the mouth
TIGHTER = 0.8  # a fifth tighter than FFHQ
SHARPNESS_SIDE = 256  # px: sharpness is measured at one face size, so one threshold fits all
FEATURES = np.array(sorted({*L.RIGHT_EYE, *L.LEFT_EYE, *L.RIGHT_BROW, *L.LEFT_BROW,
                            *L.LIPS_OUTER, L.NOSE_TIP, L.CHIN}))
"""The points that must be inside the source frame for a face to be whole."""


@dataclass
class Aligned:
    """A face cut out upright; `matrix` maps source pixels to crop pixels."""

    crop: np.ndarray
    matrix: np.ndarray
    points: np.ndarray  # 478 x 3 in crop pixels (z scaled like x and y)
    tilt: float  # the eye line's angle in the source, degrees (+ = clockwise on screen)


def eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the right and left eye outlines (not the irises, which follow the gaze)."""
    return (points[list(L.RIGHT_EYE), :2].mean(axis=0),
            points[list(L.LEFT_EYE), :2].mean(axis=0))


def alignment(points: np.ndarray, size: int) -> tuple[np.ndarray, float]:
    """The 2 x 3 similarity taking a face's source pixels to a `size` x `size` crop, and the
    eye line's tilt in degrees."""
    right, left = eye_centres(points)
    eye_line = left - right  # the subject's right eye is on the image's left when upright
    eyes = (right + left) / 2
    to_mouth = points[L.LIP_INNER_TOP, :2] - eyes
    half = TIGHTER * max(EYE_SPAN * np.hypot(*eye_line), MOUTH_SPAN * np.hypot(*to_mouth))
    centre = eyes + CENTRE_TOWARD_MOUTH * to_mouth
    angle = float(np.arctan2(eye_line[1], eye_line[0]))
    scale = size / (2 * max(half, 1e-3))
    cos, sin = scale * np.cos(angle), scale * np.sin(angle)
    rotate = np.array([[cos, sin], [-sin, cos]])  # turns the eye line onto +x, then scales
    matrix = np.hstack([rotate, (size / 2 - rotate @ centre)[:, None]])
    return matrix, float(np.degrees(angle))


def align(rgb: np.ndarray, face: Face, size: int) -> Aligned:
    """Cut `face` out of `rgb` as an upright `size` x `size` crop.

    Beyond the frame's edges the image is mirrored (as FFHQ pads), so a close-up's crop has
    no black corners; the `cut_off` rule rejects faces whose features are outside. A face
    shrunk by more than half is first reduced by area averaging, which a warp cannot do.
    """
    matrix, tilt = alignment(face.points, size)
    scale = float(np.hypot(*matrix[:, 0]))
    source, to_source = rgb, matrix
    if scale < 0.5:
        source, to_source = _reduced(rgb, matrix, size, scale)
    flags = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_LINEAR
    crop = cv2.warpAffine(source, to_source, (size, size), flags=flags,
                          borderMode=cv2.BORDER_REFLECT_101)
    points = face.points.astype(np.float64)
    xy = points[:, :2] @ matrix[:, :2].T + matrix[:, 2]
    return Aligned(crop, matrix, np.column_stack([xy, points[:, 2] * scale]), tilt)


def _reduced(rgb: np.ndarray, matrix: np.ndarray, size: int, scale: float
             ) -> tuple[np.ndarray, np.ndarray]:
    """The part of `rgb` the crop shows, shrunk to twice the crop's scale, and the matrix
    from it to the crop."""
    inverse = cv2.invertAffineTransform(matrix)
    corners = np.array([[0, 0], [size, 0], [0, size], [size, size]], float)
    quad = corners @ inverse[:, :2].T + inverse[:, 2]
    h, w = rgb.shape[:2]
    x0, y0 = np.clip(np.floor(quad.min(axis=0)) - 2, 0, [w - 1, h - 1]).astype(int)
    x1, y1 = np.clip(np.ceil(quad.max(axis=0)) + 2, [x0 + 1, y0 + 1], [w, h]).astype(int)
    factor = 2 * scale
    region = cv2.resize(rgb[y0:y1, x0:x1], None, fx=factor, fy=factor,
                        interpolation=cv2.INTER_AREA)
    fx, fy = region.shape[1] / (x1 - x0), region.shape[0] / (y1 - y0)
    # crop = matrix @ source, source = (region / f) + offset
    to_crop = matrix.copy()
    to_crop[:, 0] = matrix[:, 0] / fx
    to_crop[:, 1] = matrix[:, 1] / fy
    to_crop[:, 2] = matrix[:, 2] + matrix[:, :2] @ np.array([x0, y0], float)
    return region, to_crop


def face_share(points: np.ndarray, size: int) -> float:
    """Share of the crop's area inside the face's box (its landmarks' extent, in the crop).

    With this framing a face seen from the front covers 45-60 %; a face turned or bent far
    enough to be foreshortened covers less, which is what the 40 % rule catches.
    """
    xy = np.clip(points[: L.N_MESH, :2], 0, size)
    w, h = xy.max(axis=0) - xy.min(axis=0)
    return float(w * h) / (size * size)


def sharpness(crop: np.ndarray, points: np.ndarray) -> float:
    """Variance of the Laplacian inside the face (its outline pulled in by a tenth), at 256 px.

    Inside the outline only, so a sharp background does not hide a blurred face nor a blurred
    background (shallow focus) count against a sharp one.
    """
    size = crop.shape[0]
    k = SHARPNESS_SIDE / size
    small = cv2.resize(crop, (SHARPNESS_SIDE, SHARPNESS_SIDE),
                       interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    lap = cv2.Laplacian(gray, cv2.CV_32F)
    xy = points[: L.N_MESH, :2] * k
    centre = xy.mean(axis=0)
    inner = (centre + 0.9 * (xy - centre)).astype(np.float32)
    mask = np.zeros(gray.shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(inner).astype(np.int32), 1)
    values = lap[mask > 0]
    return float(values.var()) if values.size > 16 else 0.0


def features_outside(points: np.ndarray, width: int, height: int) -> float:
    """Share of the facial feature points (source pixels) outside the frame."""
    xy = points[FEATURES, :2]
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
    return float(1 - inside.mean())
