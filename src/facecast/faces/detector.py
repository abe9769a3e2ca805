"""MediaPipe's full-range face detector, and the quiet its graphs are built in.

Apart from the mesh (`faces.mesh`) because the scan for small faces (`faces.scan`), which
the mesh runs, needs the detector too.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import numpy as np

WARM_UP = np.zeros((64, 64, 3), np.uint8)
"""A blank frame each graph sees once when built: its calculators open (and log) then."""


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence C++ writes to stderr (file descriptor 2) for a moment.

    MediaPipe's graphs print TensorFlow Lite and absl warnings while they are built and as
    their calculators start (lazily, some frames in), before absl's logging can be
    configured; users should not see them. The CLI writes to a duplicate of the original
    stderr (`cli.progress`), so its output is never swallowed. Costs microseconds.
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


class FaceDetector:
    """MediaPipe's full-range face detector: counts faces (the mesh may miss small ones)."""

    def __init__(self, min_confidence: float = 0.5) -> None:
        from mediapipe.python.solutions import face_detection

        with quiet_native_stderr():
            self._det = face_detection.FaceDetection(model_selection=1,
                                                     min_detection_confidence=min_confidence)
            self._det.process(WARM_UP)

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
