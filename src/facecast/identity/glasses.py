"""Where a selfie's glasses lie in its texture: their rims would be painted onto every
swapped face. Whether a photo shows glasses at all is `faces.glasses.wears_glasses`.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L

RIM_SCALE = 9  # texels: a structure thinner than this (at 512 texels) can be a rim or an arm
RIM_FROM, RIM_SURE = 2.5, 6.0  # Lab lightness off the surroundings: part of a rim; surely one
RIM_SEEDS = 10  # texels at RIM_SURE that make a thin line a rim rather than a crease


def rim_mask(texture: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Where a selfie's glasses are, in its unwrapped texture (0/1, float32).

    Rims, bridge and arms are thin lines lighter or darker than what is around them, long
    (more than half an eye's width) and around the eyes: from the brows down to the upper
    cheeks, and out to the temples. A top-hat of both signs finds thin structures; a line
    is kept if it is long and parts of it stand out clearly (hysteresis), which leaves
    pores, stubble and a crease alone. The eyes (with their lashes) are never marked, nor
    the brows, but for a brow's edge and a light line through one that continues a rim
    found outside it. Only used on photos that `wears_glasses`.
    """
    size = texture.shape[0]
    lightness = cv2.cvtColor(texture, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32) * (100 / 255)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (RIM_SCALE, RIM_SCALE))
    lighter = lightness - cv2.morphologyEx(lightness, cv2.MORPH_OPEN, kernel)
    thin = np.maximum(lighter, cv2.morphologyEx(lightness, cv2.MORPH_CLOSE, kernel) - lightness)
    thin *= _glasses_zone(uv, size)
    n, labels, stats, _ = cv2.connectedComponentsWithStats((thin > RIM_FROM).astype(np.uint8), 8)
    eye_w = float(np.linalg.norm(uv[L.RIGHT_EYE_OUTER] - uv[L.RIGHT_EYE_INNER]))
    sure = np.bincount(labels[thin > RIM_SURE], minlength=n)
    rims = (np.maximum(stats[:, 2], stats[:, 3]) > 0.5 * eye_w) & (sure >= RIM_SEEDS)
    rims[0] = False
    mask = rims[labels].astype(np.uint8)
    # where a rim crosses a brow it is a light line through the dark hair (metal catches the
    # light): kept when it continues a rim found outside the brow (d9's upper rims)
    across = (lighter * _brows(uv, size) > RIM_FROM).astype(np.uint8)
    n, labels = cv2.connectedComponents(across, connectivity=8)
    near = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))) > 0
    crossing = np.zeros(n, bool)
    crossing[labels[near & (labels > 0)]] = True
    crossing[0] = False
    mask = np.maximum(mask, crossing[labels].astype(np.uint8))
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))).astype(np.float32)


def _glasses_zone(uv: np.ndarray, size: int) -> np.ndarray:
    """Where glasses sit in texture space: from just above the brows' lower edge to well
    below the eyes (above the nose tip), less the eyes with their lashes and the brows."""
    eye_w = float(np.linalg.norm(uv[L.RIGHT_EYE_OUTER] - uv[L.RIGHT_EYE_INNER]))
    oval = np.zeros((size, size), np.uint8)
    cv2.fillPoly(oval, [np.round(uv[list(L.FACE_OVAL)]).astype(np.int32)], 1)
    rows = np.arange(size, dtype=np.float32)[:, None]
    eye_y = float(uv[list(L.RIGHT_EYE + L.LEFT_EYE), 1].mean())
    brow_top = float(uv[list(L.RIGHT_BROW + L.LEFT_BROW), 1].min())
    band = (rows > brow_top - 0.1 * eye_w) & (rows < min(eye_y + 1.4 * eye_w, uv[L.NOSE_TIP, 1]))
    keep = np.zeros((size, size), np.uint8)
    lashes = int(0.1 * eye_w) * 2 + 1
    for eye in (L.RIGHT_EYE, L.LEFT_EYE):
        m = np.zeros_like(keep)
        cv2.fillConvexPoly(m, cv2.convexHull(np.round(uv[list(eye)]).astype(np.int32)), 1)
        keep |= cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (lashes, lashes)))
    # a rim along a brow's lower edge is still marked; the brow's body is not
    edge = int(0.08 * eye_w) * 2 + 1
    keep |= cv2.erode(_brows(uv, size).astype(np.uint8),
                      cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (edge, edge)))
    return (band & (oval > 0) & (keep == 0)).astype(np.float32)


def _brows(uv: np.ndarray, size: int) -> np.ndarray:
    """0/1 float32: the brows' hulls in texture space."""
    brows = np.zeros((size, size), np.uint8)
    for brow in (L.RIGHT_BROW, L.LEFT_BROW):
        cv2.fillConvexPoly(brows, cv2.convexHull(np.round(uv[list(brow)]).astype(np.int32)), 1)
    return brows.astype(np.float32)
