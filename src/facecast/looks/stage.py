"""The looks of one stream, applied frame by frame after the swap (or on their own, for
`facecast edit`): match the target, reshape, adjust, paint, keep still, resize, label.

The order matters: the match needs the swap's output beside the original; the sliders warp
the face before anything changes its pixels; adjustments come before painting, as a
photographer's edits come before an artist copies the photo; steadiness compares what was
painted; the size changes last, and the "AI" label goes on the final picture.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import Region
from facecast.faces.smoothing import MeshFilter
from facecast.looks import adjust, finish, label
from facecast.looks.match import Matcher
from facecast.looks.reshape import reshape
from facecast.looks.steady import Steady
from facecast.looks.style import picture_scale, stylize
from facecast.params import EditParams, SwapParams

LOST_AFTER = 10  # frames without a face before its smoothing starts afresh


def face_mask(shape: tuple[int, int], xy: np.ndarray, feather: float) -> np.ndarray:
    """0..1 over the face's outline (the mesh's oval), feathered by `feather` pixels."""
    mask = np.zeros(shape, np.float32)
    pts = np.round(xy[list(L.FACE_OVAL)] * 4).astype(np.int32)
    cv2.fillPoly(mask, [pts], 1.0, cv2.LINE_AA, shift=2)
    return cv2.GaussianBlur(mask, (0, 0), max(feather, 0.5))


def _window(xy: np.ndarray, shape: tuple[int, ...]) -> Region:
    """The face's window, its size rounded up to 64 px steps: in a video the painting's
    textures (cached per size) are then made once, not for every frame's new size."""
    around = Region.around(xy[: L.N_MESH], shape[:2], margin=0.25)
    h, w = shape[:2]
    rw, rh = (min(-(-n // 64) * 64, limit) for n, limit in ((around.w, w), (around.h, h)))
    return Region(min(around.x0, w - rw), min(around.y0, h - rh), rw, rh)


def paint_face(rgb: np.ndarray, xy: np.ndarray, style: str) -> np.ndarray:
    """`rgb` with only the face (mesh `xy`) painted in `style`, blended in softly."""
    region = _window(xy, rgb.shape)
    window = rgb[region.slices]
    size = float(max(region.w, region.h))
    painted = stylize(window, style, picture_scale(rgb)).astype(np.float32)
    mask = face_mask((region.h, region.w), xy - (region.x0, region.y0), size / 40)[..., None]
    out = rgb.copy()
    mixed = window + mask * (painted - window)
    out[region.slices] = cv2.convertScaleAbs(mixed)
    return out


class Looks:
    """Frames in order (a photo is a stream of one). `__call__` returns the frame to write
    (possibly a new array, of another size when `adjustments.resolution` says so)."""

    def __init__(self, params: EditParams, *, video: bool, size: tuple[int, int]) -> None:
        self.params = params
        self.out_size = finish.output_size(*size, params.adjustments.resolution, even=video)
        self._smoother = MeshFilter()
        self._missed = 0
        swap = isinstance(params, SwapParams) and params.identity_strength > 0
        self._strength = (params.match_for(video=video) if isinstance(params, SwapParams)
                          and swap else 0.0)
        self._matcher = Matcher() if self._strength > 0 else None
        painted = params.style != "realistic"
        self._steady = Steady() if video and painted else None

    @property
    def wants_faces(self) -> bool:
        """Whether any stage needs the face's mesh (an edit then runs the face mesher)."""
        return bool(self._matcher or self.params.sliders.active()
                    or (self.params.style != "realistic" and self.params.style_scope == "face"))

    @property
    def wants_original(self) -> bool:
        """Whether `__call__` needs the frame as it was before the swap."""
        return self._matcher is not None

    def _face(self, faces: list[Face], t: float) -> np.ndarray | None:
        if not faces:
            self._missed += 1
            if self._missed > LOST_AFTER:
                self._smoother.reset()
            return None
        self._missed = 0
        return self._smoother(faces[0].points, t)[:, :2]

    def __call__(self, rgb: np.ndarray, t: float, faces: list[Face],
                 original: np.ndarray | None = None) -> np.ndarray:
        p = self.params
        xy = self._face(faces, t) if self.wants_faces else None
        if xy is not None:
            if self._matcher is not None and original is not None:
                self._matcher(original, rgb, xy, self._strength)
            reshape(rgb, xy, p.sliders)
        out = adjust.apply(rgb, p.adjustments)
        if p.style != "realistic":
            if p.style_scope == "frame":
                painted = stylize(out, p.style)
            else:
                painted = paint_face(out, xy, p.style) if xy is not None else out
            out = self._steady(out, painted) if self._steady is not None else painted
        out = finish.resize(out, self.out_size)
        return label.stamp(out) if p.label else out
