"""The footage's expression folds on the drawn face (an expression ratio image).

The drawn face is the user's resting face: a smile, a frown or a word changes its mesh, but
the folds and bulges that come with them (smile lines, the cheek a smile lifts, a frown's
creases, the chin under a pressed lip) are not in the selfies' texture, and the relighter
carries the footage's light only at a sixth of the face and coarser. A blind viewer read
the swaps as "a flat, pasted face". The target shows those folds in the footage; its own
features and forms (eye sockets, nose, cheekbones) are what a recogniser reads the target
by, and must not come along.

So only the change is carried: each frame the target's face is unwrapped from the footage
into the texture's layout (through its own mesh, `GRID` texels wide), its lightness's band
between `FINE` texels and `COARSE` of the face kept, in logarithms; a running median of that
band (each texel moves toward it by at most `SETTLE` a frame), learned on the frames whose
mouth rests (`RESTING`), is the target's resting face in this scene, and the difference
from it is this frame's expression (and the light's changes at that scale as the head
turns). A smile held through a whole clip is then still a smile, not the target's usual
look, unless the target never rests. That difference, steadied in the texture's layout
(`FOLLOW`: it is attached to the face), multiplies the drawn face's plain skin's lightness
where it lies in the same layout, away from the lips, eyes and brows (`APART`): the user's
features take the target's expression's folds, in the user's own shape. Where the target's
face was hidden (turned away, a hand) nothing is learned or drawn. A still photo has no
history, so no change.

The change is read on the thread that draws the face (`Folds.read`: it sees the frames in
order) and drawn on the composing one (`draw`), which is the swap's longer half: about 3.4
and 1.4 ms of CPU a frame on s18.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import Region, rasterize_ids, warp_mesh
from facecast.imaging import channels, masked_blur, ramp, smoothstep

GRID = 96
"""Texels across the layout the footage is unwrapped into: a fold is a few pixels wide on a
300 px face, a texel or two here; finer is the footage's grain, which the detail stage
carries."""
FINE = 1.1
"""Texels: the band's fine end. At 0.6 a blind viewer saw "speckled" folds beside a smile."""
COARSE = 1 / 6
"""Of the face's width: the band's coarse end, where the relighter's light takes over."""
SETTLE = 0.004
"""Log lightness a frame by which the running median moves toward each frame's band: a
fold held for about a second is still drawn, a face's usual look is learned in seconds."""
FOLLOW = 0.5  # per frame: the change steadied in the texture's layout
LEARNED = 15  # frames a texel must have been seen before its change is drawn in full
LIMIT = 0.35  # log lightness: the largest change drawn (a shadow's edge, not a fold)
RESTING = (0.25, 0.6)
"""Frames whose lip corners sit (against the lips' middle, in mouth widths) at most at the
first quantile of the track's frames so far teach the median in full, from the second not
at all, softly between: a smile's folds are a change from the resting face."""
HISTORY = 300  # frames whose corners the quantiles are taken over
QUANTILES_EVERY = 10  # frames: the quantiles are taken again
FACE = (100.0, 200.0)
"""Face size (px) from which folds are drawn, and from which in full: on s13's 98 px face
the band is the footage's grain and the mesh's wobble, and dlib read the swap further from
the user (0.496 -> 0.520)."""
APART = {"lips": 0.12, "eyes": 0.2, "brows": 0.2}
"""How far from the target's lips (mouth widths), eyes and brows (eye widths) its change is
not drawn, and from twice that in full. Near them the change is a feature that moved, not
a fold: a brow raised drew its edge on the user's forehead as a second brow (ghosting d14
into d3 0.060 -> 0.101)."""
OUTLINE_APART = 0.05
"""Of the layout's face width: how far inside the outline no change is drawn, and from twice
that in full. There the unwrap reads the target's jaw edge, the hair over it and the
background beside it, which move against the face as it talks: d10's long hair and her
cheek's contour make-up, read as changes from her resting face, were drawn down d14's cheek
as a curved line from the mouth's corner to the jaw, a fold the footage does not have."""
BELOW_LIPS = 0.6
ABOVE_LIPS = (0.25, 0.6)
"""Mouth widths below the lower lip (`BELOW_LIPS`: the chin) and above the upper lip's
middle (`ABOVE_LIPS`: how far, how wide) that count as lips for `APART`: a pout's shade on
the chin and around the mouth, under d14's thin, pale lips in d3's pout, moved dlib's
whole lower lip up past the upper one, which it reads as an open mouth (mouth false-open
d14 into d3: 0.067 without this, 0.025 with the chin to 0.3 mouth widths, 0.008 to 0.6,
0 as it is, with the fine end at 1.1 texels), while a smile's lines, from the nose's wings
to beside the mouth's corners, are kept."""
SEEN = (0.25, 0.5)
"""How squarely (the cosine of its triangle toward the camera) the target's face must show a
texel to learn from it, and to learn in full: an edge-on cheek unwraps as a smear."""


