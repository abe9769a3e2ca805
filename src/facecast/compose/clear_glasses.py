"""The target's clear glasses kept in front of the swapped face.

Clear or thin rims are too faint to be found in one frame: d12's show 1-5 Lab lightness
against the skin (`compose.rims` needs 7 and a bridge it can see), and a line that faint is
also a lid's crease or a fold. Over a clip they are the one thing around the eyes that
stays put on the skull while the face moves under them. So the thin lines around the eyes
of every frame are laid into one frame fixed to the head (an affine fitted on points that
barely move with expression) and added up there, and a pair of lenses is fitted to that
sum: two mirrored ellipses, each the ring whose lines stand out most from just inside and
just outside it. Each frame, the rings are carried back by the head's motion and snapped to
the lines nearest them, and along them the swapped face is multiplied by the footage's own
light ratio there, before the shape warp moved anything: the rim's lighter or darker line
and its glints over the new face's tone. (The footage's pixels as they were also drew the
target's lens-tinted skin, a pale ring around the new eyes: a blind viewer's "ghostly
glasses ring".) The bridge is kept the same way, across the gap between the lenses at the
height where the summed lines there are strongest.

Inside the lenses the footage's reflections are kept too: the coating's violet or green
glare, which on d12 lies over an eye in a fifth of the frames, is what makes a lens read
as glass (without it the look test's cue for d12 was "the glasses fade out over the face",
and a lowered eye under the glare came out as two white slits, the eye's white without its
iris). A reflection is told by its colour: the skin and eyes seen through a clear lens keep
their hues within 10 of the lens's usual a and b (8-bit Lab; 99.5th percentile on d12's
frames without glare), a reflection is 25-50 away. There the footage's pixels are laid over
the swapped face, by how far the colour is from the lens's usual (`GLARE_CHROMA`). A
target's blue iris is as far from the skin's hue, but it is always there: inside the
irises only a colour further from the iris's usual one counts (`IRIS_FOLLOW`).

Only where the user says the target wears glasses (`SwapParams.target_glasses`; the
"Glasses" template sets it): the footage alone does not tell clear rims from a face without
glasses well enough (session 43: a single frame's best ring scored 0.4-1.1 on d12 and
0.8-2.8 on faces without glasses).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.compose.rims import thin_lines
from facecast.faces import landmarks as L
from facecast.faces.raster import Region

HEAD_POINTS = (L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER, L.LEFT_EYE_INNER, L.LEFT_EYE_OUTER,
               168, 6, 197, 195, L.FOREHEAD, 151, 9, 8, L.NOSE_TIP, 4)
"""Where the head's frame is read: the eye corners, the nose's ridge and the forehead's
middle. The outline's points slide with a turn (the affine through them threw the lenses off
the face on d12's head tilt)."""
CANVAS = (400, 300)  # the head's frame: width, height in its pixels
EYE_GAP = 100.0  # its pixels between the eyes' middles
FOLLOW = 0.005  # per frame, from the 200th: the sum's memory (a plain mean until then)
FIT_EVERY = 32  # frames between fits of the lenses to the sum, once it has settled
LENS_FOLLOW = 0.1  # per frame, toward the latest fit: the lenses settle, never jump
RING_GAP = 0.13  # of an eye's width: the rings inside and outside a lens' rim (its sum is wide)
SAMPLES = 64  # along each ring
OUTWARD = (-0.1, 0.3)  # a lens' middle from the eye's, outward, in eye widths
DOWN = (-0.2, 0.4)  # and downward
ACROSS = (0.6, 1.3)  # its half width, in eye widths
UP = (0.45, 1.1)  # its half height
BAND = 0.04  # of an eye's width, each side of the fitted lens: where its rim is looked for
SNAP_SPREAD = 2  # samples each side: a rim's offset from its lens is smooth along it
SNAP_FOLLOW = 0.15  # per frame: and in time
RIM_WIDTH = 0.12
"""Of an eye's width: the band along each snapped rim kept as the footage has it. At 0.07
the band missed the rim wherever the snap was off by a pixel or two, and a blind viewer
named every d12 swap by "glasses frames that fade out across the face, leaving floating
reflections"; at 0.12 the rims show as in the original (`make eval`: d12-d3's fine detail
1.232 -> 1.246, the ArcFace-style distance to the user .702 -> .698, d12-d9 .916 -> .885)."""
RIM_SURROUND = 0.2  # of an eye's width: what a rim is lighter or darker than
RIM_GRAIN = 1.0  # px: the footage's grain, which the detail stage already gave the face
RIM_SOFT = 1.5  # px: the rim's edge (d12: at 0.7, fine detail 1.30 and flicker 1.053)
BRIDGE = 0.12
"""Of an eye's width: the bridge's band between the lenses, kept as the rims are. Its height
is learnt from the clip's summed lines (`_bridge`): d12's bridge, with its glints, sits at
the lenses' upper third, the nearest points of two round lenses at their middles."""
GLARE_CHROMA = (14.0, 24.0)
"""8-bit Lab a, b distance from the lens's median colour from which a pixel is a reflection,
and from which in full."""
GLARE_SOFT = 1.0  # px: the reflection's edge
IRIS_FOLLOW = 0.05  # per frame: the irises' usual distance from the lens's colour


