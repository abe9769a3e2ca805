"""The default engine: the identity's texture rendered onto the target's tracked mesh.

Front-facing triangles are drawn back to front (painter's order by depth), so a nose hides
the far cheek on a turned head; back-facing ones are dropped. The mesh has holes at the
eyes and the inner lips, so the target's own eyeballs, teeth and tongue stay visible.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import (
    Region,
    affine_maps,
    draw_order,
    openings,
    rasterize_ids,
    source_coords,
)
from facecast.identity.model import Identity
from facecast.swap.base import Rendered


class MeshEngine:
    name = "mesh"

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self._tris = L.triangles()
        self._cache: tuple[int, tuple[np.ndarray, np.ndarray]] | None = None

    def _texture(self, identity: Identity) -> tuple[np.ndarray, np.ndarray]:
        """RGB (uint8: remaps twice as fast as float) and (alpha, skin) packed as float32,
        prepared once per identity, not per frame."""
        if self._cache is None or self._cache[0] != id(identity):
            masks = np.dstack([identity.alpha, identity.skin]).astype(np.float32)
            self._cache = (id(identity), (np.ascontiguousarray(identity.texture), masks))
        return self._cache[1]

    def render(self, frame: np.ndarray, face: Face, identity: Identity) -> Rendered | None:
        tris = self._tris
        xy = face.xy
        region = Region.around(xy[: L.N_MESH], frame.shape[:2], margin=0.02)
        if region.w < 4 or region.h < 4:
            return None
        ids = rasterize_ids(xy, tris, region, draw_order(face.points, tris))
        if not (ids >= 0).any():
            return None
        map_x, map_y = source_coords(ids, affine_maps(xy, identity.uv, tris), region)
        packed = self._texture(identity)
        rgb = cv2.remap(packed[0], map_x, map_y, cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
        masks = cv2.remap(packed[1], map_x, map_y, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        covered = ids >= 0
        return Rendered(region, rgb.astype(np.float32), masks[..., 0] * covered,
                        masks[..., 1] * covered, covered, openings(xy, region), ids)
