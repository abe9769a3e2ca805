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

What shows through the rendered face's openings stays: the target's eyes, teeth and tongue,
its lip line beside the mouth's opening, and its lash line along the eyes' openings, where
the drawn lashes fade out (painted out there too, the skin showed between the drawn lashes
and the eye as a pale rim, a mask's eye holes: d14's selfies into d3, 5 L lighter than
both sides). What occlusion keeps (hands, hair, the target's
glasses) stays in front, unfilled.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.imaging import (
    channels,
    clamp,
    dilate_disc,
    enlarge,
    mask_box,
    masked_blur,
    shrink,
    smoothstep,
)

FULL_FROM = 0.5  # blend weight from which the features are wholly painted out: a profile fade
# brings them back with the target's face, instead of popping in when the swap stops
BROW_GROW = 0.03  # of the face size: brow hair past the mesh's brow
BROW_SOFT = 1 / 60
"""Of the face size: the Gaussian over which the painted-out brows meet the skin around
them (the other features meet it over a pixel or so). Toward the temples the drawn face
fades out, and a brow's tail painted out with a hard edge showed there as a pale patch
with a dark rim: the target's brow hair just past the mesh's line (d10 and d3 into s18,
the look test's "grey-purple patch beside the brow"). Feathered, the rim is a soft shade:
ghosting (`make eval`) on d10 into s18 0.81 -> 0.77, d3 into d14 0.39 as it was. Grown wider
as well (0.045 of the face), one of d12's two blinks under d3's face was lost."""
BROW_COVER = 0.5
"""The rendered face's alpha from which the target's brows are wholly painted out; none
where it is 0. Past the drawn face's reach (toward the temples, where its alpha falls by
the hair beside it and by the outline) a brow's tail painted out left a pale patch with an
edge, where the target's own tail, the only brow there, belongs (d10 into s18: the look
test's "flat band above the brows" and "step at a temple")."""
LASH_GROW = 0.03  # lashes, liner and the lid's crease around the eye's contour
LIP_GROW = (0.05, 0.025)  # the mouth's corners creasing out sideways, and the lips' border
NOSTRIL_GROW = 0.015
RIM = 0.008  # of the face size: the fade left at the rendered face's openings
LIP_LINE = 0.02  # of the face size: how far from the rendered mouth's opening the target's
# own lip line is the mouth's line (kept), not a second one
FILL_REACH = 1 / 25  # of the face size: how far skin is looked for around a feature
_DOWN = 4
_SUB_BITS = 4  # polygon corners in sixteenths of a pixel: outlines follow the smoothed mesh
_SUB = 1 << _SUB_BITS