class ClearGlasses:
    """Per tracked face: the lenses of the glasses it wears, learnt over the clip."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._reference: np.ndarray | None = None
        self._sum = np.zeros(CANVAS[::-1], np.float32)
        self._frames = 0
        self._fitted: np.ndarray | None = None  # outward, down, half width, half height
        self._lenses: np.ndarray | None = None  # and those drawn, moving toward the fit
        self._offsets: list[np.ndarray | None] = [None, None]  # each rim's, off its lens
        self._bridge = np.zeros((2, 2), np.float32)  # its ends, in the head's frame
        self._iris_usual: np.ndarray | None = None  # per eye, that distance (`IRIS_FOLLOW`)

    def __call__(self, rgb: np.ndarray, region: Region, footage: np.ndarray, xy: np.ndarray,
                 weight: float) -> None:
        """Keep in `rgb` (in place, over `region`) the rims of the glasses: the thin lines
        of `footage` (the window before the warp) along the lenses; `xy`: the face's points
        in `footage`'s frame."""
        eye_w = float(np.linalg.norm(xy[L.RIGHT_EYE_OUTER] - xy[L.RIGHT_EYE_INNER]))
        if eye_w < 8 or weight <= 0:
            return
        local = xy[:, :2] - (region.x0, region.y0)
        if self._reference is None:
            self._reference = _head_frame(local)
        box = _around_eyes(local, eye_w, footage.shape)
        if box[0].start >= box[0].stop or box[1].start >= box[1].stop:
            return
        # all of it over the eyes' box of the window: the rims never leave it
        local = local - (box[1].start, box[0].start)
        footage = footage[box]
        head = _affine(self._reference, local)
        lines = np.maximum(*thin_lines(footage, eye_w))
        self._add(cv2.warpAffine(lines, head, CANVAS, flags=cv2.WARP_INVERSE_MAP
                                 | cv2.INTER_LINEAR))
        n = self._frames  # a fit at frames 1, 2, 4, 8, 16, then every 32: the sum changes
        refit = n & (n - 1) == 0 or n % FIT_EVERY == 0  # fastest at first
        if refit:
            self._fitted = _fit(self._sum, self._reference)
        self._lenses = self._fitted if self._lenses is None else (
            self._lenses + LENS_FOLLOW * (self._fitted - self._lenses))
        rim = np.zeros(lines.shape, np.uint8)
        lenses = np.zeros(lines.shape, np.uint8)
        reach = BAND * eye_w
        rings = _rings(self._reference, self._lenses)
        for side, ring in enumerate(rings):
            on_frame = ring @ head[:, :2].T + head[:, 2]
            snapped = _snapped(lines, on_frame, reach)
            self._offsets[side] = snapped if self._offsets[side] is None else (
                self._offsets[side] + SNAP_FOLLOW * (snapped - self._offsets[side]))
            outline = on_frame + _normals(on_frame) * self._offsets[side][:, None]
            cv2.polylines(rim, [np.round(outline).astype(np.int32)], True, 1,
                          max(round(RIM_WIDTH * eye_w), 1))
            cv2.fillPoly(lenses, [np.round(outline).astype(np.int32)], 1)
        if refit:
            self._bridge = _bridge(self._sum, rings)
        ends = np.round(self._bridge @ head[:, :2].T + head[:, 2]).astype(np.int32)
        cv2.line(rim, tuple(map(int, ends[0])), tuple(map(int, ends[1])), 1,
                 max(round(BRIDGE * eye_w), 1))
        keep = cv2.GaussianBlur(rim.astype(np.float32), (0, 0), RIM_SOFT) * weight
        footage = footage.astype(np.float32)
        ratio = (cv2.GaussianBlur(footage, (0, 0), RIM_GRAIN) / np.maximum(
            cv2.GaussianBlur(footage, (0, 0), RIM_SURROUND * eye_w), 1.0))
        window = rgb[region.slices][box]
        mixed = window * (1.0 + keep[..., None] * (ratio - 1.0))
        glare = self._glare(footage, lenses > 0, local) * weight
        mixed += glare[..., None] * (footage - mixed)
        window[:] = np.clip(mixed, 0, 255).astype(np.uint8)

    def _glare(self, footage: np.ndarray, lenses: np.ndarray, xy: np.ndarray) -> np.ndarray:
        """Per pixel of `footage` (float RGB), 0..1: how much of it is a reflection on the
        lenses (`lenses`, a mask), told by its colour (`GLARE_CHROMA`); `xy`: the face's
        points there, whose irises count only what is further from their usual colour."""
        if lenses.sum() < 16:
            return np.zeros(lenses.shape, np.float32)
        lab = cv2.cvtColor(footage / 255.0, cv2.COLOR_RGB2LAB)
        usual = np.median(lab[lenses][:, 1:], axis=0)
        far = np.linalg.norm(lab[..., 1:] - usual, axis=-1)
        discs = []
        for iris in (L.RIGHT_IRIS, L.LEFT_IRIS):
            middle, ring = xy[iris[0], :2], xy[list(iris[1:]), :2]
            radius = float(np.linalg.norm(ring - middle, axis=1).mean())
            disc = np.zeros(lenses.shape, np.uint8)
            cv2.circle(disc, tuple(np.round(middle).astype(int)), max(round(radius), 1), 1, -1)
            discs.append(disc > 0)
        seen = np.array([float(far[disc].mean()) if disc.any() else 0.0 for disc in discs])
        self._iris_usual = seen if self._iris_usual is None else (
            self._iris_usual + IRIS_FOLLOW * (seen - self._iris_usual))
        for disc, iris_usual in zip(discs, self._iris_usual, strict=True):
            far[disc] = np.maximum(far[disc] - iris_usual, 0.0)
        low, high = GLARE_CHROMA
        glare = np.clip((far - low) / (high - low), 0.0, 1.0) * lenses
        return cv2.GaussianBlur(glare.astype(np.float32), (0, 0), GLARE_SOFT)

    def _add(self, lines: np.ndarray) -> None:
        self._frames += 1
        share = max(1.0 / self._frames, FOLLOW)
        self._sum += share * (lines - self._sum)


