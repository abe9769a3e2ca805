"""Put the target frame's light and skin colour on the rendered face.

The rendered face keeps its detail (pores, brows, lip lines) and the shading of the user's
own shape (the selfies' averaged light, `identity.texture`, and the frame's light on it,
`compose.shade`); it takes the frame's light and colour at the scale of the face's big
forms, in three steps:

- white balance: the render times the ratio of the two skins' mean colours, per channel,
  as a camera would balance it;
- light: its luminance times blur(frame) / blur(render), both blurs a sixth of the face
  wide (sigma; wider with `likeness`, `LUMA_SCALE`, and over the face's middle always,
  `CENTRE_LIKENESS`; a ninth toward the outline, `OUTSKIRTS_SCALE`) and measured over
  plain skin only (the identity's skin mask, minus pixels on either side whose colour is
  far from that side's typical skin: the target's brows or a strand of hair), so that
  nothing but light stains the ratio;
- colour: the rest of the low band's difference, a sixth of the face wide, as a shift of
  Lab's a and b, not a gain per channel, and over plain skin half of the texture's own
  colour variations drawn to the skin's mean (`SKIN_COLOUR_CALM`).

The brows and lips then take part of the footage's own (`BROW_HUE`, `LIP_COLOUR`), the
mouth's corners its corner shadow (`compose.corners`), the skin under the lower lip part
of its shade there (`compose.underlip`) and a closed mouth the dark line where its lips
meet (`compose.lip_line`); last, what the gain lit past the footage's own
highlights is rolled off below them (`HIGHLIGHT_ROOM`), as a camera's shoulder would.

A finer ratio image (it was a twelfth of the face) carried the target's own shading, the
shape of its eye sockets, nose and cheeks, onto the swapped face (d10 into s18: nearer the
user by the colour-fed ArcFace-style recogniser in 13 of 13 frames at a sixth, 8 at a
ninth); a third lost the shade on a cheek turned from the light. The luminance-fed
recogniser reads the target in the sixth's band too: `likeness` trades it for the scene's
light (`LUMA_SCALE`). A gain per channel for the local colour amplified the texture's
shadows into grey and purple bruises wherever the two skins' hues differ (d3's orange skin
in s18's pink scene: 2.4 x on blue).

The balance also carries the difference of the two skins, which is as much the selfies'
exposure and white balance as the person's complexion, and the face takes the footage's in
full: the person's features, not a tint, are what a friend recognises. Keeping 40 % of the
user's tone (within 0.9-1.1 a channel, the target's neck and ears shifted with it) left
each face a plain step lighter or darker than the footage's head (8-bit L over the face's
plain skin: d3 into d12 -16, d0 into s32 +9; -6 and -1 in full), the look test's first
giveaway, while both recognisers read the two alike (dlib within 0.02 of the user, the
ArcFace-style margin from 0.08 worse to 0.07 better on seven pairs).

The blurs run at a quarter of the window's size: they only carry low frequencies anyway.
The gain is steady in time: it is carried along with the head (a similarity fitted on rigid
mesh points) and mixed with the new one by `FOLLOW` a frame.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from facecast.compose.corners import SHARE as CORNER_SHADE
from facecast.compose.corners import shade_corners
from facecast.compose.lip_line import SHARE as LIP_LINE_SHADE
from facecast.compose.lip_line import shade_lip_line
from facecast.compose.underlip import SHARE as UNDER_LIP_SHADE
from facecast.compose.underlip import shade_under_lip
from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.imaging import (
    GRID_FACE,
    LUMA,
    channels,
    clamp,
    face_cell,
    mask_box,
    masked_blur,
    median,
    ramp,
    skin_likeness,
    skin_likenesses,
    smoothstep,
)

_DOWN = 4
CELL_HOLD = 0.5
"""Cells by which the face's size (in `GRID_FACE`s) may pass its grid's cell before the
relighter's grid changes (`face_cell`): a face at a cell's edge would switch grids every
few frames, and each switch moves the masks softened by a cell."""
_SUB_BITS = 4  # sub-pixel bits of the lips' outline when it is filled
_SUB = 1 << _SUB_BITS
LIGHT_SCALE = 6.0  # the colour shift's blur is face size / LIGHT_SCALE
LUMA_SCALE = 1.0
"""With `likeness` 1, the luminance gain's blur is face size / LUMA_SCALE: the frame's light
level and its gradient across the face, no finer; with 0, a sixth of the face, as the
colour's; between, the finer gain's part above the wide one by `1 - likeness`. At a sixth
the ratio image carries the target's eye sockets, cheekbones and nose, the coarse forms the
ArcFace-style recogniser reads a person by (a swap's band coarser than a sixth of the face,
put under the original's finer bands, read as the original: cosine distance 0.008). At the
face's scale the face keeps the shading of its selfies' averaged light on the user's own
forms: recognised as the user, less fitted to the scene (4 s of the eval pairs: the margin
0.2-0.9 better on all seven, d3 into s18 -0.83 -> +0.31, d10 into s18 -0.52 -> +0.06;
ghosting on d10 into s18 0.77 -> 0.98; around the lips the finer gain stays,
`_around_lips`). A blind viewer told it from the default by d3's "grey patchy cheeks" in
s18 until the colour shift was measured at the wide gain's lightness (`_light_and_colour`);
then by nothing (0 of 12 pairs chosen the same both ways round)."""
SKIN_COLOUR_CALM = 0.5
"""Share of the texture's colour variations over plain skin drawn back to the skin's mean
colour: a selfie set's dark circles and shadows are greyer than its lit skin, and in a
scene of another hue they read as bruises; lips, brows and eyes keep theirs."""
EYE_CALM = 0.7
"""Share of the texture's colour variations around the eyes (lids and the skin below, not
the brows) drawn to the skin's colour: a selfie set's eyeshadow and dark circles, in
another scene's light, read to a blind viewer as "bluish or purple blotches around the
eyes, like badly applied eyeshadow"."""
LASH_DARKER = 0.7
"""Around the eyes, a pixel below this share of the skin's lightness there (a lash line, a
lid's crease) is drawn (`EYE_CALM`) to the skin's colour at its own lightness, not at the
skin's: the skin's a and b on a dark lash line are a saturated orange in a warm scene (d14's
upper lids in d3's footage: a 17 b 22 at L 20, d3's own a 10 b 12), read by two blind A/B
viewers as "an orange band along the upper eyelid" (38 of 48 comparisons for the change, 24
of 24 on d3's footage and d3's selfies into s18). Lighter than this, a darker patch drawn
less saturated than the skin read as grey shadows around the eyes. dlib 0.005-0.007 further
from the user on d3 and d14 (the ArcFace-style distance within 0.006)."""
EYE_REACH = 0.5  # of the eye's width: the lids and the skin below
LIPS_KEEP = 0.5
"""Share of the skins' colour difference, the white balance's gain per channel and the Lab
shift alike, that the lips are spared: it is mostly complexion, and lips are not skin
(d3's orange skin into s18's pink scene turned her red lips lilac: hue 39 -> 5 degrees,
the original's 17; 27 with half of each)."""
BROW_HUE = 0.5
"""Share of the difference between the drawn brows' hue and the footage's brows' that the
drawn brows' hair takes on (by its darkness: the skin between and around it keeps its own).
Hair takes the scene's cast, and brows match the head's hair: d9's selfies' blue-black
brows in d12's warm room read as painted on (their a, b 11.6 from the original brows' in
8-bit Lab; 6.5 with this share). The hue is also part of the person to dlib's recogniser:
at 0.7 over the whole brow area, d10 into s18 moved from 0.458 to 0.472 from the user; at
0.5 on the hair only, 0.462 (d3 into s18 0.496 -> 0.495, d0 into s32 0.436 -> 0.439).
Small faces too: spared it below 100 px, d9's brows on s13's 98 px face stayed blue-grey
(a, b 17 from the original brows'), the look test's cue on that clip's crops, which are
seen enlarged; with it, 10 (dlib 0.459 -> 0.492 from the user, the ArcFace-style margin
the same)."""
BROW_REACH = 0.02  # of the face size: brow hair past the mesh's brow outline
BROW_DARKNESS = 0.5
"""Share (of the log ratio) by which the drawn brows' darkness under the skin around them
moves toward the footage's brows'. Brows go with the head's hair, and the hair stays the
target's: d10's black brows on s18's red-haired, softly lit head were 2.2 times as dark
under the skin as s18's own, d3's on d12 1.4 times, d0's fair ones on s32 half; a blind
viewer's second cue ("brows too dark and heavy, drawn on", 16 of 25 crops). Their shape
and the skin between the hairs stay the user's. Hair made lighter shows its hue more, and
takes more of the footage's (`BROW_HUE` of it at the same darkness, up to all of it):
d10's lightened black brows were lilac on s18 (a, b 4.5 from s18's brows; 3.8)."""
BROW_DARKNESS_RANGE = (0.5, 2.0)  # the most the footage's brows may change the drawn ones'
BROW_SKIN_CALM = 0.7
"""Share of the texture's colour variations drawn to the skin's colour on the skin in and
around the brows' hulls (by how much lighter than the brow hair a pixel is: the hair keeps
its own, `BROW_HUE`), as around the eyes (`EYE_CALM`). The brows are not plain skin, and the
skin there kept the selfies' own colour: d10's concealer above and below her brows, 6-8 b
cooler than her skin, drawn in d14's light as white-lilac halos around both brows (a blind
viewer's cue on every d14 crop: "whitish halos around the eyebrows"). A fresh blind A/B
viewer chose the calmed skin in 32 of 32 comparisons on four eval pairs, each frame shown
both ways round ("cool, whitish-blue patches on the brow bone" on the other); the ghosting
figure of d10 into d14 0.039 -> 0.015, dlib's distances within 0.004 on seven pairs."""
CENTRE_LIKENESS = 1.0
"""`likeness` over the face's middle (brows, eyes and nose, `_centre`) whatever the
swap's own: there the luminance gain is the face's whole width's, and the drawn face keeps
the shading of the user's own sockets, brow ridge and nose from the selfies, which is where
the ArcFace-style recogniser finds a person. The cheeks, mouth and outline keep the
footage's light at a sixth, where the scene's fit is seen (the cheeks against the neck) and
where the finer shade is the mouth's (`_around_lips`). `make eval` (4 s, 13 pairs): the
ArcFace-style distance to the user nearer on 11 of 13 pairs (d12-d3 0.676 -> 0.587, d18-d9
0.619 -> 0.487, s18-d3 1.156 -> 1.050, d12-d9 0.804 -> 0.735), arc_win d18-d9 0.54 -> 0.88,
d0-d3 0.83 -> 0.92, d18-d0 0.92 -> 0.96, d9-d0 0.17 -> 0.25, d12-d9 0 -> 0.08; further on
d3-d14 (0.647 -> 0.696, arc_win 0.33 -> 0.29: d14's flat-lit selfies hold few forms) and
s18-d10 (0.826 -> 0.847); arc_win d10-d14 0.21 -> 0.17; dlib within 0.023 (s18-d3 0.533 ->
0.510); flicker s18-d10 1.080 -> 1.098, ghosting there 0.43 -> 0.53. Two fresh blind A/B
viewers (16 frames of eight pairs, each shown both ways round, whole faces and the upper
face enlarged) chose by side alone: 16 of 32 each time, every frame split."""
CENTRE_SOFT = 1 / 16  # of the face size: the middle's edge softened (sigma)
BROW_SKIN_FACE = (100.0, 200.0)
"""Face size (px) from which the skin around the brows is calmed, and from which in full: on
s13's 98 px face no viewer sees a halo, and the face mesh read the swapped mouth a little
differently with it (mouth correlation of d9 on s13 0.956 -> 0.941)."""
LIP_COLOUR = (0.35, 0.9)
"""Shares of the difference between the drawn lips' colour and the footage's lips' that the
drawn lips take on: of their lightness, and of their a and b. Lips are not skin, and the
skins' difference left them far from any lips in the scene: d0's pale lips grey in s32
(a 21 against the footage's 32), d10's orange in s18 (b 16 against 8), d3's lighter than
d12's own by 6 L; a blind viewer named the lips first on 8 of 25 crops ("purple", "grey",
"orange"). Lipstick and light, not who someone is: the lips' shape and lines stay. More of
the lightness (0.7) darkened d0's lips by s32's and dlib read the mouth's opening less well
(68-point mouth correlation 0.844 -> 0.807) for no nearer colour (mean 4.3 Lab off either
way)."""
LIP_LIGHT = 0.8
"""Share of the difference between the footage's lightness step from upper to lower lip
and the drawn lips' that the drawn lips take on (their mean stays `LIP_COLOUR`'s). Selfies
lit from above bake a shaded upper lip into the texture: d3's upper lip is 21-23 L darker
than her lower one in d12's and s18's footage, whose own lips differ by 2.5-7, and a blind
viewer read it as "a purple-grey smear" and "lip liner"; d3's own top-lit footage shows
16 where d14's texture has 6. Light on the lips, not their shape, though dlib's recogniser
reads some of the person in it: d3 0.017 further from her selfies on d12 and s18 (the
ArcFace-style distance 0.695 -> 0.619 nearer on d12, 0.003-0.009 on the other five)."""
LIP_FACE = (100.0, 200.0)
"""Face size (px) from which lips take the footage's colour, and from which in full. On a
small face a viewer cannot see the lips' colour, but the mesh still reads the mouth by it:
on s13's 98 px face, d9's lips in the footage's colour moved the mouth correlation from
0.93 to 0.84."""
FOLLOW = 0.3  # per frame: a new shadow is 90 % in place after 6 frames (0.2 s)
FRAME_SHADOW_DARKER = (0.35, 0.0)
"""How much darker-than-typical frame pixels count as not-skin in the gain's weights: on
plain skin, on faces up to and from `SHADOW_FACE` (between, in proportion); around the eyes
and on the nose always the first, for there a dark pixel is a lash, a glasses' rim, a
socket's or the nose's own shade, the target's forms (weighed as skin there, they drew "a
darker band across the eyes where the glasses are" on d12, and d3's bright nose against
s18's shaded one greyed the cheeks around it). A shadowed cheek is 20 L darker than the lit
one but keeps its hue: at 0.35 the footage's shade weighed half as much as its lit skin,
which the lit skin around it outweighed, and the face was lit flatter than the head it sits
on: on d10 into s18 its cheeks 5.8 ΔE further from the neck than the original's (4.7 at
0.15, 4.2 at 0), its light wobbling with the weights (flicker 1.058 -> 1.048). On plain
skin a dark pixel of the skin's hue is shade, so it counts in full (the far half of s18's
turned face, away from its features: 44.4 L in the footage, drawn 50.0 from d10's flat-lit
selfies at 0.15, 49.5 at 0). Two pairs of fresh blind viewers chose 0.15 over 0.35 in 44 of
60 comparisons, and 0 over 0.15 in 36 of 60: on d10 and d3 into s18 in 24 of 24 ("keeps the
darker side turned from the light", "the other a flat glowing patch"), on the other three
pairs 12 of 36, at noise level (differences of a grey level or two). The ArcFace-style
recogniser reads the target's forms in the shade too: its distance to the user 0.739 ->
0.760 -> 0.765 on d10 into s18, 1.078 -> 1.119 -> 1.145 on d3 into s18 (dlib 0.506 -> 0.500
and 0.544 -> 0.549 at 0). On a small face the shade at a sixth of it is the target's forms,
and dlib read them: s13's 91 px face 0.495 -> 0.516 from the user at 0.15."""
SHADOW_FACE = (100.0, 200.0)
OUTSKIRTS_SCALE = 9.0
"""Toward the face's outline the luminance gain's blur is face size / this, not a sixth: a
face's sides turn from the light faster than a sixth of it follows, and the texture's own
lighter sides (a selfie set's flat front light, make-up's highlights) stayed a step lighter
than the head around them (d10 into s18: the cheeks 4.2 ΔE further from the neck than the
original's, the far cheek's edge a pale band against the footage's shaded one; 3.3 with
this; two fresh blind A/B viewers chose it in 12 of 12 comparisons there, the other pairs
at chance). Only darker than the sixth's gain: lighter, it lit d0's stubble into a pale
patch on s32's chin (both viewers chose the sixth's there). Only the outskirts
(`OUTSKIRTS_REACH`): finer over the whole face, the target's sockets and nose are carried
too, which the ArcFace-style recogniser reads as the target (its distance to the user
0.766 -> 0.782 on d10 into s18, within 0.014 on the other pairs). Small faces too: on s13's
98 px face the far cheek's shade now meets the hair (dlib 0.489 -> 0.486 from the user, the
ArcFace-style distance 0.870 -> 0.862; both ways, not only darker, it cost dlib 0.007;
one blind A/B viewer chose it in 6 of 6 frames both ways round, "the darker edge is closer
to the reference", another picked by side alone)."""
OUTSKIRTS_REACH = 0.2  # of the face size: from the outline inward, the finer gain fades out
HIGHLIGHT_LEVEL = 99.5
"""Percentile of the footage's lightness over the face's skin taken as its highlights' level:
the brightest skin the camera recorded on that face, in that light."""
HIGHLIGHT_ROOM = (6.0, 3.0)
"""Lab lightness below and above the footage's highlight level between which the drawn
face's lighter pixels are rolled off, as a camera's shoulder rolls off its highlights
(`Relighter._highlights`): nothing is drawn more than the second above it. The gain that
lights the texture in a bright scene multiplied its own highlights (d10's highlighted nose
ridge and brow bones, her selfies' make-up) past what the scene's skin reaches: on d14's
brightly lit face 3.3 % of the drawn face's pixels had a channel at 250 or more, the
footage's 0.1 %, drawn as white stripes down the nose and under the brows (0.6 % rolled
off)."""
HIGHLIGHT_CEILING = 92.0
"""Lab lightness below which the roll-off's ceiling never lies (its knee `HIGHLIGHT_ROOM`'s
span below it). In a dim scene the user's own highlights lighter than the footage's are
their forms, far from white: rolled off at a dim face's level (67-70 L), d3's nose and
forehead into d0's and d12's faces read less like her to both recognisers (dlib 0.499 ->
0.523 from her selfies, the ArcFace-style distance 0.632 -> 0.723 on d0), and the MediaPipe
mesh read d9's lids on d12 less well (eye correlation 0.898 -> 0.879)."""