def clean_plate(frame: np.ndarray, region: Region, landed: np.ndarray, alpha: np.ndarray,
                covered: np.ndarray, holes: np.ndarray | None, keep: np.ndarray | None,
                face_size: float, weight: float, *, reach: np.ndarray) -> np.ndarray:
    """Paint the target's brows, eye outlines, lips and nostrils out of `frame[region]`, in
    place, with the skin around them; returns the rendered face's `alpha`, raised to 1 over
    the upper lids.

    The texture's lashes lie at the mesh's eye openings, where its alpha fades to 0 (on a
    closed eye the whole lash line): over the painted-out frame they would fade into bare
    skin, so above each opening the rendered face covers in full. The lower lids keep the
    fade (their texels' rim is often the selfies' eye white), and the cover stops short of
    the opening: covered in full all round, up to the opening, the drawn lash lines closed
    around each eye as a heavy painted outline, and a blind viewer chose the fade in 15 of
    26 eye crops (all four of d3's and d10's into s18), though it leaves a pale rim under
    some eyes (d10's lower lashes 2-3 px below d14's opening). Beside the mouth's opening the
    target's lip line stays: the texture has no dark line where lips meet (its mouth is a
    hole), and a closed mouth would read as one lip.

    `landed`: the target's mesh points where its features now are in the frame (after the
    shape warp); `covered`: where the rendered face is drawn; `holes`: its openings (0..1 over
    `region`); `keep` (0..1 over `region`): what occlusion keeps in front; `weight`: the
    swap's blend weight; `reach` (0..1 over `region`): the rendered face's own alpha, before
    the target's eyes and mouth show through it (where the brows are painted out,
    `BROW_COVER`).
    """
    strength = min(weight / FULL_FROM, 1.0)
    if strength <= 0.0:
        return alpha
    local = np.round((landed[: L.N_MESH] - (region.x0, region.y0)) * _SUB).astype(np.int32)
    marks = _Marks(local, (region.h, region.w), face_size)
    box = mask_box(marks.features, 3 * max(face_size * LASH_GROW, 2.0))
    if box is None:
        return alpha
    window = frame[region.slices]
    fill = _skin_fill(window, local, marks.features | marks.eyes | marks.mouth, keep,
                      face_size, box)
    if fill is None:
        return alpha
    features, lashes, eyes = marks.features[box], marks.lashes[box], marks.eyes[box]
    if holes is None:
        opened = np.zeros(eyes.shape, np.float32)
        shown = (eyes | marks.mouth[box]).astype(np.float32)
    else:
        opened = holes[box]  # 0..1: an eye's edge pixels by the share it covers
        lip_line = max(int(LIP_LINE * face_size), 1) * 2 + 1
        # whatever the rendered eyes' openings show is the target's eye (skin painted in
        # over the lid the target has there moved with every blink and glance: flicker
        # 1.07 -> 1.13 on s18); its lips beside the rendered mouth's opening
        mouth = ((opened > 0) & marks.lips[box]).astype(np.uint8)
        shown = np.maximum(opened, dilate_disc(mouth, lip_line).astype(np.float32))
    soft = max(face_size / 200, 0.7)
    # what the openings show meets the fill over a pixel or two, so that their outlines'
    # moves with the mesh do not jump at its edge
    rim = max(face_size * RIM, 1.0)
    # the brows' edge feathered wide, from the grown outline outward (twice the blur,
    # clipped: still wholly painted out on the outline itself), but not over the eyes'
    # lids and lashes: painted further over a lid, MediaPipe read one of d12's two blinks
    # under d3's face as none. They are painted out also where a closing eye shows the
    # frame through (`shown` holds that, wholly): over a squint or a wink the shut eye's
    # reach covers low brows, and the target's brow stayed there beside the drawn one (d3
    # winks or squints in 64 % of her frames); the reach cut at the brows instead drew a
    # pale arc at their tails, which a blind viewer picked out
    brows = _feathered(marks.brows[box], lashes, BROW_SOFT * face_size)
    mask = cv2.GaussianBlur(features * (1.0 - shown), (0, 0), soft)
    # the features are painted out up to a rim short of the eyes' openings (the lids' cover
    # fades out over the rim nearest them, below): where the drawn lashes fade, the
    # target's own lash line shows under them, not painted skin
    eyes_open = opened * lashes
    painted = mask * _away(np.maximum(shown, _grown(eyes_open, rim)), rim)
    np.maximum(mask, brows, out=mask)
    np.maximum(painted, brows, out=painted)
    # only under the drawn face (its reach softened as the brows' edge is: a steep fall of
    # the texture's alpha beside hair drew a pale line across a brow's tail): where it does
    # not reach, the target's brow is the only one
    beyond = _under(reach[box], BROW_SOFT * face_size)
    np.subtract(1.0, beyond, out=beyond)
    beyond *= marks.brows[box] | (brows > 0)
    np.subtract(1.0, beyond, out=beyond)
    if keep is not None:
        beyond *= 1.0 - keep[box]
    beyond *= strength
    mask *= beyond
    painted *= beyond
    part = window[box]
    mixed = fill - part  # part + painted (fill - part), in place: the same numbers
    mixed *= channels(painted)
    mixed += part
    mixed += 0.5
    part[...] = clamp(mixed, 255.0)  # truncated on assignment, as astype does
    lids = _above(eyes_open, LASH_GROW * face_size)
    lids *= 1.0 - opened
    lids *= lashes
    cover = cv2.GaussianBlur(lids, (0, 0), soft)
    cover *= _away(opened, rim)
    cover *= mask
    cover *= covered[box]
    alpha = alpha.copy()
    alpha[box] = np.maximum(alpha[box], cover)
    return alpha


