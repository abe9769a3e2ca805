"""A face's light as a first-order model over its surface normals, and the shading it casts.

Skin lit by a distant light and the sky around it reads, at the scale of cheeks, brow ridge
and jaw, as an ambient term plus a direction: value = c0 + c . n for the surface normal n
(the first two bands of spherical harmonics' irradiance). Fitted on a face's plain-skin
mesh points (blurred luminance against the mesh's normals) it explains 62-84 % of the
variance of the skin's light on our clips. Each frame the footage's light, fitted on the
target's own mesh, shades the mesh the swapped face is drawn on (`compose.shade`).
"""

from __future__ import annotations

import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region, affine_maps, source_coord

SHADE_RANGE = (0.75, 1.15)
"""The shading a light may give a point, against the face's mean: beyond it the fit is
extrapolating (a normal far from any it was fitted on), not lighting; and a diffuse model
has no business drawing highlights (at 1.4 the nose tip shone orange)."""
RIDGE = 0.05
"""Pull of the directional terms toward none, per point fitted: a face seen from one side
has its normals in a narrow cone, where a direction is poorly determined."""


def vertex_normals(points3d: np.ndarray) -> np.ndarray:
    """Unit normals of the mesh's points (N x 3, area-weighted from its triangles), facing
    the camera (z is + away, so the nose tip's normal has z < 0)."""
    p = points3d[: L.N_MESH].astype(np.float64)
    tris = L.triangles()
    n = np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]])
    # each triangle's normal added to its three corners' (bincount: 0.06 ms, np.add.at 0.14)
    corners = tris.T.ravel()
    normals = np.stack([np.bincount(corners, np.tile(n[:, k], 3), len(p)) for k in range(3)],
                       axis=1)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-12
    if normals[L.NOSE_TIP, 2] > 0:
        normals = -normals
    return normals


def _basis(normals: np.ndarray) -> np.ndarray:
    return np.hstack([np.ones((len(normals), 1)), normals])


def fit_light(normals: np.ndarray, values: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
    """The light (c0, cx, cy, cz) that best explains `values` (one per point) from the
    points' `normals`, each point counting `weights` (0..1); refitted once without the
    points it explains worst (a beard, a strand of hair, a shadow cast by the nose). None
    when too few points are plain skin."""
    use = weights > 0
    if use.sum() < 24:
        return None
    basis = _basis(normals)
    for _ in range(2):
        w = weights * use
        a = basis.T @ (basis * w[:, None])
        a[1:, 1:] += RIDGE * w.sum() * np.eye(3)
        light = np.linalg.solve(a, basis.T @ (w * values))
        residual = np.abs(values - basis @ light)
        use = use & (residual <= np.quantile(residual[use], 0.85))
    return light if light[0] > 1e-3 else None


def shading(normals: np.ndarray, light: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per point, the light's shading relative to its mean over the points that `weights`
    count (so a face keeps its overall level), within `SHADE_RANGE`."""
    shade = _basis(normals) @ light
    mean = float((shade * weights).sum() / max(weights.sum(), 1e-6))
    return np.clip(shade / max(mean, 1e-3), *SHADE_RANGE)


def spread(values: np.ndarray, points2d: np.ndarray, ids: np.ndarray, region: Region,
           outside: float = 1.0) -> np.ndarray:
    """Per-point `values` interpolated linearly over the mesh's triangles into the pixels of
    `region` whose triangle-id map is `ids`; `outside` where no triangle is.

    Each pixel within its triangle's corners' values (`source_coords`' clamp): a triangle
    seen edge-on (a sliver by the nose of a turned head) has an affine map that extrapolates
    wildly at pixels rasterised just outside it (1.56 where its corners held 0.9-1.1: a
    bright spot by d3's nose for a frame)."""
    attribute = np.zeros((len(points2d), 2), np.float64)
    attribute[: len(values), 0] = values
    tris = L.triangles()
    drawn = source_coord(ids, affine_maps(points2d, attribute, tris), region, 0,
                         attribute[tris])
    np.copyto(drawn, np.float32(outside), where=ids < 0)
    return drawn
