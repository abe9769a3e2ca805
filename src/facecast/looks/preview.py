"""One frame of a swap or an edit, rendered fast enough for a slider's live preview.

The page asks for the same frame again and again while a slider moves, so the decoded
frame (shrunk to the preview's size) and its faces are kept per source file and time, and
loaded identities per folder: a preview then costs one swap and the looks on one small
frame. The swap itself is the pipeline's (`pipeline.FaceSwapper`), the looks are
`looks.stage.Looks`: what the preview shows is what the job will write.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
from PIL import Image as PILImage

from facecast.errors import MediaError
from facecast.faces.mesh import Face, FaceMesher
from facecast.identity.model import Identity, load
from facecast.looks.stage import Looks
from facecast.media import VideoReader, media_kind, read_image
from facecast.params import EditParams, SwapParams
from facecast.pipeline import FaceSwapper

PREVIEW_SIDE = 960  # pixels: the longer side of a preview, plenty for a page's slider view
JPEG_QUALITY = 85

Value = TypeVar("Value")


class _Recent(OrderedDict[tuple, object]):
    """A small least-recently-used map, safe between request threads."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self.lock = threading.Lock()

    def get_or_make(self, key: tuple, make: Callable[[], Value]) -> Value:
        with self.lock:
            if key in self:
                self.move_to_end(key)
                return self[key]  # type: ignore[return-value]
        value = make()
        with self.lock:
            self[key] = value
            while len(self) > self.size:
                self.popitem(last=False)
        return value


def _stamp(path: Path) -> tuple[str, int, int]:
    """A file's identity for caching: a replaced file is a new one."""
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


def _shrink(rgb: np.ndarray, side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = side / max(h, w)
    if scale >= 1.0:
        return rgb
    return cv2.resize(rgb, (max(round(w * scale), 1), max(round(h * scale), 1)),
                      interpolation=cv2.INTER_AREA)


def read_frame(source: Path, time: float) -> np.ndarray:
    """The frame shown at `time` seconds (a photo's only picture)."""
    if media_kind(source) == "image":
        return read_image(source).rgb
    with VideoReader(source, start=time) as reader:
        for frame in reader:
            return frame.image
    raise MediaError(f"{source.name} has no frame at {time:.2f} s")


class Previewer:
    """Renders previews; one per process (its caches are shared by all requests)."""

    def __init__(self, frames: int = 8, identities: int = 2) -> None:
        self._frames = _Recent(frames)
        self._identities = _Recent(identities)

    def frame(self, source: Path, time: float) -> tuple[np.ndarray, list[Face]]:
        """The (shrunk) frame at `time` and its faces, cached."""

        def make() -> tuple[np.ndarray, list[Face]]:
            rgb = _shrink(read_frame(source, time), PREVIEW_SIDE)
            with FaceMesher(video=False) as mesher:
                return rgb, mesher.detect(rgb)

        return self._frames.get_or_make((*_stamp(source), round(time, 3)), make)

    def identity(self, name: str, root: Path | None = None) -> Identity:
        folder = (root / name) if root is not None else None
        key = (name, *(_stamp(folder / "identity.npz") if folder else ()))
        return self._identities.get_or_make(key, lambda: load(name, root=root))

    def render(self, source: Path, time: float, params: EditParams,
               identity: Identity | None = None) -> np.ndarray:
        """The frame at `time` as the job would write it: swapped (with `identity` and
        `SwapParams`), then given its looks, with the settings of the source's kind (a
        video's, such as its default match, even for this one frame)."""
        original, faces = self.frame(source, time)
        rgb = original.copy()
        if identity is not None and isinstance(params, SwapParams):
            swapper = FaceSwapper(identity, params, video=False)  # a fresh track each time
            try:
                swapper.apply(rgb, 0.0, *swapper.look(rgb))
            finally:
                swapper.close()
        else:
            params = EditParams(**params.model_dump(include=set(EditParams.model_fields)))
        h, w = rgb.shape[:2]
        looks = Looks(params, video=media_kind(source) == "video", size=(w, h))
        return looks(rgb, 0.0, faces, original)


def jpeg(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(rgb).save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
