"""The installed recognizers of the neural engines (`arcface_w600k_r50`...): a face's
unit-length embedding, and one embedding for a selfie set.

A set's embedding is the normalised mean of its photos' after dropping outliers: a photo
much farther from the set's mean than the others (another person, a bad crop) would pull
every swap toward it.
"""

from __future__ import annotations

import numpy as np

from facecast.faces import crops
from facecast.faces.mesh import Face
from facecast.models import runtime, store
from facecast.models.registry import registry, spec


def installed() -> list[str]:
    """The recognizers present now, by name."""
    have = store.installed()
    return [n for n, s in registry().items()
            if s.kind == "recognizer" and n in have and have[n].path.is_file()]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def embed(name: str, rgb: np.ndarray, face: Face) -> np.ndarray:
    """`face`'s unit-length embedding by recognizer `name` (which must be installed)."""
    entry = store.require(name, "recognizer")
    recipe = spec(name).recipe
    m = crops.matrix(face, recipe.template, recipe.size)
    if m is None:
        raise ValueError("five points in one place: not a face")
    x = crops.to_tensor(crops.cut(rgb, m, recipe.size), recipe.mean, recipe.std,
                        bgr=recipe.channels == "bgr", nhwc=recipe.layout == "nhwc")
    return _unit(runtime.run(entry, x).reshape(-1).astype(np.float32))


OUTLIER_MARGIN = 0.15
"""Cosine distance past the set's median distance to its mean beyond which a photo is
dropped (and past three robust deviations)."""


def set_embedding(embeddings: list[np.ndarray]) -> np.ndarray:
    """One unit-length embedding for a person's photos: outliers dropped, the rest averaged."""
    e = np.stack([_unit(v) for v in embeddings])
    distance = 1.0 - e @ _unit(e.mean(axis=0))
    median = float(np.median(distance))
    spread = 1.4826 * float(np.median(np.abs(distance - median)))
    keep = distance <= median + max(3.0 * spread, OUTLIER_MARGIN)
    return _unit(e[keep].mean(axis=0)).astype(np.float32)


def embeddings_of(images: list[np.ndarray], faces: list[Face]) -> dict[str, np.ndarray]:
    """Per installed recognizer, the set embedding of these photos' faces."""
    return {name: set_embedding([embed(name, rgb, f) for rgb, f in zip(images, faces,
                                                                        strict=True)])
            for name in installed()}
