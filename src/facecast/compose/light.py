"""Put the target frame's light on the rendered face (low-frequency ratio image).

The rendered face keeps its detail (pores, brows, lip lines) but takes the frame's own
shading and colour cast: out = render * blur(frame) / blur(render), both blurs measured
over plain skin only: the identity's skin mask, minus pixels on either side whose colour is
far from that side's typical skin (the target's brows or a strand of hair, a leftover of the
selfies' hair), so that nothing but light stains the ratio.
The blur runs at a quarter of the window's size: it only carries low frequencies anyway.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.imaging import masked_blur, skin_likeness

_DOWN = 4
FRAME_SHADOW_DARKER = 0.35
"""How much darker-than-typical frame pixels count as not-skin. A shadowed cheek is 20 L
darker than the lit one but keeps its hue; at full weight it would be left out and the swap
would light it like the lit side (measured on s18: the shadowed cheek 9 L too bright)."""


def relight(frame_window: np.ndarray, pixels: np.ndarray, skin: np.ndarray,
            face_size: float) -> np.ndarray:
    """The rendered `pixels` carrying the shading of `frame_window` (same window)."""
    h, w = skin.shape
    small = (max(w // _DOWN, 1), max(h // _DOWN, 1))
    f = cv2.resize(frame_window, small, interpolation=cv2.INTER_AREA).astype(np.float32)
    r = cv2.resize(pixels, small, interpolation=cv2.INTER_AREA)
    m = cv2.resize(skin, small, interpolation=cv2.INTER_AREA)
    m = (m > 0.5).astype(np.float32)
    if m.sum() < 16:
        return pixels
    m *= skin_likeness(f, m, darker=FRAME_SHADOW_DARKER) * skin_likeness(r, m)
    sigma = max(face_size / 12 / _DOWN, 1.0)
    gain = masked_blur(f, m, sigma) / np.maximum(masked_blur(r, m, sigma), 1.0)
    gain = cv2.resize(np.clip(gain, 0.25, 4.0), (w, h), interpolation=cv2.INTER_LINEAR)
    return pixels * gain
