"""Piecewise-affine mapping over a triangle mesh, on the CPU.

Used for texture building (photo -> UV), rendering (UV -> frame) and smooth frame warps.
Each destination pixel gets the id of the triangle covering it (painter's order), and the
triangle's affine map sends it to source coordinates; `cv2.remap` then samples the source.
A Python loop of `cv2.fillConvexPoly` over ~850 triangles costs about 2 ms, far less than
a per-triangle `warpAffine`, and the per-pixel maths is vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.landmarks import front_facing

_SHIFT = 4  # sub-pixel bits for fillConvexPoly


@dataclass(frozen=True)
class Region:
    """An axis-aligned window of an image: x0, y0 and size."""

    x0: int
    y0: int
    w: int
    h: int

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y0 + self.h), slice(self.x0, self.x0 + self.w)

    @staticmethod
    def around(points2d: np.ndarray, shape: tuple[int, int], margin: float = 0.0,
               pixels: float = 0.0) -> Region:
        """The bounding box of points grown by `margin` of its size and by `pixels`, clipped
        to the image."""
        lo = points2d.min(axis=0)
        hi = points2d.max(axis=0)
        pad = (hi - lo) * margin + pixels
        x0, y0 = np.floor(lo - pad).astype(int)
        x1, y1 = np.ceil(hi + pad).astype(int) + 1
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, shape[1]), min(y1, shape[0])
        return Region(int(x0), int(y0), max(int(x1 - x0), 0), max(int(y1 - y0), 0))

    def take(self, other: Region, values: np.ndarray) -> np.ndarray:
        """`values` (laid over `other`) cut to this region; zero where they do not reach."""
        out = np.zeros((self.h, self.w, *values.shape[2:]), values.dtype)
        shared = self.overlap(other)
        if shared is not None:
            out[shared[0]] = values[shared[1]]
        return out

    def within(self, outer: Region) -> tuple[slice, slice]:
        """This region's place in an array over `outer`, which holds it."""
        return Region(self.x0 - outer.x0, self.y0 - outer.y0, self.w, self.h).slices

    def union(self, other: Region) -> Region:
        """The smallest region holding this one and `other`."""
        x0, y0 = min(self.x0, other.x0), min(self.y0, other.y0)
        x1 = max(self.x0 + self.w, other.x0 + other.w)
        y1 = max(self.y0 + self.h, other.y0 + other.h)
        return Region(x0, y0, x1 - x0, y1 - y0)

    def overlap(self, other: Region) -> tuple[tuple[slice, slice], tuple[slice, slice]] | None:
        """Where this region and `other` meet, as slices into an array over each (this
        one's, then other's); None when they do not."""
        x0, y0 = max(self.x0, other.x0), max(self.y0, other.y0)
        x1 = min(self.x0 + self.w, other.x0 + other.w)
        y1 = min(self.y0 + self.h, other.y0 + other.h)
        if x1 <= x0 or y1 <= y0:
            return None
        return ((slice(y0 - self.y0, y1 - self.y0), slice(x0 - self.x0, x1 - self.x0)),
                (slice(y0 - other.y0, y1 - other.y0), slice(x0 - other.x0, x1 - other.x0)))


