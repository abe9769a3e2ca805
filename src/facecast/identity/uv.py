"""The identity's texture space: a cylindrical unwrap of its own neutral 3D face.

MediaPipe's wheel has no UV layout, so each identity defines one from its neutral shape.
Only the topology is shared between identity and target, and that is all a per-triangle
warp needs. A cylinder (not a frontal projection) keeps the cheeks from being squeezed, so
texels taken from turned photos keep their resolution.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region, rasterize_ids, warp_mesh
from facecast.imaging import smoothstep

TEXTURE_SIZE = 512
_MARGIN = 0.04


def uv_layout(neutral: np.ndarray, size: int = TEXTURE_SIZE) -> np.ndarray:
    """478 x 2 texel coordinates for a neutral shape in the canonical frame (see shape.py)."""
    width = float(np.linalg.norm(neutral[454] - neutral[234]))
    axis_z = float((neutral[234, 2] + neutral[454, 2]) / 2) + 0.25 * width  # behind the cheeks
    radius = 0.6 * width
    u = radius * np.arctan2(neutral[:, 0] - neutral[L.NOSE_TIP, 0], axis_z - neutral[:, 2])
    v = neutral[:, 1]
    uv = np.stack([u, v], axis=1)
    mesh = uv[: L.N_MESH]
    lo, hi = mesh.min(axis=0), mesh.max(axis=0)
    scale = (1 - 2 * _MARGIN) * size / float((hi - lo).max())
    centre = (lo + hi) / 2
    return ((uv - centre) * scale + size / 2).astype(np.float32)


def uv_masks(uv: np.ndarray, size: int = TEXTURE_SIZE
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coverage ids, blend alpha, skin mask and features mask in texture space.

    alpha: 1 inside the face, falling to 0 toward the mesh's outline (more slowly on the
    forehead, so the blend stops below the hairline) and, over a few texels, toward the eye
    and mouth openings, where the target's own eyes and mouth interior show.
    skin: the parts whose low frequencies describe light rather than features (no brows,
    eyes, lips or nostrils), used to measure shading on both sides.
    features: the eyes with their lashes, the brows (not grown: the temple beside a brow's
    tail is where hair falls), the sockets between them as wide as the eyes, the nose and
    the lips: never to be mistaken for hair (deep-set eyes and the nose's wings are dark,
    and that darkness is the person's look, not something in front of it).
    """
    tris = L.triangles()
    ids = rasterize_ids(uv, tris, Region(0, 0, size, size))
    covered = (ids >= 0).astype(np.uint8)
    outline = np.zeros_like(covered)
    cv2.fillPoly(outline, [np.round(uv[list(L.FACE_OVAL)]).astype(np.int32)], 1)
    d_out = cv2.distanceTransform(outline, cv2.DIST_L2, 5)
    holes = (outline > 0) & (covered == 0)
    d_hole = cv2.distanceTransform((~holes).astype(np.uint8), cv2.DIST_L2, 5)

    brow_y = float(uv[list(L.RIGHT_BROW + L.LEFT_BROW), 1].mean())
    top_y = float(uv[: L.N_MESH, 1].min())
    rows = np.arange(size, dtype=np.float32)[:, None]
    forehead = smoothstep((brow_y - rows) / max(brow_y - top_y, 1.0))
    feather = size * (0.07 + 0.10 * forehead)
    alpha = smoothstep(d_out / feather) * smoothstep(d_hole / (size * 0.012))
    alpha *= outline

    features = np.zeros((size, size), np.uint8)
    for group in (L.RIGHT_EYE, L.LEFT_EYE, L.LIPS_OUTER):
        cv2.fillConvexPoly(features, _hull(uv, group), 1)
    lashes = int(size * 0.025)
    features = cv2.dilate(features, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (lashes, lashes)))
    for brow, eye in ((L.RIGHT_BROW, L.RIGHT_EYE), (L.LEFT_BROW, L.LEFT_EYE)):
        cv2.fillConvexPoly(features, _hull(uv, brow), 1)
        # the socket between brow and eye, no wider than the eye: past its outer corner
        # the temple begins, where hair falls in many selfies
        socket = np.zeros_like(features)
        cv2.fillConvexPoly(socket, _hull(uv, brow + eye), 1)
        xs = uv[list(eye), 0]
        lo, hi = int(np.floor(xs.min())), int(np.ceil(xs.max()))
        features[:, lo:hi + 1] |= socket[:, lo:hi + 1]
    r = int(size * 0.05)
    around = cv2.dilate(features, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (r, r)))
    skin = ((covered > 0) & (around == 0) & (d_out > size * 0.03)).astype(np.float32)
    cv2.fillConvexPoly(features, _hull(uv, L.NOSE), 1)
    return ids, alpha.astype(np.float32), skin, features.astype(np.float32)


