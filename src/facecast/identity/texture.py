"""Merge the accepted photos into one face texture in the identity's UV space.

Each photo is unwrapped into UV space through the mesh. A texel's weight in a photo is how
squarely and how visibly that photo sees the texel's triangle (its normal against the view
direction, times the share of the triangle left uncovered by the rest of the face), times
how much it looks like skin (hair over a cheek does not) and how far it lies from the
photo's hair (`HAIR_MARGIN`), times the face's resolution, raised to a power so the best
view dominates; the photo's sharpness scales it, and the main photo's (`calm.main_photo`)
four times over, so that the middle of the face is one photo, not a patchwork of
expressions; photos with glasses count a hundredth when the set has some without, and the
tint of their lenses is taken off the skin behind them (`glasses.unglazed`). In each
expression zone (`uv.zone_masks`) a photo that is not neutral there (`expression.read_set`:
a mouth open, a frown...) counts `NOT_NEUTRAL`: it paints the lips or the brows only where
no neutral photo sees them well. Before merging, each unwrapped photo's low frequencies are
replaced by the weighted mean of all photos' low frequencies: this takes each photo's own
shading out, so texels from differently lit photos meet without blotches; on plain skin
down to a finer scale, from the photos around each texel mixed broadly (`PLAIN_LIGHT`), so
a cheek handed from one photo to the next shows no edge. The photos are
then merged band by band (`imaging.multiband_merge`): the per-texel selection hands a cheek
from one photo to the next within a few texels, and a plain weighted mean drew that
hand-over as a seam wherever their mid frequencies differed (d10's right cheek, where hair
leaves each photo a different strip of skin). Last, the crease where the selfies' lips meet
is smoothed along its length (`LIP_LINE_REACH`), and around the eyes half of the darkness
below the skin around them is lifted (`EYE_LIFT`): the selfies' dark circles and the shade
of their light under the brows.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import Region, draw_order, rasterize_ids, warp_mesh
from facecast.faces.shading import fit_light, vertex_normals
from facecast.identity.calm import main_photo, photo_scores
from facecast.identity.expression import Reading
from facecast.identity.glasses import rim_mask, unglazed
from facecast.identity.uv import brow_hulls, brow_mask, zone_masks
from facecast.imaging import LUMA, masked_blur, multiband_merge, ramp, skin_likeness, smoothstep

_VIEW_POWER = 4.0
_SELECT_POWER = 12.0  # per texel, photos well below the best view fade out
MAIN_BOOST = 4.0
"""The main photo's weight is multiplied by this: it paints every texel it sees at 70 % or
more of the best view's quality (4 ** (1 / _VIEW_POWER)), so the middle of the face comes
from one calm photo instead of a patchwork of expressions with ghosted edges."""
GLASSES_WEIGHT = 0.01
"""Photos with glasses, when the set has some without: they paint only what no photo
without glasses sees at a third of their view or better (0.01 ** (1 / _VIEW_POWER))."""
SEEN_FROM = 0.05
"""A texel some photo sees at cos 0.05 or better is painted from the photos; the rest is
filled from around it. (A threshold on the powered weights, relative to the best texel of
the face, left whole foreheads unknown in small photos and filled them with hair.)"""
NOT_NEUTRAL = 1e-3
"""A photo's weight in a zone where it shows an expression: after the per-texel selection
(power 12) it paints only texels no neutral photo sees."""
MERGE_LEVELS = 3
"""Bands the photos are merged in (`imaging.multiband_merge`): up to 8-texel scales cross
over wide, coarser ones are the common shading already. Five bands hid the seams as well
but mixed the main photo's mid frequencies with its neighbours' and cost identity (d10 into
s18, ArcFace-style: 11 of 13 frames nearer the user, 12 with three, 13 unmerged)."""
LOW_DOWN = 4
"""Each photo's light (its low band, a 24th of the texture wide) is measured at a quarter of
the texture's size: the blur keeps nothing finer, and at full size the 15 photos' blurs
were 1.3 s of a 15-photo build's 10."""
PLAIN_LIGHT = 80.0
"""On plain skin (away from the eyes, brows, nose and lips) each photo's light is replaced
down to a finer scale, a blur of 1/`PLAIN_LIGHT` of the texture (6.4 texels), by that of
the photos around each texel mixed broadly (their selection weights blurred over a 32nd of
the texture, `PLAIN_MIX`), not only by the common light at a 24th: between the two scales
each photo kept its own shading, and where the per-texel selection handed a cheek from one
photo to the next, the two shadings met in a patchwork of lighter and darker polygons
with visible edges (d3's cheeks; the issue's "curved seam across the right cheek"). The
features keep their photos' own shading: it is their form."""
PLAIN_MIX = 32.0
FILL_DOWN = 8
"""`fill_outside`'s wider steps (from a blur of 8 texels) are worked out at up to an eighth of
the texture's size, a quarter of the blur or coarser: each fills texels farther from what is
known with a smoother mean."""
RIM_FLOOR = 1e-4
"""A glasses photo's weight on its own rims: other photos' texels win there, and where every
photo had a rim (all take glasses off the same face) the texel is inpainted."""
RIM_SHARE = 0.3  # texels painted this much from rims are inpainted from the skin around
CLEAR_FROM, CLEAR_SPAN = 0.05, 0.25
"""Confidence rises from texels seen at cos 0.05 (87 deg, or mostly hidden, or hair) to full
at 0.3 (72 deg): the sides of the nose in frontal selfies face the camera at about 0.3-0.5
and must come from the selfies, not from the target."""


