"""The footage's light on the swapped face's shape.

The texture keeps its selfies' averaged light (`identity.texture`), and the relighting's
ratio image (`light.Relighter`) carries the frame's light only at the scale of the whole
face: a texture from flat-lit selfies drew a face with no shade under its brows or beside
its nose into footage lit from above. Each frame the footage's light is fitted on the
target's own mesh (`faces.shading`: an ambient term and a direction, from the skin's
blurred luminance against the mesh's normals) and shades the mesh the face is drawn on, by
`STRENGTH`.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import Region
from facecast.faces.shading import fit_light, shading, spread, vertex_normals
from facecast.faces.shape import mouth_distance
from facecast.imaging import channels, shrink, smaller_blur

_DOWN = 4
STRENGTH = 0.6
FOLLOW = 0.3  # per frame, as the relighting's gain: a light that moves is followed in 0.2 s
MOUTH_MARGIN = 0.3  # of the mouth's width: how far around the lips the shading is left out
FACING = -0.3
"""Points whose normal's z is above this (seen at more than 73 degrees) do not count in the
fit: the mesh's depth is least sure there, and the frame's pixels mix face and background."""
HALF_FROM = 5.0
"""Blur (pixels) from which the shade is blurred at half size (`_smooth_spread`): a face
of 200 px or more. On smaller ones it moved a shaded pixel by more than a level (per-point
shades drawn at random, 2.2 levels on a 100 px face)."""


def _mouth_points(neutral: np.ndarray) -> np.ndarray:
    """True for the mesh points on the lips and around them, to `MOUTH_MARGIN`."""
    return mouth_distance(neutral) <= MOUTH_MARGIN


def plain_points(skin: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """1 for the mesh points lying on plain skin by the identity's UV skin mask, else 0."""
    size = skin.shape[0]
    at = np.clip(np.round(uv[: L.N_MESH]).astype(int), 0, size - 1)
    return (skin[at[:, 1], at[:, 0]] > 0.5).astype(np.float64)


class Shader:
    """Shades one tracked face, frame after frame, with the footage's light held steady."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._light: np.ndarray | None = None
        self._mouth: tuple[int, np.ndarray] | None = None

    def __call__(self, frame_window: np.ndarray, region: Region, pixels: np.ndarray,
                 ids: np.ndarray, target: Face, drawn: Face, neutral: np.ndarray,
                 plain: np.ndarray, hidden: np.ndarray | None = None,
                 likeness: float = 0.0) -> np.ndarray:
        """`pixels` (drawn on the mesh `drawn`, triangle ids `ids` over `region`) shaded by
        the light that `frame_window` shows on the target's own mesh `target`, falling on
        `drawn`; `neutral`: the user's neutral shape (where the mouth is); `plain`: the
        points on plain skin (`plain_points`); `hidden` (0..1 over the region): what covers
        the face there (a hand, hair), which tells nothing of its light; `likeness`
        (0..1, `light.LUMA_SCALE`): how much of the texture's own shading is kept instead,
        the smooth mesh's forms being mostly the target's."""
        strength = STRENGTH * (1.0 - likeness)
        if strength <= 0.0:
            return pixels
        light = self._fit(frame_window, region, target, plain, hidden)
        if light is None:
            return pixels
        # the face as drawn: the user's shape (its brow ridge, nose and cheeks catch the
        # light, not the target's, whose shading read as the target's identity) with this
        # frame's expression; cast on the user's neutral shape instead, a smile's raised
        # cheeks took the resting face's light
        normals = vertex_normals(drawn.points)
        shade = shading(normals, light, plain * (normals[:, 2] < FACING)) ** strength
        # the mouth keeps the texture's light: shaded from above, the lower lip's edge and
        # the fold under it darkened into a gap dlib read as an open mouth (d3 into d12:
        # 1.1 -> 2.7 % of closed frames; 2.2 % with the lips alone left unshaded)
        if self._mouth is None or self._mouth[0] != id(neutral):
            self._mouth = (id(neutral), _mouth_points(neutral))
        shade[self._mouth[1]] = 1.0
        # spread over the triangles the shading is linear in each and kinked along every
        # edge: a facet pattern the looks' detail match read as texture (and turned the face's
        # fine detail down on s0); smoothed by a fortieth of the face it is only light
        spread_shade = _smooth_spread(shade, drawn.xy, ids, region, max(drawn.size / 40, 1.0))
        return pixels * channels(spread_shade)

    def _fit(self, frame_window: np.ndarray, region: Region, target: Face, plain: np.ndarray,
             hidden: np.ndarray | None) -> np.ndarray | None:
        h, w = frame_window.shape[:2]
        grey = cv2.cvtColor(shrink(frame_window, _DOWN), cv2.COLOR_RGB2GRAY).astype(np.float32)
        small = (grey.shape[1], grey.shape[0])
        grey = cv2.GaussianBlur(grey, (0, 0), max(target.size / 64 / _DOWN, 0.7))
        at = (target.xy[: L.N_MESH] - (region.x0, region.y0)) / _DOWN
        ix = np.round(at).astype(int)
        inside = ((ix >= 0) & (ix < small)).all(axis=1)
        ix = np.clip(ix, 0, (small[0] - 1, small[1] - 1))
        normals = vertex_normals(target.points)
        weights = plain * inside * (normals[:, 2] < FACING)
        if hidden is not None:
            full = np.clip(np.round(at * _DOWN).astype(int), 0, (w - 1, h - 1))
            weights = weights * (1.0 - hidden[full[:, 1], full[:, 0]])
        light = fit_light(normals, grey[ix[:, 1], ix[:, 0]].astype(np.float64), weights)
        if light is None:
            return self._light
        light = light / light[0]  # the direction only: the level is the relighting's
        if self._light is not None:
            light = self._light + FOLLOW * (light - self._light)
        self._light = light
        return light


def _smooth_spread(values: np.ndarray, xy: np.ndarray, ids: np.ndarray, region: Region,
                   sigma: float) -> np.ndarray:
    """`spread`'s per-point `values` over `region`, blurred by `sigma` pixels at half the
    window's size (`smaller_blur`: the shade is smooth at this scale): 0.7 ms less a frame
    on s18's face (sigma 7), the shaded pixels within 0.16 of a level of a full-size blur's.
    Mirrored past the window's edges first by the kernel's reach, as the full-size blur
    mirrors them: mirrored at half size, the shade at the edge moved by up to 1.6 levels.
    Below `HALF_FROM` at full size."""
    spread_values = spread(values, xy, ids, region)
    if sigma < HALF_FROM:
        return cv2.GaussianBlur(spread_values, (0, 0), sigma)
    pad = 2 * math.ceil(2 * sigma)  # the half-size kernel's reach (4 sigma), in pixels
    full = cv2.copyMakeBorder(spread_values, pad, pad, pad, pad, cv2.BORDER_REFLECT_101)
    return smaller_blur(full, sigma, 2)[pad : pad + region.h, pad : pad + region.w]
