"""Merge the accepted photos into one face texture in the identity's UV space.

Each photo is unwrapped into UV space through the mesh. A texel's weight in a photo is how
squarely and how visibly that photo sees the texel's triangle (its normal against the view
direction, times the share of the triangle left uncovered by the rest of the face, times
the face's resolution), raised to a power so the best view dominates. Before merging, each
unwrapped photo's low frequencies are replaced by the weighted mean of all photos' low
frequencies: this takes each photo's own shading out, so texels from differently lit photos
meet without blotches.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import Region, draw_order, rasterize_ids, warp_mesh
from facecast.imaging import masked_blur, skin_likeness, smoothstep

_VIEW_POWER = 4.0
_SELECT_POWER = 12.0  # per texel, photos well below the best view fade out


def fill_outside(img: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Extend the texture past its edges (pull-push), so bilinear sampling at the mesh's
    borders and around the eye and mouth openings never picks up black texels."""
    out = img.astype(np.float32).copy()
    known = mask > 0
    sigma = 2.0
    while not known.all() and sigma < img.shape[0]:
        filled = masked_blur(out, known, sigma)
        newly = (~known) & (cv2.GaussianBlur(known.astype(np.float32), (0, 0), sigma) > 1e-3)
        out[newly] = filled[newly]
        known = known | newly
        sigma *= 2
    return out


def view_weights(face: Face, tris: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Per-triangle weight of one photo: facing x visible share x resolution."""
    p = face.points.astype(np.float64)
    n = np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]])
    n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-12
    facing = np.abs(n[:, 2])
    front = L.front_facing(face.xy, tris)
    region = Region(0, 0, shape[1], shape[0])
    ids = rasterize_ids(face.xy, tris, region, draw_order(face.points, tris))
    seen = np.bincount(ids[ids >= 0], minlength=len(tris)).astype(np.float64)
    area = np.abs(L.signed_areas(face.xy.astype(np.float64), tris)) / 2
    visible = np.clip(seen / np.maximum(area, 1.0), 0.0, 1.0) * front
    resolution = min(face.size / 400.0, 1.0)
    return (facing * visible * resolution) ** _VIEW_POWER


def photo_score(face: Face, sharpness: float, typical_sharpness: float) -> float:
    """Prefer sharp photos with a closed mouth: the texture should look like a calm face,
    and the target's own mouth movements are added back by its mesh."""
    gap = float(np.linalg.norm(face.points[L.LIP_INNER_TOP, :2]
                               - face.points[L.LIP_INNER_BOTTOM, :2]))
    eyes = float(np.linalg.norm(face.points[L.LEFT_EYE_OUTER, :2]
                                - face.points[L.RIGHT_EYE_OUTER, :2]))
    calm = 0.3 + 0.7 * np.exp(-((gap / max(eyes, 1.0)) / 0.12) ** 2)
    sharp = min(sharpness / max(typical_sharpness, 1e-6), 1.5)
    return float(sharp * calm)


def build_texture(photos: list[np.ndarray], faces: list[Face], sharpness: list[float],
                  uv: np.ndarray, uv_ids: np.ndarray, skin: np.ndarray,
                  features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The merged texture (RGB uint8, extended past its edges) and its confidence (0..1).

    Confidence is how well the best photo saw skin at each texel: low where every photo had
    hair over the cheek or saw the texel edge-on. The swap blends in proportion to it, so
    the target's own skin shows where the selfies had nothing good to give.
    """
    tris = L.triangles()
    size = uv_ids.shape[0]
    covered = uv_ids >= 0
    region = Region(0, 0, size, size)
    sigma = size / 24
    typical = float(np.median(sharpness))
    unwrapped, weights = [], []
    for rgb, face, sharp in zip(photos, faces, sharpness, strict=True):
        tex, _ = warp_mesh(rgb, face.xy, uv, tris, region)
        tex = tex.astype(np.float32)
        w_tri = view_weights(face, tris, rgb.shape[:2]) * photo_score(face, sharp, typical)
        w = np.where(covered, w_tri[np.maximum(uv_ids, 0)], 0.0).astype(np.float32)
        w *= np.where(features > 0, 1.0, skin_likeness(tex, skin))
        unwrapped.append(tex)
        weights.append(cv2.GaussianBlur(w, (0, 0), 4.0) * covered)
    W = np.stack(weights)
    best = W.max(axis=0)
    known = covered & (best > 0.02 * float(best[covered].max()))
    W = (W / np.maximum(best, 1e-12)) ** _SELECT_POWER * known
    total = np.maximum(W.sum(axis=0), 1e-12)[..., None]
    lows = [masked_blur(tex, known & (w > 1e-3), sigma)
            for tex, w in zip(unwrapped, W, strict=True)]
    common = sum(w[..., None] * low for w, low in zip(W, lows, strict=True)) / total
    merged = sum(w[..., None] * tex * common / np.maximum(low, 1.0)
                 for w, tex, low in zip(W, unwrapped, lows, strict=True)) / total
    merged = fill_outside(np.clip(merged, 0, 255), known)
    reference = float(np.percentile(best[covered], 90))
    confidence = cv2.GaussianBlur(smoothstep((best / reference - 0.1) / 0.4), (0, 0), 3.0)
    return np.clip(merged, 0, 255).astype(np.uint8), (confidence * covered).astype(np.float32)
