"""The 478-point face mesh, from the model inside the MediaPipe wheel."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from facecast.faces.detector import WARM_UP, FaceDetector, quiet_native_stderr
from facecast.faces.pose import Pose, estimate_pose
from facecast.faces.scan import FaceScan, covers


@dataclass
class Face:
    """One face in one image. `points` are 478 x 3 in pixels (z on x's scale, + = away)."""

    points: np.ndarray
    pose: Pose = field(init=False)

    def __post_init__(self) -> None:
        self.points = np.asarray(self.points, dtype=np.float32)
        self.pose = estimate_pose(self.points)

    @property
    def xy(self) -> np.ndarray:
        return self.points[:, :2]

    @cached_property
    def box(self) -> tuple[float, float, float, float]:
        """x, y, w, h of the mesh's extent (points are never changed in place: a moved face
        is a new Face)."""
        lo = self.xy.min(axis=0)
        hi = self.xy.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])

    @property
    def size(self) -> float:
        """Face size in pixels: the larger side of its box."""
        _, _, w, h = self.box
        return max(w, h)

    @property
    def area(self) -> float:
        _, _, w, h = self.box
        return w * h


_LANDMARK = np.dtype({"names": ["field", "size", "x_key", "x", "y_key", "y", "z_key", "z"],
                      "formats": ["u1", "u1", "u1", "<f4", "u1", "<f4", "u1", "<f4"],
                      "offsets": [0, 1, 2, 3, 7, 8, 12, 13], "itemsize": 17})
"""One landmark of a serialised landmark list holding x, y and z only (protobuf's wire
format: the list's field 1 of 15 bytes, then x, y and z as fixed 32-bit floats)."""
_LANDMARK_KEYS = {"field": 0x0A, "size": 15, "x_key": 0x0D, "y_key": 0x15, "z_key": 0x1D}


def _pixels(landmarks: object, w: int, h: int) -> np.ndarray:
    """A MediaPipe landmark list in pixels (x, y; z on x's scale), float32.

    Read from its serialised bytes in one go: the Python loop over 478 landmarks' fields
    took 0.5 ms a frame, holding the GIL the drawing threads need. A list the wire format
    does not match (a coordinate of exactly 0 is left out of it, a landmark with a
    visibility has more) is read field by field; both give the same numbers."""
    raw = np.frombuffer(landmarks.SerializeToString(), np.uint8)
    if raw.size and raw.size % _LANDMARK.itemsize == 0:
        rows = raw.view(_LANDMARK)
        if all((rows[k] == v).all() for k, v in _LANDMARK_KEYS.items()):
            xyz = np.stack([rows["x"], rows["y"], rows["z"]], axis=1).astype(np.float64)
            return (xyz * (w, h, w)).astype(np.float32)
    return np.array([(p.x * w, p.y * h, p.z * w) for p in landmarks.landmark], np.float32)


_CROP_SIDE = 256  # px: a small face is meshed in a crop this size, where the model is at home
_CROP_MARGIN = 1.9  # crop side over the face box's larger side: the whole head in view
SETTLE_PASSES = 4
"""Passes at most over the frame where a video's face is first found. The first pass meshes
it in the detector's box, each next one in the box the mesh itself gives: on a still frame of
s18 the points moved 2.0, 0.8 and 0.3 px over the next three frames, and the smoothing spread
that over ten, a face that slid and swelled into place at every track's start (in the swap's
flicker: its first ten frames 2-3 times the original's)."""
SETTLED = 0.001  # of the face's size: the points' mean move at which a pass is the last


