"""The user's own marks on the skin: moles and beauty spots, which a friend knows them by.

The swap gives the drawn face's plain skin the footage's finest bands (`compose.detail`):
its grain, pores and compression, as steady in time as the original's. A mole is a few
pixels wide on a face in the picture, in those same bands, and it went with them: d9's
moles beside his nose and on his cheek and d3's on her chin were drawn in the render and
faded after the detail stage (of their darkness under the skin around them, the composed
frame kept 0.26 on d18, 0.49 on s18, and 0.50 of d3's on d0), while the target's own
stayed in the footage's grain. Found here, in the texture, they are features to the stages
that replace or calm plain skin, and drawn as the selfies show them (0.76, 0.78, 1.00).

A mark is a spot darker than the skin around it by `MARK_DARKER` in the band that holds a
mole (`MARK_SCALE`), no larger than `MARK_AREA` and about as wide as it is long
(`MARK_ROUND`): pores, stubble and a merged texture's noise are fainter (the band's
typical value on plain skin is 0.1-0.3 L), creases and folds longer, the nostrils and the
lips' corners are features already (`FEATURES_AWAY`).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.identity.uv import TEXTURE_SIZE

MARK_DARKER = 5.0
"""Lab lightness (0..100): how much darker than the skin around it a mark is at its middle,
in the band between `MARK_SCALE`'s blurs. The moles of the eval's selfie sets read 8-11;
the next darkest spots on their plain skin, 4.3 (a shadow under d9's glasses)."""
MARK_SCALE = (1.2, 4.0)  # texels of a `TEXTURE_SIZE` texture: the band's two blurs (sigma)
MARK_AREA = 60  # texels of a `TEXTURE_SIZE` texture: the most a mark's darker half covers
MARK_ROUND = 2.0  # a mark's box is at most this many times as long as it is wide
FEATURES_AWAY = 0.03  # of the texture's size: the eyes, brows, nose and lips grown by this
MARK_GROW = 2.0  # texels of a `TEXTURE_SIZE` texture: a mark's soft edge past its darker half
_FEATURES = (L.RIGHT_EYE, L.LEFT_EYE, L.RIGHT_BROW, L.LEFT_BROW, L.NOSE, L.LIPS_OUTER)


def skin_marks(texture: np.ndarray, skin: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """0..1 float32 over `texture` (RGB uint8, the identity's): its marks on `skin` (the
    identity's plain skin mask), softened; `uv`: the mesh's texel coordinates."""
    size = texture.shape[0]
    scale = size / TEXTURE_SIZE
    lightness = cv2.cvtColor(texture, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)
    lightness *= np.float32(100 / 255)
    fine, wide = (s * scale for s in MARK_SCALE)
    darker = cv2.GaussianBlur(lightness, (0, 0), wide) - cv2.GaussianBlur(lightness, (0, 0), fine)
    plain = (skin > 0.5) & (_features(uv, size, FEATURES_AWAY * size) == 0)
    reach = max(round(3 * wide), 2)
    peaks = (darker >= MARK_DARKER) & plain & (
        darker >= cv2.dilate(darker, np.ones((2 * reach + 1,) * 2, np.uint8)))
    marks = np.zeros((size, size), np.uint8)
    for y, x in zip(*np.nonzero(peaks), strict=True):
        y0, x0 = max(y - 2 * reach, 0), max(x - 2 * reach, 0)
        box = darker[y0:y + 2 * reach + 1, x0:x + 2 * reach + 1]
        _, labels = cv2.connectedComponents((box > darker[y, x] / 2).astype(np.uint8))
        blob = labels == labels[y - y0, x - x0]
        ys, xs = np.nonzero(blob)
        long, short = sorted((np.ptp(xs) + 1, np.ptp(ys) + 1), reverse=True)
        # a blob that reaches the box's edge is no spot: a fold's or a shadow's length
        inside = (ys.min() > 0 and ys.max() < box.shape[0] - 1
                  and xs.min() > 0 and xs.max() < box.shape[1] - 1)
        if blob.sum() <= MARK_AREA * scale**2 and long <= MARK_ROUND * short and inside:
            marks[y0:y0 + box.shape[0], x0:x0 + box.shape[1]] |= blob.astype(np.uint8)
    if not marks.any():
        return marks.astype(np.float32)
    grow = max(round(MARK_GROW * scale), 1) * 2 + 1
    marks = cv2.dilate(marks, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    return np.minimum(cv2.GaussianBlur(marks.astype(np.float32), (0, 0), grow / 4) * 1.5, 1.0)


def _features(uv: np.ndarray, size: int, grow: float) -> np.ndarray:
    """uint8 0/1: the hulls of the eyes, brows, nose and lips in texture space, grown."""
    mask = np.zeros((size, size), np.uint8)
    for group in _FEATURES:
        cv2.fillConvexPoly(mask, cv2.convexHull(np.round(uv[list(group)]).astype(np.int32)), 1)
    r = max(int(grow), 1) * 2 + 1
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (r, r)))
