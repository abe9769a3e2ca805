"""The footage's motion blur on the drawn face.

A camera's shutter stays open for part of each frame, so a head that shakes or turns fast
is smeared along its motion, while the face drawn over it comes from still selfies: in
d12's head shakes the swapped eyes, brows and lips stayed crisp inside a blurred head, hair
and glasses (a blind viewer: "the brows are dark and crisp, sharper than everything around
them"). Each frame the drawn face is smeared along the face's motion since the frame
before, over `SHUTTER` of it, on the frames where the footage shows a smear: where the
face is softer than when it moves slowly. A short shutter leaves a moving face sharp, and
the swap must then stay as sharp.

On d12, whose face moves 20-56 px a frame in its shakes, the middle of the original face
keeps 0.90 of its detail (mean squared gradient) there against its slow frames; the swap
kept 1.02-1.06, and keeps 0.95-0.97 now (0.90-0.96 while the detail stage still made up
the footage's middle band on the drawn nose, which carried the slow frames' nose detail).
A shutter learned per frame, from how much the motion softened the footage against its slow
frames matched on the drawn face before the detail stage, drifted to 0.1-0.2 and changed
nothing measurable: the detail stage and the encoder soften the drawn face's smear in the
output.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.imaging import channels

SHUTTER = 0.5
"""The share of a frame's motion the shutter smears: half-open (180 degrees), video's
usual, which is also what d12's fast frames show."""
MOVING_FROM = 4.0
"""Pixels a frame the face's points move on average below which nothing is smeared (a
smear under 2 px is lost in the footage's own softness), and on which the footage's
detail at rest is learned."""
SOFTER = 0.1
"""How much less detail (mean squared gradient over the face) the footage shows in a frame
of motion than at rest for the smear to be whole; none where it shows as much. A short
shutter leaves a moving face sharp: s13's far face keeps all its detail when it moves 4 px
a frame or more, and smeared there, dlib read the swap further from the user (0.495 ->
0.511); d12's loses a tenth at 8 px and more."""
SLOW_FOLLOW = 0.2  # per frame at rest: the footage's detail then, followed
LONGEST = 0.15  # of the face's size: the longest smear (a face found afresh jumps)


class MotionBlur:
    """Smears one tracked face along its motion since the frame before, on the frames where
    the footage shows the smear."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._last: np.ndarray | None = None
        self._slow: float | None = None

    def __call__(self, footage: np.ndarray, pixels: np.ndarray, covered: np.ndarray,
                 face_xy: np.ndarray, face_size: float) -> np.ndarray:
        """`pixels` (the drawn face, float RGB over the window `footage` shows, defined
        where `covered`) smeared along the mean motion of the face's points `face_xy` since
        the last call, by `SHUTTER`, as far as the footage is softer there than when the
        face moves slowly (`SOFTER`)."""
        points = face_xy[: L.N_MESH].astype(np.float64)
        last, self._last = self._last, points
        face = covered > 0.5
        if last is None or face.sum() < 64:
            return pixels
        motion = (points - last).mean(axis=0)
        speed = float(np.hypot(*motion))
        detail = _detail(footage, face)
        if speed < MOVING_FROM:
            self._slow = detail if self._slow is None else self._slow + SLOW_FOLLOW * (
                detail - self._slow)
            return pixels
        if self._slow is None:
            return pixels
        share = float(np.clip((1.0 - detail / max(self._slow, 1e-6)) / SOFTER, 0.0, 1.0))
        length = min(share * SHUTTER * speed, LONGEST * face_size)
        if length < 1.0:
            return pixels
        return _smeared(pixels, covered, motion / speed, length)


def _smeared(pixels: np.ndarray, covered: np.ndarray, direction: np.ndarray,
             length: float) -> np.ndarray:
    """`pixels` averaged along a line `length` long in `direction`, over what is `covered`
    only (nothing from outside the drawn face comes in at its edge)."""
    reach = int(np.ceil(length / 2))
    size = 2 * reach + 1
    line = np.zeros((size, size), np.uint8)  # drawn smooth in 8 bits, OpenCV's only
    half = direction * length / 2
    ends = np.round((np.array([reach, reach]) + np.stack([-half, half])) * 16).astype(np.int32)
    cv2.line(line, tuple(map(int, ends[0])), tuple(map(int, ends[1])), 255, 1, cv2.LINE_AA,
             shift=4)
    kernel = line.astype(np.float32) / float(line.sum())
    weight = covered.astype(np.float32)
    num = cv2.filter2D(pixels * channels(weight), -1, kernel, borderType=cv2.BORDER_REPLICATE)
    den = cv2.filter2D(weight, -1, kernel, borderType=cv2.BORDER_REPLICATE)
    smeared = num / channels(np.maximum(den, 1e-4))
    return np.where(channels(weight) > 0, smeared, pixels)


def _detail(image: np.ndarray, face: np.ndarray) -> float:
    """The mean squared grey gradient of `image` over `face`: how much detail it shows."""
    grey = cv2.cvtColor(np.asarray(image, np.float32), cv2.COLOR_RGB2GRAY)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0)[face]
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1)[face]
    return float((np.dot(gx, gx) + np.dot(gy, gy)) / len(gx))