def outer_skin(uv: np.ndarray, shape: np.ndarray, reach: float, floor: float,
               size: int = TEXTURE_SIZE) -> np.ndarray:
    """0..1 over the texture: `floor` at the face's outline, rising to 1 at `reach` (a share
    of the face's size) inside it; 1 over the features (eyes, brows, nose and lips, grown by
    3 % of the face and softened) wherever they come near the outline.

    Measured on the face seen from the front (`shape`: its 3D points), as a camera sees it,
    and carried into the texture through the mesh: the layout stretches the sides toward
    the ears, where a reach in texels fell short of the same reach in the picture."""
    xy = shape[:, :2].astype(np.float64)
    lo, hi = xy[: L.N_MESH].min(axis=0), xy[: L.N_MESH].max(axis=0)
    face = 0.9 * size
    xy = (xy - (lo + hi) / 2) * (face / max(float((hi - lo).max()), 1e-6)) + size / 2
    oval = np.zeros((size, size), np.uint8)
    cv2.fillPoly(oval, [np.round(xy[list(L.FACE_OVAL)]).astype(np.int32)], 1)
    inside = smoothstep(cv2.distanceTransform(oval, cv2.DIST_L2, 5) / (reach * face))
    features = np.zeros((size, size), np.uint8)
    for group in (L.RIGHT_EYE, L.LEFT_EYE, L.RIGHT_BROW, L.LEFT_BROW, L.NOSE, L.LIPS_OUTER):
        cv2.fillConvexPoly(features, _hull(xy, group), 1)
    r = max(int(0.03 * face), 1) * 2 + 1
    features = cv2.dilate(features, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (r, r)))
    near = np.minimum(cv2.GaussianBlur(features.astype(np.float32), (0, 0), 0.04 * face) * 1.5,
                      1.0)
    frontal = (near + (1.0 - near) * (floor + (1.0 - floor) * inside)).astype(np.float32)
    profile, _ = warp_mesh(frontal, xy.astype(np.float32), uv, L.triangles(),
                           Region(0, 0, size, size))
    return profile


def brow_hulls(uv: np.ndarray, size: int = TEXTURE_SIZE) -> np.ndarray:
    """uint8 0/1: the brows' hulls in texture space."""
    mask = np.zeros((size, size), np.uint8)
    for brow in (L.RIGHT_BROW, L.LEFT_BROW):
        cv2.fillConvexPoly(mask, _hull(uv, brow), 1)
    return mask


def brow_mask(uv: np.ndarray, size: int = TEXTURE_SIZE) -> np.ndarray:
    """The brows' hulls in texture space, grown by a sixth of an eye's width (their hair)."""
    eye_w = float(np.linalg.norm(uv[L.RIGHT_EYE_OUTER] - uv[L.RIGHT_EYE_INNER]))
    r = max(int(eye_w / 6), 1) * 2 + 1
    return cv2.dilate(brow_hulls(uv, size), cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                                                      (r, r))) > 0


def _hull(uv: np.ndarray, group: tuple[int, ...]) -> np.ndarray:
    return cv2.convexHull(np.round(uv[list(group)]).astype(np.int32))


def zone_masks(uv: np.ndarray, size: int = TEXTURE_SIZE) -> dict[str, np.ndarray]:
    """Soft masks (0..1, summing to at most 1) of the texture's expression zones.

    lips: the lips with the corners and the skin an expression creases around them; eyes:
    lids, lashes and the skin below; brows: the brows and the frown lines between them;
    cheeks: the middle of the face between the eyes and the mouth (nose and the folds beside
    it), where smiles and grimaces fold the skin; forehead: above the brows. What is left
    (temples, the sides toward the ears, the jaw) is in no zone: any photo may paint it.
    """
    def hull(points: tuple[int, ...], grow: float) -> np.ndarray:
        m = np.zeros((size, size), np.uint8)
        cv2.fillConvexPoly(m, _hull(uv, points), 1)
        r = max(int(grow), 1) * 2 + 1
        return cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (r, r))) > 0

    eye_w = float(np.linalg.norm(uv[L.RIGHT_EYE_OUTER] - uv[L.RIGHT_EYE_INNER]))
    mouth_w = float(np.linalg.norm(uv[L.MOUTH_LEFT] - uv[L.MOUTH_RIGHT]))
    oval = np.zeros((size, size), np.uint8)
    cv2.fillPoly(oval, [np.round(uv[list(L.FACE_OVAL)]).astype(np.int32)], 1)
    inside = oval > 0
    lips = hull(L.LIPS_OUTER, 0.3 * mouth_w)
    eyes = hull(L.RIGHT_EYE, 0.45 * eye_w) | hull(L.LEFT_EYE, 0.45 * eye_w)
    brows = (hull(L.RIGHT_BROW, 0.2 * eye_w) | hull(L.LEFT_BROW, 0.2 * eye_w)
             | hull((*L.BROW_INNER, 168, 9), 0.1 * eye_w))
    rows, cols = np.indices((size, size))
    x_lo = uv[L.RIGHT_EYE_OUTER, 0] - 0.2 * eye_w
    x_hi = uv[L.LEFT_EYE_OUTER, 0] + 0.2 * eye_w
    lo, hi = sorted((x_lo, x_hi))
    eye_y = float(uv[list(L.RIGHT_EYE + L.LEFT_EYE), 1].mean())
    cheeks = (cols >= lo) & (cols <= hi) & (rows > eye_y) & (rows < uv[L.CHIN, 1] - 0.15 * mouth_w)
    forehead = rows < float(uv[list(L.RIGHT_BROW + L.LEFT_BROW), 1].min())
    hard, taken = {}, np.zeros((size, size), bool)
    for name, mask in (("lips", lips), ("eyes", eyes), ("brows", brows), ("cheeks", cheeks),
                       ("forehead", forehead)):
        hard[name] = mask & inside & ~taken
        taken |= hard[name]
    return {name: cv2.GaussianBlur(m.astype(np.float32), (0, 0), size / 64)
            for name, m in hard.items()}


def point_zones(uv: np.ndarray, zones: dict[str, np.ndarray]) -> list[str | None]:
    """The zone each mesh point lies in (None: no zone), read off the masks at its texel."""
    names = list(zones)
    stack = np.stack([zones[n] for n in names])
    size = stack.shape[1]
    xy = np.clip(np.round(uv).astype(int), 0, size - 1)
    at = stack[:, xy[:, 1], xy[:, 0]]
    best = at.argmax(axis=0)
    return [names[b] if at[b, i] > 0.5 else None for i, b in enumerate(best)]
