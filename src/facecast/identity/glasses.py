"""Where a selfie's glasses lie in its texture: their rims would be painted onto every
swapped face, and their lenses tint the skin behind them (`unglazed`). Whether a photo
shows glasses at all is `faces.glasses.wears_glasses`.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.identity.uv import brow_hulls
from facecast.imaging import masked_blur

RIM_SCALE = 9  # texels: a structure thinner than this (at 512 texels) can be a rim or an arm
RIM_FROM, RIM_SURE = 2.5, 6.0  # Lab lightness off the surroundings: part of a rim; surely one
RIM_SEEDS = 10  # texels at RIM_SURE that make a thin line a rim rather than a crease
LENS_REACH = (1.3, 1.1)  # of an eye's width from its centre, across and up or down: a lens's rim
LENS_SIZE = (0.7, 2.8)  # eye widths: the smallest and largest lens (its ellipse's axes)
LENS_RIM = 40  # texels of rim around an eye, at least, to fit its lens by
LENS_RING = (1.08, 1.35)  # the lens's ellipse scaled: the skin outside it, read as bare
LENS_EDGE = 0.08  # of an eye's width: the correction fades in over this inside the rim
LENS_DOWN = 4  # the colours around and behind a lens are blurred at a quarter of the size
LENS_LIGHT = 0.5
"""Share of the lightness difference between the skin behind a lens and the skin around it
that is taken off (all of the colour's is): behind the lens also lies the socket's own
shade."""
Ellipse = tuple[tuple[float, float], tuple[float, float], float]  # OpenCV's rotated ellipse


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
    keep = _eyes(uv, size, 0.1)
    # a rim along a brow's lower edge is still marked; the brow's body is not
    edge = int(0.08 * eye_w) * 2 + 1
    keep |= cv2.erode(_brows(uv, size).astype(np.uint8),
                      cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (edge, edge)))
    return (band & (oval > 0) & (keep == 0)).astype(np.float32)


def _eyes(uv: np.ndarray, size: int, grow: float) -> np.ndarray:
    """uint8 0/1: the eyes' hulls in texture space, grown by `grow` of an eye's width (their
    lashes and lids)."""
    eye_w = float(np.linalg.norm(uv[L.RIGHT_EYE_OUTER] - uv[L.RIGHT_EYE_INNER]))
    eyes = np.zeros((size, size), np.uint8)
    for eye in (L.RIGHT_EYE, L.LEFT_EYE):
        cv2.fillConvexPoly(eyes, cv2.convexHull(np.round(uv[list(eye)]).astype(np.int32)), 1)
    width = int(grow * eye_w) * 2 + 1
    return cv2.dilate(eyes, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width)))


def _brows(uv: np.ndarray, size: int) -> np.ndarray:
    """0/1 float32: the brows' hulls in texture space."""
    return brow_hulls(uv, size).astype(np.float32)


def lenses(rim: np.ndarray, uv: np.ndarray) -> list[Ellipse]:
    """The lenses of a selfie's glasses in its texture, as OpenCV's rotated ellipses (one
    per eye whose rim was found well enough around it), fitted to the rim's texels around
    each eye, on that eye's side of the bridge."""
    eye_w = float(np.linalg.norm(uv[L.RIGHT_EYE_OUTER] - uv[L.RIGHT_EYE_INNER]))
    ys, xs = np.nonzero(rim > 0)
    middle = float(uv[[L.RIGHT_EYE_INNER, L.LEFT_EYE_INNER], 0].mean())
    found = []
    for eye in (L.RIGHT_EYE, L.LEFT_EYE):
        centre = uv[list(eye)].mean(axis=0)
        side = np.sign(centre[0] - middle)
        near = ((((xs - centre[0]) / (LENS_REACH[0] * eye_w)) ** 2
                 + ((ys - centre[1]) / (LENS_REACH[1] * eye_w)) ** 2) <= 1.0)
        near &= (xs - middle) * side > 0.1 * eye_w
        if near.sum() < LENS_RIM:
            continue
        ellipse = cv2.fitEllipse(np.stack([xs[near], ys[near]], axis=1).astype(np.float32))
        (cx, cy), axes, _ = ellipse
        inside = np.hypot(cx - centre[0], cy - centre[1]) < 0.5 * min(axes)
        if inside and LENS_SIZE[0] * eye_w <= min(axes) and max(axes) <= LENS_SIZE[1] * eye_w:
            found.append(ellipse)
    return found


def _filled(ellipse: Ellipse, scale: float, size: int) -> np.ndarray:
    """bool over the texture: inside `ellipse` grown by `scale`."""
    mask = np.zeros((size, size), np.uint8)
    (cx, cy), (a, b), angle = ellipse
    cv2.ellipse(mask, ((cx, cy), (a * scale, b * scale), angle), 1, -1)
    return mask > 0


def unglazed(texture: np.ndarray, rim: np.ndarray, uv: np.ndarray, skin: np.ndarray
             ) -> np.ndarray:
    """A selfie's texture (float RGB) with the skin seen through its glasses' lenses given
    the colour of the bare skin around them, and `LENS_LIGHT` of its lightness: a lens tints
    what is behind it (d9's, grey-blue), and merged from photos that all wear glasses the
    texture kept a pale grey disc around each eye, the "grey patch around the eyes" a blind
    viewer saw on every swap of d9. d0's selfies with grey-blue lenses drawn on: under the
    eyes a and b 8.9 from the bare selfies' texture, 1.4 with this."""
    size = texture.shape[0]
    found = lenses(rim, uv)
    if not found:
        return texture
    eye_w = float(np.linalg.norm(uv[L.RIGHT_EYE_OUTER] - uv[L.RIGHT_EYE_INNER]))
    lab = cv2.cvtColor(np.clip(texture, 0, 255).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    features = (_eyes(uv, size, 0.15) > 0) | (_brows(uv, size) > 0)
    plain = (skin > 0.5) & ~features & (cv2.dilate(rim.astype(np.uint8), np.ones((5, 5))) == 0)
    shift = np.zeros_like(lab)
    sigma = eye_w / 2
    for ellipse in found:
        behind = _filled(ellipse, 1.0, size)
        around = _filled(ellipse, LENS_RING[1], size) & ~_filled(ellipse, LENS_RING[0], size)
        if (plain & around).sum() < 50 or (plain & behind).sum() < 50:
            continue
        bare = masked_blur(lab, plain & around, sigma, LENS_DOWN)
        seen = masked_blur(lab, plain & behind, sigma, LENS_DOWN)
        inside = cv2.GaussianBlur(behind.astype(np.float32), (0, 0), LENS_EDGE * eye_w)
        inside = np.clip(2.0 * inside - 1.0, 0.0, 1.0)  # 0 at the rim, fading in inside it
        shift += (bare - seen) * inside[..., None]
    shift[..., 0] *= LENS_LIGHT
    lab += shift
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB) * 255.0
