"""Face restoration networks (GFPGAN 1.4, CodeFormer, GPEN-BFR 512) as an optional stage
after the swap: the swapped face cut on the FFHQ template at 512 px, restored, and pasted
back inside the face oval by the swap's own weight."""

from __future__ import annotations

import numpy as np

from facecast.faces.mesh import Face
from facecast.models import store
from facecast.models.registry import spec
from facecast.swap.neural import infer, paste_back


class Enhancer:
    def __init__(self, name: str) -> None:
        self.name = name
        self.recipe = spec(name, "enhancer").recipe
        self.model = store.require(name, "enhancer")
        warning = self.model.warning()
        self.warnings = [warning] if warning else []

    def __call__(self, rgb: np.ndarray, face: Face, weight: float = 1.0) -> None:
        """Restore `face` of `rgb` in place, mixed in by `weight` (0..1)."""
        answer = infer(self.model, self.recipe, rgb, face)
        rendered = None if answer is None else paste_back(rgb.shape, face, *answer)
        if rendered is None:
            return
        window = rgb[rendered.region.slices]
        a = (rendered.alpha * weight)[..., None]
        mixed = window.astype(np.float32) + a * (rendered.pixels - window)
        window[:] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
