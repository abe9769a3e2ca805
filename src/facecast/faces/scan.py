"""Finding every face in a frame with several, the small ones included.

The mesh's own detector is short-range and MediaPipe's full-range detector sees the frame at
192 x 192: in a group photo of 1280 x 886 it found 3 of 6 faces about 110 px high (each is
16 px at its scale). Run on overlapping tiles of about 720 px as well, it found all six. So a
scan is the full-range detector on the whole frame and on those tiles, merged by overlap.
In a video a scan runs every few frames; in between, the faces it found are followed by
their boxes in the previous frame (each is meshed in a crop where it was).
"""

from __future__ import annotations

import math

import numpy as np

from facecast.faces.detector import FaceDetector

Box = tuple[float, float, float, float]

TILE = 720  # px: tiles about this size bring 100 px faces into the detector's range
OVERLAP = 0.3  # of a tile: a face on a tile border is whole in the next tile
SCAN_EVERY = 6  # frames between scans in a video: a face that walks in is found in 0.2 s
SAME_FACE_IOU = 0.3  # two boxes overlapping this much are one face


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def covers(box: Box, other: Box) -> bool:
    """Whether `box` and `other` show the same face: one's centre lies inside the other, or
    they overlap. A mesh box (chin to brow) and a detector box of one face differ in shape."""
    def inside(p: Box, q: Box) -> bool:
        cx, cy = p[0] + p[2] / 2, p[1] + p[3] / 2
        return q[0] <= cx <= q[0] + q[2] and q[1] <= cy <= q[1] + q[3]

    return inside(box, other) or inside(other, box) or iou(box, other) > SAME_FACE_IOU


def tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Overlapping (x0, y0, x1, y1) tiles of about TILE px covering the frame; none when the
    frame is already about that size."""
    nx, ny = math.ceil(width / TILE), math.ceil(height / TILE)
    if nx * ny <= 1:
        return []
    tw = min(width, round(width / nx * (1 + OVERLAP)))
    th = min(height, round(height / ny * (1 + OVERLAP)))
    xs = np.linspace(0, width - tw, nx).round().astype(int)
    ys = np.linspace(0, height - th, ny).round().astype(int)
    return [(int(x), int(y), int(x) + tw, int(y) + th) for y in ys for x in xs]


def scan_boxes(detector: FaceDetector, rgb: np.ndarray) -> list[Box]:
    """Face boxes of the whole frame and of its tiles, one per face, the surest first."""
    found = list(detector.boxes(rgb))
    for x0, y0, x1, y1 in tiles(rgb.shape[1], rgb.shape[0]):
        for x, y, w, h, score in detector.boxes(np.ascontiguousarray(rgb[y0:y1, x0:x1])):
            found.append((x + x0, y + y0, w, h, score))
    found.sort(key=lambda b: b[4], reverse=True)
    kept: list[Box] = []
    for b in found:
        if not any(covers(b[:4], k) for k in kept):
            kept.append(b[:4])
    return kept


class FaceScan:
    """The boxes of faces a mesh did not find, frame after frame of one stream."""

    def __init__(self, *, video: bool, min_confidence: float) -> None:
        self.video = video
        self._min_confidence = min_confidence
        self._detector: FaceDetector | None = None
        self._followed: list[Box] = []
        self._frame = 0
        self.scanned: list[Box] | None = None
        """What the full-range detector saw in the last frame, if it ran there: a face it
        never sees is likely a false one (the mesh's own detector finds faces in blur)."""

    def boxes(self, rgb: np.ndarray, known: list[Box]) -> list[Box]:
        """Boxes to mesh in a crop: faces not in `known` (what the mesh found)."""
        self.scanned = None
        if self.video and self._frame % SCAN_EVERY:
            candidates = self._followed
        else:
            if self._detector is None:
                self._detector = FaceDetector(self._min_confidence)
            candidates = scan_boxes(self._detector, rgb)
            self.scanned = list(candidates)
            # a followed face the detector misses this once is still there
            candidates += [b for b in self._followed if not any(covers(b, c)
                                                                 for c in candidates)]
        self._frame += 1
        return [b for b in candidates if not any(covers(b, k) for k in known)]

    def follow(self, boxes: list[Box]) -> None:
        """The boxes of the faces meshed from this frame's scan boxes, for the next frame."""
        self._followed = list(boxes) if self.video else []

    def close(self) -> None:
        if self._detector is not None:
            self._detector.close()