class FaceMesher:
    """MediaPipe Face Mesh with iris refinement. One instance per stream: in video mode it
    tracks between frames, so frames must be fed in order.

    The mesh's own detector is short-range: it misses faces under about a tenth of the frame
    (a far shot). When it finds nothing, the full-range detector (or, in a video, the face's
    box in the previous frame) points to the faces, and each is meshed in an upscaled crop.
    With `max_faces` over one, a `FaceScan` looks for the faces the mesh missed in every frame
    (small faces beside large ones, as in a group photo), and each of those is meshed so too.
    """

    def __init__(self, *, video: bool, max_faces: int = 1, min_confidence: float = 0.5) -> None:
        from mediapipe.python.solutions import face_mesh

        self.video = video
        self.max_faces = max_faces
        self._min_confidence = min_confidence
        self._crop_mesh: object | None = None
        self._detector: FaceDetector | None = None
        self._last_boxes: list[tuple[float, float, float, float]] = []
        self._tracked = 0  # faces the video's mesh found in the frame before
        self.scan: FaceScan | None = None
        if max_faces > 1:
            self.scan = FaceScan(video=video, min_confidence=min_confidence)
        with quiet_native_stderr():
            self._mesh = face_mesh.FaceMesh(
                static_image_mode=not video,
                max_num_faces=max_faces,
                refine_landmarks=True,
                min_detection_confidence=min_confidence,
                min_tracking_confidence=min_confidence,
            )
            self._mesh.process(WARM_UP)  # calculators open (and log) on the first frame

    def detect(self, rgb: np.ndarray) -> list[Face]:
        """Faces in an RGB uint8 image, largest first."""
        faces = self._mesh_points(self._mesh, rgb)
        if self.video:
            if len(faces) > self._tracked:
                faces = self._settled(rgb, faces)
            self._tracked = len(faces)
        if self.scan is not None:
            faces += self._beside(rgb, faces)
        elif faces:
            self._last_boxes = []
        else:
            faces = self._detect_small(rgb)
        faces.sort(key=lambda f: f.area, reverse=True)
        return faces

    def _mesh_points(self, mesh: object, rgb: np.ndarray) -> list[Face]:
        h, w = rgb.shape[:2]
        with quiet_native_stderr():
            result = mesh.process(rgb)
        return [Face(_pixels(lm, w, h)) for lm in result.multi_face_landmarks or ()]

    def _settled(self, rgb: np.ndarray, faces: list[Face]) -> list[Face]:
        """`faces`, newly found in `rgb`, meshed again in their own boxes until they stay put
        (`SETTLE_PASSES`)."""
        for _ in range(SETTLE_PASSES - 1):
            again = self._mesh_points(self._mesh, rgb)
            if len(again) != len(faces):
                break
            moved = max(float(np.linalg.norm(a.xy - f.xy, axis=1).mean()) / max(f.size, 1.0)
                        for a, f in zip(again, faces, strict=True))
            faces = again
            if moved < SETTLED:
                break
        return faces

    def _detect_small(self, rgb: np.ndarray) -> list[Face]:
        from_last = bool(self._last_boxes)
        if from_last:
            boxes = self._last_boxes
        else:
            if self._detector is None:
                self._detector = FaceDetector(self._min_confidence)
            boxes = [b[:4] for b in self._detector.boxes(rgb)[: self.max_faces]]
        faces = [f for box in boxes if (f := self._mesh_crop(rgb, box)) is not None]
        self._last_boxes = [f.box for f in faces] if self.video else []
        if not faces and from_last:
            return self._detect_small(rgb)
        return faces

    def _beside(self, rgb: np.ndarray, faces: list[Face]) -> list[Face]:
        """Faces the scan finds beside `faces`, each meshed in a crop, up to `max_faces`."""
        found: list[Face] = []
        for box in self.scan.boxes(rgb, [f.box for f in faces]):
            face = self._mesh_crop(rgb, box)
            if face is not None and not any(covers(face.box, f.box) for f in faces + found):
                found.append(face)
        found = found[: max(self.max_faces - len(faces), 0)]
        self.scan.follow([f.box for f in found])
        return found

    def _mesh_crop(self, rgb: np.ndarray, box: tuple[float, float, float, float]
                   ) -> Face | None:
        import cv2
        from mediapipe.python.solutions import face_mesh

        if self._crop_mesh is None:
            with quiet_native_stderr():
                self._crop_mesh = face_mesh.FaceMesh(
                    static_image_mode=True, max_num_faces=1, refine_landmarks=True,
                    min_detection_confidence=self._min_confidence)
        x, y, w, h = box
        side = _CROP_MARGIN * max(w, h, 1.0)
        scale = _CROP_SIDE / side
        x0, y0 = x + w / 2 - side / 2, y + h / 2 - side / 2
        to_crop = np.float32([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]])
        crop = cv2.warpAffine(rgb, to_crop, (_CROP_SIDE, _CROP_SIDE), flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_REPLICATE)
        found = self._mesh_points(self._crop_mesh, crop)
        if not found:
            return None
        pts = found[0].points / scale
        pts[:, 0] += x0
        pts[:, 1] += y0
        return Face(pts)

    def close(self) -> None:
        self._mesh.close()
        if self._crop_mesh is not None:
            self._crop_mesh.close()
        if self._detector is not None:
            self._detector.close()
        if self.scan is not None:
            self.scan.close()

    def __enter__(self) -> FaceMesher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
