"""Small image operations shared by several packages (a leaf module, like errors.py)."""

from __future__ import annotations

import cv2
import numpy as np


def masked_blur(img: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur that ignores pixels outside `mask` (normalised convolution).

    Averages only what the mask marks, so a face's low frequencies are not dragged toward
    the background or a hole's black.
    """
    m = mask.astype(np.float32)
    mm = m[..., None] if img.ndim == 3 else m
    num = cv2.GaussianBlur(img.astype(np.float32) * mm, (0, 0), sigma)
    den = np.maximum(cv2.GaussianBlur(m, (0, 0), sigma), 1e-4)
    return num / (den[..., None] if img.ndim == 3 else den)


def smoothstep(x: np.ndarray | float) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)
