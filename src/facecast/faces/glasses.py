"""Is there a pair of glasses on a face? A line across the nose between the eyes.

The bridge of a pair of glasses crosses the nose between the inner eye corners: a thin
line, lighter (metal, clear plastic catching the light) or darker (dark plastic) than the
skin above and below, across most of that gap. Bare skin there is plain, or at most
creased by a frown. A vertical top-hat (a filter a little taller than any bridge) finds
thin horizontal structures of either sign; the median across the gap of each row's
response tells a line that spans it from a spot or a short crease.
Measured on the shared selfie sets: 7.1-23.5 for the 12 photos with glasses, 0.4-5.9 for
48 without (the highest: a frown's crease). Read on selfies (`identity.glasses`) and on
the target's frames (`compose.rims`).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face

GLASSES_FROM = 6.5  # Lab lightness of the bridge's line over or under the skin beside it


def bridge_contrast(rgb: np.ndarray, face: Face) -> float:
    """How strongly a thin horizontal line spans the gap between the inner eye corners."""
    a, b = face.xy[L.RIGHT_EYE_INNER], face.xy[L.LEFT_EYE_INNER]
    gap = float(np.linalg.norm(b - a))
    if gap < 8:
        return 0.0
    centre = (a + b) / 2
    h, w = rgb.shape[:2]
    x0, x1 = int(max(centre[0] - 0.3 * gap, 0)), int(min(centre[0] + 0.3 * gap, w))
    y0, y1 = int(max(centre[1] - 0.45 * gap, 0)), int(min(centre[1] + 0.2 * gap, h))
    if x1 - x0 < 3 or y1 - y0 < 3:
        return 0.0
    lab = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2LAB)
    lightness = lab[..., 0].astype(np.float32) * (100 / 255)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(int(gap * 0.12), 3) | 1))
    lighter = lightness - cv2.morphologyEx(lightness, cv2.MORPH_OPEN, kernel)
    darker = cv2.morphologyEx(lightness, cv2.MORPH_CLOSE, kernel) - lightness
    return float(np.median(np.maximum(lighter, darker), axis=1).max())


def wears_glasses(rgb: np.ndarray, face: Face) -> bool:
    return bridge_contrast(rgb, face) >= GLASSES_FROM
