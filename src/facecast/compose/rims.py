"""The target's own glasses in front of the swapped face, also where their rims cross the brows.

`compose.occlusion` keeps what looks unlike skin on plain skin; the brows are not plain
skin, so a rim running along a brow was painted over with the user's brow and the glasses
broke in two (d3 into d9: the upper rims gone over both brows, the lower ones kept). A
rim is a thin line, lighter (metal, clear plastic catching the light) or darker than what
is on either side of it, also over a brow, whose body is wider than the filter that finds
it: a top-hat of both signs a little wider than a rim, around the eyes out to where
glasses reach, less the eyes with their lashes, keeps the long lines of which some part
stands out clearly (as `identity.glasses.rim_mask` does on a selfie's texture).

Only on a face that wears glasses: a line across the nose between the eyes
(`faces.glasses.bridge_contrast`), held over a few frames. Without that gate a lid's
crease or a brow's lower edge would be kept as a rim. Clear plastic bridges are too faint
to be seen (d12: 1.2-1.6 against the 6.5 glasses give); such glasses stay as they were.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.glasses import GLASSES_FROM, bridge_contrast
from facecast.faces.mesh import Face
from facecast.faces.raster import Region
from facecast.imaging import mask_box

FOLLOW = 0.2  # per frame: how fast the "wears glasses" reading follows the bridge's
FILTER = 0.14  # of an eye's width: the top-hat's size, a little wider than a rim
RIM_FROM, RIM_SURE = 3.0, 7.0  # Lab lightness off either side: part of a rim; surely one
RIM_CORE = 5.0  # and the pixels of a rim that are kept: its core, not what beside it passes
RIM_SEEDS = 6  # pixels at RIM_SURE that make a line a rim rather than a crease
RIM_LENGTH = 0.4  # of an eye's width: a rim's piece is at least this long
REACH = (1.05, 0.9)  # of an eye's width, across and up or down: where glasses lie
BRIDGE_WIDTH = 0.6  # of an eye's width: the band between the eyes where the bridge lies
EYE_GROW = 0.18  # of an eye's width: its lashes and lids, never a rim


class GlassesRims:
    """Per tracked face: where the target's glasses' rims are, kept as they are."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._worn: float | None = None

    def not_face(self, rgb: np.ndarray, face: Face, region: Region) -> np.ndarray | None:
        """0..1 over `region` of `rgb`: the rims of the glasses the face wears, or None."""
        worn = float(bridge_contrast(rgb, face) >= GLASSES_FROM)
        # a photo, or a track's first frame, is read as it is; then the reading is held
        self._worn = worn if self._worn is None else self._worn + FOLLOW * (worn - self._worn)
        if self._worn < 0.5:
            return None
        xy = face.xy[:, :2]
        eye_w = float(np.linalg.norm(xy[L.RIGHT_EYE_OUTER] - xy[L.RIGHT_EYE_INNER]))
        if eye_w < 8:
            return None
        rims = _rims(rgb[region.slices], xy - (region.x0, region.y0), eye_w)
        if not rims.any():
            return None
        grown = cv2.dilate(rims.astype(np.uint8), np.ones((3, 3), np.uint8))
        return cv2.GaussianBlur(grown.astype(np.float32), (0, 0), 0.7)


def _rims(window: np.ndarray, xy: np.ndarray, eye_w: float) -> np.ndarray:
    """bool over `window` (where the face's points are `xy`): the glasses' thin lines."""
    zone = _zone(xy, window.shape[:2], eye_w)
    box = mask_box(zone)
    if box is None:
        return zone > 0
    lighter, darker = thin_lines(window[box], eye_w)
    lighter *= zone[box]
    darker *= zone[box]
    thin = np.maximum(lighter, darker)
    n, labels, stats, _ = cv2.connectedComponentsWithStats((thin > RIM_FROM).astype(np.uint8), 8)
    sure = np.bincount(labels[thin > RIM_SURE], minlength=n)
    rims = (np.maximum(stats[:, 2], stats[:, 3]) > RIM_LENGTH * eye_w) & (sure >= RIM_SEEDS)
    rims[0] = False
    # a rim is lighter or darker than both its sides along its length; a brow's hair beside
    # it is the other sign, and stays the brow's (a rim kept with it drew ragged hair over
    # the user's brow)
    light = (np.bincount(labels.ravel(), lighter.ravel(), minlength=n)
             > np.bincount(labels.ravel(), darker.ravel(), minlength=n))
    out = np.zeros(window.shape[:2], bool)
    out[box] = rims[labels] & (np.where(light[labels], lighter, darker) > RIM_CORE)
    return out


def thin_lines(window: np.ndarray, eye_w: float) -> tuple[np.ndarray, np.ndarray]:
    """Lab lightness of the thin lines over `window` (RGB) lighter, and darker, than both
    their sides: a top-hat of each sign, a little wider than a rim (`FILTER`)."""
    lightness = cv2.cvtColor(np.ascontiguousarray(window), cv2.COLOR_RGB2LAB)[..., 0]
    lightness = lightness.astype(np.float32) * (100 / 255)
    size = max(int(eye_w * FILTER), 3) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return (lightness - cv2.morphologyEx(lightness, cv2.MORPH_OPEN, kernel),
            cv2.morphologyEx(lightness, cv2.MORPH_CLOSE, kernel) - lightness)


def _zone(xy: np.ndarray, shape: tuple[int, int], eye_w: float) -> np.ndarray:
    """uint8 0/1: around each eye out to `REACH` and the bridge between them, less the eyes
    grown by their lashes."""
    zone = np.zeros(shape, np.uint8)
    eyes = np.zeros(shape, np.uint8)
    for eye in (L.RIGHT_EYE, L.LEFT_EYE):
        points = xy[list(eye)]
        centre = np.round(points.mean(axis=0)).astype(int)
        axes = (int(eye_w * REACH[0]), int(eye_w * REACH[1]))
        cv2.ellipse(zone, (int(centre[0]), int(centre[1])), axes, 0, 0, 360, 1, -1)
        cv2.fillConvexPoly(eyes, cv2.convexHull(np.round(points).astype(np.int32)), 1)
    inner = np.round(xy[[L.RIGHT_EYE_INNER, L.LEFT_EYE_INNER]]).astype(int)
    cv2.line(zone, tuple(int(v) for v in inner[0]), tuple(int(v) for v in inner[1]), 1,
             max(int(BRIDGE_WIDTH * eye_w), 1))
    grow = int(EYE_GROW * eye_w) * 2 + 1
    eyes = cv2.dilate(eyes, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    return zone & (1 - eyes)
