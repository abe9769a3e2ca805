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

from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.imaging import masked_blur, skin_likeness

_DOWN = 4
FOLLOW = 0.3  # per frame: a new shadow is 90 % in place after 6 frames (0.2 s)
FRAME_SHADOW_DARKER = 0.35
"""How much darker-than-typical frame pixels count as not-skin. A shadowed cheek is 20 L
darker than the lit one but keeps its hue; at full weight it would be left out and the swap
would light it like the lit side (measured on s18: the shadowed cheek 9 L too bright)."""


class Relighter:
    """Relights one tracked face, frame after frame, with a gain that is steady in time.

    The gain measured on a single frame wobbles with the skin masks and the frame's noise,
    and that wobble is flicker (measured on s18: 1.26 times the original's temporal noise
    with a fresh gain per frame, 1.005 with no relighting, 0.97 as done here). The previous gain is
    carried along with the head (a similarity fitted on rigid mesh points) and mixed with
    the new one, so light still follows a shadow in a few frames.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._gain: np.ndarray | None = None
        self._to_frame: np.ndarray | None = None  # small-grid -> frame pixels, 3 x 3
        self._rigid: np.ndarray | None = None

    def __call__(self, frame_window: np.ndarray, region: Region, pixels: np.ndarray,
                 skin: np.ndarray, face_xy: np.ndarray, face_size: float) -> np.ndarray:
        """The rendered `pixels` carrying the shading of `frame_window` (`region` of the
        frame, where the face's mesh is `face_xy`)."""
        h, w = skin.shape
        small = (max(w // _DOWN, 1), max(h // _DOWN, 1))
        f = cv2.resize(frame_window, small, interpolation=cv2.INTER_AREA).astype(np.float32)
        r = cv2.resize(pixels, small, interpolation=cv2.INTER_AREA)
        m = cv2.resize(skin, small, interpolation=cv2.INTER_AREA)
        m = (m > 0.5).astype(np.float32)
        if m.sum() < 16:
            return pixels
        m *= skin_likeness(f, m, darker=FRAME_SHADOW_DARKER, shadow=np.inf) * skin_likeness(r, m)
        sigma = max(face_size / 12 / _DOWN, 1.0)
        gain = np.clip(masked_blur(f, m, sigma) / np.maximum(masked_blur(r, m, sigma), 1.0),
                       0.25, 4.0)
        to_frame = np.array([[w / small[0], 0, region.x0], [0, h / small[1], region.y0],
                             [0, 0, 1]])
        rigid = face_xy[list(L.RIGID_POINTS)].astype(np.float32)
        if self._gain is not None:
            moved, _ = cv2.estimateAffinePartial2D(self._rigid, rigid)
            if moved is not None:
                # current small grid -> frame -> where that was last frame -> old small grid
                back = np.linalg.inv(np.vstack([moved, [0, 0, 1]]))
                grid = np.linalg.inv(self._to_frame) @ back @ to_frame
                before = cv2.warpAffine(self._gain, grid[:2], small,
                                        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                        borderMode=cv2.BORDER_REPLICATE)
                gain = before + FOLLOW * (gain - before)
        self._gain, self._to_frame, self._rigid = gain, to_frame, rigid
        return pixels * cv2.resize(gain, (w, h), interpolation=cv2.INTER_LINEAR)
