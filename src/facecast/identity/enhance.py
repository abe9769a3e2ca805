"""Bring small selfies up to the working resolution before the mesh and texture read them."""

from __future__ import annotations

import cv2
import numpy as np

MIN_SHORT_SIDE = 512


def needs_enhancing(rgb: np.ndarray) -> bool:
    return min(rgb.shape[:2]) < MIN_SHORT_SIDE


def enhance(rgb: np.ndarray) -> np.ndarray:
    """Upscale so the short side is 512 px, then recover detail lost to interpolation.

    Lanczos keeps edges, and an unsharp mask whose radius follows the scale factor restores
    the local contrast the upscaling spread out; a bilateral pre-pass keeps JPEG noise from
    being sharpened with it.
    """
    h, w = rgb.shape[:2]
    scale = MIN_SHORT_SIDE / min(h, w)
    big = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_LANCZOS4)
    clean = cv2.bilateralFilter(big, 5, 12, 3)
    soft = cv2.GaussianBlur(clean, (0, 0), 0.8 * scale)
    return cv2.addWeighted(clean, 1.6, soft, -0.6, 0)
