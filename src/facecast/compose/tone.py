"""The rest of the person's skin in the user's tone: neck, ears, the forehead above the face.

The swapped face keeps part of the user's own complexion (`light.TONE_KEEP`); left alone,
the target's neck and ears would keep theirs, and a face lighter or warmer than its own neck
is the first thing a viewer sees. The same per-channel shift is applied to the skin around
the face, softly: skin is what looks like the target face's own skin in this frame (shadows
included), within the person (selfie segmentation) and a window around the head that
reaches down the neck, fading out toward the window's edges. What passes in front of the
face (a hand, the target's glasses) is left exactly as it is, as the blend leaves it.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import Region
from facecast.imaging import channels, enlarge, shrink, skin_likeness, smoothstep

_DOWN = 4
AROUND = (0.15, 0.5, 1.6)
"""The window, in face sizes beyond the face's box: to each side (the ears, not the next
person's neck), above, below (the neck)."""
SHADOW_DARKER = 0.35  # as in relighting: a shadowed neck is still skin
TOLERANCE = 35.0
"""Lab distance from the face's skin at which a pixel is 1/e skin: wider than the face's own
test (22), so that a neck in shade, warmer or paler than the cheeks, shifts in full."""


def shift_skin(frame: np.ndarray, face: Face, tone: np.ndarray,
               person: np.ndarray | None = None,
               keep: tuple[Region, np.ndarray] | None = None,
               others: list[Face] | None = None) -> None:
    """Multiply the person's skin around `face` by `tone` (per channel), in place; `keep`
    (a window and a 0..1 mask over it) is what passes in front of the face (a hand), which
    stays exactly as it is, as the blend leaves it; skin nearer (across) one of `others`, the
    frame's other faces, is that person's and is left alone."""
    if np.allclose(tone, 1.0, atol=2e-3):
        return
    x, y, w, h = face.box
    side, above, below = (v * max(w, h) for v in AROUND)
    fh, fw = frame.shape[:2]
    x0, y0 = int(max(x - side, 0)), int(max(y - above, 0))
    region = Region(x0, y0, int(min(x + w + side, fw)) - x0, int(min(y + h + below, fh)) - y0)
    if region.w < 8 or region.h < 8:
        return
    window = frame[region.slices]
    rgb = shrink(window, _DOWN).astype(np.float32)
    small = (rgb.shape[1], rgb.shape[0])
    oval = np.zeros((small[1], small[0]), np.uint8)
    local = (face.xy[list(L.FACE_OVAL)] - (region.x0, region.y0)) / _DOWN
    cv2.fillPoly(oval, [np.round(local).astype(np.int32)], 1)
    oval = cv2.erode(oval, np.ones((3, 3), np.uint8))
    if oval.sum() < 16:
        return
    weight = skin_likeness(rgb, oval, tolerance=TOLERANCE, darker=SHADOW_DARKER, shadow=np.inf)
    if person is not None:
        weight *= shrink(person[region.slices].astype(np.float32, copy=False), _DOWN)
    weight *= _edge_fade(small, (region.x0 > 0, region.y0 > 0, region.x0 + region.w < fw,
                                 region.y0 + region.h < fh))
    weight = cv2.GaussianBlur(weight, (0, 0), 1.5)
    # tone ** weight per channel, as 1 + weight * (tone - 1): within the 0.9-1.1 a tone may
    # take, the two differ by under 5 % of the shift, and this is a fifth of the cost. Being
    # affine in the weight, it is formed at the small size and enlarged as one image.
    gain = cv2.merge([1.0 + weight * float(t - 1.0) for t in tone])
    gain = enlarge(gain, _DOWN, (region.w, region.h))
    if others:
        _scale_shift(gain, _own(face, others, region))
    if keep is not None:  # only where it reaches: elsewhere the shift is scaled by 1
        shared = region.overlap(keep[0])
        if shared is not None:
            _scale_shift(gain[shared[0]], 1.0 - keep[1][shared[1]])
    cv2.multiply(window, gain, dst=window, dtype=cv2.CV_8U)


def _scale_shift(gain: np.ndarray, share: np.ndarray) -> None:
    """`gain` (1 + shift per channel) with its shift scaled by `share` (0..1), in place."""
    gain -= 1.0
    gain *= channels(share)
    gain += 1.0


def _own(face: Face, others: list[Face], region: Region) -> np.ndarray:
    """0/1 over the window: pixels nearer this face's box centre than any other's,
    across (a neck hangs below its head, so height says nothing of whose it is), so one
    person's tone never reaches a neighbour's neck."""
    xs = np.arange(region.w, dtype=np.float32)[None, :] + region.x0

    def reach(f: Face) -> np.ndarray:
        x, _, w, _ = f.box
        return np.abs(xs - (x + w / 2))

    mine = reach(face)
    own = np.ones_like(mine)
    for other in others:
        own *= mine <= reach(other)
    return np.repeat(own, region.h, axis=0)


def _edge_fade(size: tuple[int, int], inside: tuple[bool, bool, bool, bool]) -> np.ndarray:
    """1 in the window's middle, falling to 0 over an eighth of each side that lies inside
    the frame (left, top, right, bottom); a side on the frame's edge does not fade: the
    neck of a close-up runs out of the picture."""
    w, h = size

    def ramp(n: int, start: bool, end: bool) -> np.ndarray:
        i = np.arange(n, dtype=np.float32)
        far = np.minimum(np.where(start, i, np.inf), np.where(end, n - 1 - i, np.inf))
        return smoothstep(far / max(n / 8, 1.0))

    left, top, right, bottom = inside
    return (ramp(h, top, bottom)[:, None] * ramp(w, left, right)[None, :]).astype(np.float32)
