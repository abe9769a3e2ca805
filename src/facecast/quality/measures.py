"""Per-frame measurements of a swapped frame against its original, for `quality.evaluate`.

Each function looks at one frame (or one pair of consecutive frames) and returns plain
numbers; aggregation and targets live in `report.py`.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

from facecast.faces import landmarks as L

_CHEEKS = (205, 425)
DRIFT_POINTS = (L.NOSE_TIP, L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER, L.LEFT_EYE_OUTER,
                L.LEFT_EYE_INNER)
"""Nose tip and eye corners: where a face that slides on the head shows it first."""

_FLOW_FACE_PX = 128  # faces are compared at this width: flow costs the same for any shot size


def _dist(points: np.ndarray, a: int, b: int) -> float:
    return float(np.linalg.norm(points[a, :2] - points[b, :2]))


def face_width(points: np.ndarray) -> float:
    """Cheek to cheek (mesh points 234 and 454), in pixels."""
    return _dist(points, 234, 454)


def eye_openness(points: np.ndarray) -> float:
    """Lid gap over eye width, both eyes averaged: about 0.3 open, under 0.1 closed."""
    right = np.mean([_dist(points, a, b) for a, b in L.RIGHT_LIDS])
    left = np.mean([_dist(points, a, b) for a, b in L.LEFT_LIDS])
    right /= max(_dist(points, L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER), 1e-6)
    left /= max(_dist(points, L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER), 1e-6)
    return float((right + left) / 2)


def mouth_openness(points: np.ndarray) -> float:
    """Inner-lip gap over the outer eye-corner distance (which expressions do not change)."""
    return _dist(points, L.LIP_INNER_TOP, L.LIP_INNER_BOTTOM) / max(
        _dist(points, L.RIGHT_EYE_OUTER, L.LEFT_EYE_OUTER), 1e-6)


def drift(original: np.ndarray, swapped: np.ndarray) -> np.ndarray:
    """Offsets (2 x len(DRIFT_POINTS), flattened) of the swapped face's nose tip and eye
    corners from the original's, in face widths."""
    idx = list(DRIFT_POINTS)
    return ((swapped[idx, :2] - original[idx, :2]) / face_width(original)).ravel()


def face_window(points: np.ndarray, shape: tuple[int, int], pad: float
                ) -> tuple[slice, slice]:
    """The face's bounding box grown by `pad` of its larger side, clipped to the frame."""
    x, y, bw, bh = cv2.boundingRect(np.round(points[:, :2]).astype(np.int32))
    grow = int(pad * max(bw, bh))
    h, w = shape
    return (slice(max(y - grow, 0), min(y + bh + grow, h)),
            slice(max(x - grow, 0), min(x + bw + grow, w)))


def face_mask(window: tuple[slice, slice], points: np.ndarray) -> np.ndarray:
    """uint8 mask (0/1) of the face oval over `window` of the frame."""
    rows, cols = window
    mask = np.zeros((rows.stop - rows.start, cols.stop - cols.start), np.uint8)
    oval = points[list(L.FACE_OVAL), :2] - (cols.start, rows.start)
    cv2.fillPoly(mask, [np.round(oval).astype(np.int32)], 1)
    return mask


def _gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)


