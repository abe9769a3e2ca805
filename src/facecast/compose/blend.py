"""Blend a rendered face into the frame: two bands, so no seam shows.

Low frequencies (tone and light) cross over under a wider, smoother mask than the details
(pores, brows, lip lines), as in multi-band blending: the eye reads a change of tone over a
short distance as an edge, and a change of detail over a long one as a ghost. The rendered
face's low band is measured over the pixels it is blended in (weighted by its alpha) and
extrapolated past them by normalised convolution, so the wider mask never mixes in
undefined pixels, nor texels the selfies did not see clearly.

Where the face is blended only in part (toward its outline, where the target's own skin
shows through) the frame under it is the footage as the shape warp left it: its grain
softened by the warp's resampling and moved off the grain the drawn face carries, which is
the footage's own as it was (`compose.detail`). Mixed, two unrelated grains cancel out in
part: d3's selfies into d0's sharp close-up kept 0.78 of the skin's fine detail before
encoding. On the drawn face's plain skin the frame first takes that same grain (`Grain`).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.compose.detail import FINE_PX, Grain
from facecast.faces.raster import Region
from facecast.imaging import (
    channels,
    clamp,
    enlarge,
    face_cell,
    float_blur,
    masked_blur,
    shrink,
    smoothstep,
)


def _low(img: np.ndarray, mask: np.ndarray | None, sigma: float, cell: int) -> np.ndarray:
    """Low band (over `mask` only, if given) on the face's coarse grid (`cell` pixels a
    cell), back at full size."""
    h, w = img.shape[:2]
    return enlarge(_low_small(img, mask, sigma, cell), cell, (w, h))


def _low_small(img: np.ndarray, mask: np.ndarray | None, sigma: float, cell: int
               ) -> np.ndarray:
    """Low band (over `mask` only, if given) on the face's coarse grid (`face_cell`: a
    quarter of the size, less on a close-up; the band is a 30th of the face)."""
    img = shrink(img, cell)
    return (cv2.GaussianBlur(img, (0, 0), sigma / cell) if mask is None else
            masked_blur(img, shrink(mask, cell), sigma / cell))


def _inside(region: Region, reach: float) -> np.ndarray:
    """0..1 over `region`: 0 on its border, rising to 1 at `reach` pixels inside it. The low
    band reaches past the drawn face's alpha, and the window ends soon after the mesh: on a
    small face (s13's 88 px) the face's tone was still spread over the hair beside it where
    the window ended, a straight seam down the temple ("a soft rectangular edge")."""
    def ramp(n: int) -> np.ndarray:
        edge = np.minimum(np.arange(n), np.arange(n)[::-1]).astype(np.float32)
        return smoothstep(edge / np.float32(max(reach, 1.0)))

    return np.outer(ramp(region.h), ramp(region.w))


def blend(frame: np.ndarray, region: Region, pixels: np.ndarray, alpha: np.ndarray,
          covered: np.ndarray, face_size: float,
          keep: tuple[np.ndarray, np.ndarray] | None = None,
          holes: np.ndarray | None = None, grain: Grain | None = None) -> None:
    """frame[region] = two-band mix of frame and `pixels` by `alpha` (0..1), in place.

    `covered` marks where `pixels` are defined (the rendered mesh); `keep` (two 0..1 masks:
    detail, low band) where the frame must stay as it is: an occluder in front of the face,
    and, for the wider low band, its parts past the face's outline. `holes` (0..1): the
    target's own eyes and mouth interior, which the wider low band must not tint either:
    it turned a smile's teeth the colour of the user's lips (d3 on d12: teeth gone, the
    mouth read closed). `grain`: the footage's grain the frame takes where the drawn face has
    it too.
    """
    window = frame[region.slices]
    f = window.astype(np.float32)
    if grain is not None:
        where = grain.where if keep is None else grain.where * (1.0 - keep[0])
        fine = grain.band - f
        fine += float_blur(window, FINE_PX)
        fine *= channels(where)
        f += fine
    sigma = max(face_size / 30, 2.0)
    cell = face_cell(face_size)
    # the two low bands' difference enlarged once (enlarging is linear)
    low_shift = enlarge(_low_small(pixels, covered * alpha, sigma, cell)
                        - _low_small(f, None, sigma, cell), cell, (region.w, region.h))
    a = alpha
    a_low = _low(alpha, None, sigma, cell)
    a_low *= 1.3
    cv2.min(a_low, 1.0, dst=a_low)
    a_low *= _inside(region, 2.0 * sigma)
    if holes is not None:
        a_low *= 1.0 - holes
    if keep is not None:
        a = a * (1.0 - keep[0])
        a_low *= 1.0 - keep[1]
    # low band mixed by a_low, the rest by a:  f + a (pixels - f) + (a_low - a) low_shift,
    # worked in place (the same numbers, a window's worth of temporaries fewer)
    mix = cv2.subtract(pixels, f)
    mix *= channels(a)
    np.maximum(a_low, a, out=a_low)
    a_low -= a
    low = channels(a_low)
    low *= low_shift
    mix += low
    f += mix
    f += 0.5
    window[...] = clamp(f, 255.0)  # truncated on assignment, as astype does