def draw_order(points3d: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Front-facing triangles, back to front (painter's order by mean depth): a nose then
    hides the far cheek of a turned head, and back faces are never drawn."""
    depth = points3d[tris][:, :, 2].mean(axis=1)
    order = np.argsort(-depth)
    return order[front_facing(points3d[:, :2], tris)[order]]


def rasterize_ids(points2d: np.ndarray, tris: np.ndarray, region: Region,
                  order: np.ndarray | None = None) -> np.ndarray:
    """Triangle id per pixel of `region` (-1 where no triangle), later triangles on top.

    `order` lists the triangle indices to draw, back to front; by default all, in index order.
    """
    ids = np.full((region.h, region.w), -1, dtype=np.int32)
    if region.w == 0 or region.h == 0:
        return ids
    pts = np.round((points2d - (region.x0, region.y0)) * (1 << _SHIFT)).astype(np.int32)
    order = np.arange(len(tris)) if order is None else order
    # each triangle's corners cut out at once and its id a Python int, arguments by position:
    # the loop's own overhead was a third of its cost
    for corners, t in zip(pts[tris[order]], order.tolist(), strict=True):
        cv2.fillConvexPoly(ids, corners, t, cv2.LINE_8, _SHIFT)
    return ids


def affine_maps(dst2d: np.ndarray, src2d: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Per-triangle 2x3 affine matrices sending destination points to source points.

    Closed form (Cramer's rule on the triangle's edge vectors): a batched `np.linalg.inv`
    of 850 3x3 matrices costs 9 ms a frame, this costs well under one.
    """
    d = dst2d[tris].astype(np.float64)  # T x 3 x 2
    s = src2d[tris].astype(np.float64)
    e1, e2 = d[:, 1] - d[:, 0], d[:, 2] - d[:, 0]
    f1, f2 = s[:, 1] - s[:, 0], s[:, 2] - s[:, 0]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    det = np.where(np.abs(det) < 1e-9, 1e-9, det)  # degenerate: any finite map will do
    # inverse of [e1 e2] (columns), then linear part M = [f1 f2] @ inv
    inv = np.stack([np.stack([e2[:, 1], -e2[:, 0]], axis=1),
                    np.stack([-e1[:, 1], e1[:, 0]], axis=1)], axis=1) / det[:, None, None]
    F = np.stack([f1, f2], axis=2)  # T x 2 x 2, columns f1 f2
    M = F @ inv
    t = s[:, 0] - np.einsum("tij,tj->ti", M, d[:, 0])
    return np.concatenate([M, t[:, :, None]], axis=2)


def source_coords(ids: np.ndarray, maps: np.ndarray, region: Region,
                  corners: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For every pixel of `region`, the source coordinates (float32 maps for cv2.remap).

    Pixels with no triangle get -1 (outside any source image, so remap leaves them black).
    With `corners` (each triangle's three source points), a pixel's source stays within its
    triangle's source box: a triangle seen edge-on is a sliver whose pixels all lie on its
    edges, where its map extrapolates; unclamped, some 50 pixels a frame of a swapped face
    sampled the texture more than 2 texels outside their triangle, some thousands away.
    """
    ids = ids.astype(np.intp)  # once for both: `take` converts other indices on each call
    return (source_coord(ids, maps, region, 0, corners),
            source_coord(ids, maps, region, 1, corners))


def source_coord(ids: np.ndarray, maps: np.ndarray, region: Region, axis: int,
                 corners: np.ndarray | None = None) -> np.ndarray:
    """One of `source_coords`' two maps (`axis` 0: x, 1: y), for a caller that needs only
    one: `faces.shading.spread` carries a single value per point."""
    # each coefficient looked up per pixel from a table whose last column (index -1: no
    # triangle) maps every pixel to -1: no search for covered pixels, no scatter; the
    # indices as numpy's own integers and wrapped (-1 is the last column), not
    # bounds-checked: half the cost of each look-up. A row per coefficient (a look-up from
    # a contiguous row is a third faster), the sums and the clamp in the looked-up arrays
    # themselves (no window-sized temporaries), the clamp as a maximum and a minimum
    # (`np.clip` with array bounds: 0.12 ms a 250 x 300 window, these 0.03)
    ids = np.asarray(ids, np.intp)
    table = np.zeros((3 if corners is None else 5, len(maps) + 1), np.float32)
    table[:3, :-1] = maps[:, axis].T
    table[2:, -1] = -1.0
    if corners is not None:
        table[3, :-1] = corners[..., axis].min(axis=1)
        table[4, :-1] = corners[..., axis].max(axis=1)
    gx = np.arange(region.x0, region.x0 + region.w, dtype=np.float32)[None, :]
    gy = np.arange(region.y0, region.y0 + region.h, dtype=np.float32)[:, None]
    coord, b, c = (np.take(k, ids, mode="wrap") for k in table[:3])
    coord *= gx
    coord += np.multiply(b, gy, out=b)
    coord += c
    if corners is not None:
        np.maximum(coord, np.take(table[3], ids, mode="wrap", out=b), out=coord)
        np.minimum(coord, np.take(table[4], ids, mode="wrap", out=c), out=coord)
    return coord


def warp_mesh(src_img: np.ndarray, src2d: np.ndarray, dst2d: np.ndarray, tris: np.ndarray,
              region: Region, order: np.ndarray | None = None,
              border: int = cv2.BORDER_CONSTANT, ids: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Render `src_img` (whose mesh is `src2d`) onto the mesh `dst2d` inside `region`.

    `ids`: the destination's triangle-id map when it is already known (a fixed layout,
    rasterised once), else it is rasterised here in `order`.
    Returns the rendered pixels of the region and the triangle-id map (-1 = not covered).
    """
    if ids is None:
        ids = rasterize_ids(dst2d, tris, region, order)
    map_x, map_y = source_coords(ids, affine_maps(dst2d, src2d, tris), region)
    out = cv2.remap(src_img, map_x, map_y, cv2.INTER_LINEAR, borderMode=border)
    return out, ids


_SUB_BITS = 4  # polygon corners in sixteenths of a pixel
_SUB = 1 << _SUB_BITS


OPENING_SAMPLES = 4  # per pixel and side: an opening's edge pixels hold the share it covers


def openings(xy: np.ndarray, region: Region) -> np.ndarray:
    """0..1 float32 over `region`: a face mesh's openings at the eyes, each pixel by the share
    of it they cover, and between the lips, 0 or 1.

    Drawn from sub-pixel corners, so the outlines follow the smoothed mesh rather than
    jumping a whole pixel at a time. The eyes' edge pixels hold their share: the lids the
    clean plate covers above them flickered with each pixel an eye's edge crossed (s18-d3's
    flicker 1.200, the lids' cover 0.03 of it). The mouth is drawn whole pixels, its edge
    included: a closed mouth is a line a pixel wide, where the target's own lip line is
    kept (`compose.plate`)."""
    holes = np.zeros((region.h, region.w), np.uint8)
    local = np.round((xy - (region.x0, region.y0)) * _SUB).astype(np.int32)
    cv2.fillPoly(holes, [local[list(L.LIPS_INNER)]], 1, shift=_SUB_BITS)
    holes = holes.astype(np.float32)
    k = OPENING_SAMPLES
    for group in (L.RIGHT_EYE, L.LEFT_EYE):
        loop = xy[list(group)] - (region.x0, region.y0)
        x0, y0 = np.maximum(np.floor(loop.min(axis=0)).astype(int) - 1, 0)
        x1, y1 = np.minimum(np.ceil(loop.max(axis=0)).astype(int) + 2, (region.w, region.h))
        if x1 <= x0 or y1 <= y0:
            continue
        fine = np.zeros(((y1 - y0) * k, (x1 - x0) * k), np.uint8)
        # pixel j spans j - 0.5 .. j + 0.5; its k samples sit at j - 0.5 + (m + 0.5) / k
        corners = np.round(((loop - (x0, y0) + 0.5) * k - 0.5) * _SUB).astype(np.int32)
        cv2.fillPoly(fine, [corners], 255, shift=_SUB_BITS)
        share = cv2.resize(fine, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
        np.maximum(holes[y0:y1, x0:x1], share.astype(np.float32) / 255.0,
                   out=holes[y0:y1, x0:x1])
    return holes