class Relighter:
    """Relights one tracked face, frame after frame, with a gain that is steady in time.

    The gain measured on a single frame wobbles with the skin masks and the frame's noise, and
    that wobble is flicker (measured on s18: 1.26 times the original's temporal noise with a
    fresh gain per frame, 1.005 with no relighting, 0.97 with the gain carried).
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._gain: np.ndarray | None = None
        self._to_frame: np.ndarray | None = None  # small-grid -> frame pixels, 3 x 3
        self._rigid: np.ndarray | None = None
        self._level: np.ndarray | None = None
        self._brow_shift: np.ndarray | None = None
        self._brow_darkness: float | None = None
        self._lip_shift: np.ndarray | None = None
        self._lip_step: float | None = None
        self._highlight: float | None = None
        self._cell: int | None = None

    def _cell_for(self, face_size: float) -> int:
        """Pixels per cell of the small grid (`face_cell`), kept while the face's size
        stays within `CELL_HOLD` of it."""
        cells = face_size / GRID_FACE
        if self._cell is None or not self._cell - CELL_HOLD <= cells < self._cell + 1 + CELL_HOLD:
            self._cell = face_cell(face_size)
        return self._cell

    def __call__(self, frame_window: np.ndarray, region: Region, pixels: np.ndarray,
                 skin: np.ndarray, face_xy: np.ndarray, face_size: float,
                 likeness: float = 0.0,
                 footage: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """The rendered `pixels` carrying the light of `frame_window` (`region` of the
        frame, where the face's mesh is `face_xy`); `likeness` (0..1): how much of the
        texture's own shading of the user's forms it keeps (`LUMA_SCALE`). `footage`: the
        same region before the shape warp and the target's own points there, where the
        footage's brows are read (default: `frame_window` and `face_xy`)."""
        h, w = skin.shape
        cell = self._cell_for(face_size)
        small = (max(w // cell, 1), max(h // cell, 1))
        f = cv2.resize(frame_window, small, interpolation=cv2.INTER_AREA).astype(np.float32)
        r = cv2.resize(pixels, small, interpolation=cv2.INTER_AREA)
        m = cv2.resize(skin, small, interpolation=cv2.INTER_AREA)
        m = (m > 0.5).astype(np.float32)
        if m.sum() < 16:
            return pixels
        small_face, large_face = FRAME_SHADOW_DARKER
        darker = small_face + ramp(face_size, SHADOW_FACE) * (large_face - small_face)
        eyes = _eyes(face_xy, region, small)
        if darker == small_face:
            frame_skin = skin_likeness(f, m, darker=darker, shadow=np.inf)
        else:
            # around the eyes and on the nose a dark frame pixel is a lash, a rim, a socket's
            # or a nose's shade: the target's forms
            frame_skin, around = skin_likenesses(f, m, (darker, small_face), shadow=np.inf)
            features = np.maximum(eyes, _nose(face_xy, region, small))
            frame_skin += features * (around - frame_skin)
        m *= frame_skin * skin_likeness(r, m)
        # the two skins' colours compared as wholes (a ratio of means: make-up's highlights
        # and contouring in the texture must not tip a mean of ratios), steady in time; the
        # render is first given the frame's white balance by it, as a camera would
        level = (_weighted_sum(f, m) + 1.0) / (_weighted_sum(r, m) + 1.0)
        if self._level is not None:
            level = self._level * (level / self._level) ** FOLLOW
        self._level = level
        balance = level.astype(np.float32)
        sigma = max(face_size / LIGHT_SCALE / cell, 1.0)
        balanced = r * balance
        r_low = masked_blur(balanced, m, sigma)
        f_low = masked_blur(f, m, sigma)
        luma = _luma_gain(f_low, r_low)
        # the face's whole width's gain where `likeness` (and over the middle, at least
        # `CENTRE_LIKENESS`) keeps the user's own shading, but around the lips; its blurs at
        # a quarter of the small grid, smooth either way (swapped frames within 2 levels of
        # the small grid's; the middle's gain then costs the relighter no time it can show)
        wide = max(face_size / LUMA_SCALE / cell, 1.0)
        coarse = _luma_gain(masked_blur(f, m, wide, _DOWN),
                            masked_blur(balanced, m, wide, _DOWN))
        share = np.maximum(likeness, CENTRE_LIKENESS * _centre(face_xy, region, small,
                                                               face_size))
        share *= 1.0 - _around_lips(_lips(face_xy, region, small), face_xy, region, small)
        luma = coarse * (luma / coarse) ** (1.0 - share)
        # `likeness` keeps the user's shading, the outskirts' too
        outskirts = 1.0 - likeness
        if outskirts > 0.0:
            fine = max(face_size / OUTSKIRTS_SCALE / cell, 1.0)
            finer = _luma_gain(masked_blur(f, m, fine), masked_blur(balanced, m, fine))
            # only darker: lighter, the finer gain washes out the user's own darker skin
            # there (stubble, a beard's shade), which is no light
            darker = np.minimum(finer / luma, 1.0)
            luma = luma * darker ** (outskirts * _outskirts(face_xy, region, small, face_size))
        gain = self._carried(_light_and_colour(f_low, r_low, luma), region, face_xy, small)
        # the colour of the lit render's low band: the skin's own colour, toward which its
        # texture's colour variations (blotches, shadows, dark circles) are drawn
        low = cv2.cvtColor(np.clip(r_low * (gain[..., :1] / 255.0), 0.0, 1.0),
                           cv2.COLOR_RGB2LAB)
        colour = low[..., 1:] + gain[..., 1:]
        # what varies slowly is worked out on the small grid and resized: the gain with the
        # balance, the shift and the skin's colour (a, b each); and the full
        # size work is done on whole planes (a slice of Lab's last axis ran 3 times slower)
        lit = _resized((w, h), channels(gain[..., 0]) * (balance / 255.0))
        shift_a, shift_b, colour_a, colour_b, level, eyes = (
            _resized((w, h), plane) for plane in (*cv2.split(gain[..., 1:]), *cv2.split(colour),
                                                  np.ascontiguousarray(low[..., 0]), eyes))
        _spare_lips(lit, shift_a, shift_b, face_xy, region, balance)
        lit *= pixels
        # lit's buffer is converted in place, there and back: the same numbers, two windows'
        # worth of fresh memory fewer
        lightness, a, b = cv2.split(cv2.cvtColor(clamp(lit), cv2.COLOR_RGB2LAB, dst=lit))
        calm = skin * np.float32(SKIN_COLOUR_CALM)
        _at_own_lightness(colour_a, colour_b, lightness, level, eyes)
        eyes *= EYE_CALM
        np.maximum(calm, eyes, out=calm)
        brows = _drawn_brows(lightness, face_xy, region, face_size)
        if brows is not None:
            _brow_skin_calm(calm, brows, face_size)
        _calmed(a, shift_a, colour_a, calm)
        _calmed(b, shift_b, colour_b, calm)
        if brows is not None:
            self._brows(footage or (frame_window, face_xy), lightness, a, b, brows, region)
        self._lip_colour(frame_window, lightness, a, b, face_xy, region, face_size)
        shade_corners(footage or (frame_window, face_xy), lightness, face_xy, region,
                      face_size, CORNER_SHADE * ramp(face_size, LIP_FACE))
        shade_under_lip(footage or (frame_window, face_xy), lightness, face_xy, region,
                        face_size, UNDER_LIP_SHADE * ramp(face_size, LIP_FACE))
        shade_lip_line(footage or (frame_window, face_xy), lightness, face_xy, region,
                       LIP_LINE_SHADE * ramp(face_size, LIP_FACE))
        self._highlights(frame_window, skin, lightness)
        rgb = cv2.merge([lightness, a, b], dst=lit)
        cv2.cvtColor(rgb, cv2.COLOR_LAB2RGB, dst=rgb)
        rgb *= 255.0
        return rgb

    def _highlights(self, frame_window: np.ndarray, skin: np.ndarray, lightness: np.ndarray
                    ) -> None:
        """Roll off the drawn `lightness` (in place) above the footage's highlight level over
        the face's `skin` (`HIGHLIGHT_LEVEL`), steady in time: from `HIGHLIGHT_ROOM`'s first
        below it toward its second above it (never below `HIGHLIGHT_CEILING`). Read on
        every other row and column of the footage: a percentile, not a detail."""
        on = skin[::2, ::2] > 0.5
        if np.count_nonzero(on) < 64:
            return
        footage = cv2.cvtColor(np.ascontiguousarray(frame_window[::2, ::2]),
                               cv2.COLOR_RGB2LAB)[..., 0][on]
        # the percentile of 8-bit values, from their counts (a tenth of np.percentile's cost)
        below_level = np.cumsum(np.bincount(footage, minlength=256))
        level = float(np.searchsorted(below_level, HIGHLIGHT_LEVEL / 100 * footage.size)
                      ) * (100 / 255)
        if self._highlight is not None:
            level = self._highlight + FOLLOW * (level - self._highlight)
        self._highlight = level
        below, above = HIGHLIGHT_ROOM
        knee = max(level + above, HIGHLIGHT_CEILING) - (below + above)
        box = mask_box(lightness > knee)
        if box is None:
            return
        part = lightness[box]
        over = part > knee
        span = np.float32(below + above)
        part[over] = knee + span * np.tanh((part[over] - knee) / span)

    def _brows(self, footage: tuple[np.ndarray, np.ndarray], lightness: np.ndarray,
               a: np.ndarray, b: np.ndarray, brows: _DrawnBrows, region: Region) -> None:
        """Shift the drawn `brows`' a and b (in place) toward the footage's brows' hue by
        `BROW_HUE`, and their darkness under the skin around them toward the footage's by
        `BROW_DARKNESS`, steady in time. Both are read on the darker half of the brows'
        pixels: the hair, not the skin between it; the footage's where its own brows are
        (`footage`: its window and points)."""
        grow, box, mask, hair, dark = brows.grow, brows.box, brows.mask, brows.hair, brows.dark
        theirs = _brow_box(footage[1], region, grow)
        if theirs is None:
            return
        own = np.array([a[box][hair][dark].mean(), b[box][hair][dark].mean()], np.float32)
        their_box, their_mask, their_hair = theirs
        window = cv2.cvtColor(footage[0][their_box], cv2.COLOR_RGB2LAB)
        hair_lab = window[their_hair].astype(np.float32)
        hair_lab = hair_lab[hair_lab[:, 0] <= median(hair_lab[:, 0])]
        # 8-bit Lab's lightness to the float one's 0..100
        around = window[..., 0][their_mask == 0]
        their_darkness = (float(median(around)) - float(hair_lab[:, 0].mean())) * (100 / 255)
        here, skin, hair_l = brows.lightness, brows.skin, brows.hair_lightness
        ratio = max(their_darkness, 1.0) / max(skin - hair_l, 1.0)
        darkness = float(np.clip(ratio, *BROW_DARKNESS_RANGE)) ** BROW_DARKNESS
        if self._brow_darkness is not None:
            darkness = self._brow_darkness * (darkness / self._brow_darkness) ** FOLLOW
        self._brow_darkness = darkness
        # hair made lighter shows its hue more: it takes more of the footage's
        share = 1.0 - (1.0 - BROW_HUE) * min(darkness, 1.0)
        shift = share * (hair_lab[:, 1:].mean(axis=0) - 128.0 - own)
        if self._brow_shift is not None:
            shift = self._brow_shift + FOLLOW * (shift - self._brow_shift)
        self._brow_shift = shift
        # hair takes them, by its darkness: the skin between and around the hairs stays
        soft = cv2.GaussianBlur(mask, (0, 0), grow)
        soft *= np.clip((skin - here) / max(skin - hair_l, 1.0), 0.0, 1.0)
        a[box] += soft * shift[0]
        b[box] += soft * shift[1]
        # the hair's darkness under the skin scaled: the darkest hair's by the whole change
        lightness[box] += soft * ((1.0 - darkness) * (skin - hair_l))

    def _lip_colour(self, frame_window: np.ndarray, lightness: np.ndarray, a: np.ndarray,
                    b: np.ndarray, face_xy: np.ndarray, region: Region, face_size: float
                    ) -> None:
        """Shift the drawn lips' Lab (in place) toward the footage's lips' by `LIP_COLOUR`,
        steady in time. Both are read on the lips' ring (outline less the mouth's opening)
        of the drawn mesh, where the drawn lips overlap the footage's own (`_lip_colour_of`)."""
        share = ramp(face_size, LIP_FACE)
        local = face_xy - (region.x0, region.y0)
        outer = local[list(L.LIPS_OUTER)]
        width = float(np.ptp(outer[:, 0]))
        around = Region.around(outer, (region.h, region.w), pixels=max(int(width / 8), 2))
        if around.w < 4 or around.h < 4 or width < 8 or share <= 0.0:
            return
        box = around.slices
        ring = np.zeros((around.h, around.w), np.uint8)
        cv2.fillPoly(ring, [np.round(outer - (around.x0, around.y0)).astype(np.int32)], 1)
        cv2.fillPoly(ring, [np.round(local[list(L.LIPS_INNER)] - (around.x0, around.y0))
                            .astype(np.int32)], 0)
        on = ring > 0
        if on.sum() < 16:
            return
        drawn = np.stack([lightness[box][on], a[box][on], b[box][on]], axis=1)
        footage = cv2.cvtColor(frame_window[box][on][None].astype(np.float32) / 255.0,
                               cv2.COLOR_RGB2LAB)[0]  # as one row: OpenCV converts by rows
        shift = share * np.array(LIP_COLOUR[:1] + LIP_COLOUR[1:] * 2, np.float32) * (
            _lip_colour_of(footage) - _lip_colour_of(drawn))
        if self._lip_shift is not None:
            shift = self._lip_shift + FOLLOW * (shift - self._lip_shift)
        self._lip_shift = shift
        soft = cv2.GaussianBlur(ring.astype(np.float32), (0, 0), max(width / 40, 0.7))
        for plane, moved in zip((lightness, a, b), shift, strict=True):
            plane[box] += soft * moved
        self._lip_light(lightness[box], local - (around.x0, around.y0), ring, drawn,
                        footage, share, width)

    def _lip_light(self, lightness: np.ndarray, local: np.ndarray, ring: np.ndarray,
                   drawn: np.ndarray, footage: np.ndarray, share: float, width: float
                   ) -> None:
        """Give each drawn lip (in place) `LIP_LIGHT` of the footage's lightness step between
        its upper and lower lip, steady in time. `drawn`, `footage`: Lab of the ring's pixels
        (`ring` > 0). Each lip is read on its redder half (the lip itself where its outline
        also holds some skin)."""
        signed = np.zeros(ring.shape, np.float32)  # 1 on the upper lip, -1 on the lower
        cv2.fillPoly(signed, [np.round(local[list(L.UPPER_LIP)]).astype(np.int32)], 1.0)
        cv2.fillPoly(signed, [np.round(local[list(L.LOWER_LIP)]).astype(np.int32)], -1.0)
        signed *= ring
        which = signed[ring > 0]
        lips = (which > 0, which < 0)
        if min(int(m.sum()) for m in lips) < 8:
            return
        steps = [float(_redder(lab[lips[0]])[:, 0].mean() - _redder(lab[lips[1]])[:, 0].mean())
                 for lab in (drawn, footage)]
        # half the difference of the two steps up on one lip, half down on the other
        move = share * LIP_LIGHT * (steps[1] - steps[0]) / 2
        if self._lip_step is not None:
            move = self._lip_step + FOLLOW * (move - self._lip_step)
        self._lip_step = move
        lightness += move * cv2.GaussianBlur(signed, (0, 0), max(width / 40, 0.7))

    def _carried(self, gain: np.ndarray, region: Region, face_xy: np.ndarray,
                 small: tuple[int, int]) -> np.ndarray:
        """This frame's gain mixed with the last one's, carried along with the head."""
        to_frame = np.array([[region.w / small[0], 0, region.x0],
                             [0, region.h / small[1], region.y0], [0, 0, 1]])
        rigid = face_xy[list(L.RIGID_POINTS)].astype(np.float32)
        if self._gain is not None:
            moved, _ = cv2.estimateAffinePartial2D(self._rigid, rigid)
            if moved is not None:
                # current small grid -> frame -> where that was last frame -> old small grid
                grid = _inverse(self._to_frame) @ _inverse(moved) @ to_frame
                before = cv2.warpAffine(self._gain, grid[:2], small,
                                        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                        borderMode=cv2.BORDER_REPLICATE)
                gain = before + FOLLOW * (gain - before)
        self._gain, self._to_frame, self._rigid = gain, to_frame, rigid
        return gain


def _lip_colour_of(lab: np.ndarray) -> np.ndarray:
    """Of a lip ring's pixels (N x 3 Lab): their mean lightness (the drawn lips' dark line
    and highlights spread wider than the footage's), and the mean a and b of the redder
    half (`_redder`)."""
    return np.array([lab[:, 0].mean(), *_redder(lab)[:, 1:].mean(axis=0)], np.float32)


def _redder(lab: np.ndarray) -> np.ndarray:
    """The pixels (rows of N x 3 Lab) whose a is above the median: the lips' own, where
    their outline also holds some skin."""
    return lab[lab[:, 1] >= median(lab[:, 1])]


def _spare_lips(lit: np.ndarray, shift_a: np.ndarray, shift_b: np.ndarray,
                face_xy: np.ndarray, region: Region, balance: np.ndarray) -> None:
    """Spare the lips (in place, on their box) `LIPS_KEEP` of the skins' colour difference:
    of the white balance's gain per channel in `lit` (its grey level stays) and of the Lab
    shift. Worked out at full size, its edge as soft as the lips' own (`_lip_colour`'s):
    on the quarter grid, the share spilt 8 px past the lips, and the skin there kept part
    of the user's complexion, a ring round the lips (d3 into d0: 3.2 a and 2.5 b warmer
    1-4 px outside them than 12-20 px away, where the original is 1.3 a warmer and 3.2 b
    cooler; 1.3 a and 0 b now), a lip liner's look."""
    local = face_xy - (region.x0, region.y0)
    outer = local[list(L.LIPS_OUTER)]
    width = float(np.ptp(outer[:, 0]))
    around = Region.around(outer, (region.h, region.w), pixels=max(int(width / 8), 2))
    if around.w < 2 or around.h < 2:
        return
    lips = np.zeros((around.h, around.w), np.float32)
    outline = np.round((outer - (around.x0, around.y0)) * _SUB).astype(np.int32)
    cv2.fillPoly(lips, [outline], 1.0, cv2.LINE_AA, shift=_SUB_BITS)
    lips = cv2.GaussianBlur(lips, (0, 0), max(width / 40, 0.7))
    lips *= np.float32(LIPS_KEEP)
    grey = np.float32(np.dot(balance, LUMA) / LUMA.sum())
    box = around.slices
    lit[box] *= 1.0 + lips[..., None] * ((grey - balance) / balance)
    shift_a[box] *= 1.0 - lips
    shift_b[box] *= 1.0 - lips


def _lips(face_xy: np.ndarray, region: Region, small: tuple[int, int]) -> np.ndarray:
    """0..1 on the small grid: the lips, softened by a cell."""
    scale = np.array([small[0] / region.w, small[1] / region.h])
    outline = np.round((face_xy[list(L.LIPS_OUTER)] - (region.x0, region.y0)) * scale * 4)
    mask = np.zeros(small[::-1], np.float32)
    cv2.fillPoly(mask, [outline.astype(np.int32)], 1.0, cv2.LINE_AA, shift=2)
    return cv2.GaussianBlur(mask, (0, 0), 1.0)


def _brow_box(face_xy: np.ndarray, region: Region, grow: int
              ) -> tuple[tuple[slice, slice], np.ndarray, np.ndarray] | None:
    """Around the brows of a face whose points are `face_xy`, in `region`: the box, its
    mask (1 on the brows' hulls and a band `grow` wide along their outlines, which is
    neither hair nor the skin around it) and the hulls (bool); None when too small."""
    local = face_xy - (region.x0, region.y0)
    around = Region.around(local[list(L.RIGHT_BROW + L.LEFT_BROW)], (region.h, region.w),
                           pixels=4 * grow)
    if around.w < 4 or around.h < 4:
        return None
    mask = np.zeros((around.h, around.w), np.float32)
    hulls = [cv2.convexHull(np.round(local[list(brow)] - (around.x0, around.y0))
                            .astype(np.int32)) for brow in (L.RIGHT_BROW, L.LEFT_BROW)]
    for hull in hulls:
        cv2.fillConvexPoly(mask, hull, 1.0)
    hair = mask > 0
    if hair.sum() < 16:
        return None
    cv2.polylines(mask, hulls, True, 1.0, grow * 2 + 1)
    return around.slices, mask, hair


class _DrawnBrows(NamedTuple):
    """The drawn brows in the relit lightness, read once for `_brow_skin_calm` and
    `Relighter._brows`: `_brow_box`'s box, mask and hulls, the hulls' pixels at or below
    their median (the hair), the hair's mean lightness and the skin's median around."""

    lightness: np.ndarray  # over the box
    box: tuple[slice, slice]
    mask: np.ndarray
    hair: np.ndarray
    dark: np.ndarray
    hair_lightness: float
    skin: float
    grow: int


def _drawn_brows(lightness: np.ndarray, face_xy: np.ndarray, region: Region,
                 face_size: float) -> _DrawnBrows | None:
    """The brows of the face drawn at `face_xy` (`_DrawnBrows`); None when too small."""
    grow = max(int(face_size * BROW_REACH), 1)
    found = _brow_box(face_xy, region, grow)
    if found is None:
        return None
    box, mask, hair = found
    here = lightness[box]
    drawn = here[hair]
    dark = drawn <= median(drawn)
    return _DrawnBrows(here, box, mask, hair, dark, float(drawn[dark].mean()),
                       float(median(here[mask == 0])), grow)


def _brow_skin_calm(calm: np.ndarray, brows: _DrawnBrows, face_size: float) -> None:
    """`calm` (0..1 over the face's region, in place) raised to `BROW_SKIN_CALM` (on faces
    from `BROW_SKIN_FACE`) on the skin in and around the drawn `brows`: by how far a pixel's
    lightness lies from the brow hair's toward the skin's around it, squared, so the hair
    and its edges keep their hue."""
    share = BROW_SKIN_CALM * ramp(face_size, BROW_SKIN_FACE)
    if share <= 0.0:
        return
    hair_l, grow = brows.hair_lightness, brows.grow
    skin = np.clip((brows.lightness - hair_l) / max(brows.skin - hair_l, 1.0), 0.0, 1.0)
    skin *= skin
    near = cv2.dilate(brows.mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    skin *= cv2.GaussianBlur(near, (0, 0), grow)
    skin *= np.float32(share)
    np.maximum(calm[brows.box], skin, out=calm[brows.box])


def _around_lips(lips: np.ndarray, face_xy: np.ndarray, region: Region,
                 small: tuple[int, int]) -> np.ndarray:
    """0..1 on the small grid: the lips (`_lips`) and the skin around them to about a quarter
    of the mouth's width. There `likeness` keeps the footage's finer light: the texture's own
    shade under a lower lip read to dlib as an open mouth (d3 into s18: mouth false-open
    0 -> 0.05 at likeness 1)."""
    width = float(np.ptp(face_xy[list(L.LIPS_OUTER), 0])) * small[0] / max(region.w, 1)
    return np.clip(cv2.GaussianBlur(lips, (0, 0), max(width / 4, 1.0)) * 3.0, 0.0, 1.0)


def _centre(face_xy: np.ndarray, region: Region, small: tuple[int, int], face_size: float
            ) -> np.ndarray:
    """0..1 on the small grid: the face's middle, the hull of its brows, eyes and nose,
    softened by `CENTRE_SOFT` of the face."""
    middle = L.RIGHT_BROW + L.LEFT_BROW + L.RIGHT_EYE + L.LEFT_EYE + L.NOSE
    sigma = max(face_size * CENTRE_SOFT * small[0] / region.w, 1.0)
    return cv2.GaussianBlur(_hull(face_xy, middle, region, small).astype(np.float32),
                            (0, 0), sigma)


def _outskirts(face_xy: np.ndarray, region: Region, small: tuple[int, int], face_size: float
               ) -> np.ndarray:
    """0..1 on the small grid: 1 on the face's outline (and outside it), fading to 0 at
    `OUTSKIRTS_REACH` of the face inside it."""
    scale = np.array([small[0] / region.w, small[1] / region.h])
    local = np.round((face_xy[list(L.FACE_OVAL)] - (region.x0, region.y0)) * scale)
    mask = np.zeros(small[::-1], np.uint8)
    cv2.fillPoly(mask, [local.astype(np.int32)], 1)
    inside = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    reach = max(OUTSKIRTS_REACH * face_size * scale[0], 1.0)
    return 1.0 - smoothstep(inside / np.float32(reach))


def _eyes(face_xy: np.ndarray, region: Region, small: tuple[int, int]) -> np.ndarray:
    """0..1 on the small grid: around each eye to `EYE_REACH` of its width (its lids and
    the skin below), less the brows; softened by a cell."""
    scale = np.array([small[0] / region.w, small[1] / region.h])
    local = (face_xy - (region.x0, region.y0)) * scale
    mask = np.zeros(small[::-1], np.uint8)
    brows = np.zeros(small[::-1], np.uint8)
    for eye, outer, inner, brow in ((L.RIGHT_EYE, L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER,
                                     L.RIGHT_BROW),
                                    (L.LEFT_EYE, L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER,
                                     L.LEFT_BROW)):
        reach = max(int(EYE_REACH * np.linalg.norm(local[outer] - local[inner])), 1)
        corners = np.round(local[list(eye)]).astype(np.int32)
        # dilated over the eye's box and its reach only: the same pixels, a part of the work
        box = Region.around(corners, small[::-1], pixels=reach + 1)
        if box.w > 0 and box.h > 0:
            hull = np.zeros((box.h, box.w), np.uint8)
            cv2.fillConvexPoly(hull, cv2.convexHull(corners - (box.x0, box.y0)), 1)
            mask[box.slices] |= cv2.dilate(hull, cv2.getStructuringElement(
                cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1)))
        cv2.fillConvexPoly(brows, cv2.convexHull(np.round(local[list(brow)]).astype(np.int32)),
                           1)
    return cv2.GaussianBlur((mask & (1 - brows)).astype(np.float32), (0, 0), 1.0)


def _nose(face_xy: np.ndarray, region: Region, small: tuple[int, int]) -> np.ndarray:
    """0..1 on the small grid: the nose, grown and softened by a cell."""
    mask = _hull(face_xy, L.NOSE, region, small)
    return cv2.GaussianBlur(cv2.dilate(mask, np.ones((3, 3), np.uint8)).astype(np.float32),
                            (0, 0), 1.0)


def _hull(face_xy: np.ndarray, points: tuple[int, ...], region: Region,
          small: tuple[int, int]) -> np.ndarray:
    """uint8 on the small grid: 1 in the convex hull of the mesh's `points`."""
    scale = np.array([small[0] / region.w, small[1] / region.h])
    local = np.round((face_xy[list(points)] - (region.x0, region.y0)) * scale).astype(np.int32)
    mask = np.zeros(small[::-1], np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(local), 1)
    return mask


def _at_own_lightness(colour_a: np.ndarray, colour_b: np.ndarray, lightness: np.ndarray,
                      level: np.ndarray, eyes: np.ndarray) -> None:
    """The skin's colour (`colour_a`, `colour_b`, in place) scaled, over `eyes` (0..1), by
    how far a pixel's `lightness` is below `LASH_DARKER` of the skin's `level`; worked out
    on the eyes' box only."""
    box = mask_box(eyes > 0)
    if box is None:
        return
    darker = np.minimum(lightness[box] / np.maximum(LASH_DARKER * level[box], 1.0), 1.0)
    darker -= 1.0
    darker *= eyes[box]
    darker += 1.0
    colour_a[box] *= darker
    colour_b[box] *= darker


def _calmed(plane: np.ndarray, shift: np.ndarray, colour: np.ndarray, calm: np.ndarray
            ) -> None:
    """`plane` (Lab's a or b, in place) shifted by `shift` and drawn toward `colour` by
    `calm` (0..1); `colour` is used up as scratch."""
    plane += shift
    colour -= plane
    colour *= calm
    plane += colour


def _weighted_sum(img: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Each channel of `img` (h x w x 3) summed weighted by `weight` (h x w)."""
    weighted = channels(weight)
    weighted *= img
    return weighted.sum(axis=(0, 1))


def _resized(size: tuple[int, int], small: np.ndarray) -> np.ndarray:
    return cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)


def _inverse(affine: np.ndarray) -> np.ndarray:
    """The inverse of a 2 x 3 (or 3 x 3) affine map, as 3 x 3 (numpy's general inverse
    costs more than the rest of the carry on a busy machine)."""
    return np.vstack([cv2.invertAffineTransform(affine[:2].astype(np.float64)), [0, 0, 1]])


def _luma_gain(frame_low: np.ndarray, render_low: np.ndarray) -> np.ndarray:
    return np.clip((frame_low @ LUMA) / np.maximum(render_low @ LUMA, 1.0), 0.25, 4.0)


def _light_and_colour(frame_low: np.ndarray, render_low: np.ndarray, gain: np.ndarray
                      ) -> np.ndarray:
    """Per pixel of the low bands: `gain` on the render's luminance, and the shift of its Lab
    colour (a, b) that then gives it the frame's colour (a shift, not a gain per channel,
    which amplified the texture's shadows into bruises). The shift is measured on the render
    as `gain` lights it: a texture's shadow that a wider gain leaves darker than the frame
    is less saturated in Lab at that lightness, and read as grey patches (d3 into s18)."""
    lit = np.clip(render_low * (gain[..., None] / 255.0), 0.0, 1.0)
    target = np.clip(frame_low / 255.0, 0.0, 1.0)
    shift = (cv2.cvtColor(target.astype(np.float32), cv2.COLOR_RGB2LAB)
             - cv2.cvtColor(lit.astype(np.float32), cv2.COLOR_RGB2LAB))[..., 1:]
    return np.dstack([gain, shift]).astype(np.float32)
