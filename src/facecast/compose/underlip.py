"""The footage's shade under the lower lip, on the drawn face under the drawn lower lip.

The lower lip stands out of the face, and below it the skin turns in to the chin: a band of
shade runs under the lip's edge. Read along the face's down line from the lower lip's edge,
against the chin below, the footage's is 4-20 L (of 100) deep (s18's soft light 4, d3's and
s13's top light 17-20); the drawn faces' were up to 16 L shallower (d14 into d3), or none:
a lower lip pasted on a flat chin. The selfies' own light, flat or from elsewhere, is what
the texture carries there, and the relighting's gain, a sixth of the face wide, is too
coarse for a band a twentieth of the face deep.

The drawn face takes part of it column by column along the lip: each face's lightness
sampled on a grid that runs from its own lower lip's outline down toward its chin, in steps
of the lip-to-chin distance, relative to the chin's lightness at the grid's foot, so the
shade lands under the drawn lip's edge wherever the user's lip ends. Only darker: the
shade, not the footage's skin, and the user's own darker chin stays. Half of it: in full,
d14's pale lower lip over d3's deep shade read to dlib's 68-point model as an open mouth's
teeth above a lower lip (false-open 0 -> 0.19 of the frames); at half, 0. The relighter
gives it to faces from 100 px, as the corners their shadow: on s13's 91 px face it took
dlib's reading 0.03 toward the target.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.imaging import smoothstep

SHARE = 0.5  # of the footage's shade under the lip, beyond the drawn face's, taken
ROWS = np.linspace(-0.1, 0.7, 33)
"""The grid's rows: steps down from the lower lip's outline, in lip-to-chin distances."""
COLUMNS = 25  # along the lip's outline, corner to corner
FOOT = 0.55
"""From this far down (lip-to-chin distances) the chin: each column's level to compare at."""
START = (-0.04, 0.04)
"""The shade taken from nothing to in full across the lip's edge: above it the lip's own
colour and shape stay the user's."""
END = (0.3, 0.5)
"""And back to nothing toward the chin's level."""
CORNERS = 0.2
"""The share of the columns at each end over which the shade fades: the mouth's corners
have their own (`compose.corners`)."""
SOFTNESS = 0.01  # of the face size: both faces' lightness blurred, grain is no shade

_OUTLINE = L.LOWER_LIP[:L.LOWER_LIP.index(L.MOUTH_RIGHT) + 1]


def shade_under_lip(footage: tuple[np.ndarray, np.ndarray], lightness: np.ndarray,
                    face_xy: np.ndarray, region: Region, face_size: float,
                    share: float = SHARE) -> None:
    """Darken the drawn face under its lower lip (`lightness`: Lab's L, 0..100, over
    `region`, in place; the drawn mesh `face_xy`) by `share` of the footage's shade there
    beyond the drawn face's. `footage`: the region's RGB window before the shape warp and
    the target's own points there."""
    if share <= 0.0:
        return
    window, theirs = footage
    origin = np.array([region.x0, region.y0], np.float64)
    drawn = face_xy[:, :2] - origin
    sigma = max(face_size * SOFTNESS, 0.5)
    shape = lightness.shape[:2]
    their_l = _sampled(_footage_lightness(window), shape, _grid(theirs[:, :2] - origin),
                       sigma)
    columns = _columns(drawn)
    drawn_l = _sampled(lightness.__getitem__, shape, _grid(drawn, columns), sigma)
    if their_l is None or drawn_l is None:
        return
    shade = _relative(their_l) - _relative(drawn_l)
    np.minimum(shade, 0.0, out=shade)
    shade *= _WEIGHTS * np.float32(share)
    _add(lightness, shade, drawn, columns)


def _footage_lightness(window: np.ndarray) -> Callable[[tuple[slice, slice]], np.ndarray]:
    """Lab's L of a box of the footage's RGB `window`."""
    def read(box: tuple[slice, slice]) -> np.ndarray:
        if window.dtype == np.uint8:  # OpenCV's 8-bit Lab: L in 0..255, by a table
            return cv2.cvtColor(window[box], cv2.COLOR_RGB2LAB)[..., 0].astype(
                np.float32) * np.float32(100 / 255)
        rgb = window[box].astype(np.float32) / 255.0
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[..., 0]
    return read


