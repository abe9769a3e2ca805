"""Identity embeddings: dlib's ResNet face descriptor from `face_recognition_models`.

Distances below 0.6 mean "same person" by dlib's own calibration. The 5-point shape model
aligns the face chip from a box we already have from the mesh, so no dlib detector runs.
"""

from __future__ import annotations

from functools import cache

import numpy as np

SAME_PERSON = 0.6


@cache
def _models() -> tuple[object, object]:
    import dlib
    import face_recognition_models as frm

    shape = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
    net = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
    return shape, net


def embed(rgb: np.ndarray, box: tuple[float, float, float, float], jitter: int = 0) -> np.ndarray:
    """128-D descriptor of the face inside `box` (x, y, w, h in pixels, e.g. the mesh box)."""
    import dlib

    shape_model, net = _models()
    x, y, w, h = box
    rect = dlib.rectangle(int(x), int(y), int(x + w), int(y + h))
    img = np.ascontiguousarray(rgb)
    shape = shape_model(img, rect)
    return np.asarray(net.compute_face_descriptor(img, shape, jitter), dtype=np.float32)


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """Euclidean distance(s) between descriptors (broadcasts over rows)."""
    return np.linalg.norm(np.asarray(a) - np.asarray(b), axis=-1)
