"""The target's own eyes as they close: its lids, lashes and the socket's shade.

The texture holds the user's eyes open. For a blink `swap.lids` turns them into lid skin
with one line of the lashes' colour, which a blind viewer read as "a hard black stroke" on
a flat lid with no lashes, no fold and no shade, next to the footage's closed eyes. A shut
eye carries little of who someone is and much of how real a face looks: as an eye closes,
the target's own eye, where the shape warp put it, shows through instead, grown by its
lashes and the shade around it, by the share the eye is closed. The drawn lids' line stays
on top: without it the face mesh read d12's shut eyes, small behind clear glasses, as
partly open in the swapped face (its eye openness followed the original's at 0.83; 0.85
with the line; 0.88 with the drawn lids alone).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.imaging import dilate_disc, ramp

FACE = (100.0, 200.0)
"""Face size (px) from which a shut eye is the target's own, and from which in full. On a
small face the lids' detail does not show, and the face mesh read the target's eyes,
eight pixels wide on s13, as a third blink of two."""
GROW = 0.3  # of the eye's width: the lashes, the lid's fold and the socket's shade
LINE = 0.15
"""Of the eye's width: the band along the drawn lids' line kept on top (d12 into d3: the
face mesh's eye openness on the swap followed the original's at 0.84 with 0.08, 0.85)."""
_EYES = ((L.RIGHT_EYE, L.RIGHT_EYE_OUTER, L.RIGHT_EYE_INNER, L.RIGHT_LIDS),
         (L.LEFT_EYE, L.LEFT_EYE_OUTER, L.LEFT_EYE_INNER, L.LEFT_LIDS))


def closed_eyes(landed: np.ndarray, drawn: np.ndarray, region: Region,
                shares: tuple[float, float], face_size: float) -> np.ndarray | None:
    """0..1 over `region`: each of the target's eyes (`landed`: its mesh points where the
    frame now shows them) by the share it is closed (right, left), less the line where the
    drawn face's lids meet (`drawn`: its points); None when both eyes are open."""
    size = ramp(face_size, FACE)
    shares = (shares[0] * size, shares[1] * size)
    if max(shares) <= 0.0:
        return None
    out = np.zeros((region.h, region.w), np.float32)
    for (contour, outer, inner, lids), share in zip(_EYES, shares, strict=True):
        if share <= 0.0:
            continue
        width = float(np.linalg.norm(landed[outer, :2] - landed[inner, :2]))
        grow = max(int(GROW * width), 1)
        # where the drawn lids meet: between each upper lid point and its lower one
        meet = (drawn[[u for u, _ in lids]] + drawn[[d for _, d in lids]]) / 2
        meet = meet[np.argsort(meet[:, 0])]
        ends = drawn[[outer, inner]]
        ends = ends[np.argsort(ends[:, 0])]
        path = np.vstack([ends[:1], meet, ends[1:]])[:, :2]
        # worked out over the eye's box, grown past what the dilation and both blurs reach
        # (4 sigmas: their kernels' radius), where all of it lies: the same numbers, and on
        # a close-up a tenth of the whole window's work (the dilation's cost is the box's
        # area times the kernel's, and both grow with the face)
        reach = grow + 4 * max(grow / 2, LINE * width / 3, 0.7) + max(int(LINE * width), 1) + 2
        box = Region.around(np.vstack([landed[list(contour), :2], path]) - (region.x0, region.y0),
                            (region.h, region.w), pixels=int(np.ceil(reach)))
        if box.w <= 0 or box.h <= 0:
            continue
        origin = (region.x0 + box.x0, region.y0 + box.y0)
        eye = np.zeros((box.h, box.w), np.uint8)
        cv2.fillConvexPoly(eye, cv2.convexHull(np.round(landed[list(contour), :2] - origin)
                                               .astype(np.int32)), 1)
        eye = dilate_disc(eye, 2 * grow + 1)
        soft = cv2.GaussianBlur(eye.astype(np.float32), (0, 0), grow / 2)
        line = np.zeros((box.h, box.w), np.float32)
        cv2.polylines(line, [np.round(path - origin).astype(np.int32)], False, 1.0,
                      max(int(LINE * width), 1), cv2.LINE_AA)
        soft *= 1.0 - cv2.GaussianBlur(line, (0, 0), max(LINE * width / 3, 0.7))
        np.maximum(out[box.slices], soft * np.float32(share), out=out[box.slices])
    return out
