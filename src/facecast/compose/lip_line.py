"""The footage's dark line where the lips meet, on the drawn closed mouth.

A closed mouth shows a thin dark line where its lips meet, the shade between them. Lips
drawn from selfies merged into one texture, their meeting line smoothed along its length
(`identity.texture`), drew it fainter where the selfies' own was: on d9's closed mouth d0's
line was 14.1 L (of 100) under the lips just above and below it, the footage's 18.3, lips
that ran into each other like one pale shape. Where the drawn mouth and the target's are
closed, the drawn meeting line takes the footage's depth where its own is shallower (the
footage's read across the target's own line, before the shape warp), along the drawn line,
fading out into the corners (`compose.corners`). Only darker: the line's course, the lips'
shape and colour stay the user's, and a deeper crease in the selfies stays theirs. The
darkened band is as thick as the footage's line (`LINE`). Now 16.9 on d9 (the footage's
18.3), read on the finished frames; 16.1 with the band a tenth of the mouth wide. A fresh
blind A/B viewer chose the line (a tenth wide) over none wherever the two differed visibly
(10 of 10 comparisons on d0 into d9 and d18 and d14 into d3, each frame both ways round;
16 of 18 with the rest).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.imaging import smoothstep

SHARE = 1.0  # of the footage's depth beyond the drawn line's, taken
CLOSED = (0.02, 0.06)
"""The lips' gap (the facing inner points' mean distance, over the mouth's width) below
which a mouth is closed, and from which it is open: then its inside shows through the
mesh's opening (`compose.mouth`), which has a line of its own."""
LINE = 0.1
"""Of the mouth's width: the thickest band darkened along the meeting line, its edges
softened by an eighth of its thickness. Within it the band is as thick as the footage's
line (its pixels at least half as dark as its depth), `THINNEST` at least. Always this
wide, on a close-up's mouth (d3 framed upright, 100 px wide where it is drawn) it was
10 px under the footage's 6, a dark stripe dlib read as parted lips: its 68-point opening
over 0.6 s of closed lips 0.026 against the original's 0.006 (0.021 now, 0.015 with no line
drawn); `make eval`'s false openings there 0.067 -> 0.025."""
THINNEST = 2.0  # px
ACROSS = 0.08  # of the mouth's width: how far up and down a column is searched for the line
TAPER = 0.15  # of the mouth's width: over how much of each end the line fades in


def shade_lip_line(footage: tuple[np.ndarray, np.ndarray], lightness: np.ndarray,
                   face_xy: np.ndarray, region: Region, share: float = SHARE) -> None:
    """Darken the drawn lips' meeting line (`lightness`: Lab's L, 0..100, over `region`, in
    place; the drawn mesh `face_xy`) to the footage's depth, by `share` and by how closed
    both mouths are. `footage`: the region's RGB window before the shape warp and the
    target's own points there."""
    window, theirs = footage
    origin = np.array([region.x0, region.y0], np.float64)
    closed = min(_closed(face_xy), _closed(theirs))
    if share <= 0.0 or closed <= 0.0:
        return
    line = _line(face_xy) - origin
    width = float(np.ptp(line[:, 0]))
    if width < 10:
        return
    box = Region.around(np.vstack([face_xy[list(L.LIPS_OUTER), :2],
                                   theirs[list(L.LIPS_OUTER), :2]]) - origin,
                        (region.h, region.w), pixels=4)
    if box.w < 4 or box.h < 4:
        return
    offset = np.array([box.x0, box.y0], np.float64)
    rgb = window[box.slices].astype(np.float32) / 255.0
    theirs_l = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[..., 0]
    drawn_l = lightness[box.slices]
    depth, thickness = _depth(theirs_l, theirs - origin - offset, width)
    need = depth - _depth(drawn_l, face_xy - origin - offset, width)[0]
    if not np.isfinite(need) or need <= 0.0:
        return
    thickness = min(max(thickness, THINNEST), LINE * width)
    band = np.zeros(drawn_l.shape, np.float32)
    cv2.polylines(band, [np.round((line - offset) * 4).astype(np.int32)], False, 1.0,
                  max(round(thickness), 1), cv2.LINE_AA, shift=2)
    band = cv2.GaussianBlur(band, (0, 0), max(thickness / 8, 0.5))
    band *= np.float32(share * closed * need / max(float(band.max()), 1e-6))
    # fading out toward the corners, whose shade is `compose.corners`': cut off there,
    # the line ended in a blunt stroke
    x = np.arange(band.shape[1], dtype=np.float32) + np.float32(offset[0])
    ends = min(line[0, 0], line[-1, 0]), max(line[0, 0], line[-1, 0])
    band *= smoothstep(np.minimum(x - ends[0], ends[1] - x) / (TAPER * width))[None, :]
    drawn_l -= band


def _line(xy: np.ndarray) -> np.ndarray:
    """The lips' meeting line: the facing points' midpoints (`L.LIPS_FACING`) in order from
    one inner corner to the other, and the corners at its ends."""
    start, end = (xy[c, :2].astype(np.float64) for c in L.LIPS_INNER_CORNERS)
    middle = np.array([(xy[a, :2] + xy[b, :2]) / 2 for a, b in L.LIPS_FACING], np.float64)
    middle = middle[np.argsort((middle - start) @ (end - start))]
    return np.vstack([start, middle, end])


def _closed(xy: np.ndarray) -> float:
    """1 for a closed mouth, 0 for an open one (`CLOSED`), smooth between."""
    start, end = L.LIPS_INNER_CORNERS
    width = max(float(np.linalg.norm(xy[start, :2] - xy[end, :2])), 1e-6)
    gap = float(np.mean([np.linalg.norm(xy[a, :2] - xy[b, :2]) for a, b in L.LIPS_FACING]))
    gap /= width
    return float(np.clip((CLOSED[1] - gap) / (CLOSED[1] - CLOSED[0]), 0.0, 1.0))


def _depth(lightness: np.ndarray, xy: np.ndarray, width: float) -> tuple[float, float]:
    """How much darker the meeting line of the lips at `xy` (in `lightness`'s pixels) is
    than the lips just above and below it, and how thick (pixels as dark as half that): at
    each facing pair's column, the darkest within `ACROSS` of the mouth's width up and down,
    under the mean of that reach's two ends; their mean and median (NaN when none lies
    inside). Against the lips' whole median instead, the shade of d3's top-lit upper lip
    counted as the line's, drawn as a black stroke."""
    reach = max(int(ACROSS * width), 2)
    h, w = lightness.shape
    depths, thicknesses = [], []
    for x, y in _line(xy)[1:-1]:
        col, row = round(float(x)), round(float(y))
        if 0 <= col < w and reach <= row < h - reach:
            profile = lightness[row - reach: row + reach + 1, col]
            rim = (float(profile[0]) + float(profile[-1])) / 2
            depth = rim - float(profile.min())
            depths.append(depth)
            thicknesses.append(float(np.sum(rim - profile >= depth / 2)))
    if not depths:
        return float("nan"), float("nan")
    return float(np.mean(depths)), float(np.median(thicknesses))
