"""How calm, sharp and frontal each selfie is: which photos the texture should trust.

The texture should look like the person's resting face; the target's own expressions are
added back by its mesh. A mouth open, a smile (lip corners above the lips' middle) or
brows lowered in a frown or raised in surprise, relative to the rest of the set, paint that
expression onto every frame of the swap. Each measure is taken in the canonical frame
(unit distance between the outer eye corners), so head turn and photo size do not count.
"""

from __future__ import annotations

import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.shape import axes_alignment

OPEN_MOUTH = 0.12  # lip gap / eye distance at which the open-mouth penalty is 1/e
SMILE = 0.03  # lip corners raised this much (eye distances) above the set's calmest: 1/e
BROWS = 0.02  # brows this far (eye distances) from the set's median height: 1/e
FRONTAL = 25.0  # degrees of turn at which a photo's claim to be the main photo is 1/e


def _expression(face: Face) -> tuple[float, float, float]:
    """(lip gap, smile, brow height), in eye distances."""
    c = axes_alignment(face.points).to_canonical(face.points)
    eyes = float(np.linalg.norm(c[L.LEFT_EYE_OUTER] - c[L.RIGHT_EYE_OUTER]))
    gap = float(np.linalg.norm(c[L.LIP_INNER_TOP] - c[L.LIP_INNER_BOTTOM]))
    middle = (c[L.LIP_INNER_TOP, 1] + c[L.LIP_INNER_BOTTOM, 1]) / 2
    smile = float(middle - (c[L.MOUTH_LEFT, 1] + c[L.MOUTH_RIGHT, 1]) / 2)
    brow = float((c[L.RIGHT_EYE_INNER, 1] - c[L.BROW_INNER[0], 1]
                  + c[L.LEFT_EYE_INNER, 1] - c[L.BROW_INNER[1], 1]) / 2)
    return gap / eyes, smile / eyes, brow / eyes


def calm_scores(faces: list[Face]) -> np.ndarray:
    """Per photo, 0.1..1: 1 for a closed mouth, no smile and brows at rest."""
    gap, smile, brow = np.array([_expression(f) for f in faces]).T
    calm = (np.exp(-(gap / OPEN_MOUTH) ** 2)
            * np.exp(-(np.maximum(smile - smile.min(), 0.0) / SMILE) ** 2)
            * np.exp(-((brow - np.median(brow)) / BROWS) ** 2))
    return 0.1 + 0.9 * calm


def photo_scores(faces: list[Face], sharpness: list[float]) -> np.ndarray:
    """Per photo: calm x sharp (relative to the set's median, at most 1.5)."""
    sharp = np.minimum(np.asarray(sharpness) / max(float(np.median(sharpness)), 1e-6), 1.5)
    return calm_scores(faces) * sharp


def main_photo(faces: list[Face], scores: np.ndarray) -> int:
    """The photo that paints the middle of the face: calm, sharp, frontal and large."""
    frontal = np.exp(-(np.array([f.pose.turn for f in faces]) / FRONTAL) ** 2)
    size = np.minimum(np.array([f.size for f in faces]) / 400.0, 1.0)
    return int(np.argmax(scores * frontal * size))