class FlickerMeter:
    """Temporal noise inside the face: in each video, each frame is compared with the
    previous one warped onto it by that video's own optical flow.

    Motion (turning, talking) is explained by the flow; what changes without moving (texture
    shimmer, a breathing mask, light that wobbles) is not. The ratio of the two residuals is
    the flicker the swap added: 1.0 = none. With the original's flow for both, a swapped
    texture sharper than the original's read as flicker by itself (d12: 2.06 against 1.06).
    Sliding of the face on the head is measured apart, as pose drift.
    """

    def __init__(self) -> None:
        self._prev: tuple[np.ndarray, np.ndarray] | None = None
        self.original = 0.0
        self.swapped = 0.0
        self.pairs = 0

    def reset(self) -> None:
        self._prev = None

    def add(self, original: np.ndarray, swapped: np.ndarray, points: np.ndarray) -> None:
        """Feed the next frame pair and the original's face points (the face must be found)."""
        window = face_window(points, original.shape[:2], 0.15)
        mask = face_mask(window, points)
        scale = _FLOW_FACE_PX / (float(np.ptp(np.round(points[:, 0]))) + 1.0)
        size = (max(int(mask.shape[1] * scale), 8), max(int(mask.shape[0] * scale), 8))
        mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
        mask = cv2.erode(mask, np.ones((5, 5), np.uint8)) > 0
        prev, self._prev = self._prev, (original, swapped)
        if prev is None or prev[0].shape != original.shape or not mask.any():
            return
        crops = [cv2.resize(_gray(img[window]), size, interpolation=cv2.INTER_AREA)
                 for img in (*prev, original, swapped)]
        prev_orig, prev_swap, cur_orig, cur_swap = crops
        gx, gy = np.meshgrid(np.arange(size[0], dtype=np.float32),
                             np.arange(size[1], dtype=np.float32))
        for cur, old, attr in ((cur_orig, prev_orig, "original"), (cur_swap, prev_swap, "swapped")):
            flow = cv2.calcOpticalFlowFarneback(cur, old, None, 0.5, 3, 15, 3, 5, 1.1, 0)
            warped = cv2.remap(old, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
            setattr(self, attr, getattr(self, attr) + float(np.abs(cur - warped)[mask].mean()))
        self.pairs += 1

    @property
    def ratio(self) -> float | None:
        return self.swapped / self.original if self.pairs and self.original > 0 else None


def changed(original: np.ndarray, swapped: np.ndarray, points: np.ndarray) -> float:
    """Mean absolute grey-level change inside the face oval."""
    window = face_window(points, original.shape[:2], 0.0)
    mask = face_mask(window, points) > 0
    return float(np.abs(_gray(original[window]) - _gray(swapped[window]))[mask].mean())


def seam(original: np.ndarray, swapped: np.ndarray, points: np.ndarray) -> float | None:
    """Edge strength along the border of what the swap changed, swapped over original.

    The changed region is where the two frames differ by more than the encoder's noise; a
    band around its border is where a blend edge would be. Both frames' gradient energy is
    taken over that band: 1.0 means the swap added no edge of its own; a hard mask edge or a
    shading step raises it.
    """
    size = max(face_width(points), 1.0)
    window = face_window(points, original.shape[:2], 0.4)
    a, b = _gray(original[window]), _gray(swapped[window])
    diff = cv2.GaussianBlur(np.abs(a - b), (0, 0), 1.5)
    region = (diff > 3.0).astype(np.uint8)
    k = max(int(size / 25), 3) | 1
    region = cv2.morphologyEx(region, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(region)
    if count < 2:
        return None
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    region = (labels == biggest).astype(np.uint8)
    r = max(int(size / 40), 2) * 2 + 1
    kernel = np.ones((r, r), np.uint8)
    band = (cv2.dilate(region, kernel) - cv2.erode(region, kernel)) > 0
    if band.sum() < 20:
        return None

    def energy(img: np.ndarray) -> float:
        img = cv2.GaussianBlur(img, (0, 0), 0.8)
        gx = cv2.Sobel(img, cv2.CV_32F, 1, 0)
        gy = cv2.Sobel(img, cv2.CV_32F, 0, 1)
        return float(np.hypot(gx, gy)[band].mean())

    return energy(b) / max(energy(a), 1e-3)


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)


NECK_SHOWN = 0.25
"""Share of the box below the chin that must be skin for the neck to be compared: under a
collar (d12's sweater: 3 % of it) the few pixels left were a sliver of chin or shadow, and
the figure swung from -3 to 11 with a jaw a few pixels shorter."""


def cheek_neck_delta_e(original: np.ndarray, swapped: np.ndarray, points: np.ndarray
                       ) -> tuple[float, float] | None:
    """CIE76 ΔE between the cheeks and the neck below the chin: (original, swapped).

    The neck is the skin a viewer compares the face with: a larger ΔE in the swap than in
    the original is a face of another tone than its neck (each video's cheeks are compared
    with its own neck). Neck pixels
    count only where the original's colour is close to its own cheeks' (not a beard, collar
    or background); None when too few are left (`NECK_SHOWN`).
    """
    h, w = original.shape[:2]
    width = face_width(points)
    cheek_mask = np.zeros((h, w), np.uint8)
    for i in _CHEEKS:
        cx, cy = np.round(points[i, :2]).astype(int)
        cv2.circle(cheek_mask, (int(cx), int(cy)), max(int(0.07 * width), 2), 1, -1)
    chin, top = points[L.CHIN, :2], points[L.FOREHEAD, :2]
    down = (chin - top) / max(np.linalg.norm(chin - top), 1e-6)
    side = np.array([-down[1], down[0]])
    centre = chin + down * 0.22 * width
    half_w, half_h = 0.18 * width, 0.1 * width
    corners = np.array([centre + sx * half_w * side + sy * half_h * down
                        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))])
    neck_mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(neck_mask, [np.round(corners).astype(np.int32)], 1)
    if cheek_mask.sum() < 20 or neck_mask.sum() < 20:
        return None
    lab_o, lab_s = _lab(original), _lab(swapped)
    cheek_o = np.median(lab_o[cheek_mask > 0], axis=0)
    neck_pixels = lab_o[neck_mask > 0]
    skin = np.linalg.norm(neck_pixels - cheek_o, axis=1) < 25.0
    if skin.sum() < max(30, NECK_SHOWN * len(skin)):
        return None
    neck_o = np.median(neck_pixels[skin], axis=0)
    neck_s = np.median(lab_s[neck_mask > 0][skin], axis=0)
    cheek_s = np.median(lab_s[cheek_mask > 0], axis=0)
    return float(np.linalg.norm(cheek_o - neck_o)), float(np.linalg.norm(cheek_s - neck_s))


