"""Occluders: whatever passes in front of the face (a hand, a microphone, a strand of hair)
stays in front of the swapped face.

The target face's own look is unwrapped through its mesh into a small texture every frame
and compared with a reference that follows it slowly. A texel that suddenly looks very
different from the face it belongs to is covered by something; the swap leaves those pixels
alone (no paint, no tone shift, no shape warp). Light changes and expressions are slow or
small next to that difference; an "occluder" that never leaves is taken as the face's new
look after a while (a permanent tattoo sticker or a lighting change), so it cannot freeze
the swap for good.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import Region, draw_order, warp_mesh

UV_SIZE = 128  # texels across: fingers and mics are several texels wide at this size
FOLLOW = 0.15  # per frame: the reference takes up light and expression in about 7 frames
MIN_DELTA = 22.0  # Lab units: a change smaller than this is never an occluder (skin vs skin)
NOISE_K = 4.0  # and a change must exceed this many of the texel's usual deviations
MESH_SLACK_PX = 3.0  # how far (frame pixels) the mesh may sit off the face from frame to frame
ACCEPT_AFTER = 60  # frames (~2 s) an occluder may stay before it counts as the face's look
PIN_REACH = 0.15  # of the face's size: how far past the face an occluder is kept from warping


@dataclass
class Occluded:
    """What covers the face in one frame, over a window of it.

    covered: 0..1, where the frame must show as it is (no paint, no tone shift);
    pinned: `covered` grown past the face's outline, where the shape warp must not move
    pixels: the part of a hand or microphone outside the face cannot be seen in the face's
    texture, but must not bend either.
    """

    region: Region
    covered: np.ndarray
    pinned: np.ndarray


class Occlusion:
    """Per-track memory of the target face's look; `mask` says what covers it now."""

    def __init__(self, uv: np.ndarray) -> None:
        """`uv`: the mesh's texel coordinates in any fixed layout (scaled to UV_SIZE here)."""
        span = float(np.ptp(uv[: L.N_MESH], axis=0).max()) or 1.0
        self._uv = ((uv - uv[: L.N_MESH].min(axis=0)) * (UV_SIZE - 2) / span + 1).astype(
            np.float32)
        self._tris = L.triangles()
        self.reset()

    def reset(self) -> None:
        self._ref: np.ndarray | None = None
        self._var = np.full((UV_SIZE, UV_SIZE), 16.0, np.float32)
        self._seen = np.zeros((UV_SIZE, UV_SIZE), bool)
        self._age = np.zeros((UV_SIZE, UV_SIZE), np.int32)

    def mask(self, frame: np.ndarray, face: Face) -> Occluded | None:
        """What covers `face` in `frame`; None when nothing does.

        Call once per frame, in order, before the frame is changed.
        """
        order = draw_order(face.points, self._tris)
        square = Region(0, 0, UV_SIZE, UV_SIZE)
        tex, ids = warp_mesh(frame, face.xy, self._uv, self._tris, square, order)
        lab = cv2.cvtColor(tex.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
        texels_per_px = UV_SIZE / max(face.size, 1.0)
        if texels_per_px > 1.0:  # a small face: texels between pixels only carry resampling
            lab = cv2.GaussianBlur(lab, (0, 0), texels_per_px / 2)
        visible = ids >= 0
        if self._ref is None:
            self._ref = lab
            self._seen = visible.copy()
            return None
        delta = np.linalg.norm(lab - self._ref, axis=2)
        # near edges (brows, eyes, nostrils) a mesh a pixel off changes a texel a lot:
        # allow the change such a slip would explain
        slip = MESH_SLACK_PX * max(texels_per_px, 1.0) * _gradient(self._ref)
        limit = np.maximum(MIN_DELTA, NOISE_K * np.sqrt(self._var)) + slip
        suspect = (visible & self._seen & (delta > limit)).astype(np.uint8)
        covered = cv2.morphologyEx(suspect, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        covered = cv2.dilate(covered, np.ones((7, 7), np.uint8)) > 0
        covered &= visible
        self._age = np.where(covered, self._age + 1, 0)
        covered &= self._age <= ACCEPT_AFTER
        follow = visible & ~covered
        fresh = visible & ~self._seen
        self._ref[follow] += FOLLOW * (lab[follow] - self._ref[follow])
        self._ref[fresh] = lab[fresh]
        self._var[follow] = np.clip((1 - FOLLOW) * self._var[follow]
                                    + FOLLOW * delta[follow] ** 2, 4.0, 400.0)
        self._seen |= visible
        if not covered.any():
            return None
        soft = cv2.GaussianBlur(covered.astype(np.float32), (0, 0), 1.0)
        soft = np.maximum(soft, covered)
        region = Region.around(face.xy[: L.N_MESH], frame.shape[:2], margin=PIN_REACH + 0.05)
        out, _ = warp_mesh(soft, self._uv, face.xy, self._tris, region, order)
        reach = max(int(PIN_REACH * face.size), 1) | 1
        pinned = cv2.dilate(out, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach)))
        pinned = cv2.GaussianBlur(pinned, (0, 0), reach / 4)
        return Occluded(region, out, np.maximum(pinned, out))


def _gradient(lab: np.ndarray) -> np.ndarray:
    """Per-texel colour change over one texel (Lab units), the largest over the channels."""
    gx = cv2.Sobel(lab, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(lab, cv2.CV_32F, 0, 1, ksize=3) / 8
    return np.sqrt(gx**2 + gy**2).max(axis=2)