def _feathered(brows: np.ndarray, lashes: np.ndarray, wide: float) -> np.ndarray:
    """0..1: `brows` (bool) spread outward over about twice `wide` pixels (a Gaussian of
    `wide`, doubled and clipped), less the `lashes` (bool) and twice as far around them.
    Worked out at a quarter of the size when `wide` spans a pixel there: at full size the
    two blurs cost half as much as the rest of the plate (s18's 281 px face: 1.3 ms a
    frame; 0.3 ms so)."""
    down = _DOWN if wide >= _DOWN else 1
    size = (brows.shape[1], brows.shape[0])

    def spread(mask: np.ndarray, reach: float, gain: float) -> np.ndarray:
        small = mask.astype(np.float32)
        small = shrink(small, down) if down > 1 else small
        soft = np.minimum(gain * cv2.GaussianBlur(small, (0, 0), reach / down), 1.0)
        return enlarge(soft, down, size) if down > 1 else soft

    # each mask a plane of its own: no two-channel stack at full size, no strided halves
    away = spread(lashes, 2.0 * wide, 4.0)
    np.subtract(1.0, away, out=away)
    away *= spread(brows, wide, 2.0)
    return away


def _under(reach: np.ndarray, soft: float) -> np.ndarray:
    """0..1: where the drawn face (`reach`: its alpha) covers the brows, from `BROW_COVER`,
    softened over `soft` pixels; worked out at a quarter of the size when `soft` spans a
    pixel there."""
    down = _DOWN if soft >= _DOWN else 1
    small = shrink(reach, down) if down > 1 else reach
    under = smoothstep(cv2.GaussianBlur(small, (0, 0), soft / down) / BROW_COVER)
    return enlarge(under, down, (reach.shape[1], reach.shape[0])) if down > 1 else under


def _away(mask: np.ndarray, rim: float) -> np.ndarray:
    """0..1: 0 on `mask` (0..1), rising to 1 over `rim` pixels away from it."""
    near = cv2.GaussianBlur(mask, (0, 0), rim / 2)
    near *= -2.0
    near += 1.0
    away = smoothstep(near)
    away *= 1.0 - mask
    return away


def _grown(mask: np.ndarray, reach: float) -> np.ndarray:
    """`mask` (0..1) grown by `reach` pixels (a disc)."""
    n = 2 * max(round(reach), 1) + 1
    return dilate_disc(mask, n)


def _above(mask: np.ndarray, reach: float) -> np.ndarray:
    """`mask` (0..1) spread upward by `reach` pixels: each pixel the most of those below."""
    n = max(int(reach), 1) + 1
    return cv2.dilate(mask, np.ones((n, 1), np.uint8), anchor=(0, 0))