def _bridge(total: np.ndarray, rings: list[np.ndarray]) -> np.ndarray:
    """The bridge in the head's frame (2 x 2: its two ends): across the gap between the two
    rims `rings`, at the height (between their tops and their middles) where `total`'s
    lines along that gap are strongest."""
    right, left = rings
    x0, x1 = float(right[:, 0].max()), float(left[:, 0].min())
    top = float(min(right[:, 1].min(), left[:, 1].min()))
    middle = float((right[:, 1].mean() + left[:, 1].mean()) / 2)
    xs = np.arange(int(np.floor(min(x0, x1))), int(np.ceil(max(x0, x1))) + 1)
    ys = np.arange(max(int(top), 0), min(int(middle), total.shape[0] - 1) + 1)
    xs = xs[(xs >= 0) & (xs < total.shape[1])]
    if len(xs) == 0 or len(ys) == 0:
        return np.array([[x0, middle], [x1, middle]], np.float32)
    row = float(ys[int(np.argmax(total[np.ix_(ys, xs)].mean(axis=1)))])
    return np.array([[x0, row], [x1, row]], np.float32)


def _normals(ring: np.ndarray) -> np.ndarray:
    """Unit normals of a closed polyline, pointing out of an anticlockwise one."""
    along = np.roll(ring, -1, axis=0) - np.roll(ring, 1, axis=0)
    normal = np.stack([along[:, 1], -along[:, 0]], axis=1)
    return normal / np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-6)


