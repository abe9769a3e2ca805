"""The default engine: the identity's texture rendered onto the target's tracked mesh.

Front-facing triangles are drawn back to front (painter's order by depth), so a nose hides
the far cheek on a turned head; back-facing ones are dropped. The mesh has holes at the
eyes and the inner lips, so the target's own eyeballs, teeth and tongue stay visible; as the
target's eyes close, the texture's eyes turn into lid skin (`swap.lids`).

A face smaller in the frame than in the texture samples it sparsely: bilinear lookups two
or more texels apart alias its lashes, creases and pores into grain that shimmers as the
face moves by fractions of a pixel (s13's far shot draws the texture at a quarter of its
size). The texture is first blurred for the face's size, as a mipmap would (`_prefilter`).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.marks import skin_marks
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
from facecast.identity.uv import TEXTURE_SIZE, outer_skin
from facecast.imaging import ramp, smoothstep
from facecast.swap.base import Rendered
from facecast.swap.lids import ClosedLids, closed_lids, closing

PREFILTER = 0.4
"""Gaussian sigma, in texels, per texel a pixel spans beyond `ALIAS_FROM`
(sqrt(span^2 - ALIAS_FROM^2))."""
ALIAS_FROM = 2.0
"""Texels a pixel spans before bilinear lookups alias: below it a prefilter only softened
the face (from 1.4 and 1.6 texels a pixel, s18's and d12's faces, the target's own brows
and eye lines showed more beside the user's: ghosting 0.64 -> 0.79 on s18-d10)."""

THROUGH_REACH, THROUGH_FLOOR = 0.2, 0.3
"""Toward the face's outline the texture's plain skin is blended less, down to
`THROUGH_FLOOR` at the outline from `THROUGH_REACH` of the face inside it (its features
keep their full weight): there the target's own skin, warped to the new shape, shows
through with the footage's shading, colour and grain. Drawn in full to the outline, the
face ended in a flat, lighter band, and in a line where the selfies' hair had been: a blind
viewer preferred the face with its edge let through (a first form of this, measured in the
picture rather than on the neutral shape) in 15 of 21 comparisons on seven pairs ("a more
even skin tone into the jaw and neck", no "hard line down one cheek"). Letting more through
(nothing of the texture at the outline, from 0.3 of the face in) moved dlib's reading of
the user further on all six large faces (by 0.007-0.026; d3 into s18 past 0.5).
Over the outer 8 % of the face, the swap's lightness came nearer the footage's (mean
difference 9.6 -> 7.4 on d3 into d12, 11.9 -> 10.1 on d10 into s18)."""
EDGE_FADE = 0.10
"""Of the face's size, in the frame: the least distance over which the drawn face fades
out at its outline. The texture's alpha fades over a band of the face's surface, which a
turned head foreshortens to a pixel or two at its far side: there the face ended in a
straight, hard seam through the temple and the brow (d3 and d10 into s18). Like the
outline's skin, from `THROUGH_FACE` on: on s13's 98 px face the fade cost dlib's reading
of the user (0.445 -> 0.468 from the user) for a seam too small to see."""
FADE_CELLS = 12.0  # the fade is worked out on a grid this many cells across it, or finer
PLAIN_REACH = 0.3
PLAIN_BAND = (1.5, 24.0)
"""Texels (of a `TEXTURE_SIZE` texture) between which the texture's shading is taken out
over its outer skin, from the outline to `PLAIN_REACH` of the face inside it (the features
keep theirs, as `outer_skin` spares them). There the selfies' own light on their cheeks
(a cheekbone's edge, the shade where hair met the face) was drawn as a curved line down
the swapped cheek (d3 into s18: the issue's "fold on a cheek"), too fine for the
relighting, a sixth of the face wide, to take out; the footage's light on the user's shape
comes from `compose.shade` and its grain from `compose.detail`. Up to 40 texels took out
more of it, but dlib read the mouth less well (68-point mouth correlation on d0 into s32
0.86 -> 0.82; 0.85 up to 24)."""
THROUGH_FACE = (100.0, 200.0)
"""Face size (px) from which the outline lets the target's skin through, and from which in
full. On a small face no seam shows at the picture's size, and the outline's band is a
larger share of what a recogniser reads: s13's 98 px face with d9's drawn at the floor was
nearer the original than the user in 1 of 8 frames by dlib (0 without)."""


def plain_outskirts(texture: np.ndarray, uv: np.ndarray, neutral: np.ndarray,
                    marks: np.ndarray) -> np.ndarray:
    """`texture` (RGB uint8) with its shading between `PLAIN_BAND`'s scales taken out over
    the outer skin (`PLAIN_REACH`) but its `marks` (`faces.marks`): its finer grain and
    coarser light stay."""
    size = texture.shape[0]
    weight = (1.0 - outer_skin(uv, neutral, PLAIN_REACH, 0.0, size)) * (1.0 - marks)
    t = texture.astype(np.float32)
    fine, coarse = (cv2.GaussianBlur(t, (0, 0), s * size / TEXTURE_SIZE) for s in PLAIN_BAND)
    t -= weight[..., None] * (fine - coarse)
    return np.ascontiguousarray(np.clip(t, 0, 255).astype(np.uint8))


class MeshEngine:
    name = "mesh"

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self._tris = L.triangles()
        self._prepared: dict[int, tuple[Identity, tuple[np.ndarray, np.ndarray, ClosedLids]]] = {}
        """Each identity's texture as `_texture` makes it, by the identity's id (a cast
        draws several identities into one frame: one slot remade the eyes each face)."""
        self._filtered: dict[tuple[int, float], np.ndarray] = {}

    def prepare(self, identity: Identity) -> None:
        self._texture(identity)

    def _texture(self, identity: Identity) -> tuple[np.ndarray, np.ndarray, ClosedLids]:
        """RGB (uint8: remaps twice as fast as float), (alpha, skin, alpha with the
        outline's skin let through, the user's marks) packed as float32 and the eyes shut,
        prepared once per identity, not per frame. The marks are not plain skin: the light
        stage would calm their colour toward the skin's."""
        kept = self._prepared.get(id(identity))
        if kept is None or kept[0] is not identity:
            through = identity.alpha * outer_skin(identity.uv, identity.neutral,
                                                  THROUGH_REACH, THROUGH_FLOOR)
            marks = skin_marks(identity.texture, identity.skin, identity.uv)
            masks = np.dstack([identity.alpha, identity.skin * (1.0 - marks), through, marks]
                              ).astype(np.float32)
            rgb = plain_outskirts(identity.texture, identity.uv, identity.neutral, marks)
            kept = identity, (rgb, masks, closed_lids(rgb, identity.uv))
            self._prepared[id(identity)] = kept
            self._filtered = {k: v for k, v in self._filtered.items() if k[0] != id(identity)}
        return kept[1]

    def _prefilter(self, texture: np.ndarray, identity: Identity, xy: np.ndarray,
                   shared: bool) -> np.ndarray:
        """`texture` blurred for how many texels a pixel of this face spans (by the eyes'
        outer corners), in quarter octaves; `shared`: the identity's own texture, whose
        blurred versions are kept."""
        corners = [L.RIGHT_EYE_OUTER, L.LEFT_EYE_OUTER]
        span = float(np.linalg.norm(np.subtract(*identity.uv[corners])))
        across = float(np.linalg.norm(np.subtract(*xy[corners, :2])))
        if across <= 0 or span <= ALIAS_FROM * across:
            return texture
        octaves = round(4 * np.log2(span / across)) / 4
        key = (id(identity), octaves)
        if shared and key in self._filtered:
            return self._filtered[key]
        sigma = PREFILTER * np.sqrt(max(4.0**octaves - ALIAS_FROM**2, 0.0))
        blurred = cv2.GaussianBlur(texture, (0, 0), sigma) if sigma >= 0.1 else texture
        if shared:
            self._filtered[key] = blurred
        return blurred

    def render(self, frame: np.ndarray, face: Face, identity: Identity) -> Rendered | None:
        tris = self._tris
        xy = face.xy
        region = Region.around(xy[: L.N_MESH], frame.shape[:2], margin=0.02)
        if region.w < 4 or region.h < 4:
            return None
        ids = rasterize_ids(xy, tris, region, draw_order(face.points, tris))
        if not (ids >= 0).any():
            return None
        map_x, map_y = source_coords(ids, affine_maps(xy, identity.uv, tris), region,
                                     identity.uv[tris])
        packed = self._texture(identity)
        texture = packed[2].on(packed[0], closing(face.points))
        texture = self._prefilter(texture, identity, xy, texture is packed[0])
        # in fixed point once, as each remap would make it for itself
        at, fraction = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
        rgb = cv2.remap(texture, at, fraction, cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
        masks = cv2.remap(packed[1], at, fraction, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        covered = ids >= 0
        alpha, skin, through, marks = cv2.split(masks)
        share = ramp(face.size, THROUGH_FACE)
        holes = openings(xy, region)
        if share > 0.0:
            _let_through(alpha, through, share, _edge_fade(covered, EDGE_FADE * face.size))
        alpha *= covered
        skin *= covered
        marks *= covered
        return Rendered(region, rgb.astype(np.float32), alpha, skin, covered, holes, ids,
                        (map_x, map_y), marks)


def _let_through(alpha: np.ndarray, through: np.ndarray, share: float, fade: np.ndarray
                 ) -> None:
    """`alpha` moved by `share` toward `through` (the outline's skin let through) and held
    under 1 - `share` * (1 - `fade`), in place, `through` and `fade` spent: no window-sized
    temporaries (five a frame)."""
    through -= alpha
    through *= share
    alpha += through
    np.subtract(1.0, fade, out=fade)
    fade *= share
    np.subtract(1.0, fade, out=fade)
    np.minimum(alpha, fade, out=alpha)


def _edge_fade(covered: np.ndarray, width: float) -> np.ndarray:
    """0..1 float32 over the window: rising smoothly from the drawn mesh's outline to 1 at
    `width` pixels inside it (the outline's inside filled: the eyes' and lips' openings,
    and any pixel the triangles miss, are no edge). Worked on a grid where
    the fade spans at most `FADE_CELLS` cells, its distances as bytes (255 across the
    fade) through a table."""
    solid = np.zeros(covered.shape, np.uint8)
    outline, _ = cv2.findContours(covered.astype(np.uint8), cv2.RETR_EXTERNAL,
                                  cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(solid, outline, -1, 1, cv2.FILLED)
    scale = min(1.0, FADE_CELLS / max(width, 1.0))
    h, w = covered.shape
    if scale < 1.0:
        solid = cv2.resize(solid, (max(round(w * scale), 1), max(round(h * scale), 1)),
                           interpolation=cv2.INTER_NEAREST)
    inside = cv2.convertScaleAbs(cv2.distanceTransform(solid, cv2.DIST_L2, 3),
                                 alpha=255.0 / max(width * scale, 1.0))  # saturated at 1
    fade = cv2.LUT(inside, smoothstep(np.arange(256, dtype=np.float32) / 255.0))
    return fade if scale == 1.0 else cv2.resize(fade, (w, h), interpolation=cv2.INTER_LINEAR)
