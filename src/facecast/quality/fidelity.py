"""The outside judge's figures of one swap (issue 14): skin detail, ghosts of the original's
brows and eyes, and the mouth read by dlib's 68 points, a reader independent of the mesh;
gathered frame by frame, for `evaluate` and for tests that swap frames in memory."""

from __future__ import annotations

import numpy as np

from facecast.faces.mesh import Face
from facecast.quality import measures
from facecast.quality.report import correlation, false_open, ratio_of_sums

MOUTH_MOVES_68 = 0.04
"""A mouth whose dlib reading ranges less is not talking (the mesh's bar, 0.05, times the
~0.7 dlib reads of the mesh's openness): its correlation would only measure noise."""


class Fidelity:
    """Skin detail, ghosting and the dlib-read mouth, frame after frame."""

    def __init__(self) -> None:
        self.detail: list[tuple[float, float]] = []
        self.ghosts: list[tuple[float, float]] = []
        self.mouth_o: list[float] = []
        self.mouth_s: list[float] = []

    def add(self, original: np.ndarray, swapped: np.ndarray, face_o: Face | None,
            face_s: Face | None) -> None:
        nan = float("nan")
        if face_o is None:
            self.mouth_o.append(nan)
            self.mouth_s.append(nan)
            return
        detail = measures.fine_detail(original, swapped, face_o.points)
        if detail is not None:
            self.detail.append(detail)
        self.mouth_o.append(measures.mouth_openness_68(original, face_o.points))
        if face_s is None:
            self.mouth_s.append(nan)
            return
        self.mouth_s.append(measures.mouth_openness_68(swapped, face_s.points))
        ghost = measures.ghosting(original, swapped, face_o.points, face_s.points)
        if ghost is not None:
            self.ghosts.append(ghost)

    def figures(self, video: bool) -> dict[str, float | None]:
        mouth_o, mouth_s = np.array(self.mouth_o), np.array(self.mouth_s)
        return {
            "fine_detail": ratio_of_sums(self.detail),
            "mouth_false_open": false_open(mouth_o, mouth_s),
            "mouth_corr_68": correlation(mouth_o, mouth_s, MOUTH_MOVES_68) if video else None,
            "ghosting": ratio_of_sums(self.ghosts),
        }
