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


SHADOW_L = 25.0
"""Lab lightness: a crease, deep-set eyes or the shade under a brow are this much darker
than the typical skin and still skin; hair, brows and glasses rims are darker still."""
SHADOW_WEIGHT = 0.33  # darkness up to SHADOW_L counts this much, beyond it in full


def skin_distance(lab: np.ndarray, skin: np.ndarray, darker: float = 1.0,
                  shadow: float = 0.0) -> np.ndarray:
    """Lab distance of each pixel from the skin colour `skin`, where being lighter counts
    half (highlights on skin are still skin) and being darker counts by `darker` up to
    `shadow` lightness units, in full beyond."""
    d = lab - skin
    dark = np.maximum(-d[..., 0], 0.0)
    dl = np.where(d[..., 0] < 0, darker * np.minimum(dark, shadow)
                  + np.maximum(dark - shadow, 0.0), d[..., 0] / 2)
    return np.sqrt(dl**2 + d[..., 1] ** 2 + d[..., 2] ** 2)


def skin_likeness(rgb: np.ndarray, mask: np.ndarray, tolerance: float = 22.0,
                  darker: float = 1.0, shadow: float = 0.0) -> np.ndarray:
    """0..1: how close each pixel's colour is to the median colour under `mask` (its skin).

    Distance as `skin_distance`: darkness counts fully where dark means hair, brows or
    stubble (a selfie's texture), less where dark may be the skin's own shadow.
    """
    lab = cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2LAB)
    lab = lab.astype(np.float32)
    d = skin_distance(lab, np.median(lab[mask > 0], axis=0), darker, shadow)
    return np.exp(-(d / tolerance) ** 2)