@dataclass
class Change:
    """One frame's expression change: log lightness over the layout's grid, and the grid's
    scale from the identity's texture."""

    grid: np.ndarray
    scale: float


def draw(pixels: np.ndarray, change: Change | None, texels: tuple[np.ndarray, np.ndarray] | None,
         skin: np.ndarray) -> np.ndarray:
    """`pixels` (the drawn face, float RGB over its window) with `change` on their plain
    skin (`skin`, 0..1); `texels`: each pixel's place in the texture (`Rendered.texels`).
    Worked at half the window's size, straight from the grid: the change is smooth."""
    if change is None or texels is None:
        return pixels
    h, w = skin.shape
    half = [m[::2, ::2] * np.float32(change.scale) for m in texels]
    drawn = cv2.remap(change.grid, half[0], half[1], cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    gain = cv2.resize(np.exp(drawn), (w, h), interpolation=cv2.INTER_LINEAR)
    gain -= 1.0
    gain *= skin
    gain += 1.0
    return cv2.multiply(pixels, channels(gain))


class Folds:
    """Per tracked face: the target's band in the texture's layout and its running median.
    `read` learns and gives each frame's change (on the thread that draws, which sees the
    frames in order); `draw` puts a change on the drawn face."""

    def __init__(self) -> None:
        self._tris = L.triangles()
        self._layout: tuple[np.ndarray, float, np.ndarray, np.ndarray] | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the target's look: the next frame starts afresh."""
        self._median: np.ndarray | None = None
        self._seen: np.ndarray | None = None
        self._last: np.ndarray | None = None
        self._lifts: list[float] = []
        self._frames = 0  # read so far: the quantiles are taken every `QUANTILES_EVERY`
        self._resting_range: tuple[float, float] | None = None

    def read(self, footage: np.ndarray, region: Region, target: Face, uv: np.ndarray,
             hidden: np.ndarray | None, face_size: float) -> Change | None:
        """This frame's expression change in the texture's layout (log lightness), or None
        when none is drawn: `footage` is the window (`region`) before the swap, `target` the
        target's mesh in it (frame coordinates), `uv` the drawn identity's layout, `hidden`
        (0..1 over the window, or None) what occludes the target's face."""
        share = ramp(face_size, FACE)
        if share <= 0.0:
            return None
        ids, scale, grid_uv, apart = self._grid(uv)
        local = target.xy - (region.x0, region.y0)
        grey = cv2.cvtColor(footage, cv2.COLOR_RGB2GRAY)
        valid = self._facing(target, ids)
        if hidden is not None:
            grey = cv2.merge([grey, cv2.convertScaleAbs(hidden, alpha=255.0)])
        unwrapped, _ = warp_mesh(grey, local, grid_uv, self._tris, Region(0, 0, GRID, GRID),
                                 border=cv2.BORDER_REPLICATE, ids=ids)
        if hidden is not None:
            valid *= 1.0 - unwrapped[..., 1] / np.float32(255.0)
            unwrapped = unwrapped[..., 0]
        shown = np.log(unwrapped.astype(np.float32) + 4.0)
        width = float(np.ptp(grid_uv[: L.N_MESH, 0]))
        # the wide blur worked out at a quarter of the grid: what it keeps is smooth
        band = cv2.GaussianBlur(shown, (0, 0), FINE) - masked_blur(
            shown, valid > 0.5, max(width * COARSE, 1.0), 4)
        change = self._learn(band, valid, self._resting(target.xy))
        return Change(change * (share * apart), scale)

    def _grid(self, uv: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
        """The layout at `GRID` texels: its triangle ids, the scale from the texture, the
        mesh's points in it and where a change is drawn away from the features (`APART`);
        made once per identity's layout."""
        if self._layout is None or self._layout[2] is not uv:
            size = float(uv.min() + uv.max())  # the layout is centred in its square
            scale = GRID / size
            ids = rasterize_ids(uv * scale, self._tris, Region(0, 0, GRID, GRID))
            self._layout = ids, scale, uv, _apart(uv * scale)
        ids, scale, _, apart = self._layout
        return ids, scale, uv * scale, apart

    def _facing(self, target: Face, ids: np.ndarray) -> np.ndarray:
        """0..1 per texel: how squarely the target's face shows its triangle (`SEEN`); 0
        where the layout has no triangle."""
        p = target.points[: L.N_MESH]
        tris = self._tris
        n = np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]])
        facing = n[:, 2] / (np.linalg.norm(n, axis=1) + 1e-12)
        facing *= np.sign(facing.sum()) or 1.0  # toward the camera, whichever the winding
        low, full = SEEN
        per_tri = np.append(smoothstep((facing - low) / (full - low)), 0.0).astype(np.float32)
        return per_tri[ids]  # id -1: the appended 0

    def _resting(self, xy: np.ndarray) -> float:
        """0..1: how resting this frame's mouth is against the track's so far (`RESTING`)."""
        across = xy[L.LEFT_EYE_OUTER] - xy[L.RIGHT_EYE_OUTER]
        down = np.array([-across[1], across[0]]) / max(float(np.hypot(*across)), 1e-6)
        # heights along the face's own "down", square to the eyes' line
        middle = float((xy[L.LIP_INNER_TOP] + xy[L.LIP_INNER_BOTTOM]) @ down) / 2
        corners = float((xy[L.MOUTH_LEFT] + xy[L.MOUTH_RIGHT]) @ down) / 2
        width = max(float(np.linalg.norm(xy[L.MOUTH_LEFT] - xy[L.MOUTH_RIGHT])), 1e-6)
        lift = (middle - corners) / width
        self._lifts = [*self._lifts[-(HISTORY - 1):], lift]
        # counted apart from the history, which stops growing at `HISTORY` frames
        self._frames += 1
        if self._resting_range is None or self._frames % QUANTILES_EVERY == 1:
            low, high = np.quantile(self._lifts, RESTING)
            self._resting_range = float(low), float(high)
        low, high = self._resting_range
        if high - low < 1e-6:
            return 1.0
        return float(1.0 - smoothstep((lift - low) / (high - low)))

    def _learn(self, band: np.ndarray, valid: np.ndarray, resting: float) -> np.ndarray:
        """This frame's change from the running median (texels), steadied; and the median
        and how long each texel has been learned, moved on. `valid` (0..1 per texel): how
        well this frame shows the target there; `resting`: how much it teaches the median."""
        teach = valid * resting
        if self._median is None or self._seen is None:
            self._median = band.copy()
            self._seen = np.zeros(band.shape, np.float32)
        self._median += teach * np.clip(band - self._median, -SETTLE, SETTLE)
        self._seen += teach
        settled = np.minimum(self._seen / LEARNED, 1.0) * valid
        change = np.clip(band - self._median, -LIMIT, LIMIT) * settled
        if self._last is not None:
            change = self._last + FOLLOW * (change - self._last)
        self._last = change
        return change


