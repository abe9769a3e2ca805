"""Give the rendered face the footage's own fine detail: its sharpness, grain and pores.

A texture merged from selfies has its own sharpness: waxy on sharp footage (pores, grain and
stubble missing: on s32 the skin's finest band had 0.56 of the original's energy), creased on
soft footage (folds the footage cannot show: 1.33-1.46). Three bands of the rendered face are
treated apart, each in the frame's own terms:

- the finest (up to `FINE_PX`): on plain skin it *is* the frame's, taken from the same
  pixels: the target's grain, pores, stubble and compression, as steady in time as the
  original because it is the original. On features (brows, lashes, lip lines) the user's own,
  scaled by how much sharper or softer the footage is than the texture, and on the brows
  the whole render blurred until they are as soft as the footage's (`BrowBlur`), or, where
  the footage's brows hold more hair than the drawn ones, theirs moved onto them
  (`_brow_hair`);
- the middle (to `MID_PX`): the user's folds and creases; on skin turned down to the energy
  the footage has at that place, so a soft clip gets no crease it lacks, and where the
  texture is smoother than the footage, the footage's own band (stubble, pores) makes up
  the difference, but for the nose, which the shape transfer moves (`_MOVED`);
- the skin's colour variations, from there to a twelfth of the face (`BLOTCH_SCALE`): on
  the cheeks, forehead and chin the same energy matching on their chroma alone (a blush,
  redness, a warmer chin), away from the nose, eyes, brows and lips, whose colour in the
  footage is the target's features' (`BLOTCH_AWAY`), and rolled off past a blush's strength
  (`BLOTCH_KNEE`): a made-up cheek's contour is the target's make-up, not its skin;
- the rest: the user's, untouched (shape, tone and light are the relighter's). The
  footage's relief from `MID_PX` to 7 px on skin (soft-clipped, so that its marks came only
  faintly) barely moved the skin's band energies and cost both recognisers (dlib 0.004-0.022
  further from the user on 12 of 13 eval pairs, the ArcFace-style win on d18-d9 0.92 ->
  0.63).

Plain skin is the face less its features, those of the target as it was and those of the
face drawn, and less a band along the target's outline. The fine band is the frame's
before the shape warp, whose bilinear resampling softens grain. The middle band is the
frame's after it: the warp carried the target's features, and the folds and creases around
them, toward where the drawn face has its own. Read before it, a smile's fold beside the
target's mouth stayed where that mouth had been (d10's narrower mouth on a smiling portrait,
s1: a crease across the cheek, the issue's "a fold on a cheek", now fainter; what is left of
it is the grain's edge). The colour variations stay the frame's before the warp: read after
it, the cheeks' colour against the neck moved further from the footage's on five eval
pairs (cheek-to-neck ΔE excess +0.2 to +0.6).
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.imaging import (
    LUMA,
    channels,
    enlarge,
    face_cell,
    float_blur,
    ramp,
    shrink,
    smaller_blur,
)

FINE_PX = 1.5  # Gaussian sigma (frame pixels): grain, pores, compression blocks live below
MID_PX = 3.5  # and folds, creases and stubble shadows between the two
FOLLOW = 0.1  # per frame: the sharpness ratio is a property of the clip, it moves slowly
OUTLINE_BAND = 0.04  # of the face size, each side of the target's outline: no frame detail
SHARPNESS_RANGE = (0.3, 1.0)
"""Bounds of the features' fine band over the texture's: never made sharper than it is.
Made 1.6 times stronger on every face from 200 px, the features shimmered: flicker up on 12
of 13 eval pairs (s18-d3 1.185 -> 1.230, d0-d3 1.009 -> 1.050), for a faint preference (the
eval's crops sharpened so on the features, each pair shown both ways round: a blind viewer
chose the sharper face both times in 5 of 26, the softer in none, and split the rest)."""
BLUR_TRIES = (0.0, 0.4, 0.7, 1.0, 1.3, 1.6, 2.0)  # px: the first frame's search
BLUR_GAIN = 2.0  # px of blur per unit of the sharpness ratio's error, per measurement
BLUR_MAX = 2.5
MEASURE_EVERY = 5  # frames: the blur is measured and corrected this often
HALF_MID_FROM = 200.0
"""Face size (px) from which the middle band's lower edge (a blur of `MID_PX`) is worked out
at half the size: what it keeps is smooth, and its two blurs at full size were a third of
this stage's cost (s18's 300 px face: the stage's output 72 dB from the full-size blur's).
On a small face it saves little and shows: s13's 98 px face, 59 dB, and the eval's
fine_detail 0.96 -> 1.02."""
BLOTCH_SCALE = 12.0
"""The skin's colour variations (a blush, redness, a warmer chin) from `MID_PX` to a twelfth
of the face (sigma): on skin they take the footage's energy, as the middle band does. The
texture's were merged from several selfies and half drawn to the skin's mean colour
(`compose.light`), and the swapped skin had 0.46-0.78 of the original's chroma energy in
that band, its colour a flat mask beside the footage's rosy cheeks."""
BLOTCH_AWAY = 0.08
"""Of the face size: the footage's colour variations stay this far from the nose, eyes,
brows and lips of both meshes. There they are the target's features' (a nose tip's
redness, its shaded sides, a lens's reflection), which the shape transfer moved: drawn
over the whole skin, a blind viewer named "an orange streak down the nose" and "a
greenish-grey smear on the nose bridge" and preferred the swap without them."""
BLOTCH_KNEE = 5.0
"""RGB levels: the colour variations added to the skin roll off toward this (`_kneed`). A
natural cheek's blush and redness add up to 2.4-4.8 levels (95th percentile, four clips);
d10's bronzer and contour make-up 7.5, and drawn in full on d14's pale face they were
orange patches across the cheeks (a blind viewer's "orange cheek blotches"; cheek-to-neck
ΔE excess d14 into d10 3.80 -> 2.52 with it)."""
BLOTCH_FACE = (100.0, 200.0)
"""Face size (px) from which the skin takes the footage's colour variations, and from which
in full: on a far face a viewer sees no blush, while dlib still reads the colour (s13's 98
px face: 0.495 -> 0.505 from the user with them)."""
_DOWN = 4
_CENTRE = (L.NOSE, L.RIGHT_EYE, L.LEFT_EYE, L.RIGHT_BROW, L.LEFT_BROW, L.LIPS_OUTER)
_SUM_CHANNELS = np.ones((1, 3), np.float32)
_MOVED = (L.NOSE,)
"""Where the footage's middle band never makes up what the texture lacks: the shape transfer
moves the nose, and the footage's own there (a ridge's highlight, a scrunch's creases) drew
a thin, jagged bright line down the drawn nose beside where the target's had been (d3's
highlight under d14's nose). Two blind A/B viewers chose the swap without it in 40 of 48
comparisons (12 of 12 each on d14 into d3 and d10 into s18); on d12's clear glasses it also
takes their bridge's glints, which one viewer missed (0 of 6) and the other did not (6 of
6). dlib read five of six eval pairs 0.003-0.013 nearer the user (d9 into d12 0.009
further); the ArcFace-style recogniser d9 into d12 0.06 further (the glints go with the
footage's band, and all of d9's selfies wear glasses), d0 into s32 0.011, the rest within
0.011 either way."""
MOVED_FACE = (100.0, 200.0)
"""Face size (px) from which `_MOVED` holds, and from which in full: on a far face a ridge's
highlight is a pixel wide, and the nose's middle band is its form (s13's 98 px face: the
ArcFace-style distance to d9 0.865 -> 0.940 without it)."""
HAIR_FACE = (100.0, 200.0)
"""Face size (px) from which the drawn brows take the footage's brow hair (`_brow_hair`),
and from which in full: on a far face a hair is no wider than a pixel, and the band is the
target's brows' form, which dlib read as the target (d9 into s13's 98 px face: 0.472 ->
0.529 from the user, one frame in twelve nearer the original)."""
_FEATURES = (L.RIGHT_EYE, L.LEFT_EYE, L.RIGHT_BROW, L.LEFT_BROW, L.LIPS_OUTER, L.NOSTRILS)


