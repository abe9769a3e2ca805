"""The iris: where it lies in a frame and what colour it is.

The mesh engine draws the user's skin, brows and lids but shows the target's own eyes
through the openings, gaze and all: a dark-eyed user swapped into a blue-eyed clip kept the
clip's blue eyes, among the first things a friend would miss (`compose.iris` gives them the
user's colour). The iris is read inside the circle its landmarks give (`RADIUS` of it) and
inside the lids, on its middle range of lightness: the darkest pixels are the pupil, the
lightest a reflection of the light or the white of the eye at the circle's edge. Its
lightness is read against the cheeks' (`CHEEKS`): a photo's exposure and light change
both alike (the irises' lightness over the cheeks' held within 0.01-0.1 across each
selfie set and clip, 0.11-0.61 between people; in 8-bit Lab alone, 41 in d0's selfies
against 76 in s32's footage whatever the eyes). Behind glasses the lens's reflection veils
the eye, and the pupil, black when bare, tells how much (`iris_colour_through_lenses`).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.imaging import to_linear, to_srgb

RADIUS = 0.85  # of the iris circle's radius: what is read, clear of the white's edge
MIDDLE = (25, 85)  # percentiles of lightness kept: no pupil, no reflection
MIN_PIXELS = 12  # fewer visible iris pixels (a shut eye, a far face): no reading
EYES = ((L.RIGHT_IRIS, L.RIGHT_EYE), (L.LEFT_IRIS, L.LEFT_EYE))
CHEEKS = (50, 280)  # mesh points in the middle of each cheek
CHEEK_REACH = 0.3  # of an eye's width: the square read around each
CHROMA = 0.5  # the most a or b over lightness an iris reads: beyond it, noise of a dark one
DARK = 25.0  # 8-bit lightness below which an iris's chroma is read as at this lightness
PUPIL = 0.2  # of the iris circle's radius: the disc read as the pupil
PUPIL_PERCENTILE = 10  # of each channel over the pupil: its darker part, clear of a glint
PUPIL_FLOOR = 0.02
"""A bare pupil's light, of the cheeks' (linear; d0's selfies: 0.013-0.036 by channel):
what a pupil behind a lens shows above it is the lens's veil."""
LINEAR = to_linear(np.arange(256, dtype=np.float32) / 255.0).astype(np.float32)
"""8-bit sRGB values as linear light."""


def iris_mask(xy: np.ndarray, iris: tuple[int, ...], eye: tuple[int, ...],
              shape: tuple[int, int], origin: tuple[int, int] = (0, 0),
              radius: float = RADIUS, lid_margin: float = 0.0) -> np.ndarray:
    """uint8 0/1 over an image of `shape` whose top-left is `origin` in `xy`'s frame: the
    iris circle (`radius` of its landmarks' radius) inside the eye's lids, and `lid_margin`
    of the circle's radius (up and down) clear of their line."""
    local = xy - origin
    centre = local[iris[0]]
    r = float(np.linalg.norm(local[list(iris[1:])] - centre, axis=1).mean())
    mask = np.zeros(shape, np.uint8)
    cv2.circle(mask, tuple(int(v) for v in np.round(centre * 4)), round(r * radius * 4), 1, -1,
               cv2.LINE_8, shift=2)
    lids = np.zeros(shape, np.uint8)
    cv2.fillPoly(lids, [np.round(local[list(eye)] * 4).astype(np.int32)], 1, shift=2)
    margin = round(lid_margin * r)
    if margin > 0:
        lids = cv2.erode(lids, np.ones((2 * margin + 1, 1), np.uint8))
    return mask & lids


def iris_colour(lab: np.ndarray, xy: np.ndarray, origin: tuple[int, int] = (0, 0)
                ) -> np.ndarray | None:
    """A face's irises in `lab` (an image in OpenCV's 8-bit Lab, whose top-left is `origin`
    in `xy`'s frame), both eyes' pixels together, `relative` to the light; None where too
    few show."""
    if len(xy) <= max(L.LEFT_IRIS):
        return None
    pixels = [lab[iris_mask(xy, iris, eye, lab.shape[:2], origin) > 0] for iris, eye in EYES]
    found = np.concatenate(pixels).astype(np.float32)
    cheeks = cheek_lightness(lab, xy, origin)
    if len(found) < MIN_PIXELS or cheeks is None:
        return None
    return read(found, cheeks)


def iris_colour_through_lenses(rgb: np.ndarray, xy: np.ndarray) -> np.ndarray | None:
    """A face's irises behind the lenses of its glasses (`rgb`: the photo, `xy`: its mesh),
    read as `iris_colour` reads bare ones once each eye's veil is taken off; None where too
    few show.

    A lens's reflection (its coating's, the room's) lays light over the eye behind it: d9's
    dark brown irises read 0.37 of his cheeks' lightness and blue (b -0.07) through his
    glasses, where bare brown eyes read 0.14-0.26 and b +0.15-0.26. The veil lies over the
    pupil too, which bare is near black (`PUPIL_FLOOR`), so what the pupil shows above that
    is the veil, taken off each eye's iris in linear light, where light adds: d9's read 0.17,
    a +0.09, b +0.14. Bare selfies with a blue veil drawn over their eyes (a tenth of the
    cheeks' light) read within 0.05 of their bare lightness (plainly read, 0.10-0.20
    lighter and blue) and in their hue, a dark brown's less saturated: the pupil's disc
    holds some of the iris's colour, and a dark iris less the veil is a few levels of
    8-bit Lab."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    cheeks = cheek_lightness(lab, xy)
    if len(xy) <= max(L.LEFT_IRIS) or cheeks is None:
        return None
    found = []
    for iris, eye in EYES:
        over = veil(rgb, xy, iris, eye, cheeks)
        if over is not None:
            found.append(LINEAR[rgb[iris_mask(xy, iris, eye, rgb.shape[:2]) > 0]] - over)
    if sum(len(f) for f in found) < MIN_PIXELS:
        return None
    bare = np.round(to_srgb(np.concatenate(found)) * 255.0).astype(np.uint8)
    return read(cv2.cvtColor(bare[None], cv2.COLOR_RGB2LAB)[0], cheeks)


def veil(rgb: np.ndarray, xy: np.ndarray, iris: tuple[int, ...], eye: tuple[int, ...],
         cheeks: float, origin: tuple[int, int] = (0, 0)) -> np.ndarray | None:
    """The light laid over one eye (linear RGB, 0..1): what its pupil shows above a bare
    pupil's (`PUPIL_FLOOR` of the cheeks' light; `cheeks`: `cheek_lightness`), in `rgb`
    whose top-left is `origin` in `xy`'s frame; None where no pupil shows."""
    pupil = rgb[iris_mask(xy, iris, eye, rgb.shape[:2], origin, radius=PUPIL) > 0]
    if not len(pupil):
        return None
    floor = PUPIL_FLOOR * ((cheeks * 100.0 / 255.0 + 16.0) / 116.0) ** 3  # Lab's L to light
    return np.maximum(np.percentile(LINEAR[pupil], PUPIL_PERCENTILE, axis=0) - floor, 0.0)


