"""Hold the swapped face as steady as the footage it is in.

After smoothing, the drawn face's mesh still moves by a fraction of a pixel from frame to
frame against the head it sits on, and its sharpest lines (lashes, the lips' line, the
jaw the warp moved) shimmer with it: `make eval`'s flicker, each video's change left
unexplained by its own optical flow, read s18's swaps at 1.12-1.18 times the footage's.

Each frame the composited window is compared with the last composited one carried onto it
by the footage's optical flow (found before the swap: the footage's motion is what the
face must follow, and all it must follow). Where the swap changed more than the footage did
there (both residuals blurred over `LOCAL` of the face), the window is pulled toward the
carried frame by that excess' share, up to `PULL`: where the footage changes as much (its
grain, its own motion), nothing is done. The carried frame is first clamped, per channel,
to the range of each pixel's 3 x 3 neighbourhood in this frame, as temporal anti-aliasing
does: a line that moved by a fraction of a pixel stays within it and is steadied, what
really changed (a mouth opening, a blink, what the flow got wrong) does not and is kept.
Without the clamp, a cut-off by the size of the change left the sharpest lines, the ones
that shimmer, unsteadied (at a pull of 0.9, s18-d10: 1.12 -> 1.09 against 1.08 with the
clamp; d12-d3, which turns fast, 1.035 -> 1.045 against 1.001). The pull is recursive:
what it carries was steadied too.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from facecast.faces.raster import Region
from facecast.imaging import enlarge, ramp, shrink

PULL = 0.6
"""At most this share of a pixel is the carried frame. More (0.9) steadied s18 no further
(flicker 1.083 against 1.085) and drew s32 calmer than its footage (0.92 against 0.95); a
fixed share regardless of the footage's own change (0.5) made d3's swap calmer than the
footage around it (0.81 -> 0.76) and softened its skin (fine detail 0.86 -> 0.81)."""
FACE = (100.0, 200.0)
"""Face size (px) from which a face is steadied, and from which in full. A far face's jitter
is no flicker (s13's 98 px face: 0.91 of the footage's), and steadying it still drew in a
little of the last frames' features: dlib read the swap 0.495 -> 0.528 from the user."""
LOCAL = 1 / 32  # of the face's size: the blur that compares the two residuals
_DOWN = 2  # the flow is found at half size: the same figures, a quarter of the cost
_SMALL = 4  # and the residuals compared at a quarter
_NEAR = np.ones((3, 3), np.uint8)


class Steadier:
    """Per tracked face: the last composited window and the footage under it."""

    def __init__(self) -> None:
        self._flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self.reset()

    def reset(self) -> None:
        """Forget the last frame: the next one is not the frame after it."""
        self._last: tuple[Region, np.ndarray, np.ndarray] | None = None

    def __call__(self, frame: np.ndarray, region: Region, footage: np.ndarray,
                 face_size: float) -> None:
        """Steady `frame`'s `region` (composited) in place; `footage`: that window before
        the swap."""
        grey = cv2.cvtColor(footage, cv2.COLOR_RGB2GRAY)
        window = frame[region.slices]
        last, self._last = self._last, None
        share = ramp(face_size, FACE)
        if last is not None and share > 0.0 and min(region.w, region.h) >= 4 * _SMALL:
            before, shown, grey_before = last
            size = (region.w, region.h)
            grey_before = region.take(before, grey_before)
            flow = self._flow.calc(shrink(grey, _DOWN), shrink(grey_before, _DOWN), None)
            flow = enlarge(flow * _DOWN, _DOWN, size)
            flow += _places(region.w, region.h)
            # in fixed point, as remap would make it on each of the three calls
            flow, fraction = cv2.convertMaps(flow, None, cv2.CV_16SC2)
            carried = cv2.remap(region.take(before, shown), flow, fraction, cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)
            # uint8 throughout: the residuals are compared blurred, where rounding averages out
            # within the window's 3 x 3 range (its erosion lies below its dilation, so the
            # order of the two bounds does not matter): OpenCV's min and max, not np.clip
            carried = cv2.max(cv2.min(carried, cv2.dilate(window, _NEAR)), cv2.erode(window, _NEAR))
            swap = cv2.absdiff(cv2.cvtColor(carried, cv2.COLOR_RGB2GRAY),
                               cv2.cvtColor(window, cv2.COLOR_RGB2GRAY))
            own = cv2.absdiff(grey, cv2.remap(grey_before, flow, fraction, cv2.INTER_LINEAR,
                                              borderMode=cv2.BORDER_REPLICATE))
            # the two residuals' local means, and the pull, are smooth: worked out small
            sigma = max(face_size * LOCAL / _SMALL, 0.5)
            own, swap = (cv2.GaussianBlur(shrink(r.astype(np.float32), _SMALL), (0, 0), sigma)
                         for r in (own, swap))
            pull = enlarge(share * np.clip(1.0 - own / np.maximum(swap, 1e-3), 0.0, PULL),
                           _SMALL, size)
            pull = _where_carried(pull, flow, region, before)
            window[...] = cv2.blendLinear(carried, window, pull, 1.0 - pull)
        self._last = (region, window.copy(), grey)


def _where_carried(pull: np.ndarray, flow: np.ndarray, region: Region, before: Region
                   ) -> np.ndarray:
    """`pull`, 0 where `flow` (fixed point, `cv2.convertMaps`) carries a pixel from outside
    the last frame's window `before`: the test `remap` makes with `INTER_NEAREST` of a mask
    over it, as one range check of the map's whole pixels."""
    shared = region.overlap(before)
    if shared is None:
        return np.zeros_like(pull)
    ys, xs = shared[0]
    inside = cv2.inRange(flow, (xs.start, ys.start), (xs.stop - 1, ys.stop - 1))
    return cv2.bitwise_and(pull, pull, mask=inside)


def _places(w: int, h: int) -> np.ndarray:
    """Each pixel's own x, y (h x w x 2, float32): a flow plus these is a map for `remap`.
    Cut from a grid made once for windows up to the next 256 px (strided adds to a flow's
    two channels cost four times as much)."""
    return _grid(-(-w // _GRID_STEP) * _GRID_STEP, -(-h // _GRID_STEP) * _GRID_STEP)[:h, :w]


_GRID_STEP = 256


@functools.lru_cache(maxsize=4)
def _grid(w: int, h: int) -> np.ndarray:
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.merge([xs, ys])
