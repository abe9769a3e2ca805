"""What the swap must leave alone: whatever is in front of the face or is not face at all.

Four sources, merged into one `Occluded` per frame:
- Sudden change. The target face's own look is unwrapped through its mesh into a small
  texture every frame and compared with a reference that follows it slowly. A texel that
  suddenly looks very different from the face it belongs to is covered by something (a
  microphone, a strand of hair). Light changes and expressions are slow or small next to
  that difference; an "occluder" that never leaves is taken as the face's new look after a
  while (a lighting change), so it cannot freeze the swap for good.
- Foreign structure. Where plain skin is expected (forehead, temples, around the eyes
  outside brows and lids, the sides of the face), texels far from the face's own skin
  colour for several frames are hair or the frames of glasses: they stay, for as long as
  they are there.
- Hands (`faces.scene`): skin-coloured like the face, so the appearance check misses them.
- Background (`faces.scene`'s person mask): the mask never paints past the person.
Only what passes in front (sudden change, hands) also pins the shape warp; glasses and hair
move with the face they sit on.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.landmarks import front_facing
from facecast.faces.mesh import Face
from facecast.faces.raster import Region, affine_maps, rasterize_ids, source_coords
from facecast.faces.scene import Scene
from facecast.imaging import SHADOW_L, SHADOW_WEIGHT, dilate_disc, mask_box, skin_distance

UV_SIZE = 128  # texels across: fingers and mics are several texels wide at this size
FOLLOW = 0.15  # per frame: the reference takes up light and expression in about 7 frames
MIN_DELTA = 22.0  # Lab units: a change smaller than this is never an occluder (skin vs skin)
NOISE_K = 4.0  # and a change must exceed this many of the texel's usual deviations
MESH_SLACK_PX = 3.0  # how far (frame pixels) the mesh may sit off the face from frame to frame
ACCEPT_AFTER = 60  # frames (~2 s) an occluder may stay before it counts as the face's look
PIN_REACH = 0.15  # of the face's size: how far past the face an occluder is kept from warping
FOREIGN_DELTA = 24.0  # Lab units from the face's median skin: farther is not skin
FOREIGN_FOLLOW = 0.3  # per frame: hair or a rim must be there for 2-3 frames to count
EDGE_RING = 0.06
"""Of the face's size, in the frame: the face's outer ring, where the mesh's edge often lies
over the hair beside the face. Hair found only there, below the brows, is not kept: a face
drawn wider than the target's (shape transfer) showed it as a dark spot on its cheek, cut
off from the rest of the hair (d10 into s18). Hair that reaches further in (a strand across
a cheek), a fringe over the forehead and rims are kept whole."""
RIM_LENGTH = 16  # texels: a spot this long (or wide) inside the face may be a rim
BACKGROUND_FROM = 0.4  # segmentation's "not the person": kept from 0.4, wholly from 0.8 (its
# soft edge straddles the cheek's outline, where the swap's own alpha has faded already)


@dataclass
class Occluded:
    """What covers the face in one frame, over a window of it.

    covered: 0..1, where the frame must show as it is (no paint, no tone shift);
    pinned: what passes in front, grown past the face's outline, where the shape warp must
    not move pixels: the part of a hand or microphone outside the face cannot be seen in the
    face's texture, but must not bend either.
    """

    region: Region
    covered: np.ndarray
    pinned: np.ndarray
    low: np.ndarray
    """Where the low band (tone) must keep the frame too: `covered`, `pinned` and past it."""


class Occlusion:
    """Per-track memory of the target face's look; `mask` says what to leave alone now."""

    def __init__(self, uv: np.ndarray) -> None:
        """`uv`: the mesh's texel coordinates in any fixed layout (scaled to UV_SIZE here)."""
        span = float(np.ptp(uv[: L.N_MESH], axis=0).max()) or 1.0
        self._uv = ((uv - uv[: L.N_MESH].min(axis=0)) * (UV_SIZE - 2) / span + 1).astype(
            np.float32)
        self._tris = L.triangles()
        self._square = Region(0, 0, UV_SIZE, UV_SIZE)
        self._uv_ids = rasterize_ids(self._uv, self._tris, self._square)
        self._plain, self._skin = _skin_zones(self._uv)
        self._forehead = np.arange(UV_SIZE)[:, None] < self._uv[list(L.RIGHT_BROW
                                                                   + L.LEFT_BROW), 1].min()
        self.reset()

    def reset(self) -> None:
        self._ref: np.ndarray | None = None
        self._var = np.full((UV_SIZE, UV_SIZE), 16.0, np.float32)
        self._seen = np.zeros((UV_SIZE, UV_SIZE), bool)
        self._age = np.zeros((UV_SIZE, UV_SIZE), np.int32)
        self._foreign = np.zeros((UV_SIZE, UV_SIZE), np.float32)

    def mask(self, frame: np.ndarray, face: Face, scene: Scene | None = None
             ) -> Occluded | None:
        """What to leave alone around `face` in `frame`; None when nothing.

        Call once per frame, in order, before the frame is changed.
        """
        visible, at = self.texels_in(face)
        tex = cv2.remap(frame, *at, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        lab = cv2.cvtColor(tex.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
        texels_per_px = UV_SIZE / max(face.size, 1.0)
        if texels_per_px > 1.0:  # a small face: texels between pixels only carry resampling
            lab = cv2.GaussianBlur(lab, (0, 0), texels_per_px / 2)
        sudden = self._sudden(lab, visible, texels_per_px)
        foreign = self._foreign_structure(lab, visible, at, face) & ~sudden
        region = Region.around(face.xy[: L.N_MESH], frame.shape[:2], margin=PIN_REACH + 0.05)
        in_front, kept = _to_frame(sudden, foreign, at=at, visible=visible, size=face.size,
                                   region=region)
        if scene is not None:
            hands = scene.hand_cover(region, face.xy[list(L.FACE_OVAL)])
            if hands is not None:
                in_front = np.maximum(in_front, hands) if in_front is not None else hands
            background = scene.background(region)
            if background is not None:
                background = _beyond_person(background)
                kept = background if kept is None else np.maximum(kept, background,
                                                                  out=background)
        if in_front is None and kept is None:
            return None
        if in_front is None:
            # nothing in front: what is kept is all there is, shared by `covered` and `low`
            # as `swap.masks.merge` shares it (no window of zeros, no copies of `kept`)
            return Occluded(region, kept, np.zeros((region.h, region.w), np.float32), kept)
        kept = np.zeros((region.h, region.w), np.float32) if kept is None else kept
        reach = max(int(PIN_REACH * face.size), 1) | 1
        pinned = np.zeros_like(in_front)
        # worked out over what is in front, grown past what the dilation and its blur reach
        # (half the kernel, 4 sigmas): the same numbers, and on a close-up a part of the
        # window's work (the dilation's cost is the area times the kernel's, both growing
        # with the face: 9 ms a call on a 470 px face over the whole window)
        box = mask_box(in_front > 0, reach // 2 + reach + 2)
        if box is not None:
            pinned[box] = cv2.GaussianBlur(dilate_disc(in_front[box], reach), (0, 0), reach / 4)
        pinned = np.maximum(pinned, in_front)
        covered = np.maximum(in_front, kept)
        return Occluded(region, covered, pinned, np.maximum(pinned, kept))

    def texels_in(self, face: Face) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Which texels of the layout `face` shows (those of its front faces: the layout's
        raster is fixed) and where each lies in the frame (x and y maps for `cv2.remap`;
        -1 where hidden): the unwrap's sampling map, and the way back to the frame."""
        front = np.append(front_facing(face.points[:, :2], self._tris), False)  # -1: none
        ids = np.where(front[self._uv_ids], self._uv_ids, -1)
        return ids >= 0, source_coords(ids, affine_maps(self._uv, face.xy, self._tris),
                                       self._square)

    def _sudden(self, lab: np.ndarray, visible: np.ndarray, texels_per_px: float
                ) -> np.ndarray:
        """Texels that suddenly differ from the face's recent look (and update that look)."""
        if self._ref is None:
            self._ref = lab
            self._seen = visible.copy()
            return np.zeros_like(visible)
        delta = _length(lab - self._ref)
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
        # whole-array updates kept where the masks say: boolean indexing gathered and
        # scattered every texel, at three times the cost
        np.copyto(self._ref, self._ref + FOLLOW * (lab - self._ref), where=follow[..., None])
        np.copyto(self._ref, lab, where=fresh[..., None])
        np.copyto(self._var, np.clip((1 - FOLLOW) * self._var + FOLLOW * delta**2, 4.0, 400.0),
                  where=follow)
        self._seen |= visible
        return covered

    def _foreign_structure(self, lab: np.ndarray, visible: np.ndarray,
                           at: tuple[np.ndarray, np.ndarray], face: Face) -> np.ndarray:
        """Texels of the plain-skin zone that have looked unlike the face's skin for a few
        frames: hair over the forehead or temples, the frames of glasses (`_hair_or_rims`)."""
        skin = visible & self._skin
        if skin.sum() < 32:
            return np.zeros_like(visible)
        unlike = (skin_distance(lab, np.median(lab[skin], axis=0), SHADOW_WEIGHT, SHADOW_L)
                  > FOREIGN_DELTA) & visible
        self._foreign += FOREIGN_FOLLOW * (unlike - self._foreign)
        foreign = ((self._foreign > 0.5) & self._plain).astype(np.uint8)
        foreign = _hair_or_rims(foreign, at, face, self._forehead)
        return cv2.dilate(foreign, np.ones((5, 5), np.uint8)) > 0


def _beyond_person(background: np.ndarray) -> np.ndarray:
    """`Scene.background` as what is kept of it: none up to `BACKGROUND_FROM`, all from
    twice it; in one new window (`np.clip` made two more, and its array-wide form cost four
    times a maximum and a minimum)."""
    background = background - BACKGROUND_FROM
    background /= BACKGROUND_FROM
    np.maximum(background, 0.0, out=background)
    return np.minimum(background, 1.0, out=background)


def _to_frame(*texels: np.ndarray, at: tuple[np.ndarray, np.ndarray], visible: np.ndarray,
              size: float, region: Region) -> list[np.ndarray | None]:
    """UV masks laid onto the face in `region` (soft-edged), None for an empty one.

    Each visible texel is spread bilinearly onto the four pixels around where the unwrap
    sampled it (`at`), each pixel the weighted mean of what reached it: no second
    rasterisation of the mesh, which was a third of the occlusion's cost. A texel hidden
    behind the nose of a turned head sampled the nose, so it lands where its evidence came
    from. At half the frame's resolution when a texel spans more than a pixel (the masks
    are soft).
    """
    present = [t.any() for t in texels]
    if not any(present):
        return [None] * len(texels)
    scale = 0.5 if size > UV_SIZE else 1.0
    h, w = max(round(region.h * scale), 1), max(round(region.w * scale), 1)
    x = (at[0][visible] - region.x0) * scale
    y = (at[1][visible] - region.y0) * scale
    inside = (x >= 0) & (x < w - 1) & (y >= 0) & (y < h - 1)  # all but past the frame's edge
    x, y = x[inside], y[inside]
    cols, rows = x.astype(np.int32), y.astype(np.int32)
    fx, fy = x - cols, y - rows
    corner = rows * w + cols
    index = np.concatenate([corner, corner + 1, corner + w, corner + w + 1])
    weight = np.concatenate([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy])
    reached = np.maximum(np.bincount(index, weight, h * w), 1e-6)
    out = np.empty((h, w, len(texels)), np.float32)
    for i, t in enumerate(texels):
        soft = np.maximum(cv2.GaussianBlur(t.astype(np.float32), (0, 0), 1.0), t)
        spread = np.bincount(index, weight * np.tile(soft[visible][inside], 4), h * w)
        out[..., i] = (spread / reached).reshape(h, w)
    # a texel the face's curve turns from the camera spans several pixels: grown and
    # blurred by one texel's mean width, the masks' edges are not its blocks (dark
    # stair-steps of kept hair along a turned cheek), the pixels between texels spread
    # wider apart are filled, and a thin rim is still kept whole
    texel = max(size * scale / UV_SIZE, 0.5)
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * round(texel) + 1,) * 2)
    out = cv2.GaussianBlur(cv2.dilate(out, grow), (0, 0), texel)
    if scale != 1.0:
        out = cv2.resize(out, (region.w, region.h), interpolation=cv2.INTER_LINEAR)
    out = out.reshape(region.h, region.w, len(texels))
    return [out[..., i] if here else None for i, here in enumerate(present)]


def _hair_or_rims(foreign: np.ndarray, at: tuple[np.ndarray, np.ndarray], face: Face,
                  forehead: np.ndarray) -> np.ndarray:
    """The parts of `foreign` (uint8 UV mask) that can be hair or rims: what reaches the
    forehead above the brows (a fringe), and below it what reaches further inside the face's
    outline in the frame than `EDGE_RING` and either comes in from that ring (hair grows
    from outside the face) or is long (`RIM_LENGTH`: a rim). Not hair only the mesh's edge
    overlaps, nor a small spot in the middle of the face: an upper lid's crease darkened by
    a glance aside was kept, a dark blot on the swapped lid for a frame (d14 into d3)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(foreign, connectivity=8)
    if count < 2:
        return foreign
    keep = np.zeros(count, bool)
    keep[np.unique(labels[forehead & (labels > 0)])] = True
    ys, xs = np.nonzero((labels > 0) & ~forehead)
    if len(ys):
        # depth inside the outline on a grid of about 64 cells across the face
        outline = face.xy[list(L.FACE_OVAL)]
        origin = outline.min(axis=0)
        cell = max(face.size / 64, 1.0)
        w, h = (np.ptp(outline, axis=0) / cell).astype(int) + 2
        inside = np.zeros((h, w), np.uint8)
        cv2.fillPoly(inside, [np.round((outline - origin) / cell).astype(np.int32)], 1)
        grid = cv2.distanceTransform(inside, cv2.DIST_L2, 3) * cell
        gx = np.clip(((at[0][ys, xs] - origin[0]) / cell).round().astype(int), 0, w - 1)
        gy = np.clip(((at[1][ys, xs] - origin[1]) / cell).round().astype(int), 0, h - 1)
        deep = grid[gy, gx] >= EDGE_RING * face.size
        label = labels[ys, xs]
        reaches = np.bincount(label[deep], minlength=count) > 0
        from_edge = np.bincount(label[~deep], minlength=count) > 0
        long = stats[:, cv2.CC_STAT_WIDTH:cv2.CC_STAT_HEIGHT + 1].max(axis=1) >= RIM_LENGTH
        keep |= reaches & (from_edge | long)
    keep[0] = False
    return keep[labels].astype(np.uint8)


def _skin_zones(uv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(plain, skin) UV masks. `plain`: where hair or glasses may lie on what should be
    plain skin: above the nose tip and along the face's sides down to the mouth, less the
    brows, eyes and lids. `skin`: what the face's skin colour is measured on: the whole
    face less brows, eyes, nostrils and lips."""
    size = (UV_SIZE, UV_SIZE)
    face = np.zeros(size, np.uint8)
    cv2.fillPoly(face, [uv[list(L.FACE_OVAL)].astype(np.int32)], 1)
    grow = max(UV_SIZE // 40, 1) * 2 + 1
    features = np.zeros(size, np.uint8)  # grown: lashes, and brows bushier than the mesh's
    for group in (L.RIGHT_EYE, L.LEFT_EYE, L.RIGHT_BROW, L.LEFT_BROW):
        cv2.fillConvexPoly(features, cv2.convexHull(uv[list(group)].astype(np.int32)), 1)
    features = cv2.dilate(features, np.ones((grow, grow), np.uint8))
    lips = np.zeros(size, np.uint8)
    cv2.fillPoly(lips, [uv[list(L.LIPS_OUTER)].astype(np.int32)], 1)
    lips = cv2.dilate(lips, np.ones((grow, grow), np.uint8))
    inset = cv2.distanceTransform(face, cv2.DIST_L2, 3)
    rows = np.arange(UV_SIZE)[:, None]
    upper = rows < uv[L.NOSE_TIP, 1]
    sides = (inset < 0.12 * UV_SIZE) & (rows < uv[[L.MOUTH_LEFT, L.MOUTH_RIGHT], 1].min())
    plain = (face > 0) & (upper | sides) & (features == 0)
    nostrils = (rows > uv[L.NOSE_TIP, 1]) & (rows < uv[[L.MOUTH_LEFT, L.MOUTH_RIGHT], 1].min())
    skin = (face > 0) & (features == 0) & (lips == 0) & ~(nostrils & (inset > 0.25 * UV_SIZE))
    return plain, skin


def _gradient(lab: np.ndarray) -> np.ndarray:
    """Per-texel colour change over one texel (Lab units), the largest over the channels."""
    gx = cv2.Sobel(lab, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(lab, cv2.CV_32F, 0, 1, ksize=3) / 8
    g = np.sqrt(gx**2 + gy**2)
    return np.maximum(np.maximum(g[..., 0], g[..., 1]), g[..., 2])


def _length(lab: np.ndarray) -> np.ndarray:
    """Per-texel length of a Lab difference.

    Here and in `_gradient` the three channels are combined one by one: numpy's reductions
    over a last axis of three (`norm`, `max(axis=2)`) took 0.4-0.9 ms a 128 x 128 texture,
    the same numbers this way 0.03-0.1 ms."""
    return np.sqrt(lab[..., 0] ** 2 + lab[..., 1] ** 2 + lab[..., 2] ** 2)
