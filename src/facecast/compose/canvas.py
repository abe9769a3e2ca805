"""A close-up's face worked at a capped size, then enlarged back into the frame.

Every per-pixel stage of a swap (occlusion, warp, render, clean plate, light, detail,
blend, steadying) costs the face's area, while what the user's face holds stops growing: the
texture is `identity.uv.TEXTURE_SIZE` texels, about a 360 px face's worth. A video's face
larger than `WORK_FACE` is therefore drawn and composed on a copy of its neighbourhood made
smaller (`working_scale`), and what that changed is enlarged back into the frame.

The copy lacks the footage's finest band, the one a close-up's viewer sees as grain, pores
and single hairs. It is added back from the frame itself wherever the swap keeps the
footage's own: where it left the frame as it was, and on the drawn face's plain skin, whose
finest band is the footage's grain (`compose.detail.Grain`). The shape warp runs on the frame
itself: past the outline it moves hair, ears and the jaw's edge, whose finest band the swap
keeps (carried along from the copy's warp instead, it cost more than the warp at full size).
Where the drawn features replace the frame, or the clean plate and the finer warps around
the mouth and eyes changed it (`MOVED`), the enlarged copy is all there is.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces.mesh import Face
from facecast.faces.raster import Region
from facecast.faces.scene import Scene
from facecast.imaging import LUMA, channels, clamp, smoothstep

WORK_FACE = 360.0
"""Face size (px) up to which a video's face is worked at the frame's own size. Every
`make eval` clip's faces are 240-340 px; the bench's close-up (470 px) is worked at 3/4."""
STEPS = 16
"""Scales are k / `STEPS` (a 1000 px face at 5/16, 312 px): a neighbourhood whose sides are
whole multiples of it maps onto whole pixels of the copy."""
HOLD = 0.1
"""A face keeps its working scale while its size stays within this share of a size that
would give it another: a face wavering about a boundary does not switch to and fro (each
switch starts its frame-to-frame detail, motion and steadying afresh)."""
REACH = 0.45
"""Of the face's size: how far past its mesh the neighbourhood copied reaches. The shape
warp's window is 0.3 past the meshes before and after it, the occlusion's 0.2."""
MOVED = (2.0, 10.0)
"""Grey levels by which the drawing changed a pixel of the copy after the shape warp (the
clean plate, the finer warps around the mouth and eyes): from the first the frame's finest
band there starts to be left out, from the second in full: it no longer lines up with what
the copy shows there."""
_SUM = np.ones((1, 3), np.float32)
_NOTHING = np.zeros((0, 0, 3), np.uint8)


def chosen_scale(face_size: float) -> float:
    """1 up to `WORK_FACE`, else the largest k / `STEPS` that brings the face under it."""
    if face_size <= WORK_FACE:
        return 1.0
    return max(int(WORK_FACE / face_size * STEPS), 1) / STEPS


def working_scale(face_size: float, current: float) -> float:
    """The scale a video's face is worked at in this frame: `current` while a size within
    `HOLD` of this one would choose it, otherwise the size's own (`chosen_scale`)."""
    if chosen_scale(face_size * (1 + HOLD)) <= current <= chosen_scale(face_size * (1 - HOLD)):
        return current
    return chosen_scale(face_size)


