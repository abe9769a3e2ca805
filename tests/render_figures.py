"""Figures of how a swapped face gives itself away, for the render tests and by hand.

- skin detail: mean |grey - GaussianBlur(grey, 1.2 px)| over plain skin (face oval less
  eyes, brows, lips and nostrils), swapped over original: waxy below 1, creased above;
- mouth: dlib's 68-point inner-lip gap over the mouth's width (independent of MediaPipe),
  the share of frames where the original is closed and the swap reads open, and the
  correlation of the two openness curves.

`python tests/render_figures.py ORIGINAL SWAPPED [START END]` prints them for two clips (the
swap trimmed to START..END seconds of the original).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face, FaceMesher
from facecast.media import VideoReader

DETAIL_SIGMA = 1.2
MOUTH_CLOSED = 0.05  # inner-lip gap over mouth width: a closed mouth reads 0-0.03
MOUTH_OPEN = 0.10  # and an open one from here


def skin_mask(face: Face, shape: tuple[int, int]) -> np.ndarray:
    """Face oval (inset) less eyes, brows, lips and the nostrils, as a bool mask."""
    xy = face.xy
    size = face.size
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(xy[list(L.FACE_OVAL)]).astype(np.int32)], 1)
    mask = cv2.erode(mask, np.ones((max(int(size * 0.04), 1) * 2 + 1,) * 2, np.uint8))
    holes = np.zeros(shape, np.uint8)
    for group in (L.RIGHT_EYE, L.LEFT_EYE, L.RIGHT_BROW, L.LEFT_BROW, L.LIPS_OUTER,
                  (98, 97, 2, 326, 327, 294, 4, 64)):
        cv2.fillConvexPoly(holes, cv2.convexHull(np.round(xy[list(group)]).astype(np.int32)), 1)
    grow = max(int(size * 0.03), 1) * 2 + 1
    holes = cv2.dilate(holes, np.ones((grow, grow), np.uint8))
    return (mask > 0) & (holes == 0)


def fine_detail(rgb: np.ndarray, mask: np.ndarray) -> float:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    fine = grey - cv2.GaussianBlur(grey, (0, 0), DETAIL_SIGMA)
    return float(np.abs(fine[mask]).mean()) if mask.any() else float("nan")


@cache
def _predictor():
    import dlib
    import face_recognition_models

    return dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())


def dlib_points(rgb: np.ndarray, face: Face) -> np.ndarray:
    """dlib's 68 points, its rectangle from the mesh: brows to chin, cheek to cheek."""
    import dlib

    xy = face.xy
    x0, x1 = xy[234, 0], xy[454, 0]
    x0, x1 = min(x0, x1), max(x0, x1)
    y0 = xy[list(L.RIGHT_BROW + L.LEFT_BROW), 1].min()
    y1 = xy[L.CHIN, 1]
    rect = dlib.rectangle(int(x0), int(y0), int(x1), int(y1))
    shape = _predictor()(rgb, rect)
    return np.array([(p.x, p.y) for p in shape.parts()], np.float32)


def mouth_gap(points68: np.ndarray) -> float:
    """Inner-lip gap (61-67, 62-66, 63-65) over the inner mouth's width (60-64)."""
    gap = np.mean([np.linalg.norm(points68[a] - points68[b]) for a, b in
                   ((61, 67), (62, 66), (63, 65))])
    return float(gap / max(np.linalg.norm(points68[60] - points68[64]), 1e-6))


def frames(path: Path, start: float | None = None, end: float | None = None
           ) -> list[np.ndarray]:
    """The frames of a clip whose time is in [start, end), as a trimmed swap has them."""
    with VideoReader(path, start=start, end=end) as reader:
        return [f.image for f in reader]


def figures(original: list[np.ndarray], swapped: list[np.ndarray]) -> dict[str, float]:
    """Skin detail ratio and the dlib mouth figures of two equally long frame lists."""
    mesh_o, mesh_s = FaceMesher(video=True), FaceMesher(video=True)
    det_o, det_s, gap_o, gap_s = [], [], [], []
    try:
        for a, b in zip(original, swapped, strict=True):
            fo, fs = mesh_o.detect(a), mesh_s.detect(b)
            if not fo or not fs:
                continue
            det_o.append(fine_detail(a, skin_mask(fo[0], a.shape[:2])))
            det_s.append(fine_detail(b, skin_mask(fs[0], b.shape[:2])))
            gap_o.append(mouth_gap(dlib_points(a, fo[0])))
            gap_s.append(mouth_gap(dlib_points(b, fo[0])))
    finally:
        mesh_o.close()
        mesh_s.close()
    go, gs = np.array(gap_o), np.array(gap_s)
    closed = go < MOUTH_CLOSED
    return {
        "detail": float(np.nanmean(det_s) / np.nanmean(det_o)),
        "closed_open": float((closed & (gs >= MOUTH_OPEN)).sum() / max(closed.sum(), 1)),
        "mouth_corr": float(np.corrcoef(go, gs)[0, 1]) if go.std() > 0 else float("nan"),
        "closed": float(closed.mean()),
    }


if __name__ == "__main__":
    span = [float(x) for x in sys.argv[3:5]]
    a, b = frames(Path(sys.argv[1]), *span), frames(Path(sys.argv[2]))
    n = min(len(a), len(b))
    print({k: round(v, 3) for k, v in figures(a[:n], b[:n]).items()})
