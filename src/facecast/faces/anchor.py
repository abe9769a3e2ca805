"""Face points carried by the footage's own motion: a head that keeps still, a mesh that does.

The face mesh is found afresh in every frame, and its points wander by a tenth to a third of
a pixel where the head hardly moves; the smoothing (`faces.smoothing`) turns the wander into
a slow drift rather than removing it, and the swapped face drifted over footage that did not
(s18: the smoothed mesh's jitter, its mean second difference, 0.099 px a frame).

In a video each frame's points are first carried from where they were in the frame before
by the footage's own motion: Lucas-Kanade flow of a spread of mesh points (`_TRACKED`),
fitted by one affine map of the face (a head's motion from one frame to the next, turns
included to first order). A found point near its carried one (within `NOISE` of the face's
size) is the mesh's wander about the motion the pixels show: the carried point is drawn
toward it by `CORRECT` only. Where the two part further (a smile, a fast turn the affine map
misses), the found point is taken, softly; the lids, the inner lips and the irises always
(blinks, words and glances are the mesh's to say, and have their own smoothing). When the
flow fails (a cut, a hand over the face, motion blur) the found points are taken as found.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.imaging import smoothstep

CORRECT = 0.25
"""Share a frame by which a carried point moves toward the found one where the two agree."""
NOISE = (0.004, 0.012)
"""Of the face's size: a found point nearer its carried one than the first is the mesh's
wander (`CORRECT`); from the second it is taken as found; between, a mix."""
WINDOW = 0.08  # of the face's size: the flow's window (at least 9 px)
FOLLOWED = 0.5  # share of the tracked points the flow must follow, and fit, to be used
FIT_ERROR = 0.01  # of the face's size: how far a point's flow may be from the affine map
_TRACKED = np.arange(0, L.N_MESH, 3)
"""A third of the mesh, spread over the whole face: the affine fit needs no more (4.3 ms a
frame for every point of s18's face, 2.7 for these; a quarter in smaller windows, 1.9 ms,
read s18-d10's ghosting 0.524 -> 0.607)."""
_OPENINGS = np.array(sorted({*L.RIGHT_EYE, *L.LEFT_EYE, *L.LIPS_INNER, *L.RIGHT_IRIS,
                             *L.LEFT_IRIS}))


class FlowAnchor:
    """Per video stream: its last frame (grey) and the faces in it, as carried."""

    def __init__(self) -> None:
        self._grey: np.ndarray | None = None
        self._faces: list[np.ndarray] = []

    def __call__(self, rgb: np.ndarray, faces: list[Face]) -> list[Face]:
        """`faces` found in `rgb` (the stream's next frame), each carried from the frame
        before where it was there."""
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        out = []
        for face in faces:
            before = self._before(face)
            carried = None if before is None else self._carry(before, grey, face.size)
            out.append(face if carried is None else Face(_fused(carried, face.points,
                                                               face.size)))
        self._grey = grey
        self._faces = [f.points for f in out]
        return out

    def _before(self, face: Face) -> np.ndarray | None:
        """The last frame's face whose middle is nearest this one's, within half its size."""
        if self._grey is None or not self._faces:
            return None
        middle = face.xy[: L.N_MESH].mean(axis=0)
        gaps = [float(np.linalg.norm(p[: L.N_MESH, :2].mean(axis=0) - middle))
                for p in self._faces]
        near = int(np.argmin(gaps))
        return self._faces[near] if gaps[near] < face.size / 2 else None

    def _carry(self, before: np.ndarray, grey: np.ndarray, size: float) -> np.ndarray | None:
        """`before`'s points moved by the footage's motion into `grey`, or None."""
        start = before[_TRACKED, :2].astype(np.float32).reshape(-1, 1, 2)
        side = max(int(size * WINDOW) | 1, 9)
        moved, status, _ = cv2.calcOpticalFlowPyrLK(
            self._grey, grey, start, None, winSize=(side, side), maxLevel=3,
            criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))
        if moved is None:
            return None
        ok = status.ravel() == 1
        if ok.mean() < FOLLOWED:
            return None
        affine, inliers = cv2.estimateAffine2D(start[ok], moved[ok], method=cv2.RANSAC,
                                               ransacReprojThreshold=max(size * FIT_ERROR, 0.5))
        if affine is None or inliers.sum() < FOLLOWED * len(ok):
            return None
        out = before.astype(np.float64)
        out[:, :2] = before[:, :2] @ affine[:, :2].T + affine[:, 2]
        out[:, 2] *= np.sqrt(abs(np.linalg.det(affine[:, :2])))
        return out


def _fused(carried: np.ndarray, found: np.ndarray, size: float) -> np.ndarray:
    """Per point: the carried one drawn toward the found one by `CORRECT` where they agree
    (`NOISE`), the found one where they part and on the openings (`_OPENINGS`)."""
    apart = np.linalg.norm(found[:, :2] - carried[:, :2], axis=1) / max(size, 1.0)
    share = CORRECT + (1.0 - CORRECT) * smoothstep((apart - NOISE[0]) / (NOISE[1] - NOISE[0]))
    share[_OPENINGS[: np.searchsorted(_OPENINGS, len(share))]] = 1.0
    return carried + share[:, None] * (found - carried)
