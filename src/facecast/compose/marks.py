"""The target's own moles painted out of the frame under the swapped face.

The drawn face takes the footage's finest bands on its plain skin (`compose.detail`), and
the target's moles lie in them: d3's mole on her chin was drawn on d14's face, in the same
place in every frame, a mark of the wrong person. Each is painted out of the frame, from
the skin around it, before anything reads the frame (the detail stage, the shape warp,
the occlusion), where the face is drawn.

Found in one frame (`faces.marks.footage_marks`) a mark can be missed in the next (d3's in
2 of 12 frames: a squint, a turn), and painted out only where found it would blink. So
marks are held by the track: each is placed against the three mesh points nearest it
(affine weights: it follows the skin as the face turns and talks), counts once its
detections have met `CONFIRM` times within `SAME` of it, and is painted out from then on,
in every frame of the track; a candidate not seen again within `FORGET` frames goes.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.marks import footage_marks
from facecast.faces.raster import Region
from facecast.imaging import masked_blur, ramp

OUTLINE_AWAY = 0.05  # of the face's size: marks are looked for this far inside the outline
CONFIRM = 3  # detections near one place before it is taken for a mark
SAME = 0.03  # of the face's size: how near a detection must lie to count for a candidate
FORGET = 30  # frames after which a candidate seen fewer than `CONFIRM` times goes
LOOK_EVERY = 3  # frames: how often the footage is searched (confirmed marks are held)
FIRST = 10  # frames of a track searched each
LOOK_FACE = 300.0
"""Face size (px) past which the footage is searched on a copy made this size: a mole there
is still several pixels wide, and the search on a close-up's 460 px face cost 3.5 ms a
frame."""
MARK_FACE = (100.0, 150.0)
"""Face size (px) from which the target's marks are painted out, and from which in full:
on a far face a mole is a pixel, and the recognisers read nothing of it."""
PAINT_GROW = 1.5
"""A mark is painted out to this many times the radius of its darker half (and 1.5 px
more): within it, d3's mole's fainter edge showed as a ring."""


@dataclass
class _Mark:
    points: np.ndarray  # three mesh point indices
    weights: np.ndarray  # affine weights over them (sum 1)
    radius: float  # of the face's size
    hits: int
    last: int  # frame last seen


class TargetMarks:
    """One track's target moles, found in the footage, held and painted out; `confirm`:
    the detections a mark needs (a photo's one frame has one)."""

    def __init__(self, confirm: int = CONFIRM) -> None:
        self.confirm = confirm
        self.reset()

    def reset(self) -> None:
        self._marks: list[_Mark] = []
        self._frame = 0

    def __call__(self, rgb: np.ndarray, xy: np.ndarray, face_size: float, weight: float
                 ) -> None:
        """Paint this track's confirmed marks out of `rgb` (in place), by `weight` (the
        swap's blend weight) on faces from `MARK_FACE`; `xy`: the face's points there."""
        share = weight * ramp(face_size, MARK_FACE)
        self._frame += 1
        if share <= 0.0:
            return
        points = xy[: L.N_MESH, :2].astype(np.float64)
        region = Region.around(points, rgb.shape[:2], margin=0.02)
        if region.w < 8 or region.h < 8:
            return
        # every frame at first, so that a mark is painted out from the track's third
        if self._frame <= FIRST or (self._frame - 1) % LOOK_EVERY == 0:
            self._look(rgb[region.slices], points - (region.x0, region.y0), face_size)
        confirmed = [m for m in self._marks if m.hits >= self.confirm]
        if confirmed:
            _paint_out(rgb, region, points, confirmed, face_size, share)

    def _look(self, window: np.ndarray, local: np.ndarray, face_size: float) -> None:
        """Search `window` for marks (on a copy no larger than `LOOK_FACE` makes it) and
        count them against the candidates."""
        scale = min(1.0, LOOK_FACE / face_size)
        if scale < 1.0:
            h, w = window.shape[:2]
            window = cv2.resize(window, (max(round(w * scale), 1), max(round(h * scale), 1)),
                                interpolation=cv2.INTER_AREA)
        found = footage_marks(window, local * scale, face_size * scale, OUTLINE_AWAY) > 0.5
        count, _, stats, centres = cv2.connectedComponentsWithStats(found.astype(np.uint8))
        for k in range(1, count):
            centre = centres[k] / scale
            radius = float(np.sqrt(stats[k, cv2.CC_STAT_AREA] / np.pi)) / (face_size * scale)
            apart = [float(np.linalg.norm(_place(m, local) - centre)) for m in self._marks]
            if apart and min(apart) <= SAME * face_size:
                near = self._marks[int(np.argmin(apart))]
                near.hits += 1
                near.last = self._frame
                near.radius = max(near.radius, radius)
            else:
                self._marks.append(_placed(centre, local, radius, self._frame))
        self._marks = [m for m in self._marks
                       if m.hits >= self.confirm or self._frame - m.last <= FORGET]


def _placed(centre: np.ndarray, points: np.ndarray, radius: float, frame: int) -> _Mark:
    """A new candidate at `centre`, weighed against the three of `points` nearest it."""
    nearest = np.argsort(np.linalg.norm(points - centre, axis=1))[:3]
    design = np.vstack([points[nearest].T, np.ones(3)])
    weights = np.linalg.lstsq(design, np.append(centre, 1.0), rcond=None)[0]
    return _Mark(nearest, weights, radius, 1, frame)


def _place(mark: _Mark, points: np.ndarray) -> np.ndarray:
    """Where `mark` lies on the face whose points are `points`."""
    return mark.weights @ points[mark.points]


def _paint_out(rgb: np.ndarray, region: Region, points: np.ndarray, marks: list[_Mark],
               face_size: float, share: float) -> None:
    """Each of `marks` filled, in place, from the skin around it (a normalised blur, as wide
    as the mark, of the pixels outside it), by `share`, its edge softened over 2 px."""
    for mark in marks:
        x, y = _place(mark, points)
        r = max(PAINT_GROW * mark.radius * face_size, 1.0) + 1.5
        box = Region.around(np.array([[x, y]]), rgb.shape[:2], pixels=3 * r)
        if box.w < 4 or box.h < 4:
            continue
        ys, xs = np.mgrid[box.y0:box.y0 + box.h, box.x0:box.x0 + box.w]
        distance = np.hypot(xs - x, ys - y).astype(np.float32)
        inside = np.clip((r + 1.0 - distance) / 2.0, 0.0, 1.0)  # soft over 2 px
        part = rgb[box.slices]
        fill = masked_blur(part, (distance > r + 1.0).astype(np.float32), r)
        mix = (inside * np.float32(share))[..., None]
        part[...] = np.clip(part + mix * (fill - part), 0, 255).astype(np.uint8)
