"""Occluder (XSeg) and face-parser (BiSeNet) networks as mask sources for the occlusion
stage: where they say the crop shows no face (a hand, hair, glasses, a microphone), the
swap leaves the frame as it is, exactly as for what `compose.occlusion` finds itself.

An occluder answers how much each pixel of its crop is face (0..1); a parser answers a class
per pixel, and the registry names the classes that are face (skin, brows, eyes, nose, mouth,
lips: glasses, hair, hats and hands are not). Outside the network's crop nothing is said.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import cv2
import numpy as np

from facecast.compose.occlusion import PIN_REACH, Occluded
from facecast.errors import ModelError
from facecast.faces import crops
from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import Region
from facecast.models import runtime, store
from facecast.models.registry import spec

KINDS = ("occluder", "parser")
SOFT = 1.5  # px: the masks' edges softened, as compose.occlusion softens its own


def require_mask_model(name: str) -> store.Installed:
    """The installed occluder or parser `name`, or a sentence saying how to get it."""
    kind = spec(name).kind
    if kind not in KINDS:
        raise ModelError(f"{name} is not an occluder or a face parser but a model of kind {kind}")
    return store.require(name, kind)


class MaskSource:
    """One occluder or parser model; `not_face` over a window of the frame."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.model = require_mask_model(name)
        self.spec = spec(name)
        warning = self.model.warning()
        self.warnings = [warning] if warning else []

    def _face_in_crop(self, rgb: np.ndarray, m: np.ndarray) -> np.ndarray:
        """0..1 per crop pixel: how much is face."""
        recipe = self.spec.recipe
        nhwc = recipe.layout == "nhwc"
        x = crops.to_tensor(crops.cut(rgb, m, recipe.size), recipe.mean, recipe.std,
                            bgr=recipe.channels == "bgr", nhwc=nhwc)
        y = runtime.run(self.model, x)[0]
        if self.spec.kind == "parser":
            classes = np.argmax(y if not nhwc else y.transpose(2, 0, 1), axis=0)
            return np.isin(classes, recipe.face_classes).astype(np.float32)
        lo, hi = recipe.output
        face = (y[..., 0] if nhwc else y[0]).astype(np.float32)
        return np.clip((face - lo) / (hi - lo), 0.0, 1.0)

    def not_face(self, rgb: np.ndarray, face: Face, region: Region) -> np.ndarray | None:
        """0..1 over `region`: where this model sees no face inside its crop."""
        recipe = self.spec.recipe
        m = crops.matrix(face, recipe.template, recipe.size)
        if m is None:
            return None
        inverse = cv2.invertAffineTransform(m)
        inverse[:, 2] -= (region.x0, region.y0)
        other = 1.0 - self._face_in_crop(rgb, m)
        back = cv2.warpAffine(other, inverse, (region.w, region.h), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return np.maximum(cv2.GaussianBlur(back, (0, 0), SOFT), back)


class NotFace(Protocol):
    """Something that tells, over a window, what of a face must stay as the frame has it: a
    mask model (`MaskSource`), the target's glasses (`compose.rims.GlassesRims`)."""

    def not_face(self, rgb: np.ndarray, face: Face, region: Region) -> np.ndarray | None: ...


def merge(occluded: Occluded | None, sources: Sequence[NotFace], rgb: np.ndarray, face: Face
          ) -> Occluded | None:
    """`occluded` (what compose.occlusion found, or None) with what `sources` do not see as
    face added to what the swap keeps (`covered`, `low`); nothing of it pins the warp."""
    if not sources:
        return occluded
    region = occluded.region if occluded else Region.around(
        face.xy[: L.N_MESH], rgb.shape[:2], margin=PIN_REACH + 0.05)
    masks = [m for m in (s.not_face(rgb, face, region) for s in sources) if m is not None]
    if not masks:
        return occluded
    kept = np.maximum.reduce(masks)
    if occluded is None:
        return Occluded(region, kept, np.zeros_like(kept), kept)
    return Occluded(region, np.maximum(occluded.covered, kept), occluded.pinned,
                    np.maximum(occluded.low, kept))