def _snapped(lines: np.ndarray, ring: np.ndarray, reach: float) -> np.ndarray:
    """Per point of `ring`: the offset along its normal, within `reach` px, where `lines`
    is strongest, the lines smoothed along the ring first."""
    offsets = np.linspace(-reach, reach, max(int(2 * reach) + 1, 3), dtype=np.float32)
    where = ring[:, None, :] + _normals(ring)[:, None, :] * offsets[None, :, None]
    found = cv2.remap(lines, where[..., 0].astype(np.float32), where[..., 1].astype(np.float32),
                      cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    spread = 2 * SNAP_SPREAD + 1
    smooth = sum(np.roll(found, k, axis=0) for k in range(-SNAP_SPREAD, SNAP_SPREAD + 1))
    return offsets[np.argmax(smooth / spread, axis=1)]


def _around_eyes(xy: np.ndarray, eye_w: float, shape: tuple[int, ...]
                 ) -> tuple[slice, slice]:
    """The rows and columns of a window that any lens within the ranges can reach."""
    middles = np.stack([xy[list(L.RIGHT_EYE)].mean(axis=0), xy[list(L.LEFT_EYE)].mean(axis=0)])
    side = (OUTWARD[1] + ACROSS[1] + RING_GAP + BAND) * eye_w
    above = (-DOWN[0] + UP[1] + RING_GAP + BAND) * eye_w
    below = (DOWN[1] + UP[1] + RING_GAP + BAND) * eye_w
    x0, y0 = np.floor(middles.min(axis=0) - np.array([side, above])).astype(int)
    x1, y1 = np.ceil(middles.max(axis=0) + np.array([side, below])).astype(int)
    return (slice(max(y0, 0), max(min(y1, shape[0]), 0)),
            slice(max(x0, 0), max(min(x1, shape[1]), 0)))


def _head_frame(xy: np.ndarray) -> np.ndarray:
    """The face's points in the head's frame: the eyes level, `EYE_GAP` apart, in the
    canvas' upper middle."""
    right, left = xy[list(L.RIGHT_EYE)].mean(axis=0), xy[list(L.LEFT_EYE)].mean(axis=0)
    d = left - right
    angle = -np.arctan2(d[1], d[0])
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    turn *= EYE_GAP / max(float(np.linalg.norm(d)), 1e-6)
    return (xy - (right + left) / 2) @ turn.T + (CANVAS[0] / 2, CANVAS[1] * 0.4)


def _affine(reference: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """2x3: the head's frame to `xy`'s, least squares over `HEAD_POINTS`."""
    ids = list(HEAD_POINTS)
    src = np.hstack([reference[ids], np.ones((len(ids), 1))])
    return np.linalg.lstsq(src, xy[ids], rcond=None)[0].T.astype(np.float32)


def _rings(reference: np.ndarray, lenses: np.ndarray) -> list[np.ndarray]:
    """The two lenses' rims in the head's frame, each `SAMPLES` x 2."""
    return [ring[0] for ring in _rings_of(reference, lenses[None])]


def _rings_of(reference: np.ndarray, lenses: np.ndarray, scale: float = 0.0
              ) -> list[np.ndarray]:
    """For K candidate lenses (K x 4): the right and left rims, each K x `SAMPLES` x 2."""
    eye_w = float(np.linalg.norm(reference[L.RIGHT_EYE_OUTER] - reference[L.RIGHT_EYE_INNER]))
    t = np.linspace(0, 2 * np.pi, SAMPLES, endpoint=False)
    out, down, across, up = (lenses[:, i, None] for i in range(4))
    rings = []
    for eye, side in ((L.RIGHT_EYE, -1.0), (L.LEFT_EYE, 1.0)):
        middle = reference[list(eye)].mean(axis=0)
        x = middle[0] + eye_w * (side * out + (across + scale) * np.cos(t))
        y = middle[1] + eye_w * (down + (up + scale) * np.sin(t))
        rings.append(np.stack([x, y], axis=-1).astype(np.float32))
    return rings


def _scores(total: np.ndarray, reference: np.ndarray, lenses: np.ndarray) -> np.ndarray:
    """Per candidate: the lines along both rims, less the mean of those just inside and
    just outside them."""
    def along(scale: float) -> np.ndarray:
        right, left = _rings_of(reference, lenses, scale)
        both = np.concatenate([right, left], axis=1)
        found = cv2.remap(total, both[..., 0], both[..., 1], cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return found.mean(axis=1)
    return along(0.0) - 0.5 * (along(-RING_GAP) + along(RING_GAP))


def _fit(total: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """The lenses (outward, down, half width, half height, in eye widths) whose rims stand
    out most in `total`: a coarse search over the ranges, then three finer ones around the
    best."""
    bounds = np.array([OUTWARD, DOWN, ACROSS, UP], np.float64)
    axes = [np.linspace(lo, hi, n) for (lo, hi), n in zip(bounds, (5, 7, 8, 8), strict=True)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 4)
    grid = grid[grid[:, 3] <= grid[:, 2] * 1.05]  # a lens is no taller than it is wide
    best = grid[int(np.argmax(_scores(total, reference, grid)))]
    step = (bounds[:, 1] - bounds[:, 0]) / np.array([4, 6, 7, 7]) / 2
    for _ in range(3):
        offsets = np.stack(np.meshgrid(*[(-s, 0.0, s) for s in step], indexing="ij"),
                           axis=-1).reshape(-1, 4)
        near = np.clip(best + offsets, bounds[:, 0], bounds[:, 1])
        best = near[int(np.argmax(_scores(total, reference, near)))]
        step /= 2
    return best