EDGE_TEXELS = 0.012
"""Width (of the texture's size) of the band along the outer edge of what the photos saw
clearly that is filled from the skin inside it as well: there hair met the cheek in the
photos, and its texels, half hair, drew a dark crease down the swapped cheek (d10, whose
hair frames her face in every selfie; a blind viewer preferred the swap without it in 6 of
6 frames of d10 into s18)."""


HAIR_MARGIN = 0.02
"""Width (of the texture's size) over which a photo's weight rises from where it shows hair
(or anything unlike its skin): the strip along a strand's edge, thinning hair and its
shade, is still skin-coloured enough to count as skin, and where the main photo's hair
reached further over a cheek than the others', that strip won and drew the edge down the
swapped cheek as a fold (d10's, on s18's left cheek), though other photos saw bare skin
there. It lowers what the photos saw clearly too: where every photo had hair beside a
texel, the texture's confidence falls there and the target's own skin shows through (d10's
hair at her left temple, dark and blue-grey after levelling, drew a lavender patch past
the brow's tail: the look test's "grey-purple patch beside the brow"; dlib read the swaps
0.002-0.009 further from the user on five of seven pairs)."""
LIGHTER = 0.2
"""How much a texel lighter than the photo's typical skin counts against it being skin
(`imaging.skin_distance`; darker counts in full: hair). At half, a make-up highlight down
the nose and between the brows (d10: 47 8-bit L over her skin) and the lit side of a cheek
lost most of their photo's weight, and what was left of other photos, each with its brows
elsewhere, painted the forehead between and around the brows as a patchwork of grey
strokes, read by a blind viewer as "a grey halo" around "painted-on brows"."""
EYE_LIFT = 0.5
"""Share of the texture's darkness around the eyes, below the skin around them, that is
lifted: a selfie set's dark circles and the shade under its brows (d3's, lit from above)
read in another scene's light as "dark, smudgy grey shadows around the eyes" (a blind A/B
viewer's first reason, on d3 into s18). `make eval`: ghosting d10 into s18 0.72 -> 0.51, d14
into d3 0.12 -> 0.04; dlib 0.012-0.016 further from the user on s18 (d3's and d10's), as
much nearer on d3 (d14's) and s32 (d0's)."""
EYE_LIFT_REACH = (0.06, 0.6)
"""Eye widths from the eye's outline over which `EYE_LIFT` rises (from the first, in full from
twice it) and past which it is gone (fading from 60 % of the second). Only the brows' own
hulls are left out: d3's brows sit low over her deep-set eyes, and with the grown brow
area and a start at 0.12 her upper lids were never lifted; in d0's front light they were
26-30 L darker than the footage's there (the cheeks 3), a grey band read as smoky make-up
(14-19 L now). The lifted texels take the skin's colour around by the same share: at
their own a and b, a lifted shade was a lilac lid. A fresh blind A/B viewer chose it in 24
of 24 comparisons (12 frames of d3, d9 and d10 on six clips, each both ways round: "a dark
grey-purple shadow around both eyes, like painted-on eye shadow" in the old). `make eval`
(4 s): the face mesh's eye openness followed the original's better on d12 (d3's 0.893 ->
0.898, d9's 0.894 -> 0.913), the ArcFace-style distance to the user up to 0.10 nearer on
11 of 13 pairs (0.02 further on s18); dlib 0.02 further from d3 on d12 and d0, as much
nearer on s18; ghosting d10 on d14 0.01 -> 0.20, the cheeks' colour step to the neck d10
on s18 2.9 -> 3.3 (its runs vary by 0.3)."""
LIFTED_COLOUR = 5.0  # Lab L below the skin around from which a lifted texel takes its colour
TEMPLE_RAMP = 0.02  # of the texture's size: past a brow's tail, its fill fades to the skin's
CORNER_REACH = 0.2
"""Of the mouth's width: how far past each lip corner the texture's shading is the skin's
around it, not the corner's shadow (and, over the nearer half, its fine crease too). A
mouth that narrows (pursed for an "oo") pulls the mesh's corners in and stretches the
triangles beside them, and the shadow stretched with them into a dark slit as wide as the
user's resting mouth: over d12's pursed frames the swapped mouth read 1.13 times the
original's width with d3's selfies, 0.99 with plain corners (d9's, whose lip line runs on
past the mesh's corners in his selfies: 1.14 -> 1.11)."""
LIP_LINE_REACH = 0.05
"""Of the mouth's width: the band each side of the inner lip line (where the lips meet in a
neutral face) that is smoothed along the line. The selfies' closed mouths leave their
crease there, specked with teeth where a mouth was barely open and with the lips' own
flecks (on d0 and d3, 1.4 L from the line's mean along it, against 0.7-0.9 on the lips'
body); the mesh stretches those few texels over the inside of every opened lip: a ragged
rim of dark and pale flecks around the drawn opening (d3 into d12's pursed "oo"). The
crease's shade across the band stays: an opened mouth's inner lips are shaded too, and
with the band in the lips' colour the mesh read s32's smiles under d0's face less well
(its mouth correlation 0.98 -> 0.88)."""
LIP_EDGE = 0.02
"""Of the mouth's width: how soft the lips' outline is where the corners' skin
(`_plain_corners`) and the lip line's smoothing (`_plain_lip_line`) meet it (a Gaussian's
sigma, about a texel and a half). Cut at the outline polygon's own texels, both left each
corner of every texture a hard, stair-stepped point; the mesh stretched it over a pursed
mouth into a dark wedge with straight edges (d0's selfies into d10: the "lips like a
sticker" of frames 56-58 and 92-93, where dlib read a closed mouth as open)."""
NOSE_LIFT = 0.5
"""Share of the texture's darkness between the nose and the upper lip, below the level of the
cheeks beside them, that is lifted: selfies lit from above cast the nose's shadow there
(d3's: 11 L darker than s18's own under the nose, 17 beside the nostrils), and in another
scene's light it reads as a moustache. Its finer detail (the philtrum, stubble) stays.
Under the nose of d3's swaps: 38 -> 44 L against s18's own 49, 45 -> 49 against d12's 52;
two blind A/B viewers chose the lifted one in 24 of 24 comparisons ("a dirty, brownish
shadow in the philtrum, like a faint moustache"). dlib read her swaps 0.005-0.019 further
from her selfies (the nose's shade is in all of them), the ArcFace-style recogniser within
0.005."""
OVERHEAD = (0.1, 0.25)
"""How steeply from above the selfies' light falls (its vertical term over its ambient one,
fitted on the texture's plain skin over the neutral shape's normals) from which the darkness
under the nose is taken for the nose's shadow, and from which in full (d3's selfies 0.28;
d0's and d14's 0.10, d9's 0.13, d10's 0.06). Under a frontal light that darkness is the
person's own: lifted from d0's selfies (his stubble's), the ArcFace-style recogniser read his
swap into s32 0.730 -> 0.772 from him."""
_SUB_BITS = 4  # the outline drawn at a sixteenth of a texel
_SUB = 1 << _SUB_BITS


