"""The footage's shadow in the corners of the mouth, on the drawn mouth's corners.

Where the lips meet, the cheek folds in over them and the corner sits in a small shadow,
darker than the lips and the skin around it: in s18's and s13's footage 18-36 L (of 100)
under the lips' median, also on a closed, resting mouth. The drawn lips come from selfies
merged into one texture under their own soft light, and their corners were 0-13 L under it
(d10 and d3 into s18, d9 into s13): lips ending in pale skin, which a blind viewer reads as
lips pasted on. Each drawn corner takes the footage's corner shadow: the footage's
lightness around the target's own corner (before the shape warp) against its median there,
less the drawn one's around the drawn corner, where that is darker, under a small Gaussian
around the corner, longer along the mouth's line than across it. Only darker: the corners'
own shape and the lips' colour stay the user's.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region

SHARE = 1.0  # of the footage's corner shadow, beyond the drawn corner's, taken
REACH = 0.015
"""The corner shadow's extent across the mouth's line (Gaussian sigma) as a share of the
face size: the fold's own size."""
ALONG = 2.0
"""How many times longer the shadow reaches along the mouth's line, in and out of the
corner: the crease between the lips runs on into the corner's shadow, and a drawn line
that stopped short of it read to a blind viewer as a smudge beside the lips."""


def shade_corners(footage: tuple[np.ndarray, np.ndarray], lightness: np.ndarray,
                  face_xy: np.ndarray, region: Region, face_size: float,
                  share: float = SHARE) -> None:
    """Darken the drawn mouth's corners (`lightness`: Lab's L, 0..100, over `region`, in
    place; the drawn mesh `face_xy`) by `share` of the footage's corner shadow beyond
    theirs. `footage`: the region's RGB window before the shape warp and the target's own
    points there."""
    if share <= 0.0:
        return
    window, theirs = footage
    sigma = max(face_size * REACH, 0.7)
    half = int(np.ceil(3 * ALONG * sigma))
    size = 2 * half + 1
    offsets = np.arange(-half, half + 1, dtype=np.float32)
    origin = np.array([region.x0, region.y0], np.float64)
    ends = face_xy[[L.MOUTH_RIGHT, L.MOUTH_LEFT], :2]
    for corner in (L.MOUTH_RIGHT, L.MOUTH_LEFT):
        drawn_at = face_xy[corner, :2] - origin
        cx, cy = (int(v) for v in np.round(drawn_at))
        if cx - half < 0 or cy - half < 0 or cx + half >= region.w or cy + half >= region.h:
            continue
        box = (slice(cy - half, cy + half + 1), slice(cx - half, cx + half + 1))
        # the footage's patch centred where the target's corner lies, off by the drawn
        # corner's fraction of a pixel, so that its pixels land on the drawn patch's
        their_at = theirs[corner, :2] - origin + (cx - drawn_at[0], cy - drawn_at[1])
        patch = _lightness_around(window, their_at, size)
        if patch is None:
            continue
        weight = _along(offsets, face_xy[corner, :2] - ends.mean(axis=0), sigma)
        drawn = lightness[box]
        shadow = (patch - np.median(patch)) - (drawn - np.median(drawn))
        np.minimum(shadow, 0.0, out=shadow)
        drawn += (share * weight) * shadow


def _along(offsets: np.ndarray, axis: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian weight (1 at the centre) over the square of `offsets` x `offsets`, `ALONG`
    times as long along `axis` (the mouth's, outward through the corner) as across it."""
    u = axis / max(float(np.linalg.norm(axis)), 1e-6)
    x, y = np.meshgrid(offsets, offsets)
    along = (x * u[0] + y * u[1]) / (ALONG * sigma)
    across = (y * u[0] - x * u[1]) / sigma
    return np.exp(-0.5 * (along * along + across * across)).astype(np.float32)


def _lightness_around(window: np.ndarray, at: np.ndarray, size: int) -> np.ndarray | None:
    """Lab's L (0..100) of the `size`-wide square of `window` centred at `at` (sub-pixel),
    or None when it does not lie inside."""
    h, w = window.shape[:2]
    half = size / 2
    if at[0] - half < 0 or at[1] - half < 0 or at[0] + half > w - 1 or at[1] + half > h - 1:
        return None
    x0, y0 = int(at[0] - half), int(at[1] - half)
    x1, y1 = int(np.ceil(at[0] + half)) + 2, int(np.ceil(at[1] + half)) + 2
    rgb = window[y0:y1, x0:x1].astype(np.float32) / 255.0
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[..., 0]
    return cv2.getRectSubPix(grey, (size, size), (float(at[0] - x0), float(at[1] - y0)))
