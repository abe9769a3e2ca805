"""Blend a rendered face into the frame with its feathered mask."""

from __future__ import annotations

import numpy as np

from facecast.faces.raster import Region


def blend(frame: np.ndarray, region: Region, pixels: np.ndarray, alpha: np.ndarray) -> None:
    """frame[region] = mix(frame, pixels, alpha), in place; alpha in 0..1."""
    window = frame[region.slices]
    a = alpha[..., None]
    mixed = window.astype(np.float32) * (1 - a) + pixels * a
    window[...] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