def _joined_to_surround(mask: np.ndarray, width: int) -> np.ndarray:
    """bool: the parts of `mask` (bool) wider than `width` texels that join the texture's
    corner, the surround: islands inside the face, and thin channels that join them to
    the surround, do not count (an opening drops those)."""
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN,
                              cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width)))
    fill = np.zeros((opened.shape[0] + 2, opened.shape[1] + 2), np.uint8)
    cv2.floodFill(opened, fill, (0, 0), 2)
    return opened == 2


def _hair_edge(painted: np.ndarray, reach: float) -> np.ndarray:
    """Texels of `painted` within `reach` of the unpainted surround (not of unpainted
    islands inside the face: nostrils, texels seen edge-on beside the eyes)."""
    surround = _joined_to_surround(~painted, 2 * round(reach) + 1).astype(np.uint8)
    return painted & (cv2.distanceTransform(1 - surround, cv2.DIST_L2, 5) < reach)


def _away_from_hair(likeness: np.ndarray, covered: np.ndarray, reach: float) -> np.ndarray:
    """0..1 per texel of one photo: rising from its hair to 1 at `reach` away
    (`HAIR_MARGIN`). Hair is what is unlike the photo's skin, wider than `reach` and joined
    to the face's surround, as hair comes over a face: not a glasses' rim, a nostril or a
    lip's corner, inside the face, whose neighbours are the face's own."""
    hair = _joined_to_surround((likeness < 0.5) | ~covered, 2 * round(reach / 2) + 1) & covered
    if not hair.any():
        return np.ones(likeness.shape, np.float32)
    return smoothstep(cv2.distanceTransform((~hair).astype(np.uint8), cv2.DIST_L2, 5) / reach)


