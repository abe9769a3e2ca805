"""A clean plate: the frame under the swap, with the target's own features painted out.

The rendered face does not hide the frame everywhere: its alpha is below 1 where the selfies
saw a texel poorly, it fades to 0 toward the eye and mouth openings (on a closed eye the
whole opening is that fade), and the low band mixes wider than the detail. Wherever the frame
shows through, the target's brows, lashes, lip lines and nostrils showed beside the user's:
shape transfer puts the user's features where the user has them, and the frame warp, smooth
and broad, leaves the target's a few pixels from them (a faint second face: two lash lines on
a closed eye, a second lip line at the mouth's corners). So before blending, the frame under
the face loses those features: each is filled with the skin around it (normalised
convolution at a quarter of the size, so the fill is as steady as the mesh that places it).

What shows through the mesh's holes stays: the target's eyeballs, teeth and tongue, where
they are both inside the target's own eye or lip opening and inside the rendered face's. What
occlusion keeps (hands, hair, the target's glasses) stays in front, unfilled.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.imaging import masked_blur, smoothstep

FULL_FROM = 0.5  # blend weight from which the features are wholly painted out: a profile fade
# brings them back with the target's face, instead of popping in when the swap stops
BROW_GROW = 0.03  # of the face size: brow hair past the mesh's brow
LASH_GROW = 0.03  # lashes, liner and the lid's crease around the eye's contour
LIP_GROW = (0.05, 0.025)  # the lips' border, and the mouth's corners creasing out sideways
NOSTRIL_GROW = 0.015
RIM = 0.008  # of the face size: the fade left at the rendered face's openings
LIP_LINE = 0.02  # of the face size: how far from the rendered mouth's opening the target's
# own lip line is the mouth's line (kept), not a second one
FILL_REACH = 1 / 25  # of the face size: how far skin is looked for around a feature
_DOWN = 4
_SUB_BITS = 4  # polygon corners in sixteenths of a pixel: outlines follow the smoothed mesh
_SUB = 1 << _SUB_BITS
_NOSTRILS = (98, 97, 2, 326, 327, 294, 4, 64)


def clean_plate(frame: np.ndarray, region: Region, landed: np.ndarray, alpha: np.ndarray,
                covered: np.ndarray, holes: np.ndarray | None, keep: np.ndarray | None,
                face_size: float, weight: float) -> np.ndarray:
    """Paint the target's brows, eye outlines, lips and nostrils out of `frame[region]`, in
    place, with the skin around them; returns the rendered face's `alpha`, raised to 1 over
    the upper lids.

    The texture's lashes lie at the mesh's eye openings, where its alpha fades to 0 (on a
    closed eye the whole lash line): over the painted-out frame they would fade into bare
    skin, so above each opening the rendered face covers in full. The lower lids keep the
    fade (their texels' rim is often the selfies' eye white). Beside the mouth's opening the
    target's lip line stays: the texture has no dark line where lips meet (its mouth is a
    hole), and a closed mouth would read as one lip.

    `landed`: the target's mesh points where its features now are in the frame (after the
    shape warp); `covered`: where the rendered face is drawn; `holes`: its openings (0/1 over
    `region`); `keep` (0..1 over `region`): what occlusion keeps in front; `weight`: the
    swap's blend weight.
    """
    strength = min(weight / FULL_FROM, 1.0)
    if strength <= 0.0:
        return alpha
    local = np.round((landed[: L.N_MESH] - (region.x0, region.y0)) * _SUB).astype(np.int32)
    marks = _Marks(local, (region.h, region.w), face_size)
    lip_line = LIP_LINE * face_size
    if holes is None:
        opened = np.zeros(marks.eyes.shape, bool)
        shown = marks.eyes | _grown(marks.mouth, lip_line, lip_line)
    else:
        opened = holes > 0
        mouth = (opened & marks.lips).astype(np.uint8)
        # whatever the rendered eyes' openings show is the target's eye (skin painted in
        # over the lid the target has there moved with every blink and glance: flicker
        # 1.07 -> 1.13 on s18); its lips beside the rendered mouth's opening
        shown = opened | (_grown(mouth, lip_line, lip_line) > 0)
    features = marks.features & ~shown
    if not features.any():
        return alpha
    window = frame[region.slices]
    fill = _skin_fill(window, local, marks.features | marks.eyes | marks.mouth, keep,
                      face_size)
    if fill is None:
        return alpha
    soft = max(face_size / 200, 0.7)
    # what the openings show meets the fill over a pixel or two: the mesh moves their
    # outlines in whole pixels, and a hard edge there jumps with them
    rim = max(face_size * RIM, 1.0)
    mask = cv2.GaussianBlur(features.astype(np.float32), (0, 0), soft)
    mask *= smoothstep(cv2.distanceTransform((~shown).astype(np.uint8), cv2.DIST_L2, 3) / rim)
    if keep is not None:
        mask *= 1.0 - keep
    mask *= strength
    mixed = window + mask[..., None] * (fill - window)
    window[...] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    lids = _above((opened & marks.lashes).astype(np.uint8), LASH_GROW * face_size)
    cover = cv2.GaussianBlur((lids & ~opened & marks.lashes).astype(np.float32), (0, 0), soft)
    cover *= smoothstep(cv2.distanceTransform((~opened).astype(np.uint8), cv2.DIST_L2, 3) / rim)
    return np.maximum(alpha, cover * mask * covered)


def _grown(mask: np.ndarray, rx: float, ry: float) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                       (max(int(rx), 1) * 2 + 1, max(int(ry), 1) * 2 + 1))
    return cv2.dilate(mask, kernel)


def _above(mask: np.ndarray, reach: float) -> np.ndarray:
    """bool: `mask` spread upward by `reach` pixels (a pixel is on if one below it is)."""
    n = max(int(reach), 1) + 1
    return cv2.dilate(mask, np.ones((n, 1), np.uint8), anchor=(0, 0)) > 0


class _Marks:
    """The target's features over the window, bool: `features` (brows, eye outlines with
    their lashes, lips and nostrils, grown by what lies past the mesh's lines), `lashes`
    (the eyes' part of it), `lips` (the lips' part), and the openings `eyes` and `mouth`."""

    def __init__(self, local: np.ndarray, shape: tuple[int, int], face_size: float) -> None:
        s = face_size

        def area(*groups: tuple[int, ...], hull: bool = False) -> np.ndarray:
            mask = np.zeros(shape, np.uint8)
            for g in groups:
                points = cv2.convexHull(local[list(g)]) if hull else local[list(g)]
                cv2.fillPoly(mask, [points], 1, shift=_SUB_BITS)
            return mask

        eyes = area(L.RIGHT_EYE, L.LEFT_EYE)
        lashes = _grown(eyes, LASH_GROW * s, LASH_GROW * s)
        lips = _grown(area(L.LIPS_OUTER), LIP_GROW[0] * s, LIP_GROW[1] * s)
        brows = _grown(area(L.RIGHT_BROW, L.LEFT_BROW, hull=True), BROW_GROW * s, BROW_GROW * s)
        nostrils = _grown(area(_NOSTRILS, hull=True), NOSTRIL_GROW * s, NOSTRIL_GROW * s)
        self.features = (lashes | lips | brows | nostrils) > 0
        self.lashes, self.lips = lashes > 0, lips > 0
        self.eyes, self.mouth = eyes > 0, area(L.LIPS_INNER) > 0


def _skin_fill(window: np.ndarray, local: np.ndarray, features: np.ndarray,
               keep: np.ndarray | None, face_size: float) -> np.ndarray | None:
    """float32 RGB over the window: the skin around the features, spread over them."""
    h, w = features.shape
    face = np.zeros((h, w), np.uint8)
    cv2.fillPoly(face, [local[list(L.FACE_OVAL)]], 1, shift=_SUB_BITS)
    apart = FILL_REACH * face_size / 2  # the features' fringes and shadows stay out too
    skin = (face > 0) & (_grown(features.astype(np.uint8), apart, apart) == 0)
    if keep is not None:
        skin &= keep < 0.1
    small = (max(w // _DOWN, 1), max(h // _DOWN, 1))
    src = cv2.resize(skin.astype(np.float32), small, interpolation=cv2.INTER_AREA)
    src = smoothstep(2 * src - 1)  # mostly skin; continuous, so the fill moves smoothly
    if src.sum() < 4:
        return None
    img = cv2.resize(window, small, interpolation=cv2.INTER_AREA).astype(np.float32)
    sigma = max(FILL_REACH * face_size / _DOWN, 1.0)
    near = masked_blur(img, src, sigma)
    far = masked_blur(img, src, 3 * sigma)
    # where no skin lies within reach (a brow's middle on a small face) the wider fill
    reached = smoothstep(cv2.GaussianBlur(src, (0, 0), sigma) / 0.15)[..., None]
    fill = far + reached * (near - far)
    return cv2.resize(fill, (w, h), interpolation=cv2.INTER_LINEAR)
