"""Marks on the skin, moles and beauty spots: the user's are kept, the target's taken away.

The swap gives the drawn face's plain skin the footage's finest bands (`compose.detail`):
its grain, pores and compression, as steady in time as the original's. A mole is a few
pixels wide on a face in the picture, in those same bands, and the user's went with them:
d9's moles beside his nose and on his cheek and d3's on her chin were drawn in the render
and faded after the detail stage (of their darkness under the skin around them, the
composed frame kept 0.26 on d18, 0.49 on s18, and 0.50 of d3's on d0), while the target's
own came with the footage's bands onto the user's face. The texture's marks
(`skin_marks`) are features to the stages that replace or calm plain skin, and drawn as the
selfies show them (0.76, 0.78, 1.00); the footage's (`footage_marks`) are painted out of
the frame under the face before anything reads it (`compose.marks`).

A mark is a spot darker than the skin around it by `MARK_DARKER` in the band that holds a
mole (`MARK_SCALE`), no larger than `MARK_AREA` and about as wide as it is long
(`MARK_ROUND`): pores, stubble and a merged texture's noise are fainter (the band's
typical value on plain skin is 0.1-0.3 L), creases and folds longer, the nostrils and the
lips' corners are features already (`FEATURES_AWAY`). Sizes are shares of the face's
(its mesh's larger side).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L

MARK_DARKER = 5.0
"""Lab lightness (0..100): how much darker than the skin around it a mark is at its middle,
in the band between `MARK_SCALE`'s blurs. The moles of the eval's selfie sets read 8-11;
the next darkest spots on their plain skin, 4.3 (a shadow under d9's glasses)."""
MARK_SCALE = (0.0025, 0.0085)  # of the face's size: the band's two blurs (sigma)
MARK_AREA = 2.7e-4  # of the face's size squared: the most a mark's darker half covers
MARK_ROUND = 2.0  # a mark's box is at most this many times as long as it is wide
FEATURES_AWAY = 0.033  # of the face's size: the eyes, brows, nose and lips grown by this
EYES_AWAY = 0.1
"""Of the face's size: in the footage, the eyes grown by this. Around them a small dark spot
is as often a glasses rim's hinge or nose pad (d9's) or the wing of an eye line (d10's) as
a mole, and those stay the target's."""
MARK_GROW = 0.0042  # of the face's size: a mark's soft edge past its darker half
_FEATURES = (L.RIGHT_EYE, L.LEFT_EYE, L.RIGHT_BROW, L.LEFT_BROW, L.NOSE, L.LIPS_OUTER)


def skin_marks(texture: np.ndarray, skin: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """0..1 float32 over `texture` (RGB uint8, the identity's): its marks on `skin` (the
    identity's plain skin mask), softened; `uv`: the mesh's texel coordinates."""
    face = float(np.ptp(uv[: L.N_MESH], axis=0).max())
    plain = (skin > 0.5) & ~_features(uv, texture.shape[:2], FEATURES_AWAY * face)
    return _softened(_spots(texture, plain, face), face)


def footage_marks(window: np.ndarray, xy: np.ndarray, face_size: float, away: float
                  ) -> np.ndarray:
    """0..1 float32 over `window` (RGB uint8): the marks of the face whose points are `xy`
    (window coordinates) on its skin, `away` (a share of the face's size) inside its
    outline and away from its features, softened. Where to look is worked out at half the
    size (its distance transforms were a third of the search's time)."""
    h, w = window.shape[:2]
    small = (max(h // 2, 1), max(w // 2, 1))
    half = xy[:, :2] / 2
    oval = np.zeros(small, np.uint8)
    cv2.fillPoly(oval, [np.round(half[list(L.FACE_OVAL)]).astype(np.int32)], 1)
    plain = cv2.distanceTransform(oval, cv2.DIST_L2, 3) > away * face_size / 2
    plain &= ~_features(half, small, FEATURES_AWAY * face_size / 2)
    plain &= ~_features(half, small, EYES_AWAY * face_size / 2, (L.RIGHT_EYE, L.LEFT_EYE))
    plain = cv2.resize(plain.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    return _softened(_spots(window, plain, face_size), face_size)


def _spots(rgb: np.ndarray, plain: np.ndarray, face: float) -> np.ndarray:
    """uint8 0/1 over `rgb` (uint8): the darker half of each mark on `plain` (bool), a face
    `face` pixels in size."""
    marks = np.zeros(plain.shape, np.uint8)
    if not plain.any():
        return marks
    lightness = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)
    lightness *= np.float32(100 / 255)
    fine, wide = (s * face for s in MARK_SCALE)
    darker = cv2.GaussianBlur(lightness, (0, 0), wide) - cv2.GaussianBlur(lightness, (0, 0), fine)
    reach = max(round(3 * wide), 2)  # a mark's darkness spreads over the wider blur
    peaks = (darker >= MARK_DARKER) & plain & (
        darker >= cv2.dilate(darker, np.ones((2 * reach + 1,) * 2, np.uint8)))
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
        if blob.sum() <= MARK_AREA * face**2 and long <= MARK_ROUND * short and inside:
            marks[y0:y0 + box.shape[0], x0:x0 + box.shape[1]] |= blob.astype(np.uint8)
    return marks


def _softened(marks: np.ndarray, face: float) -> np.ndarray:
    """`marks` (uint8 0/1) grown by `MARK_GROW` and softened, as float32 0..1."""
    if not marks.any():
        return marks.astype(np.float32)
    grow = max(round(MARK_GROW * face), 1) * 2 + 1
    marks = cv2.dilate(marks, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    return np.minimum(cv2.GaussianBlur(marks.astype(np.float32), (0, 0), grow / 4) * 1.5, 1.0)


def _features(xy: np.ndarray, shape: tuple[int, int], grow: float,
              groups: tuple[tuple[int, ...], ...] = _FEATURES) -> np.ndarray:
    """bool over `shape`: the hulls of `groups` (the eyes, brows, nose and lips) of the
    points `xy`, grown by `grow` pixels (by a distance transform: an elliptic dilation a
    tenth of the face wide cost 11 ms a frame)."""
    mask = np.ones(shape, np.uint8)
    for group in groups:
        hull = cv2.convexHull(np.round(xy[list(group), :2]).astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 0)
    return cv2.distanceTransform(mask, cv2.DIST_L2, 3) <= grow
