"""A black-and-white picture stays black and white under the swapped face.

Every colour stage works in the footage's terms, yet a few carry the user's own: the eyes
take the user's iris colour, the lips part of the texture's, the skin a share of its
variations. On a black-and-white portrait (s2) d10's swap drew brown irises and a faint
warm cast into a picture with no colour at all (chroma up to 6 where the photo has 0). When
the footage's window is grey (its three channels equal on every pixel, within `GREY`), the
swapped window is made grey too: its luma (Rec. 601) in all three channels.
"""

from __future__ import annotations

import cv2
import numpy as np

GREY = 1
"""8-bit levels: how far a grey picture's channels may part (a codec's rounding); colour
footage's skin alone parts them by 20 or more."""
_SAMPLE = 4  # the footage is read on every fourth row and column


def keep_grey(window: np.ndarray, footage: np.ndarray) -> None:
    """Make the swapped `window` (uint8 RGB, in place) grey when `footage` (the same window
    before the swap) is."""
    seen = footage[::_SAMPLE, ::_SAMPLE]
    r, g, b = cv2.split(np.ascontiguousarray(seen))
    apart = cv2.max(cv2.max(cv2.absdiff(r, g), cv2.absdiff(g, b)), cv2.absdiff(r, b))
    if int(apart.max()) <= GREY:
        cv2.cvtColor(cv2.cvtColor(window, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB, dst=window)
