"""Face detection and the 478-point mesh, from the models inside the MediaPipe wheel."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from facecast.faces.pose import Pose, estimate_pose


@dataclass
class Face:
    """One face in one image. `points` are 478 x 3 in pixels (z on x's scale, + = away)."""

    points: np.ndarray
    pose: Pose = field(init=False)

    def __post_init__(self) -> None:
        self.points = np.asarray(self.points, dtype=np.float32)
        self.pose = estimate_pose(self.points)

    @property
    def xy(self) -> np.ndarray:
        return self.points[:, :2]

    @property
    def box(self) -> tuple[float, float, float, float]:
        """x, y, w, h of the mesh's extent."""
        lo = self.xy.min(axis=0)
        hi = self.xy.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])

    @property
    def size(self) -> float:
        """Face size in pixels: the larger side of its box."""
        _, _, w, h = self.box
        return max(w, h)

    @property
    def area(self) -> float:
        _, _, w, h = self.box
        return w * h


_WARM_UP = np.zeros((64, 64, 3), np.uint8)


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence C++ writes to stderr (file descriptor 2) for a moment.

    MediaPipe's graphs print TensorFlow Lite and absl warnings while they are built and as
    their calculators start (lazily, some frames in), before absl's logging can be
    configured; users should not see them. The CLI writes to a duplicate of the original
    stderr (see `progress.py`), so its output is never swallowed. Costs microseconds.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class FaceMesher:
    """MediaPipe Face Mesh with iris refinement. One instance per stream: in video mode it
    tracks between frames, so frames must be fed in order."""

    def __init__(self, *, video: bool, max_faces: int = 1, min_confidence: float = 0.5) -> None:
        from mediapipe.python.solutions import face_mesh

        with quiet_native_stderr():
            self._mesh = face_mesh.FaceMesh(
                static_image_mode=not video,
                max_num_faces=max_faces,
                refine_landmarks=True,
                min_detection_confidence=min_confidence,
                min_tracking_confidence=min_confidence,
            )
            self._mesh.process(_WARM_UP)  # calculators open (and log) on the first frame


    def detect(self, rgb: np.ndarray) -> list[Face]:
        """Faces in an RGB uint8 image, largest first."""
        h, w = rgb.shape[:2]
        with quiet_native_stderr():
            result = self._mesh.process(rgb)
        faces = []
        for lm in result.multi_face_landmarks or ():
            pts = np.array([(p.x * w, p.y * h, p.z * w) for p in lm.landmark], dtype=np.float32)
            faces.append(Face(pts))
        faces.sort(key=lambda f: f.area, reverse=True)
        return faces

    def close(self) -> None:
        self._mesh.close()

    def __enter__(self) -> FaceMesher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FaceDetector:
    """MediaPipe's full-range face detector: counts faces (the mesh may miss small ones)."""

    def __init__(self, min_confidence: float = 0.5) -> None:
        from mediapipe.python.solutions import face_detection

        with quiet_native_stderr():
            self._det = face_detection.FaceDetection(model_selection=1,
                                                     min_detection_confidence=min_confidence)
            self._det.process(_WARM_UP)

    def boxes(self, rgb: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        """(x, y, w, h, score) in pixels, largest first."""
        h, w = rgb.shape[:2]
        out = []
        with quiet_native_stderr():
            detections = self._det.process(rgb).detections
        for d in detections or ():
            b = d.location_data.relative_bounding_box
            out.append((b.xmin * w, b.ymin * h, b.width * w, b.height * h, d.score[0]))
        out.sort(key=lambda b: b[2] * b[3], reverse=True)
        return out

    def close(self) -> None:
        self._det.close()