class Grain(NamedTuple):
    """The footage's finest band (to `FINE_PX`) over the face's window, taken before the
    shape warp, and where (0..1) the detailed face's finest band is that band: its plain
    skin (`compose.blend` gives the frame under a partly blended face the same)."""

    band: np.ndarray
    where: np.ndarray


class DetailMatcher:
    """The footage's fine detail on one tracked face, with its sharpness ratio steady in
    time (a ratio measured afresh each frame would pump the features' detail)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._sharpness: float | None = None
        self._blur = BrowBlur()

    def __call__(self, frame_window: np.ndarray, region: Region, pixels: np.ndarray,
                 drawn: np.ndarray, meshes: tuple[np.ndarray, ...], face_size: float,
                 warped: np.ndarray | None = None) -> tuple[np.ndarray, Grain]:
        """`pixels` (the rendered face over `region`) with the detail of `frame_window`, and
        the footage's grain it was given.

        `drawn` (0..1): where the render may be plain skin, the pixels it covers less the
        user's own marks (`Rendered.marks`), which keep the texture's detail as features do.

        `meshes`: the face's points where the frame has its features and where the rendered
        face has them (before and after shape transfer): plain skin is away from both.
        `warped`: the same window after the shape warp (default `frame_window`), where the
        middle band is read.
        """
        f_low1 = float_blur(frame_window, FINE_PX)
        r_low1 = cv2.GaussianBlur(pixels, (0, 0), FINE_PX)
        down = 2 if face_size >= HALF_MID_FROM else 1
        spread = np.sqrt(MID_PX**2 - FINE_PX**2)  # from the finest band's edge to the middle's
        r_low2 = smaller_blur(r_low1, spread, down)
        f_fine = cv2.subtract(frame_window, f_low1, dtype=cv2.CV_32F)
        r_fine = cv2.subtract(pixels, r_low1)
        blotches = face_size > BLOTCH_FACE[0]
        if blotches:  # their source, taken before the buffers are reused
            cell = face_cell(face_size)
            f_small = shrink(smaller_blur(f_low1, spread, down), cell)
            r_small = shrink(r_low2, cell)
        if warped is not None:  # the middle band is read after the shape warp
            f_low1 = float_blur(warped, FINE_PX)
        f_low2 = smaller_blur(f_low1, spread, down)
        # the middle bands made in the buffers of what is not needed after them, and the
        # squares of the energies in f_low2's (with `_weighted`, eight colour windows' worth
        # of fresh memory fewer than a buffer each: 0.4-0.8 ms a frame on s18)
        f_mid = cv2.subtract(f_low1, f_low2, dst=f_low1)
        r_mid = cv2.subtract(r_low1, r_low2, dst=r_low2)
        squares = f_low2
        ef_mid, er_mid = _energy(f_mid, squares), _energy(r_mid, squares)

        features = _features(meshes, region, face_size)
        skin = np.subtract(1.0, features, dtype=np.float32)
        skin *= drawn
        ef_fine = _energy(f_fine, squares)
        self._follow(_sharpness(ef_fine, ef_mid, features),
                     _sharpness(_energy(r_fine, squares), er_mid, features))

        # on skin the middle band has the footage's energy at each place: the texture's
        # turned down where it has more, the footage's own making up what it lacks
        reach = max(face_size / 20, 2.0)
        e_f, e_r = _wide_blur(ef_mid, reach), _wide_blur(er_mid, reach)
        # r_low1 + (mid - r_mid) + fine, with mid = r_mid (1 - s + s sqrt(share))
        # + f_mid s sqrt(missing) and fine = s f_fine + the features': the texture's scaled by
        # the sharpness ratio, on the brows the softened render's (its fine and middle bands,
        # r_mid taken out); the middle bands are used up as scratch (f_fine is the grain)
        if face_size > MOVED_FACE[0]:
            _without_moved(f_mid, meshes, region, face_size, ramp(face_size, MOVED_FACE))
        out = _matched(f_mid, r_mid, e_f, e_r, skin)
        out += r_low1
        out += _weighted(f_fine, skin)
        out += _weighted(r_fine, (1.0 - skin) * self._sharpness)
        if blotches:
            out += _blotches(f_small, r_small, skin * ramp(face_size, BLOTCH_FACE), meshes,
                             region, face_size, cell)
        grain = Grain(f_fine, skin)
        # on the brows' box: the softened render's bands for the texture's scaled fine one
        brows, box = _brows(meshes, region, face_size)
        if box is None:
            return out, grain
        softened = self._blur(pixels[box], _sharpness(ef_fine[box], ef_mid[box], brows), brows)
        if softened is not None:
            softened -= r_low1[box]
            softened -= r_fine[box] * self._sharpness
            out[box] += softened * channels((1.0 - skin[box]) * brows)
        hair = ramp(face_size, HAIR_FACE)
        if hair > 0.0:
            for brow in (L.RIGHT_BROW, L.LEFT_BROW):
                _brow_hair(out, f_fine, meshes, region, face_size, brow, hair)
        return out, grain

    def _follow(self, footage: float, texture: float) -> None:
        ratio = float(np.clip(footage / max(texture, 1e-6), *SHARPNESS_RANGE))
        self._sharpness = (ratio if self._sharpness is None else
                           self._sharpness + FOLLOW * (ratio - self._sharpness))


class BrowBlur:
    """How much to blur the rendered brows so that they are as soft as the footage's.

    A texture merged from sharp selfies draws crisp brows into soft footage, hard-edged
    hair that reads as painted on. The footage's softness is read as its brows'
    fine-to-middle energy ratio (`_sharpness`); the render is blurred by the Gaussian that
    gives it the same ratio, found by a search on a track's first frame and corrected every
    `MEASURE_EVERY` frames. Only the brows: blurred, a closed eye's lash line read as open
    to MediaPipe (d3 into d12 lost one of two blinks), and blurred lips moved dlib's
    reading of the mouth (its correlation with the original's 0.946 -> 0.929 on d12-d3);
    the viewer of the look test found the lips blurry already."""

    def __init__(self) -> None:
        self.sigma: float | None = None
        self._frames = 0

    def __call__(self, pixels: np.ndarray, footage: float, brows: np.ndarray
                 ) -> np.ndarray | None:
        """`pixels` blurred (a new array), or None when no blur is due. `footage`: the
        footage's brows' sharpness, `brows`: where they are (0..1 over `pixels`)."""
        if self.sigma is None:
            self.sigma = min(BLUR_TRIES, key=lambda s: abs(_ratio_blurred(pixels, s, brows)
                                                         - footage))
        elif self._frames % MEASURE_EVERY == 0:
            error = _ratio_blurred(pixels, self.sigma, brows) - footage
            self.sigma = float(np.clip(self.sigma + BLUR_GAIN * error, 0.0, BLUR_MAX))
        self._frames += 1
        if self.sigma < 0.1:
            return None
        return cv2.GaussianBlur(pixels, (0, 0), self.sigma)


def _brow_hair(out: np.ndarray, f_fine: np.ndarray, meshes: tuple[np.ndarray, ...],
               region: Region, face_size: float, brow: tuple[int, ...], share: float
               ) -> None:
    """Give the drawn `brow` (in `out`, over `region`, in place) the footage's hair where
    its finest band is weaker than the footage's brow's: that band (`f_fine`, before the
    shape warp) moved from the target's brow onto the drawn one (an affine map fitted on
    the brow's points, which carries its hair across the user's brow's length and
    thickness), by the share of the footage's energy the drawn brow lacks (`_matched`'s
    rule, over the whole brow), times `share`. Selfies merged into one texture hold
    softer hair than a sharp clip: d9's brows in d18's footage had 0.48 of the original
    brows' finest band (0.55 with it), a dark smudge a blind viewer read as "ghost
    eyebrows"; soft footage (s18) has less than the texture there, and its brows are left
    as `BrowBlur` made them."""
    theirs, drawn = (xy[list(brow)] - (region.x0, region.y0) for xy in (meshes[0], meshes[-1]))
    grow = _growth(face_size)
    box = Region.around(drawn, (region.h, region.w), pixels=grow)
    if box.w < 4 or box.h < 4:
        return
    # the drawn brow's pixels (in the box) -> the target's brow's (in the window)
    design = np.hstack([drawn - (box.x0, box.y0), np.ones((len(drawn), 1))])
    to_theirs = np.linalg.lstsq(design, theirs, rcond=None)[0].T
    moved = cv2.warpAffine(f_fine, to_theirs, (box.w, box.h),
                           flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_REFLECT)
    mask = np.zeros((box.h, box.w), np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(drawn - (box.x0, box.y0))
                                            .astype(np.int32)), 1)
    where = float_blur(mask, grow / 4)
    on = mask > 0
    if on.sum() < 8:
        return
    target = out[box.slices]
    own = target - cv2.GaussianBlur(target, (0, 0), FINE_PX)
    footage = float(_energy(moved)[on].mean())
    missing = 1.0 - float(_energy(own)[on].mean()) / max(footage, 1e-6)
    if missing > 0.0:
        target += moved * channels(where * np.float32(share * np.sqrt(missing)))


def _ratio_blurred(pixels: np.ndarray, sigma: float, features: np.ndarray) -> float:
    """`_sharpness` of `pixels` blurred by `sigma`, on `features` (blurs compose: the
    bands' edges are each `sigma` wider)."""
    def blur(s: float) -> np.ndarray:
        return pixels if s < 0.05 else cv2.GaussianBlur(pixels, (0, 0), s)

    low0 = blur(sigma)
    low1 = blur(np.hypot(sigma, FINE_PX))
    low2 = blur(np.hypot(sigma, MID_PX))
    return _sharpness(_energy(low0 - low1), _energy(low1 - low2), features)


def _blotches(f_small: np.ndarray, r_small: np.ndarray, skin: np.ndarray,
              meshes: tuple[np.ndarray, ...], region: Region, face_size: float, cell: int
              ) -> np.ndarray:
    """What to add to the render for the footage's skin colour variations (`BLOTCH_SCALE`)
    on `skin` away from the face's middle (`_cheeks`): the chroma (luminance taken out) of
    the band from `MID_PX` to that scale, the texture's turned down where it has more than
    the footage there, the footage's own making up what it lacks. Worked out on the face's
    coarse grid (`f_small`, `r_small`: the two images below `MID_PX`, `shrink`ed by `cell`,
    `face_cell`'s: a quarter, less on a close-up, whose cells average less than `MID_PX`
    blurs): the band holds nothing finer than `MID_PX`; at half the size (0.11 levels from
    a quarter's, on average) it cost three times as much, 6-10 ms a frame on s18."""
    h, w = skin.shape
    sigma = max(face_size / BLOTCH_SCALE, MID_PX * 1.5) / cell
    extra = np.sqrt(sigma**2 - (MID_PX / cell) ** 2)
    # the chroma first (it is linear: the band's chroma is the chroma's band)
    f_small, r_small = _chroma(f_small), _chroma(r_small)
    f_band = f_small - cv2.GaussianBlur(f_small, (0, 0), extra)
    r_band = r_small - cv2.GaussianBlur(r_small, (0, 0), extra)
    reach = max(face_size / 20, 2.0) / cell
    e_f, e_r = cv2.split(cv2.GaussianBlur(cv2.merge([_energy(f_band), _energy(r_band)]),
                                          (0, 0), reach))
    where = shrink(skin, cell) * _cheeks(meshes, region, face_size, e_f.shape)
    return enlarge(_kneed(_matched(f_band, r_band, e_f, e_r, where)), cell, (w, h))


def _kneed(added: np.ndarray) -> np.ndarray:
    """`added` (RGB chroma) with each pixel's colour change rolled off toward `BLOTCH_KNEE`
    (tanh of its length): a blush passes, a made-up cheek's contour does not."""
    length = np.sqrt(np.sum(added * added, axis=2, keepdims=True))
    return added * (BLOTCH_KNEE * np.tanh(length / BLOTCH_KNEE) / np.maximum(length, 1e-6))


def _matched(f_band: np.ndarray, r_band: np.ndarray, e_f: np.ndarray, e_r: np.ndarray,
             where: np.ndarray) -> np.ndarray:
    """What to add to the render for its band `r_band` to have, on `where` (0..1), the
    energy the footage's `f_band` has (`e_r`, `e_f`: their local energies): the render's
    turned down where it has more, the footage's own making up what it lacks. The two
    bands are used up as scratch (the sum is made in `r_band`)."""
    # min(e_f / max(e_r, 1e-3), 1) and max(1 - e_r / max(e_f, 1e-3), 0), and the weights
    # made of them, each in one buffer: the same numbers
    share = np.maximum(e_r, 1e-3)
    np.divide(e_f, share, out=share)
    np.minimum(share, 1.0, out=share)
    missing = np.maximum(e_f, 1e-3)
    np.divide(e_r, missing, out=missing)
    np.subtract(1.0, missing, out=missing)
    np.maximum(missing, 0.0, out=missing)
    np.sqrt(share, out=share)
    share -= 1.0
    share *= where
    r_band *= channels(share)
    np.sqrt(missing, out=missing)
    missing *= where
    f_band *= channels(missing)
    r_band += f_band
    return r_band


def _chroma(band: np.ndarray) -> np.ndarray:
    """`band` (RGB) less its luminance: what is left changes colour, not lightness."""
    return band - channels(cv2.transform(band, LUMA[None]))


def _cheeks(meshes: tuple[np.ndarray, ...], region: Region, face_size: float,
            shape: tuple[int, int]) -> np.ndarray:
    """0..1 over `region` made `shape` (h, w): 1 away from the nose, eyes, brows and lips of
    every mesh (by `BLOTCH_AWAY` of the face), softened: where the skin's colour variations
    may come from the footage."""
    scale = np.array([shape[1] / region.w, shape[0] / region.h])
    mask = np.zeros(shape, np.uint8)
    grow = max(int(face_size * BLOTCH_AWAY * scale[0]), 1) * 2 + 1
    hulls = _hulls(meshes, region, _CENTRE, scale)
    for hull in hulls:
        cv2.fillConvexPoly(mask, hull, 1)
    cv2.polylines(mask, hulls, True, 1, grow)
    return 1.0 - cv2.GaussianBlur(mask.astype(np.float32), (0, 0), grow / 4)


def _hulls(meshes: tuple[np.ndarray, ...], region: Region,
           groups: tuple[tuple[int, ...], ...], scale: np.ndarray | float = 1.0
           ) -> list[np.ndarray]:
    """The convex hulls of `groups` of every mesh, in whole pixels of `region` (times
    `scale`): each mesh rounded once, not each group (a twelfth of the calls)."""
    hulls = []
    for xy in meshes:
        local = np.round((xy - (region.x0, region.y0)) * scale).astype(np.int32)
        hulls += [cv2.convexHull(local[list(group)]) for group in groups]
    return hulls


def _energy(band: np.ndarray, squares: np.ndarray | None = None) -> np.ndarray:
    """Squared band, summed over the colour channels; `squares` (as `band`), if given, is
    scratch."""
    return cv2.transform(cv2.multiply(band, band, dst=squares), _SUM_CHANNELS)


def _weighted(band: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """`band` (h x w x 3) times `weight` (h x w), made in the buffer of the weight's
    channels (`channels`)."""
    out = channels(weight)
    out *= band
    return out


def _wide_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of `sigma` (several pixels) worked out at a quarter of the size: what
    it keeps is smooth, and a wide kernel at full size was a fifth of this stage's cost."""
    if sigma < 2 * _DOWN:
        return cv2.GaussianBlur(img, (0, 0), sigma)
    return smaller_blur(img, sigma, _DOWN)


def _sharpness(fine: np.ndarray, mid: np.ndarray, mask: np.ndarray) -> float:
    """Energy of the finest band over the middle one (both `_energy`) on `mask`: blur lowers
    it, whatever the features' contrast."""
    return float(np.sqrt(float(np.dot(fine.ravel(), mask.ravel()))
                         / max(float(np.dot(mid.ravel(), mask.ravel())), 1e-6)))


def _brows(meshes: tuple[np.ndarray, ...], region: Region, face_size: float
           ) -> tuple[np.ndarray, tuple[slice, slice] | None]:
    """0..1: the brows of every mesh, grown by their hair and softened, over a box of
    `region` with room for `BrowBlur`'s reach (and that box; None when off the region)."""
    local = tuple(xy - (region.x0, region.y0) for xy in meshes)
    points = np.vstack([xy[list(L.RIGHT_BROW + L.LEFT_BROW)] for xy in local])
    # room for the hair grown, its blur, and the blur's reach
    box = Region.around(points, (region.h, region.w), pixels=face_size * 0.1 + 3 * BLUR_MAX + 2)
    if box.w < 4 or box.h < 4:
        return np.zeros((0, 0), np.float32), None
    mask, grow = _grown(local, box, face_size, (L.RIGHT_BROW, L.LEFT_BROW))
    return float_blur(mask, grow / 4), box.slices


def _features(meshes: tuple[np.ndarray, ...], region: Region, face_size: float) -> np.ndarray:
    """0..1 over `region`: brows, eyes, lips and nostrils of every mesh, grown by their
    lashes and hair and softened."""
    mask, grow = _grown(meshes, region, face_size, _FEATURES)
    # the target's own outline (its jaw's edge and shadow) is a feature too: where the drawn
    # face reaches past it, the frame's detail there drew a second jaw line inside the face
    outline = np.round(meshes[0][list(L.FACE_OVAL)] - (region.x0, region.y0)).astype(np.int32)
    cv2.polylines(mask, [outline], True, 1, int(face_size * OUTLINE_BAND) * 2 + 1)
    return float_blur(mask, grow / 4)


def _without_moved(band: np.ndarray, meshes: tuple[np.ndarray, ...], region: Region,
                   face_size: float, share: float) -> None:
    """`band` (over `region`, in place) faded out by `share` over `_MOVED` of every mesh,
    grown and softened as the features are; worked out on their box only."""
    grow = _growth(face_size)
    points = np.vstack([xy[list(group)] for xy in meshes for group in _MOVED])
    box = Region.around(points - (region.x0, region.y0), (region.h, region.w),
                        pixels=1.5 * grow + 2)
    if box.w < 2 or box.h < 2:
        return
    mask, _ = _grown(meshes, Region(region.x0 + box.x0, region.y0 + box.y0, box.w, box.h),
                     face_size, _MOVED)
    band[box.slices] *= channels(1.0 - share * float_blur(mask, grow / 4))


def _growth(face_size: float) -> int:
    """Pixels (odd) by which `_grown` grows the features: 3 % of the face each side."""
    return max(int(face_size * 0.03), 1) * 2 + 1


def _grown(meshes: tuple[np.ndarray, ...], region: Region, face_size: float,
           groups: tuple[tuple[int, ...], ...]) -> tuple[np.ndarray, int]:
    """uint8 over `region`: the hulls of `groups` of every mesh, grown by 3 % of the face
    (and that growth's width in pixels)."""
    mask = np.zeros((region.h, region.w), np.uint8)
    grow = _growth(face_size)
    hulls = _hulls(meshes, region, groups)
    # grown by drawing thick outlines (a disc swept along each edge), not by dilating: the
    # same shapes at a fraction of the cost
    for hull in hulls:  # one by one: fillPoly would leave where the two meshes overlap empty
        cv2.fillConvexPoly(mask, hull, 1)
    cv2.polylines(mask, hulls, True, 1, grow - 1)
    return mask, grow
