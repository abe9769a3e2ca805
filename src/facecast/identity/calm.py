"""Which selfies the texture trusts most: sharp ones, and one calm, frontal main photo.

The middle of the face should be one photo, not a patchwork of expressions with ghosted
edges, so one photo neutral in every zone (or in the most of them), frontal, sharp and
large is chosen to paint whatever it sees well (`texture.MAIN_BOOST`).
"""

from __future__ import annotations

import numpy as np

from facecast.faces.mesh import Face
from facecast.identity.expression import ZONES, Reading

FRONTAL = 25.0  # degrees of turn at which a photo's claim to be the main photo is 1/e
MAX_SHARP = 1.5  # a photo sharper than the set's median counts at most this much more


def photo_scores(sharpness: list[float]) -> np.ndarray:
    """Per photo: sharpness relative to the set's median, at most MAX_SHARP."""
    return np.minimum(np.asarray(sharpness) / max(float(np.median(sharpness)), 1e-6), MAX_SHARP)


def calm_share(reading: Reading) -> float:
    """0..1: the share of the face's zones in which the photo is neutral."""
    return sum(reading.neutral(z) for z in ZONES) / len(ZONES)


def main_photo(faces: list[Face], readings: list[Reading], scores: np.ndarray) -> int:
    """The photo that paints the middle of the face: calm, sharp, frontal and large."""
    calm = np.array([calm_share(r) for r in readings]) ** 4
    frontal = np.exp(-(np.array([f.pose.turn for f in faces]) / FRONTAL) ** 2)
    size = np.minimum(np.array([f.size for f in faces]) / 400.0, 1.0)
    return int(np.argmax(calm * scores * frontal * size))
