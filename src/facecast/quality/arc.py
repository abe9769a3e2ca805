"""Identity by the ArcFace-style recogniser (`faces.arcface`), on eval's sampled frames.

dlib's descriptor is lenient with our swaps, so identity is also judged the way the field
judges it. Each sampled frame gives three centred cosine distances: the swapped face to the
user (`arc_user`), to the original face (`arc_orig`), and the original face to the user
(`arc_orig_user`: how far apart the two people are for this recogniser; a pair it cannot
tell apart makes `arc_win` meaningless, so its target applies only from `ARC_APART`).
"""

from __future__ import annotations

import numpy as np

from facecast.faces import arcface
from facecast.faces.mesh import Face

NO_EMBEDDING = ("ArcFace figures omitted: the identity has no ArcFace embedding (it was built "
                "before the recogniser's model was installed); rebuild it or pass --photos")


class ArcFigures:
    """Per-sample distances; `figures()` gives their medians and the win share."""

    def __init__(self, target: np.ndarray) -> None:
        self.target = target
        self.user: list[float] = []
        self.orig: list[float] = []
        self.orig_user: list[float] = []

    def add(self, original: np.ndarray, swapped: np.ndarray, face_o: Face, face_s: Face
            ) -> None:
        out = arcface.embed(swapped, face_s)
        before = arcface.embed(original, face_o)
        self.user.append(float(arcface.distance(out, self.target)))
        self.orig.append(float(arcface.distance(out, before)))
        self.orig_user.append(float(arcface.distance(before, self.target)))

    def figures(self) -> dict[str, float | None]:
        if not self.user:
            return {}
        wins = np.less(self.user, self.orig)
        return {"arc_user": float(np.median(self.user)), "arc_orig": float(np.median(self.orig)),
                "arc_orig_user": float(np.median(self.orig_user)),
                "arc_win": float(wins.mean())}


def arc_figures(target: np.ndarray | None) -> tuple[ArcFigures | None, list[str]]:
    """The collector for an identity's ArcFace embedding, or None and the sentence why not."""
    if not arcface.available():
        return None, [arcface.UNAVAILABLE]
    if target is None:
        return None, [NO_EMBEDDING]
    return ArcFigures(target), []