def read(pixels: np.ndarray, cheeks: float) -> np.ndarray:
    """An iris's colour from its pixels (N x 3, 8-bit Lab) on their middle range of
    lightness (`MIDDLE`), `relative` to the light (`cheeks`: `cheek_lightness`)."""
    pixels = pixels.astype(np.float32)
    low, high = np.percentile(pixels[:, 0], MIDDLE)
    middle = pixels[(pixels[:, 0] >= low) & (pixels[:, 0] <= high)]
    return relative(np.median(middle if len(middle) else pixels, axis=0), cheeks)


def relative(lab: np.ndarray, cheeks: float) -> np.ndarray:
    """An iris's 8-bit Lab made independent of the light: its lightness over the cheeks',
    and its a and b over its own lightness (a dim photo's chroma is as dim as its
    lightness: d3's brown irises read a, b +6 at L 13 in her selfies), within `CHROMA`.
    Lightness counts from `DARK` up: below it a camera's chroma is not its lightness' share
    (over L 13, d3's chroma drawn at s18's lightness gave her irises an orange cast)."""
    light = max(float(lab[0]), DARK)
    chroma = np.clip((lab[1:] - 128.0) / light, -CHROMA, CHROMA)
    return np.array([lab[0] / cheeks, *chroma], np.float32)


def cheek_lightness(lab: np.ndarray, xy: np.ndarray, origin: tuple[int, int] = (0, 0)
                    ) -> float | None:
    """The median 8-bit lightness of the middle of the cheeks (`CHEEKS`) in `lab`, or None
    where they are outside it or black."""
    local = xy - origin
    reach = max(int(CHEEK_REACH * np.linalg.norm(local[L.RIGHT_EYE_OUTER]
                                                 - local[L.RIGHT_EYE_INNER])), 1)
    h, w = lab.shape[:2]
    values = []
    for point in CHEEKS:
        x, y = np.round(local[point]).astype(int)
        patch = lab[max(y - reach, 0):min(y + reach, h), max(x - reach, 0):min(x + reach, w), 0]
        values.append(patch.ravel())
    values = np.concatenate(values)
    if values.size == 0 or np.median(values) < 1:
        return None
    return float(np.median(values))