class Canvas:
    """A face's neighbourhood at its working scale: the frame its swap is drawn and composed
    on, in the frame's coordinates scaled (pixel centres kept: x -> (x + 0.5) s - 0.5), with
    what is needed to put the result back (`paste`). Only the neighbourhood is filled; the
    rest of the copy is black."""

    def __init__(self, rgb: np.ndarray, xy: np.ndarray, scale: float) -> None:
        h, w = rgb.shape[:2]
        self.scale = scale
        box = Region.around(xy, (h, w), margin=REACH)
        x0, y0 = box.x0 // STEPS * STEPS, box.y0 // STEPS * STEPS
        x1 = min(-(-(box.x0 + box.w) // STEPS) * STEPS, w)
        y1 = min(-(-(box.y0 + box.h) // STEPS) * STEPS, h)
        self.region = Region(x0, y0, x1 - x0, y1 - y0)
        """The neighbourhood, in the frame."""
        self.small = self._in_copy(self.region)
        """The neighbourhood, in the copy."""
        self.frame = np.zeros((round(h * scale), round(w * scale), 3), np.uint8)
        """The copy the face is drawn and composed on."""
        self._unwarped = rgb[self.region.slices].copy()
        self._first = self._copied(rgb)
        self._before = self._first
        """The copy as it was before the face was drawn on it (after the shape warp)."""
        self._core: tuple[Region, Region] | None = None
        """Where the drawing changed the copy (of the frame, of the copy), from `drawn`."""
        self._grain = self._fine = self._moved = np.zeros(0, np.float32)

    def _in_copy(self, region: Region) -> Region:
        s = self.scale
        x0, y0 = round(region.x0 * s), round(region.y0 * s)
        return Region(x0, y0, max(round((region.x0 + region.w) * s) - x0, 1),
                      max(round((region.y0 + region.h) * s) - y0, 1))

    def _copied(self, rgb: np.ndarray) -> np.ndarray:
        small = cv2.resize(rgb[self.region.slices], (self.small.w, self.small.h),
                           interpolation=cv2.INTER_LINEAR)
        self.frame[self.small.slices] = small
        return small

    def _finest(self, window: np.ndarray, copy: np.ndarray) -> np.ndarray:
        """The band of `window` (the frame's, over the core) finer than `copy` holds."""
        full, small = self._core or (self.region, self.small)
        enlarged = cv2.resize(copy[small.within(self.small)], (full.w, full.h),
                              interpolation=cv2.INTER_LINEAR)
        return cv2.subtract(window, enlarged, dtype=cv2.CV_16S)

    def points(self, points: np.ndarray) -> np.ndarray:
        """Points (N x 2 or N x 3, pixels of the frame) in the copy's pixels."""
        out = np.asarray(points, np.float32) * np.float32(self.scale)
        out[:, :2] += np.float32(0.5 * self.scale - 0.5)
        return out

    def face(self, face: Face) -> Face:
        return Face(self.points(face.points))

    def scene(self, scene: Scene | None) -> Scene | None:
        """What surrounds the face, in the copy's pixels."""
        if scene is None:
            return None
        person = None
        if scene.person is not None:
            person = np.zeros(self.frame.shape[:2], np.float32)
            person[self.small.slices] = cv2.resize(
                scene.person[self.region.slices], (self.small.w, self.small.h),
                interpolation=cv2.INTER_LINEAR)
        return Scene(person, [self.points(hand) for hand in scene.hands])

    def pins(self, pinned: tuple[Region, np.ndarray] | None
             ) -> tuple[Region, np.ndarray] | None:
        """What must not move (a window of the copy and a 0..1 mask over it), in the frame."""
        if pinned is None:
            return None
        region, mask = pinned
        s = self.scale
        x0, y0 = round(region.x0 / s), round(region.y0 / s)
        x1, y1 = round((region.x0 + region.w) / s), round((region.y0 + region.h) / s)
        return Region(x0, y0, x1 - x0, y1 - y0), cv2.resize(mask, (x1 - x0, y1 - y0),
                                                             interpolation=cv2.INTER_LINEAR)

    def warped(self, rgb: np.ndarray) -> None:
        """Called once the shape warp has moved `rgb`: the copy made afresh."""
        self._before = self._copied(rgb)

    def drawn(self, rgb: np.ndarray, region: Region) -> None:
        """Called once the face is drawn on the copy, over `region` of it (the rendered
        window: composing changes the copy nowhere else): the frame's finest band where the
        copy changed, before the shape warp and after it (`rgb`), and how much the drawing
        changed the copy past what the warp did."""
        # the window and what the drawing changed past it (the finer warp around the
        # mouth reaches below the chin), grown to whole steps of the frame's grid
        changed = cv2.transform(cv2.absdiff(self.frame[self.small.slices], self._before),
                                _SUM)  # any channel's change, saturated
        x0, y0, x1, y1 = region.x0, region.y0, region.x0 + region.w, region.y0 + region.h
        cx, cy, cw, ch = cv2.boundingRect(changed)
        if cw and ch:
            x0, x1 = min(x0, cx + self.small.x0), max(x1, cx + cw + self.small.x0)
            y0, y1 = min(y0, cy + self.small.y0), max(y1, cy + ch + self.small.y0)
        step = round(self.scale * STEPS)
        x0, y0 = max(x0 // step * step, self.small.x0), max(y0 // step * step, self.small.y0)
        x1 = min(-(-x1 // step) * step, self.small.x0 + self.small.w)
        y1 = min(-(-y1 // step) * step, self.small.y0 + self.small.h)
        small = Region(x0, y0, x1 - x0, y1 - y0)
        right, bottom = self.region.x0 + self.region.w, self.region.y0 + self.region.h
        fx0, fy0 = round(x0 / self.scale), round(y0 / self.scale)
        fx1 = right if x1 == self.small.x0 + self.small.w else round(x1 / self.scale)
        fy1 = bottom if y1 == self.small.y0 + self.small.h else round(y1 / self.scale)
        full = Region(fx0, fy0, fx1 - fx0, fy1 - fy0)
        self._core = full, small
        self._grain = self._finest(self._unwarped[full.within(self.region)], self._first)
        self._fine = (self._grain if self._before is self._first else
                      self._finest(rgb[full.slices], self._before))
        # not needed past here, and a drawn frame waits up to `pipeline.COMPOSE_AHEAD`
        # frames to be composed
        self._unwarped = self._first = _NOTHING
        before = self._before[small.within(self.small)]
        change = cv2.absdiff(self.frame[small.slices], before).astype(np.float32)
        luma = cv2.transform(change, LUMA[None, :])
        self._moved = smoothstep((luma - MOVED[0]) / (MOVED[1] - MOVED[0]))

    def paste(self, rgb: np.ndarray, region: Region, drawn: np.ndarray, grain: np.ndarray
              ) -> None:
        """Put the composed copy back into `rgb`, in place: the change the swap made,
        enlarged, and the frame's finest band where the swap keeps it: the footage's grain
        where the composed face has it, and the frame as warped where the drawing left it.
        `region` (of the copy) is the drawn face's window, as `drawn` had it; over it
        `drawn` (0..1) is how much of each pixel the drawn face is, and `grain` how much of
        its finest band is the footage's grain, drawn face and frame alike
        (`compose.blend`)."""
        if self._core is None:
            raise RuntimeError("Canvas.drawn was not called before paste")
        full, small = self._core
        kept = np.subtract(1.0, self._moved, dtype=np.float32)  # of the band as warped
        footage = np.zeros_like(kept)
        shared = small.overlap(region)
        if shared is not None:
            mine, theirs = shared
            footage[mine] = grain[theirs]
            kept[mine] *= 1.0 - drawn[theirs]  # the drawn face's share has its own
            kept[mine] *= 1.0 - footage[mine]  # or the footage's grain
        size = (full.w, full.h)
        change = cv2.subtract(self.frame[small.slices],
                              self._before[small.within(self.small)], dtype=cv2.CV_32F)
        window = rgb[full.slices]
        out = window.astype(np.float32)
        out += cv2.resize(change, size, interpolation=cv2.INTER_LINEAR)
        warped = self._fine.astype(np.float32)
        warped *= channels(cv2.resize(kept, size, interpolation=cv2.INTER_LINEAR) - 1.0)
        out += warped
        own = self._grain.astype(np.float32)
        own *= channels(cv2.resize(footage, size, interpolation=cv2.INTER_LINEAR))
        out += own
        out += 0.5
        window[...] = clamp(out, 255.0)
