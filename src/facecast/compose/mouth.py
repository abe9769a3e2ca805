"""The target's own mouth inside, as the frame shows it: teeth and the dark gap.

The rendered face has a hole between its inner lips, where the target's teeth and tongue
show. But that hole follows the reshaped mesh, and the frame's mouth, moved by the shape
warp (smooth, so content lands near its new place, not on it), lies a few pixels off: on
a wide smile the user's lower lip was drawn over the target's lower teeth (d3 onto d12: a
thick pink lip where the original shows teeth). And the mesh's inner lips may hug the
upper teeth, leaving the dark gap below them to the lips. So the target's own opening
(where its inner lips landed) is kept too, and, close to it and within the outer lip
contour, whatever looks like a mouth's inside in this frame: far darker than the lips, or
teeth (lighter and greyer than them).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region

DARKER = 22.0  # Lab lightness under the lips' typical: the mouth's dark inside
TEETH_LIGHTER = 8.0  # Lab lightness over the lips' typical, with
TEETH_CHROMA = 0.6  # at most this share of the lips' chroma: teeth
NEAR = 0.03  # of the face size: how far from the mesh's opening the inside may reach
_SUB_BITS = 4
_SUB = 1 << _SUB_BITS


def mouth_inside(window: np.ndarray, xy: np.ndarray, region: Region, face_size: float
                 ) -> np.ndarray | None:
    """0..1 over `region` (whose pixels are `window`): the mouth's inside as the frame shows
    it, within the outer lip contour of `xy` (frame coordinates); None where there is none."""
    local = xy[list(L.LIPS_OUTER)] - (region.x0, region.y0)
    x0, y0 = np.floor(local.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(local.max(axis=0)).astype(int) + 3
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, region.w), min(y1, region.h)
    if x1 - x0 < 6 or y1 - y0 < 4:
        return None
    lips = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(lips, [np.round((local - (x0, y0)) * _SUB).astype(np.int32)], 1,
                 shift=_SUB_BITS)
    inner = np.zeros_like(lips)
    inner_pts = xy[list(L.LIPS_INNER)] - (region.x0 + x0, region.y0 + y0)
    cv2.fillPoly(inner, [np.round(inner_pts * _SUB).astype(np.int32)], 1, shift=_SUB_BITS)
    ring = (lips > 0) & (inner == 0)
    if ring.sum() < 16:
        return None
    lab = cv2.cvtColor(np.ascontiguousarray(window[y0:y1, x0:x1]), cv2.COLOR_RGB2LAB)
    lab = lab.astype(np.float32)
    lab[..., 0] *= 100 / 255
    lab[..., 1:] -= 128
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    # the lips' own colour: the ring's upper half of lightness (its dark part may be the
    # very inside this looks for)
    ring_l = lab[..., 0][ring]
    lit = ring & (lab[..., 0] >= np.median(ring_l))
    lip_l = float(np.median(lab[..., 0][lit]))
    lip_c = float(np.median(chroma[lit]))
    inside = (lab[..., 0] < lip_l - DARKER) | ((lab[..., 0] > lip_l + TEETH_LIGHTER)
                                               & (chroma < TEETH_CHROMA * lip_c))
    near = max(int(NEAR * face_size), 1) * 2 + 1
    near = cv2.dilate(inner, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (near, near)))
    inside = (inside & (lips > 0) & (near > 0)).astype(np.uint8)
    inside = cv2.morphologyEx(inside, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) | inner
    if not inside.any():
        return None
    out = np.zeros((region.h, region.w), np.float32)
    soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), max(face_size / 300, 0.7))
    out[y0:y1, x0:x1] = soft * lips
    return out