def _columns(points: np.ndarray) -> np.ndarray:
    """The lower lip's outline on a mesh's `points` at COLUMNS places evenly along it."""
    outline = points[list(_OUTLINE)]
    steps = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(outline, axis=0), axis=1))]
    at = np.linspace(0.0, steps[-1], COLUMNS)
    return np.stack([np.interp(at, steps, outline[:, k]) for k in (0, 1)], axis=1)


def _grid(points: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
    """The sampling grid (ROWS x COLUMNS x 2) under the lower lip of a mesh's `points`
    (`columns`: its outline's `_columns`, when already made)."""
    down = points[L.CHIN] - points[L.LIP_OUTER_BOTTOM]
    columns = _columns(points) if columns is None else columns
    return (columns[None] + ROWS[:, None, None] * down).astype(np.float32)


def _sampled(read: Callable[[tuple[slice, slice]], np.ndarray], shape: tuple[int, int],
             grid: np.ndarray, sigma: float) -> np.ndarray | None:
    """The lightness `read` gives over a box around `grid` (in a window of `shape`),
    blurred by `sigma` and sampled on the grid; None when the box leaves the window."""
    pad = int(np.ceil(3 * sigma)) + 2
    x0, y0 = np.floor(grid.reshape(-1, 2).min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(grid.reshape(-1, 2).max(axis=0)).astype(int) + pad
    if x0 < 0 or y0 < 0 or x1 > shape[1] or y1 > shape[0]:
        return None
    patch = cv2.GaussianBlur(read((slice(y0, y1), slice(x0, x1))), (0, 0), sigma)
    local = grid - np.array([x0, y0], np.float32)
    return cv2.remap(patch, local[..., 0], local[..., 1], cv2.INTER_LINEAR)


def _relative(profiles: np.ndarray) -> np.ndarray:
    """Each column's lightness against its chin's (the rows from `FOOT` down)."""
    return profiles - profiles[ROWS >= FOOT].mean(axis=0)


def _between(x: np.ndarray, edges: tuple[float, float]) -> np.ndarray:
    """0 below the first of `edges`, 1 past the second, smoothly between."""
    return smoothstep((x - edges[0]) / (edges[1] - edges[0]))


def _weights() -> np.ndarray:
    """ROWS x COLUMNS: in full under the lip's edge, fading toward the chin and corners."""
    rows = _between(ROWS, START) * (1.0 - _between(ROWS, END))
    along = np.minimum(np.arange(COLUMNS), np.arange(COLUMNS)[::-1]) / (COLUMNS - 1)
    return (rows[:, None] * _between(along, (0.0, CORNERS))[None]).astype(np.float32)


_WEIGHTS = _weights()


def _add(lightness: np.ndarray, shade: np.ndarray, points: np.ndarray, contour: np.ndarray
         ) -> None:
    """Add `shade` (ROWS x COLUMNS, on the drawn grid) to `lightness` at each pixel's place
    in the grid: across the face its place along the lip's outline, down the face its steps
    from it. `contour`: the drawn outline's `_columns`."""
    down = points[L.CHIN] - points[L.LIP_OUTER_BOTTOM]
    length = float(np.linalg.norm(down))
    if length < 1.0:
        return
    d = down / length
    across = np.array([d[1], -d[0]])
    u = contour @ across
    if u[0] > u[-1]:
        u, contour, shade = u[::-1], contour[::-1], shade[:, ::-1]
    # seen from the side, the far corner's outline folds back over itself: the columns
    # there (which take little, `CORNERS`) are pressed into one
    u = np.maximum.accumulate(u)
    # only the rows that take any shade
    corners = (contour[None] + np.array([START[0], END[1]])[:, None, None] * down).reshape(-1, 2)
    h, w = lightness.shape
    x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(corners.max(axis=0)).astype(int) + 1, (w, h))
    if x1 <= x0 or y1 <= y0:
        return
    xs, ys = np.meshgrid(np.arange(x0, x1, dtype=np.float32),
                         np.arange(y0, y1, dtype=np.float32))
    across_u = xs * np.float32(across[0]) + ys * np.float32(across[1])
    down_v = xs * np.float32(d[0]) + ys * np.float32(d[1])
    column = np.interp(across_u, u, np.arange(COLUMNS), left=-2.0, right=-2.0)
    below = (down_v - np.interp(across_u, u, contour @ d)) / length
    row = (below - ROWS[0]) / (ROWS[1] - ROWS[0])
    lightness[y0:y1, x0:x1] += cv2.remap(np.ascontiguousarray(shade),
                                         column.astype(np.float32), row.astype(np.float32),
                                         cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                         borderValue=0.0)