def _apart(grid_uv: np.ndarray) -> np.ndarray:
    """0..1 over the grid: 0 within `APART` of the lips, eyes and brows and within
    `OUTLINE_APART` of the outline, 1 from twice as far."""
    mouth = float(np.linalg.norm(grid_uv[L.MOUTH_LEFT] - grid_uv[L.MOUTH_RIGHT]))
    eye = float(np.linalg.norm(grid_uv[L.RIGHT_EYE_OUTER] - grid_uv[L.RIGHT_EYE_INNER]))
    parts = {"lips": ([L.LIPS_OUTER], mouth),
             "eyes": ([L.RIGHT_EYE, L.LEFT_EYE], eye),
             "brows": ([L.RIGHT_BROW, L.LEFT_BROW], eye)}
    apart = np.ones((GRID, GRID), np.float32)
    for name, (groups, unit) in parts.items():
        mask = np.zeros((GRID, GRID), np.uint8)
        for group in groups:
            points = grid_uv[list(group)]
            if name == "lips":  # and the chin below them, the upper lip's skin above them
                middle = np.abs(points[:, 0] - points[:, 0].mean()) < ABOVE_LIPS[1] * mouth / 2
                points = np.vstack([points, points + np.array([0.0, BELOW_LIPS * mouth]),
                                    points[middle] - np.array([0.0, ABOVE_LIPS[0] * mouth])])
            hull = cv2.convexHull(np.round(points).astype(np.int32))
            cv2.fillPoly(mask, [points.round().astype(np.int32) if name == "eyes" else hull], 1)
        away = cv2.distanceTransform(1 - mask, cv2.DIST_L2, 5) / max(APART[name] * unit, 1e-6)
        apart = np.minimum(apart, smoothstep(away - 1.0))
    oval = np.zeros((GRID, GRID), np.uint8)
    cv2.fillPoly(oval, [np.round(grid_uv[list(L.FACE_OVAL)]).astype(np.int32)], 1)
    width = float(np.ptp(grid_uv[list(L.FACE_OVAL), 0]))
    inward = cv2.distanceTransform(oval, cv2.DIST_L2, 5) / max(OUTLINE_APART * width, 1e-6)
    return np.minimum(apart, smoothstep(inward - 1.0))