class _Marks:
    """The target's features over the window, bool: `features` (brows, eye outlines with
    their lashes, lips and nostrils, grown by what lies past the mesh's lines), `lashes`
    (the eyes' part of it), `lips` and `brows` (theirs), and the openings `eyes` and `mouth`.
    Grown shapes are drawn with thick outlines (the sum with a disc), not dilated: a
    tenth of the cost."""

    def __init__(self, local: np.ndarray, shape: tuple[int, int], face_size: float) -> None:
        s = face_size

        def area(*groups: tuple[int, ...], grow: float = 0.0, hull: bool = False
                 ) -> np.ndarray:
            mask = np.zeros(shape, np.uint8)
            loops = [cv2.convexHull(local[list(g)]) if hull else local[list(g)]
                     for g in groups]
            cv2.fillPoly(mask, loops, 1, shift=_SUB_BITS)
            if grow > 0:
                cv2.polylines(mask, loops, True, 1, max(int(grow), 1) * 2 + 1, shift=_SUB_BITS)
            return mask

        eyes = area(L.RIGHT_EYE, L.LEFT_EYE)
        lashes = area(L.RIGHT_EYE, L.LEFT_EYE, grow=LASH_GROW * s)
        lips = area(L.LIPS_OUTER, grow=LIP_GROW[1] * s)
        # the mouth's corners crease on past the lips, along the line between them
        corners = local[[L.MOUTH_LEFT, L.MOUTH_RIGHT]].astype(np.float64)
        along = (corners[0] - corners[1]) / max(np.linalg.norm(corners[0] - corners[1]), 1.0)
        reach = (LIP_GROW[0] - LIP_GROW[1]) * s * _SUB
        for corner, sign in zip(corners, (1, -1), strict=True):
            end = np.round(corner + sign * along * reach).astype(np.int32)
            cv2.line(lips, tuple(int(v) for v in corner), tuple(int(v) for v in end), 1,
                     max(int(LIP_GROW[1] * s), 1) * 2 + 1, shift=_SUB_BITS)
        brows = area(L.RIGHT_BROW, L.LEFT_BROW, grow=BROW_GROW * s, hull=True)
        nostrils = area(L.NOSTRILS, grow=NOSTRIL_GROW * s, hull=True)
        self.features = (lashes | lips | brows | nostrils) > 0
        self.lashes, self.lips, self.brows = lashes > 0, lips > 0, brows > 0
        self.eyes, self.mouth = eyes > 0, area(L.LIPS_INNER) > 0


def _skin_fill(window: np.ndarray, local: np.ndarray, features: np.ndarray,
               keep: np.ndarray | None, face_size: float, box: tuple[slice, slice]
               ) -> np.ndarray | None:
    """float32 RGB over `box` of the window: the skin around the features, spread over
    them. Worked out at a quarter of the size, from pixels of the face oval away from every
    feature (their fringes and shadows too) and from what occlusion keeps. Not on the
    face's coarser grid on close-ups (`face_cell`): its reach away from the features rounds
    to whole cells, and a face crossing 360 px moved the fill by up to 39 levels (99th
    percentile 5-10) from one frame to the next, for 0.9 ms a frame."""
    h, w = features.shape
    small = (max(w // _DOWN, 1), max(h // _DOWN, 1))
    face = np.zeros((h, w), np.uint8)
    cv2.fillPoly(face, [local[list(L.FACE_OVAL)]], 1, shift=_SUB_BITS)
    skin = face.astype(np.float32)
    if keep is not None:
        skin *= keep < 0.1
    skin = cv2.resize(skin, small, interpolation=cv2.INTER_AREA)
    near = cv2.resize(features.astype(np.float32), small, interpolation=cv2.INTER_AREA)
    apart = max(int(FILL_REACH * face_size / 2 / _DOWN), 1) * 2 + 1
    near = dilate_disc(near, apart)
    src = smoothstep(2 * skin - 1) * (1.0 - near)  # continuous: the fill moves smoothly
    if src.sum() < 4:
        return None
    img = cv2.resize(window, small, interpolation=cv2.INTER_AREA).astype(np.float32)
    sigma = max(FILL_REACH * face_size / _DOWN, 1.0)
    close = masked_blur(img, src, sigma)
    far = masked_blur(img, src, 3 * sigma)
    # where no skin lies within reach (a brow's middle on a small face) the wider fill
    reached = smoothstep(cv2.GaussianBlur(src, (0, 0), sigma) / 0.15)[..., None]
    fill = cv2.resize(far + reached * (close - far), (w, h), interpolation=cv2.INTER_LINEAR)
    return fill[box]
