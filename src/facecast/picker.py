"""The faces a user can choose in a target video or photo, for the web page's face picker.

Only the largest face is swapped today (multi-face is planned), so this samples a few frames,
finds the faces with MediaPipe's detector and describes the largest one: its median box and a
thumbnail. It also counts the other faces seen, so the page can say they exist.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from facecast.faces.mesh import FaceDetector
from facecast.media import VideoReader, media_kind, probe_video, read_image
from facecast.templates import write_thumbnail

SAMPLES = 5


@dataclass
class FaceChoice:
    id: int
    box: list[float]
    frames_seen: int
    frames_sampled: int


@dataclass
class FacesFound:
    faces: list[FaceChoice]
    other_faces: int

    def as_dict(self) -> dict:
        return asdict(self)


def sample_frames(path: Path, samples: int = SAMPLES) -> list[np.ndarray]:
    """`samples` RGB frames spread over a video (each read by seeking), or the photo itself."""
    if media_kind(path) == "image":
        return [read_image(path).rgb]
    info = probe_video(path)
    frames: list[np.ndarray] = []
    span = info.duration or (info.frames / info.fps if info.fps else 0.0)
    for i in range(samples):
        at = span * (i + 0.5) / samples if span else None
        with VideoReader(path, start=at) as reader:
            frame = next(iter(reader), None)
        if frame is not None:
            frames.append(frame.image)
    return frames


def find_faces(path: Path, thumb: Path) -> FacesFound:
    """Faces in `path`; the largest (id 0) gets a thumbnail written to `thumb`."""
    frames = sample_frames(path)
    detector = FaceDetector()
    try:
        per_frame = [detector.boxes(rgb) for rgb in frames]
    finally:
        detector.close()
    largest = [(i, boxes[0]) for i, boxes in enumerate(per_frame) if boxes]
    others = max((len(boxes) - 1 for boxes in per_frame), default=0)
    if not largest:
        return FacesFound(faces=[], other_faces=0)
    median = np.median(np.array([b[:4] for _, b in largest]), axis=0)
    index, best = min(largest, key=lambda ib: float(np.abs(np.array(ib[1][:4]) - median).sum()))
    write_thumbnail(_crop(frames[index], best[:4]), thumb, width=160)
    choice = FaceChoice(id=0, box=[round(float(v), 1) for v in median],
                        frames_seen=len(largest), frames_sampled=len(frames))
    return FacesFound(faces=[choice], other_faces=others)


def _crop(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """A square around the face box with some margin, clipped to the image."""
    x, y, w, h = box
    side = max(w, h) * 1.6
    cx, cy = x + w / 2, y + h / 2
    H, W = rgb.shape[:2]
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    x1, y1 = min(W, int(cx + side / 2)), min(H, int(cy + side / 2))
    return rgb[y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)]
