"""A black-and-white or toned picture keeps its one tone under the swapped face.

Every colour stage works in the footage's terms, yet a few carry the user's own: the eyes
take the user's iris colour, the lips part of the texture's, the skin a share of its
variations. On a black-and-white portrait (s2) d10's swap drew brown irises and a faint
warm cast into a picture with no colour at all (chroma up to 6 where the photo has 0); on
the same portrait toned sepia, lilac irises and pink lips in a picture whose every pixel
has the one brown of its lightness. When the footage's window is grey (its three channels
equal on every pixel, within `GREY`), the swapped window is made grey too: its luma (Rec.
601) in all three channels. When it is toned (each pixel's Lab a and b within `TONE` of
the tone of its lightness, the mean of the pixels as light as it), the swapped window
takes that tone at each pixel's own lightness.
"""

from __future__ import annotations

import cv2
import numpy as np

GREY = 1
"""8-bit levels: how far a grey picture's channels may part (a codec's rounding); colour
footage's skin alone parts them by 20 or more."""
TONE = 4
"""8-bit Lab: how far a toned picture's a and b may lie from the tone of their lightness
(JPEG's chroma rounding), on all but `TONE_OUTLIERS` of the pixels. A face in colour parts
them by more: its lips are redder, its eyes' whites greyer than skin as light."""
TONE_OUTLIERS = 0.01
_BIN_BITS = 4  # the tone is read over lightness bins of 16 levels
_SAMPLE = 4  # the footage is read on every fourth row and column


def keep_tone(window: np.ndarray, footage: np.ndarray) -> None:
    """Make the swapped `window` (uint8 RGB, in place) grey when `footage` (the same window
    before the swap) is, or of its tone when it is toned."""
    seen = np.ascontiguousarray(footage[::_SAMPLE, ::_SAMPLE])
    r, g, b = cv2.split(seen)
    apart = cv2.max(cv2.max(cv2.absdiff(r, g), cv2.absdiff(g, b)), cv2.absdiff(r, b))
    if int(apart.max()) <= GREY:
        cv2.cvtColor(cv2.cvtColor(window, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB, dst=window)
        return
    tone = _tone(cv2.cvtColor(seen, cv2.COLOR_RGB2LAB))
    if tone is not None:
        lightness, _, _ = cv2.split(cv2.cvtColor(window, cv2.COLOR_RGB2LAB))
        toned = cv2.merge([lightness, cv2.LUT(lightness, tone[0]), cv2.LUT(lightness, tone[1])])
        cv2.cvtColor(toned, cv2.COLOR_LAB2RGB, dst=window)


def _tone(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The a and b (two 256-entry uint8 look-up tables over 8-bit lightness) of a picture
    (`lab`, 8-bit Lab) whose pixels have the tone of their lightness; None when they do
    not. Worked with look-ups and OpenCV's byte arithmetic: on colour footage, where it is
    refused every frame, 0.1 ms of the 0.2 the check takes on a 300 x 260 face window."""
    lightness, a, b = cv2.split(lab)
    bins = (lightness.ravel() >> _BIN_BITS).astype(np.intp)
    counts = np.bincount(bins, minlength=256 >> _BIN_BITS)
    seen = np.flatnonzero(counts)
    centres = (seen + 0.5) * (1 << _BIN_BITS)
    levels = np.arange(256, dtype=np.float32)
    tables = tuple(
        np.clip(np.round(np.interp(levels, centres, (np.bincount(bins, plane.ravel(), len(counts))
                                                      / np.maximum(counts, 1))[seen])),
                0, 255).astype(np.uint8)
        for plane in (a, b))
    off = cv2.max(cv2.absdiff(a, cv2.LUT(lightness, tables[0])),
                  cv2.absdiff(b, cv2.LUT(lightness, tables[1])))
    if cv2.countNonZero(cv2.compare(off, TONE, cv2.CMP_GT)) > TONE_OUTLIERS * off.size:
        return None
    return tables
