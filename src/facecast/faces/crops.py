"""Faces cut out on a 5-point template, fed to a network and pasted back.

The templates are the field's (insightface, facefusion), in fractions of the crop's side:
ArcFace's own at 112 px (`arcface_112_v2`), SimSwap's (`arcface_112_v1`), inswapper's at
128 px (ArcFace's shifted 8 px right, `arcface_128`), and FFHQ's at 512 px for the
restoration networks. The five points come from the mesh (`arcface.five_points`).
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces.arcface import five_points
from facecast.faces.mesh import Face

TEMPLATES: dict[str, np.ndarray] = {
    "arcface_112_v1": np.array([[0.35473214, 0.45658929], [0.64526786, 0.45658929],
                                [0.50000000, 0.61154464], [0.37913393, 0.77687500],
                                [0.62086607, 0.77687500]], np.float32),
    "arcface_112_v2": np.array([[0.34191607, 0.46157411], [0.65653393, 0.45983393],
                                [0.50022500, 0.64050536], [0.37097589, 0.82469196],
                                [0.63151696, 0.82325089]], np.float32),
    "arcface_128": np.array([[0.36167656, 0.40387734], [0.63696719, 0.40235469],
                             [0.50019687, 0.56044219], [0.38710391, 0.72160547],
                             [0.61507734, 0.72034453]], np.float32),
    "ffhq_512": np.array([[0.37691676, 0.46864664], [0.62285697, 0.46912813],
                          [0.50123859, 0.61331904], [0.39308822, 0.72541100],
                          [0.61150205, 0.72490465]], np.float32),
}


def matrix(face: Face, template: str, size: int) -> np.ndarray | None:
    """The 2 x 3 similarity taking the frame onto the crop (least squares on five points);
    None for points no similarity fits (all in one place)."""
    # RANSAC with a threshold no point exceeds keeps all five: a plain least-squares fit
    m, _ = cv2.estimateAffinePartial2D(five_points(face), TEMPLATES[template] * size,
                                       method=cv2.RANSAC, ransacReprojThreshold=1e4)
    return m


def cut(rgb: np.ndarray, m: np.ndarray, size: int) -> np.ndarray:
    """The crop (uint8 RGB), the frame's edge repeated past its border."""
    return cv2.warpAffine(rgb, m, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def to_tensor(crop: np.ndarray, mean: tuple[float, ...], std: tuple[float, ...], *,
              bgr: bool = False, nhwc: bool = False) -> np.ndarray:
    """A 1-image batch: pixels in 0..1, less `mean`, over `std`, per channel."""
    x = crop.astype(np.float32) / 255.0
    if bgr:
        x = x[..., ::-1]
    x = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return (x if nhwc else x.transpose(2, 0, 1))[None]


def from_tensor(y: np.ndarray, lo: float, hi: float, *, bgr: bool = False,
                nhwc: bool = False) -> np.ndarray:
    """A network's image (1 x C x H x W, values in lo..hi) as float32 RGB 0..255."""
    img = y[0] if nhwc else y[0].transpose(1, 2, 0)
    img = (np.clip(img.astype(np.float32), lo, hi) - lo) * (255.0 / (hi - lo))
    return np.ascontiguousarray(img[..., ::-1] if bgr else img)
