"""The field's swapper networks (inswapper_128, simswap_256, simswap_unofficial_512) behind
the mesh engine's contract, and how any network's aligned crop goes back into the frame.

The target face is cut on the model's 5-point template, the identity goes in as the
selfies' embedding by the model's recognizer (inswapper: projected by the graph's last
initializer, `emap`, and normalised), and the network's face is pasted back with the inverse
warp. What the pipeline does around a rendered face (tracking, occlusion, relighting,
blending, looks) is the same as for the mesh engine. Inputs are fed by the names the graph
declares and the first output is read (`models.runtime.run`).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.errors import IdentityError
from facecast.faces import crops, recognizer
from facecast.faces import landmarks as L
from facecast.faces.mesh import Face, FaceMesher
from facecast.faces.raster import Region
from facecast.identity.model import Identity, preview
from facecast.models import runtime, store
from facecast.models.registry import Recipe, spec
from facecast.swap.base import Rendered

EDGE = 0.06
"""Share of the crop's side over which its border fades out (the network's edge is the
least reliable part of its output)."""


def identity_embedding(identity: Identity, model: str) -> np.ndarray:
    """The identity's embedding by recognizer `model`: from training when the model was
    there, else computed once from the identity's own frontal face (its preview: the store
    keeps no photos) and kept on the identity for the rest of the process."""
    if model not in identity.embeddings:
        face_image = preview(identity)
        with FaceMesher(video=False) as mesher:
            faces = mesher.detect(face_image)
        if not faces:
            raise IdentityError(f"identity {identity.name}: no face found on its preview to "
                                f"compute its {model} embedding; train it again")
        identity.embeddings[model] = recognizer.embed(model, face_image, faces[0])
    return identity.embeddings[model]


def _feather(mask: np.ndarray, sigma: float) -> np.ndarray:
    """A 0/1 mask eroded by 2 sigma, blurred, and cut to the mask: about 0.02 at its edge
    (the blur's tail beyond the mask is dropped), 1 well inside."""
    grow = max(round(2 * sigma), 1)
    inner = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                                      (2 * grow + 1, 2 * grow + 1)))
    return cv2.GaussianBlur(inner, (0, 0), sigma) * mask


def paste_back(shape: tuple[int, ...], face: Face, out: np.ndarray, m: np.ndarray
               ) -> Rendered | None:
    """The network's crop `out` (float32 RGB 0..255, cut from the frame by `m`) laid back
    over the face's window of the frame by the inverse warp, blended inside its oval."""
    side = out.shape[0]
    inverse = cv2.invertAffineTransform(m)
    # the face's own box, as the mesh engine's: the crop reaches well past it, but nothing
    # outside the oval is blended, and every later stage works on this window
    region = Region.around(face.xy[: L.N_MESH], shape[:2], margin=0.02)
    if region.w < 4 or region.h < 4:
        return None
    inverse[:, 2] -= (region.x0, region.y0)
    size = (region.w, region.h)
    pixels = cv2.warpAffine(out, inverse, size, flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
    box = np.zeros((side, side), np.float32)
    rim = max(round(side * EDGE), 1)
    box[rim:-rim, rim:-rim] = 1.0
    box = cv2.warpAffine(cv2.blur(box, (rim, rim)), inverse, size, flags=cv2.INTER_LINEAR)
    covered = cv2.warpAffine(np.ones((side, side), np.float32), inverse, size,
                             flags=cv2.INTER_NEAREST) > 0
    local = face.xy - (region.x0, region.y0)
    oval = np.zeros((region.h, region.w), np.float32)
    cv2.fillPoly(oval, [np.round(local[list(L.FACE_OVAL)]).astype(np.int32)], 1.0)
    features = np.zeros_like(oval)
    cv2.fillPoly(features, [np.round(local[list(g)]).astype(np.int32)
                            for g in (L.RIGHT_EYE, L.LEFT_EYE, L.LIPS_OUTER)], 1.0)
    alpha = np.clip(_feather(oval, max(face.size / 40, 1.0)) * box * covered, 0.0, 1.0)
    skin = oval * (1.0 - features) * covered
    return Rendered(region, pixels, alpha.astype(np.float32), skin.astype(np.float32),
                    covered)


def infer(model: store.Installed, recipe: Recipe, frame: np.ndarray, face: Face,
          latent: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The network's face for `face` (float32 RGB 0..255) and the matrix that cuts the
    frame onto it (scaled when the network answers at another size than it was fed); None
    when the face's points give no crop."""
    m = crops.matrix(face, recipe.template, recipe.size)
    if m is None:
        return None
    bgr, nhwc = recipe.channels == "bgr", recipe.layout == "nhwc"
    x = crops.to_tensor(crops.cut(frame, m, recipe.size), recipe.mean, recipe.std, bgr=bgr,
                        nhwc=nhwc)
    y = runtime.run(model, x, latent, recipe.extra)
    out = crops.from_tensor(y, *recipe.output, bgr=bgr, nhwc=nhwc)
    return out, m * (out.shape[0] / recipe.size)


class NeuralEngine:
    """A swapper network from the registry, installed by the user."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.recipe = spec(name, "swapper").recipe
        self.model = store.require(name, "swapper")
        self.source = store.require(self.recipe.source or "", "recognizer")
        self.warnings = [w for w in (self.model.warning(), self.source.warning()) if w]
        """Sentences every use carries: the unverified files among the engine's models."""
        self._emap = runtime.last_initializer(self.model) if self.recipe.emap else None
        self._latent: tuple[Identity, np.ndarray] | None = None
        runtime.session(self.model)  # loaded now, not on the first face

    def latent(self, identity: Identity) -> np.ndarray:
        """The identity as the network takes it, computed once per identity."""
        if self._latent is None or self._latent[0] is not identity:
            e = identity_embedding(identity, self.recipe.source or "")
            if self._emap is not None:
                e = e @ self._emap
                e = e / max(float(np.linalg.norm(e)), 1e-12)
            self._latent = (identity, e.astype(np.float32))
        return self._latent[1]

    def prepare(self, identity: Identity) -> None:
        self.latent(identity)

    def render(self, frame: np.ndarray, face: Face, identity: Identity) -> Rendered | None:
        answer = infer(self.model, self.recipe, frame, face, self.latent(identity))
        return None if answer is None else paste_back(frame.shape, face, *answer)
