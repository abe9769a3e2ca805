"""Blend a rendered face into the frame: two bands, so no seam shows.

Low frequencies (tone and light) cross over under a wider, smoother mask than the details
(pores, brows, lip lines), as in multi-band blending: the eye reads a change of tone over a
short distance as an edge, and a change of detail over a long one as a ghost. The rendered
face's low band is measured over the pixels it covers only and extrapolated past them by
normalised convolution, so the wider mask never mixes in undefined pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces.raster import Region
from facecast.imaging import masked_blur

_DOWN = 4


def _low(img: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """Low band at a quarter of the size (cheap), back at full size."""
    h, w = img.shape[:2]
    small = (max(w // _DOWN, 1), max(h // _DOWN, 1))
    low = masked_blur(cv2.resize(img, small, interpolation=cv2.INTER_AREA),
                      cv2.resize(mask, small, interpolation=cv2.INTER_AREA), sigma / _DOWN)
    return cv2.resize(low, (w, h), interpolation=cv2.INTER_LINEAR)


def blend(frame: np.ndarray, region: Region, pixels: np.ndarray, alpha: np.ndarray,
          covered: np.ndarray, face_size: float) -> None:
    """frame[region] = two-band mix of frame and `pixels` by `alpha` (0..1), in place.

    `covered` marks where `pixels` are defined (the rendered mesh).
    """
    window = frame[region.slices]
    f = window.astype(np.float32)
    sigma = max(face_size / 30, 2.0)
    everywhere = np.ones(alpha.shape, np.float32)
    low_f = _low(f, everywhere, sigma)
    low_p = _low(pixels, covered.astype(np.float32), sigma)
    a = alpha[..., None]
    a_low = np.minimum(cv2.GaussianBlur(alpha, (0, 0), sigma) * 1.3, 1.0)[..., None]
    a_low = np.maximum(a_low, a) * (alpha.max() > 0)
    mixed = (low_f * (1 - a_low) + low_p * a_low
             + (f - low_f) * (1 - a) + (pixels - low_p) * a)
    window[...] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