def fill_outside(img: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Extend the texture past its edges (pull-push), so bilinear sampling at the mesh's
    borders and around the eye and mouth openings never picks up black texels."""
    out = img.astype(np.float32).copy()
    known = mask > 0
    sigma = 2.0
    while not known.all() and sigma < img.shape[0]:
        filled = masked_blur(out, known, sigma, min(max(int(sigma) // 4, 1), FILL_DOWN))
        newly = (~known) & (cv2.GaussianBlur(known.astype(np.float32), (0, 0), sigma) > 1e-3)
        out[newly] = filled[newly]
        known = known | newly
        sigma *= 2
    return out


def _filled(texture: np.ndarray, source: np.ndarray, uv: np.ndarray, size: int) -> np.ndarray:
    """`texture` extended past `source` (`fill_outside`); beside the brows, toward the
    temples, from all but the brows: a brow's tail next to a temple the photos did not see
    (hair there) was drawn out across it as a grey streak. Above a brow (a fringe over the
    forehead) the brow's own fill stays: without it, a pale rim ran along its top (d14)."""
    filled = fill_outside(texture, source)
    xs = uv[list(L.RIGHT_BROW + L.LEFT_BROW), 0]
    ramp = size * TEMPLE_RAMP
    cols = np.arange(size, dtype=np.float32)
    beside = smoothstep(np.maximum(xs.min() - cols, cols - xs.max()) / ramp)[None, :, None]
    return filled + beside * (fill_outside(texture, source & ~brow_mask(uv, size)) - filled)


def _inpaint(texture: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Texels under glasses rims that no photo saw bare, filled from the skin around them."""
    if not mask.any():
        return texture
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    return cv2.inpaint(np.clip(texture, 0, 255).astype(np.uint8), grown, 6,
                       cv2.INPAINT_TELEA).astype(np.float32)


def _plain_corners(texture: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """`texture` with the shading beside the lip corners (to `CORNER_REACH`, fading) taken
    from the skin around them; its finer detail stays, but for the nearer half, where the
    corner's crease goes too."""
    corners = uv[[L.MOUTH_LEFT, L.MOUTH_RIGHT]]
    reach = CORNER_REACH * float(np.linalg.norm(corners[0] - corners[1]))
    if reach < 2:
        return texture
    lips = _lips(uv, texture.shape[0])
    ys, xs = np.mgrid[: texture.shape[0], : texture.shape[1]].astype(np.float32)
    near = np.min([np.hypot(xs - x, ys - y) for x, y in corners], axis=0)
    weight = smoothstep(1.0 - near / reach) * (1 - lips)
    texture = texture.astype(np.float32)
    # the skin around: clear of the corners and of the lips with their softened edge
    skin = masked_blur(texture, (weight == 0) & (lips < 0.05), reach / 2)
    shading = cv2.GaussianBlur(texture, (0, 0), reach / 4)
    # a fine line stretched is a line still
    inner = (smoothstep(1.0 - 2.0 * near / reach) * (1 - lips))[..., None]
    return texture + weight[..., None] * (skin - shading) + inner * (shading - texture)


def _lips(uv: np.ndarray, size: int) -> np.ndarray:
    """0..1 over the texture: inside the lips' outer outline, softened by `LIP_EDGE`."""
    lips = np.zeros((size, size), np.float32)
    outline = np.round(uv[list(L.LIPS_OUTER)] * _SUB).astype(np.int32)
    cv2.fillPoly(lips, [outline], 1.0, cv2.LINE_AA, shift=_SUB_BITS)
    width = float(np.linalg.norm(uv[L.MOUTH_LEFT] - uv[L.MOUTH_RIGHT]))
    return cv2.GaussianBlur(lips, (0, 0), max(LIP_EDGE * width, 0.5))


def _plain_lip_line(texture: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """`texture` with the band along the inner lip line smoothed along the line (in full to
    half of `LIP_LINE_REACH`, fading out by one and a half times it): its shade across
    stays, its flecks do not."""
    width = float(np.linalg.norm(uv[L.MOUTH_LEFT] - uv[L.MOUTH_RIGHT]))
    reach = LIP_LINE_REACH * width
    if reach < 1:
        return texture
    size = texture.shape[0]
    lips = _lips(uv, size)
    line = np.ones((size, size), np.uint8)
    cv2.polylines(line, [np.round(uv[list(L.LIPS_INNER)]).astype(np.int32)], True, 0)
    near = cv2.distanceTransform(line, cv2.DIST_L2, 5)
    weight = smoothstep(1.5 - near / reach) * lips
    # the line runs across the texture (the neutral mouth is level): a blur along rows,
    # normalised over the lips
    total = cv2.GaussianBlur(lips, (0, 0), sigmaX=2 * reach, sigmaY=0.01)
    fill = cv2.GaussianBlur(texture * lips[..., None], (0, 0), sigmaX=2 * reach, sigmaY=0.01)
    fill /= np.maximum(total, 1e-3)[..., None]
    return texture + weight[..., None] * (fill - texture)


def _lifted_around_eyes(texture: np.ndarray, uv: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """`texture` (float RGB) with `EYE_LIFT` of its lightness below the skin's level lifted
    around the eyes (`EYE_LIFT_REACH`: past the lash line, not the brows); the skin's level
    is the texture's own over the plain skin around, its finer detail (creases, lashes'
    shadows) stays as it is."""
    size = texture.shape[0]
    eye_w = float(np.linalg.norm(uv[L.RIGHT_EYE_OUTER] - uv[L.RIGHT_EYE_INNER]))
    if eye_w < 4:
        return texture
    eyes = np.zeros((size, size), np.uint8)
    for eye in (L.RIGHT_EYE, L.LEFT_EYE):
        cv2.fillPoly(eyes, [np.round(uv[list(eye)]).astype(np.int32)], 1)
    away = cv2.distanceTransform(1 - eyes, cv2.DIST_L2, 5) / eye_w
    near, far = EYE_LIFT_REACH
    brows = cv2.GaussianBlur(brow_hulls(uv, size).astype(np.float32), (0, 0), eye_w / 20)
    ring = (smoothstep((away - near) / near) * (1.0 - smoothstep((away - 0.6 * far) / (0.4 * far)))
            * (1.0 - np.minimum(2.0 * brows, 1.0)))
    around = (skin > 0.5) & (away > far) & (brows < 0.05)
    return _lifted(texture, EYE_LIFT * ring, around, eye_w / 2, eye_w / 8, colour=True)


def _lifted(texture: np.ndarray, share: np.ndarray, around: np.ndarray, reach: float,
            detail: float, colour: bool = False) -> np.ndarray:
    """`texture` (float RGB) with `share` (0..1 per texel) of its lightness below the level
    of the skin `around` (its lightness blurred over `reach`) lifted; what is finer than
    `detail` (a Gaussian's sigma: creases, lashes, stubble) stays as it is. With `colour`,
    the texels lifted (by `LIFTED_COLOUR` L or more, in full) are drawn toward the skin's
    colour around by the same share."""
    lab = cv2.cvtColor(np.clip(texture, 0, 255).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    lightness = lab[..., 0]
    level = masked_blur(lightness, around, reach)
    mid = cv2.GaussianBlur(lightness, (0, 0), detail)
    below = np.maximum(level - mid, 0.0)
    if colour:
        drawn = share * smoothstep(below / LIFTED_COLOUR)
        lab[..., 1:] += drawn[..., None] * (masked_blur(lab[..., 1:], around, reach)
                                             - lab[..., 1:])
    lab[..., 0] += share * below
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB) * 255.0


def _overhead(texture: np.ndarray, uv: np.ndarray, skin: np.ndarray, shape: np.ndarray
              ) -> float:
    """How steeply from above the light the selfies were taken in falls (`OVERHEAD`), read
    over the neutral 3D `shape`."""
    size = texture.shape[0]
    normals = vertex_normals(shape)
    grey = cv2.GaussianBlur(np.ascontiguousarray(texture @ LUMA), (0, 0), size / 48)
    at = np.clip(np.round(uv[: len(normals)]).astype(np.int32), 0, size - 1)
    light = fit_light(normals, grey[at[:, 1], at[:, 0]].astype(np.float64),
                      skin[at[:, 1], at[:, 0]].astype(np.float64))
    return 0.0 if light is None else float(-light[2] / light[0])


def _lifted_under_nose(texture: np.ndarray, uv: np.ndarray, skin: np.ndarray,
                       share: float) -> np.ndarray:
    """`texture` (float RGB) with `share` of its lightness below the cheeks' level lifted
    between the nose and the upper lip, above the mouth's corners; the nose and the lips
    themselves stay as they are."""
    size = texture.shape[0]
    width = float(np.linalg.norm(uv[L.MOUTH_LEFT] - uv[L.MOUTH_RIGHT]))
    if width < 8 or share <= 0.0:
        return texture
    zone = np.zeros((size, size), np.uint8)
    cv2.fillConvexPoly(zone, cv2.convexHull(np.round(uv[list(L.LIPS_OUTER + L.NOSE)])
                                            .astype(np.int32)), 1)
    zone[int(np.ceil(uv[[L.MOUTH_LEFT, L.MOUTH_RIGHT], 1].max())):] = 0
    nose = np.zeros_like(zone)
    cv2.fillConvexPoly(nose, cv2.convexHull(np.round(uv[list(L.NOSE)]).astype(np.int32)), 1)
    zone &= 1 - nose
    soft = cv2.GaussianBlur(zone.astype(np.float32), (0, 0), width / 20)
    area = soft * (1.0 - np.minimum(2.0 * _lips(uv, size), 1.0))
    return _lifted(texture, share * area, (skin > 0.5) & (soft < 0.05), width / 2, width / 10)


def _plain_skin(skin: np.ndarray, features: np.ndarray, size: int) -> np.ndarray:
    """0..1 (h x w x 1): the skin away from the features, softened and kept two texels off
    them."""
    plain = cv2.GaussianBlur(((skin > 0.5) & (features == 0)).astype(np.float32), (0, 0),
                             size / 64)
    return cv2.erode(plain, np.ones((5, 5), np.uint8))[..., None]


def _plain_light(unwrapped: list[np.ndarray], clear: list[np.ndarray], weights: np.ndarray,
                 known: np.ndarray, size: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The light the photos share at `PLAIN_LIGHT`'s scale, each texel's a mix of the photos
    that paint around it (`PLAIN_MIX`), and each photo's own at that scale."""
    lows = [masked_blur(tex, known * c, size / PLAIN_LIGHT, 2)
            for tex, c in zip(unwrapped, clear, strict=True)]
    broad = [cv2.GaussianBlur(w.astype(np.float32), (0, 0), size / PLAIN_MIX) for w in weights]
    total = np.maximum(sum(broad), 1e-12)[..., None]
    return sum(b[..., None] * low for b, low in zip(broad, lows, strict=True)) / total, lows


def view_quality(face: Face, tris: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Per-triangle share of one photo's view (0..1): how squarely it faces the camera x the
    share of it left uncovered by the rest of the face."""
    p = face.points.astype(np.float64)
    n = np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]])
    n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-12
    facing = np.abs(n[:, 2])
    front = L.front_facing(face.xy, tris)
    region = Region(0, 0, shape[1], shape[0])
    ids = rasterize_ids(face.xy, tris, region, draw_order(face.points, tris))
    seen = np.bincount(ids[ids >= 0], minlength=len(tris)).astype(np.float64)
    area = np.abs(L.signed_areas(face.xy.astype(np.float64), tris)) / 2
    return facing * np.clip(seen / np.maximum(area, 1.0), 0.0, 1.0) * front


def build_texture(photos: list[np.ndarray], faces: list[Face], sharpness: list[float],
                  uv: np.ndarray, uv_ids: np.ndarray, skin: np.ndarray,
                  features: np.ndarray, readings: list[Reading], shape: np.ndarray,
                  glasses: list[bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The merged texture (RGB uint8, extended past its edges) and its confidence (0..1);
    `shape` is the neutral 3D shape the texture is laid out on.

    Confidence is how well the photos that painted a texel saw it: low where they had hair
    over the cheek (or beside it, `HAIR_MARGIN`) or saw the texel edge-on. The swap blends in
    proportion to it, so the target's own skin shows where the selfies had nothing good to
    give. Shade inside the face (under the brows, beside the nose, under the lower lip) is
    the person's own forms: unlike the skin, it loses a photo the selection, not the texel
    its confidence (with it, d3's deep-set eyes were blended at 0.46-1.0, the target's skin
    showing through in patches: a blind viewer's "darker patchy shading under the eyes").
    """
    tris = L.triangles()
    size = uv_ids.shape[0]
    covered = uv_ids >= 0
    region = Region(0, 0, size, size)
    sigma = size / 24
    scores = photo_scores(sharpness)
    if glasses is not None and not all(glasses):
        scores *= np.where(glasses, GLASSES_WEIGHT, 1.0)
    scores[main_photo(faces, readings, scores)] *= MAIN_BOOST
    zones = zone_masks(uv, size)
    in_zones = sum(zones.values())
    unwrapped, weights, rims = [], [], []
    seen = np.zeros((size, size), np.float32)
    clear = []
    wears = glasses or [False] * len(photos)
    for rgb, face, score, reading, worn in zip(photos, faces, scores, readings, wears,
                                               strict=True):
        tex, _ = warp_mesh(rgb, face.xy, uv, tris, region)
        tex = tex.astype(np.float32)
        rim = np.zeros((size, size), np.float32)
        if worn:  # its rims found, and the tint of its lenses taken off the skin behind them
            rim = rim_mask(tex.astype(np.uint8), uv)
            tex = unglazed(tex, rim, uv, skin)
        view = np.where(covered, view_quality(face, tris, rgb.shape[:2])[np.maximum(uv_ids, 0)],
                        0.0).astype(np.float32)
        seen = np.maximum(seen, view)
        likeness = np.where(features > 0, 1.0, skin_likeness(tex, skin, lighter=LIGHTER))
        view *= _away_from_hair(likeness, covered, size * HAIR_MARGIN)
        clear.append(view.copy())  # shade is unlike the skin, yet seen clearly
        view *= likeness
        resolution = min(face.size / 400.0, 1.0)
        neutral = (1.0 - in_zones) + sum(m * (1.0 if reading.neutral(z) else NOT_NEUTRAL)
                                         for z, m in zones.items())
        w = (view * resolution) ** _VIEW_POWER * score * neutral * np.maximum(1 - rim, RIM_FLOOR)
        rims.append(rim)
        unwrapped.append(tex)
        weights.append(cv2.GaussianBlur(w, (0, 0), 4.0) * covered)
    W = np.stack(weights)
    best = W.max(axis=0)
    known = covered & (seen > SEEN_FROM) & (best > 0)
    W = (W / np.maximum(best, 1e-12)) ** _SELECT_POWER * known
    total = np.maximum(W.sum(axis=0), 1e-12)[..., None]
    # each photo's light is measured on what it saw as skin, so hair does not tint it
    lows = [masked_blur(tex, known * c, sigma, LOW_DOWN)
            for tex, c in zip(unwrapped, clear, strict=True)]
    common = sum(w[..., None] * low for w, low in zip(W, lows, strict=True)) / total
    # each photo's own shading replaced by the common one, then merged band by band: the
    # per-texel selection switches photos within a few texels, which a plain weighted mean
    # turns into seams wherever two photos' mid frequencies differ (d10's right cheek)
    # (where a photo paints nothing, its image is the common shading alone: no detail that
    # the wider bands could carry in from what it did not see)
    # on plain skin, each photo's light to `PLAIN_LIGHT`'s scale is the photos' around it
    common_plain, plain_lows = _plain_light(unwrapped, clear, W, known, size)
    plain = _plain_skin(skin, features, size)
    levelled = [np.where((w > 1e-4 * total[..., 0])[..., None],
                         tex * ((1.0 - plain) * common / np.maximum(low, 1.0)
                                + plain * common_plain / np.maximum(fine, 1.0)),
                         common + plain * (common_plain - common))
                for w, tex, low, fine in zip(W, unwrapped, lows, plain_lows, strict=True)]
    merged = multiband_merge(levelled, list(W / total[..., 0]), MERGE_LEVELS)
    painted = smoothstep((sum(w * c for w, c in zip(W, clear, strict=True)) / total[..., 0]
                          - CLEAR_FROM) / CLEAR_SPAN)
    # texels the photos did not see clearly (hair, edge-on), and the band where they met the
    # hair, take the colour of the skin around them: the blend fades out over them, and a
    # fade over hair draws a dark line
    seen_well = known & (painted > 0.5)
    source = seen_well & ~_hair_edge(seen_well, size * EDGE_TEXELS)
    merged = np.clip(merged, 0, 255)
    merged = np.where(source[..., None], merged, _filled(merged, source, uv, size))
    from_rims = sum(w * r for w, r in zip(W, rims, strict=True)) / total[..., 0]
    merged = _plain_corners(_inpaint(merged, known & (from_rims > RIM_SHARE)), uv)
    merged = _plain_lip_line(merged, uv)
    merged = _lifted_around_eyes(merged, uv, skin)
    overhead = ramp(_overhead(merged, uv, skin, shape), OVERHEAD)
    merged = _lifted_under_nose(merged, uv, skin, NOSE_LIFT * overhead)
    confidence = masked_blur(painted, covered, size / 64)
    return np.clip(merged, 0, 255).astype(np.uint8), (confidence * covered).astype(np.float32)
