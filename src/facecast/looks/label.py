"""The visible label: a small "AI" badge in the bottom-right corner of every frame, so a
viewer knows the picture is machine-made without reading its Content Credentials.

The badge is drawn once per picture size (at 4x, then shrunk, for clean letters) and
blended in as an RGBA patch: a frame costs one small blend.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

TEXT = "AI"
HEIGHT = 0.05  # of the picture's shorter side
MIN_HEIGHT = 12  # px: smaller letters are not legible
MIN_SIDE = 48  # px: a picture smaller than this has no room for a badge
SUPERSAMPLE = 4


@lru_cache(maxsize=8)
def badge(height: int) -> tuple[np.ndarray, np.ndarray]:
    """The badge `height` px tall: its RGB and its 0..1 opacity."""
    big = height * SUPERSAMPLE
    font, thickness = cv2.FONT_HERSHEY_DUPLEX, max(1, big // 14)
    scale = cv2.getFontScaleFromHeight(font, int(big * 0.5), thickness)
    (tw, th), _ = cv2.getTextSize(TEXT, font, scale, thickness)
    width = tw + big // 2
    alpha = np.zeros((big, width), np.float32)
    radius = big // 4
    cv2.rectangle(alpha, (radius, 0), (width - radius, big), 0.6, -1)
    cv2.rectangle(alpha, (0, radius), (width, big - radius), 0.6, -1)
    for x in (radius, width - radius - 1):
        for y in (radius, big - radius - 1):
            cv2.circle(alpha, (x, y), radius, 0.6, -1, cv2.LINE_AA)
    letters = np.zeros((big, width), np.float32)
    cv2.putText(letters, TEXT, ((width - tw) // 2, (big + th) // 2), font, scale, 1.0,
                thickness, cv2.LINE_AA)
    size = (max(1, width // SUPERSAMPLE), height)
    letters = cv2.resize(letters, size, interpolation=cv2.INTER_AREA)
    alpha = np.maximum(cv2.resize(alpha, size, interpolation=cv2.INTER_AREA), letters)
    rgb = np.repeat((letters * 255)[..., None], 3, axis=2)  # white letters, black plate
    return rgb, alpha[..., None]


def stamp(rgb: np.ndarray) -> np.ndarray:
    """`rgb` with the badge blended into its bottom-right corner, in place (nothing when the
    picture is too small for one). The looks own the frame they are given and change it in
    place: no copy of a whole frame to stamp one corner."""
    h, w = rgb.shape[:2]
    if min(h, w) < MIN_SIDE:
        return rgb
    height = max(MIN_HEIGHT, round(min(h, w) * HEIGHT))
    colour, alpha = badge(height)
    bh, bw = alpha.shape[:2]
    margin = max(2, height // 3)
    y0, x0 = h - margin - bh, w - margin - bw
    patch = rgb[y0:y0 + bh, x0:x0 + bw].astype(np.float32)
    rgb[y0:y0 + bh, x0:x0 + bw] = np.round(patch + alpha * (colour - patch)).astype(np.uint8)
    return rgb