SKIN_DISTANCE = 24.0
"""YCrCb distance (8-bit levels) from the face's median skin colour beyond which a pixel
inside the oval is hair, beard, glasses or background, not skin (YCrCb, not Lab: OpenCV's
Lab took 7 ms a face, a third of the measure)."""
_NOSTRILS = (129, 64, 98, 97, 2, 326, 327, 294, 358)  # the nose's lower half, wings to tip


def _hull(points: np.ndarray, idx: tuple[int, ...], offset: tuple[int, int]) -> np.ndarray:
    return cv2.convexHull(np.round(points[list(idx), :2] - offset).astype(np.int32))


def _features(shape: tuple[int, int], points: np.ndarray, offset: tuple[int, int],
              thickness: int, fill: bool) -> np.ndarray:
    """uint8 mask of the brows and eyes (and, filled, the lips and nostrils): their outlines
    `thickness` px wide, or their areas when `fill`."""
    mask = np.zeros(shape, np.uint8)
    shapes = [_hull(points, L.RIGHT_BROW, offset), _hull(points, L.LEFT_BROW, offset)]
    for eye in (L.RIGHT_EYE, L.LEFT_EYE):
        shapes.append(np.round(points[list(eye), :2] - offset).astype(np.int32))
    if fill:
        shapes += [np.round(points[list(L.LIPS_OUTER), :2] - offset).astype(np.int32),
                   _hull(points, _NOSTRILS, offset)]
        cv2.fillPoly(mask, shapes, 1)
    else:
        cv2.polylines(mask, shapes, True, 1, thickness)
    return mask


def _near_colour(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    ycc = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YCrCb).astype(np.float32)
    median = np.median(ycc[mask], axis=0)
    return mask & (np.linalg.norm(ycc - median, axis=2) < SKIN_DISTANCE)


def skin(original: np.ndarray, swapped: np.ndarray, points: np.ndarray,
         window: tuple[slice, slice]) -> np.ndarray:
    """Bool mask over `window` of plain skin in both frames: the original's face oval minus
    its eyes, brows, lips and nostrils (grown by a twentieth of the face, so their edges stay
    out), kept where each frame's colour is near its own face's median, a pixel away from
    any that is not (hair, glasses rims, background and a swapped brow that moved are left
    out with their edges)."""
    offset = (window[1].start, window[0].start)
    oval = face_mask(window, points)
    grow = max(int(face_width(points) / 20), 1) * 2 + 1
    holes = cv2.dilate(_features(oval.shape, points, offset, 1, fill=True),
                       np.ones((grow, grow), np.uint8))
    mask = (cv2.erode(oval, np.ones((5, 5), np.uint8)) > 0) & (holes == 0)
    if mask.sum() < 50:
        return mask
    both = _near_colour(original[window], mask) & _near_colour(swapped[window], mask)
    return cv2.erode(both.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0  # and their rims


DETAIL_SIGMA = 1.2  # px: pores, fine hair and grain; what a smoothed face loses first


def fine_detail(original: np.ndarray, swapped: np.ndarray, points: np.ndarray
                ) -> tuple[float, float] | None:
    """Fine detail on the skin, (original, swapped): mean |grey - blur(grey, 1.2 px)| over the
    same skin pixels of both frames. A swap that paints a smoothed (or upscaled) face lowers
    the swapped figure; a grainy or over-sharpened one raises it."""
    window = face_window(points, original.shape[:2], 0.0)
    mask = skin(original, swapped, points, window)
    if mask.sum() < 50:
        return None

    def detail(rgb: np.ndarray) -> float:
        grey = _gray(rgb[window])
        return float(np.abs(grey - cv2.GaussianBlur(grey, (0, 0), DETAIL_SIGMA))[mask].mean())

    return detail(original), detail(swapped)


def _edges(rgb: np.ndarray, sigma: float) -> np.ndarray:
    grey = cv2.GaussianBlur(_gray(rgb), (0, 0), sigma)
    return np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))


