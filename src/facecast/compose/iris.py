"""The user's eye colour in the target's eyes.

The openings of the drawn face show the target's own eyes (their gaze, their wetness, their
light), so without this the swapped face kept the target's eye colour: d0's and d3's dark
brown irises drawn as s32's light green and s18's grey-blue (irises over cheeks 0.26 and
0.14 against 0.61 and 0.45, `faces.iris`). Each frame, inside each visible iris, the
lightness is scaled toward the user's lightness over the footage's cheeks as drawn, its
chroma with it, and a and b moved by the difference of the two irises' chroma (over their
lightness) at the new lightness: the pupil, the limbal ring and the iris's own pattern
stay, and so do the light's reflections (pixels well above the iris's lightness are left
as they are).
What the target's irises read is held steady in time (`FOLLOW`), as the lips' colour is.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.iris import CHEEKS, EYES, MIN_PIXELS, cheek_lightness, iris_mask, read
from facecast.faces.raster import Region
from facecast.faces.shape import lid_gaps
from facecast.imaging import ramp, smoothstep

FACE = (120.0, 200.0)
"""Face size (px) from which the irises take the user's colour, and from which in full: a
far face's iris is a few pixels, its circle from the mesh is not sure to a pixel, and no
viewer sees its colour."""
FOLLOW = 0.3  # per frame, as the relighting's: a new reading is 90 % in after 6 frames
REFLECTION = (1.3, 1.6)
"""Pixels this many times the iris's lightness and more are a reflection, left as they
are (from the first, softly)."""
EDGE = 0.15  # of the iris's radius: the softening of its circle
SHIFT = 12.0  # 8-bit Lab: the most an iris's a or b is moved
LIGHTNESS = (0.6, (0.55, 1.8))
"""Share of the lightness ratio (user's over target's, in log) taken, and the bounds of the
gain: a dark-eyed user's irises read in dim selfies (d3's at 0.14 of the cheeks) scaled
in full into a bright scene drew black discs, doll's eyes, where a brown iris in that light
still shows its pattern."""
LID_MARGIN = 1.0
"""Of the iris's radius: how far inside the mesh's lid lines a narrowed eye's iris is
tinted (in proportion to how narrowed it is, `NARROWED`). The lines lie on the lashes,
above the lids' edges, and as an eye narrows its lids cover more of the iris: tinted up to
the lines, d0's dark brown painted s32's lowered lids into a round dark disc, an eye that
stayed open as s32 narrowed hers (the face mesh read 0.33-0.34 where the original's read
0.29; 0.28-0.29 now; eye correlation on the eval pairs d12-d3 0.901 -> 0.909, d3-d14
0.963 -> 0.973, s18-d3 0.961 -> 0.975). An open eye's iris is tinted up to its lines:
clear of them (by half its radius), four blind viewers split between the "doll's eyes" of
the full tint and the "cloudy, two-tone" irises clear of the lids (the latter preferred
in 13 of 15, 6 of 8, 2 of 15 and 0 of 8 comparisons on five eval pairs)."""
NARROWED = (0.05, 0.2)
"""How much narrower than its open level (its recent widest, `OPEN_FORGETS`) an eye is
when the tint starts to keep clear of its lids, and when by all of `LID_MARGIN`."""
KEEP = (0.5, (0.24, 0.32))
"""Share of an eye's opening (its lids' gap) that stays tinted however narrowed the eye
reads, and the lid gaps (of the eye's width) from which it starts to, and fully. Cleared by
a whole iris radius off each lid line, an eye still open lost its tint altogether whenever
it had been opened wider a moment before (d10's eyes at 0.25-0.33 of their width after
0.4): that eye showed the target's grey-blue beside the other's brown, and each eye's
colour came and went from frame to frame (4 s of d10 under d0: 37 eye-frames of open eyes
untinted, 0 now; d3's clip 19 -> 14). A fresh blind A/B viewer chose it in 12 of 12
comparisons, each frame shown both ways round ("dark brown irises that match between the
eyes"). Below the gaps the lids cover the iris: kept at every opening, d12's eyes rolled
up under his lids (0.19-0.23) took a brown disc on their lids, and the face mesh read
them more open (eye correlation of d3 on d12 0.916 -> 0.899; 0.909 with the gaps). The
mesh reads a dark iris band as a little more open: s32's narrowed eyes under d0's 1.185
times the original's, 1.171 before."""
OPEN_FORGETS = 0.01  # per frame: how fast an eye's open level comes down
OPEN = (0.12, 0.22)
"""An eye's lid gap over its width from which its iris is tinted, and from which in full:
in a closing eye the circle holds the lashes' line, and darkened, the face mesh read the
swapped eye as open (blinks lost on three of seven eval pairs)."""


class IrisTint:
    """Per tracked face: what the target's irises read, held steady in time."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._own: np.ndarray | None = None
        self._open: np.ndarray | None = None  # each eye's open level (lid gap over width)

    def __call__(self, rgb: np.ndarray, xy: np.ndarray, colour: np.ndarray | None,
                 face_size: float, weight: float = 1.0) -> None:
        """Give the irises of the face drawn at `xy` in `rgb` (in place) the user's
        `colour` (`faces.iris.iris_colour`; None: left as they are), by the face's blend
        `weight`."""
        share = ramp(face_size, FACE) * weight
        if colour is None or share <= 0.0 or len(xy) <= max(L.LEFT_IRIS):
            return
        eyes = list(L.RIGHT_EYE + L.LEFT_EYE + L.RIGHT_IRIS + L.LEFT_IRIS + CHEEKS)
        box = Region.around(xy[eyes], rgb.shape[:2], pixels=4)
        if box.w < 8 or box.h < 8:
            return
        window = rgb[box.slices]
        lab = cv2.cvtColor(window, cv2.COLOR_RGB2LAB).astype(np.float32)
        origin = (box.x0, box.y0)
        gaps = np.array(lid_gaps(xy))
        opening = smoothstep((gaps - OPEN[0]) / (OPEN[1] - OPEN[0]))
        self._open = gaps if self._open is None else np.maximum(
            gaps, self._open * (1.0 - OPEN_FORGETS))
        narrowed = smoothstep((1.0 - gaps / np.maximum(self._open, 1e-6) - NARROWED[0])
                              / (NARROWED[1] - NARROWED[0]))
        masks = [iris_mask(xy, iris, eye, lab.shape[:2], origin, radius=1.0,
                           lid_margin=margin) * np.float32(share)
                 for (iris, eye), share, margin in zip(EYES, opening,
                                                       _lid_margins(xy, gaps, narrowed),
                                                       strict=True)]
        openness = np.maximum(*masks)
        inside = openness > 0
        cheeks = cheek_lightness(lab, xy, origin)
        if inside.sum() < MIN_PIXELS or cheeks is None:
            return
        own = read(lab[inside], cheeks)
        if self._own is not None:
            own = self._own + FOLLOW * (own - self._own)
        self._own = own
        radius = float(np.linalg.norm(xy[list(L.RIGHT_IRIS[1:])] - xy[L.RIGHT_IRIS[0]],
                                      axis=1).mean())
        amount = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), max(EDGE * radius, 0.5))
        amount *= openness  # never past the lids or the circle: the white stays white
        lightness = own[0] * cheeks
        amount *= 1.0 - smoothstep((lab[..., 0] / max(lightness, 1.0) - REFLECTION[0])
                                   / (REFLECTION[1] - REFLECTION[0]))
        amount *= share
        gain = float(np.clip((colour[0] / max(own[0], 1e-3)) ** LIGHTNESS[0], *LIGHTNESS[1]))
        # the lightness scaled, the chroma with it (the iris's own hue and pattern kept),
        # then moved by the difference of the two irises' chroma at the new lightness
        scale = 1.0 + amount * (gain - 1.0)
        shift = np.clip((colour[1:] - own[1:]) * lightness * gain, -SHIFT, SHIFT)
        lab[..., 0] *= scale
        for channel, moved in ((1, shift[0]), (2, shift[1])):
            plane = lab[..., channel]
            plane -= 128.0
            plane *= scale
            plane += 128.0 + amount * moved
        changed = amount > 0.0  # the rest as it was, not through Lab and back
        new = cv2.cvtColor(np.clip(np.round(lab), 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)
        window[changed] = new[changed]


def _lid_margins(xy: np.ndarray, gaps: np.ndarray, narrowed: np.ndarray) -> list[float]:
    """Per eye (right, left): how far inside its lid lines its iris is tinted, in iris radii
    (`iris_mask`'s `lid_margin`): `LID_MARGIN` by how narrowed it is, but in an eye open by
    `KEEP`'s gaps or more, never so far that less than `KEEP`'s share of its opening is
    left."""
    margins = []
    corners = ((L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER), (L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER))
    for (iris, _), (outer, inner), gap, narrow in zip(EYES, corners, gaps, narrowed,
                                                      strict=True):
        radius = float(np.linalg.norm(xy[list(iris[1:]), :2] - xy[iris[0], :2], axis=1).mean())
        opening = gap * float(np.linalg.norm(xy[outer, :2] - xy[inner, :2]))
        share, wide = KEEP
        cap = (1.0 - share) / 2.0 * opening / max(radius, 1e-6)
        margin = LID_MARGIN * float(narrow)
        spared = smoothstep((gap - wide[0]) / (wide[1] - wide[0]))
        margins.append(margin - float(spared) * max(margin - cap, 0.0))
    return margins
