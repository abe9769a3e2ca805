"""A swapped face as steady as the footage (issue 14: "no flicker, no jitter").

The "swap" here is the footage's own face moved by a fraction of a pixel each frame, a
different way each time: what a drawn face whose mesh jitters against the head looks like.
The flicker is `make eval`'s (`quality.measures.FlickerMeter`).
"""

from __future__ import annotations

import cv2
import numpy as np
from clips import MEDIA, frames_between, needs_media

from facecast.compose.steady import Steadier
from facecast.faces import landmarks as L
from facecast.faces.mesh import FaceMesher
from facecast.faces.raster import Region
from facecast.quality.measures import FlickerMeter


def _faces(clip: str, end: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    frames = frames_between(MEDIA / "videos" / clip, 0.0, end)
    with FaceMesher(video=True) as mesher:
        points = [mesher.detect(f)[0].xy for f in frames]
    return frames, points


def _oval(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.float32)
    cv2.fillPoly(mask, [np.round(points[list(L.FACE_OVAL), :2]).astype(np.int32)], 1.0)
    return cv2.GaussianBlur(mask, (0, 0), 2.0)


def _swapped(frames: list[np.ndarray], points: list[np.ndarray], jitter: float,
             steady: bool, size: float | None = None) -> float:
    """The flicker of the footage with its face jittered by up to `jitter` px a frame,
    steadied or not (as a face of `size` px, if given)."""
    rng = np.random.default_rng(7)
    steadier, meter = Steadier(), FlickerMeter()
    for frame, xy in zip(frames, points, strict=True):
        h, w = frame.shape[:2]
        dx, dy = rng.uniform(-jitter, jitter, 2)
        moved = cv2.warpAffine(frame, np.float32([[1, 0, dx], [0, 1, dy]]), (w, h),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        oval = _oval((h, w), xy)[..., None]
        out = np.round(frame * (1 - oval) + moved * oval).astype(np.uint8)
        region = Region.around(xy[: L.N_MESH, :2], (h, w), margin=0.15)
        if steady:
            steadier(out, region, frame[region.slices], size or float(np.ptp(xy[:, 0])))
        meter.add(frame, out, xy)
    return meter.ratio


@needs_media
def test_a_jittering_face_is_held_as_steady_as_the_footage() -> None:
    frames, points = _faces("s18.mp4", 1.5)
    shaky = _swapped(frames, points, 0.6, steady=False)
    steadied = _swapped(frames, points, 0.6, steady=True)
    assert shaky > 1.15
    assert steadied < 1.0 + 0.5 * (shaky - 1.0), (shaky, steadied)


@needs_media
def test_a_face_that_moves_as_the_footage_does_is_left_alone() -> None:
    # d12 turns and talks fast: the steadying must not drag the face behind the head
    frames, points = _faces("d12.mp4", 1.5)
    steadier = Steadier()
    moved = []
    for frame, xy in zip(frames, points, strict=True):
        out = frame.copy()
        region = Region.around(xy[: L.N_MESH, :2], frame.shape[:2], margin=0.15)
        oval = _oval(frame.shape[:2], xy)[region.slices]
        steadier(out, region, frame[region.slices], float(np.ptp(xy[:, 0])))
        inside = oval > 0.5
        moved.append(np.abs(out[region.slices].astype(np.float32)
                            - frame[region.slices])[inside].mean())
    assert max(moved) < 0.5, moved


@needs_media
def test_a_far_face_is_left_as_it_is() -> None:
    # on s13's 98 px face steadying cost dlib's reading of the user, for no flicker to remove
    frames, points = _faces("s18.mp4", 0.5)
    shaky = _swapped(frames, points, 0.6, steady=False)
    assert _swapped(frames, points, 0.6, steady=True, size=90.0) == shaky