GHOST_APART = 1 / 20
"""Of the face width (~10 px on a 200 px face): how far outside the swapped brows' and eyes'
areas the original's outlines must lie to be looked at, so that the swapped features' own
soft edges are not taken for a ghost (at 1/40 the lower edge of d3-d14's swapped brows, a
few pixels below the mesh's brow line, read as a ghost of 1.2)."""
GHOST_SHARE = 0.1
"""Of the original's outlines that must lie apart for a frame to be measured: below it the
few pixels left (an eye's inner corner by the brow) carry the swapped features' own shading
and read as ghosts of 0.4 on a swap with none to see (d3-d14)."""


def ghosting(original: np.ndarray, swapped: np.ndarray, points: np.ndarray,
             swapped_points: np.ndarray) -> tuple[float, float] | None:
    """How much of the original's brows and eye outlines still shows in the swapped frame
    where the swapped features are elsewhere: (original, swapped).

    Both are edge energies over the original's brow and eye outlines, less what lies on or
    near the swapped brows and eyes (their areas, grown), each less that frame's own energy
    on plain skin: their ratio is 0 when the original's features are gone, 1 when they show
    as strongly as in the original. None when the two sets of features lie on each other
    (nothing can show beside them). Glasses rims kept along the original's brows read as
    ghosts too: on a target that wears glasses the figure is an upper bound."""
    width = face_width(points)
    window = face_window(points, original.shape[:2], 0.1)
    offset = (window[1].start, window[0].start)
    line = max(int(width / 40), 1)
    shape = (window[0].stop - window[0].start, window[1].stop - window[1].start)
    apart = max(int(width * GHOST_APART), 2) * 2 + 1
    theirs = cv2.dilate(_features(shape, swapped_points, offset, line, fill=True),
                        np.ones((apart, apart), np.uint8))
    outlines = _features(shape, points, offset, line, fill=False) > 0
    region = outlines & (theirs == 0) & (face_mask(window, points) > 0)
    plain = skin(original, swapped, points, window)
    if region.sum() < GHOST_SHARE * outlines.sum() or plain.sum() < 50:
        return None
    sigma = max(width / 200, 0.8)

    def excess(rgb: np.ndarray) -> float:
        energy = _edges(rgb[window], sigma)
        return max(float(energy[region].mean() - np.median(energy[plain])), 0.0)

    return excess(original), excess(swapped)


@cache
def _lips_model() -> object:
    """dlib's 68-point shape predictor, loaded once per process (100 MB, ~1 s)."""
    import dlib
    import face_recognition_models as frm

    return dlib.shape_predictor(frm.pose_predictor_model_location())


_INNER_LIP_GAPS = ((61, 67), (62, 66), (63, 65))  # the 68-point scheme's inner lips


def mouth_openness_68(rgb: np.ndarray, points: np.ndarray) -> float:
    """Mouth openness read by dlib's 68-point model, a reader independent of the mesh: mean
    inner-lip gap over the outer eye-corner distance (points 36 and 45).

    dlib is given the box the mesh puts from cheek to cheek and from the brows to the chin,
    which is the face box dlib's predictor was trained on (given the mesh's whole extent,
    forehead included, its readings followed the mesh's on d3 at r = 0.81; with this box at
    0.98). Closed mouths read under 0.02 (95 % of frames of five clips), mouths the mesh
    reads open over 0.03."""
    import dlib

    xy = points[:, :2]
    top = min(xy[L.RIGHT_BROW, 1].min(), xy[L.LEFT_BROW, 1].min())
    rect = dlib.rectangle(int(xy[234, 0]), int(top), int(xy[454, 0]), int(xy[L.CHIN, 1]))
    shape = _lips_model()(np.ascontiguousarray(rgb), rect)
    p = np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], np.float32)
    gap = np.mean([np.linalg.norm(p[a] - p[b]) for a, b in _INNER_LIP_GAPS])
    return float(gap / max(np.linalg.norm(p[36] - p[45]), 1e-6))
