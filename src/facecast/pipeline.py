"""The one path data takes: read -> observe faces -> render -> compose -> write.

This module owns the loop and the order of stages, nothing else. The CLI, the web API and
job workers all call `swap_file`; none re-implements a step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from facecast.compose import blend
from facecast.errors import FacecastError
from facecast.faces import landmarks as L
from facecast.faces.mesh import Face, FaceMesher
from facecast.faces.scene import Scene, SceneReader
from facecast.identity.model import Identity
from facecast.looks import finish
from facecast.looks.stage import Looks
from facecast.media import (
    Frame,
    VideoReader,
    VideoWriter,
    check_writable,
    media_kind,
    read_image,
    write_image,
)
from facecast.params import SwapParams
from facecast.sheet import ContactSheet
from facecast.swap import MeshEngine
from facecast.swap.base import Engine
from facecast.swap.shape import warp_around
from facecast.track import FaceTrack

Progress = Callable[[int, int], None]
"""Called with (frames done, frames in all) after each frame."""


@dataclass
class SwapResult:
    """What a swap did: counts a person (or a test) can check, and any warnings."""

    output: str
    kind: str
    frames: int = 0
    face_frames: int = 0
    swapped_frames: int = 0
    weights: list[float] = field(default_factory=list)
    """The blend weight of each frame (0 where no face was swapped): fades show here."""
    warnings: list[str] = field(default_factory=list)


class FaceSwapper:
    """Swaps one identity onto the largest face of each image of a stream, in order."""

    def __init__(self, identity: Identity, params: SwapParams, *, video: bool,
                 engine: Engine | None = None) -> None:
        self.identity = identity
        self.params = params
        self.engine = engine or MeshEngine()
        self.mesher = FaceMesher(video=video, max_faces=1)
        self.scene = SceneReader(video=video)
        self.track = FaceTrack(identity.neutral, identity.uv)

    def close(self) -> None:
        self.mesher.close()
        self.scene.close()

    def look(self, rgb: np.ndarray) -> tuple[list[Face], Scene]:
        """What the models see in a frame: its faces, the person and hands around them."""
        faces = self.mesher.detect(rgb)
        return faces, (self.scene.read(rgb) if faces else Scene())

    def __call__(self, rgb: np.ndarray, t: float) -> tuple[bool, float]:
        """Swap in place. Returns (face found, blend weight used)."""
        return self.apply(rgb, t, *self.look(rgb))

    def apply(self, rgb: np.ndarray, t: float, faces: list[Face], scene: Scene | None = None
              ) -> tuple[bool, float]:
        """Swap in place, given what `look` found in this frame."""
        if not faces:
            self.track.lose()
            return False, 0.0
        face, weight = self.track.observe(faces[0], t)
        occluded = self.track.occlusion.mask(rgb, face, scene)
        weight *= self.params.identity_strength
        shaped = self.track.shape.reshape(face.points, self.params.shape_strength * weight)
        if weight <= 0.0:
            return True, 0.0
        if self.params.shape_strength > 0:
            pinned = (occluded.region, occluded.pinned) if occluded else None
            warp_around(rgb, face.xy[: L.N_MESH], shaped[: L.N_MESH, :2], pinned)
            face = Face(shaped)
        rendered = self.engine.render(rgb, face, self.identity)
        if rendered is None:
            return True, 0.0
        region = rendered.region
        keep = None
        skin = rendered.skin
        if occluded:
            keep = (region.take(occluded.region, occluded.covered),
                    region.take(occluded.region, occluded.low))
            skin = skin * (1.0 - keep[1])
        pixels = self.track.light(rgb[region.slices], region, rendered.pixels, skin, face.xy,
                                  face.size)
        blend(rgb, region, pixels, rendered.alpha * weight, rendered.covered, face.size, keep)
        return True, weight


def _with_faces(frames: Iterable[Frame], look: Callable[[np.ndarray], tuple[list[Face], Scene]]
                ) -> Iterator[tuple[Frame, list[Face], Scene]]:
    """Frames with what `look` sees in them, frame N+1 looked at while N is being rendered.

    MediaPipe releases the GIL while it runs, so on two cores this overlap takes most of its
    cost off the rendering thread. One worker keeps the calls in frame order, as the
    trackers require.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="facecast-mesh") as pool:
        it = iter(frames)
        current = next(it, None)
        pending = pool.submit(look, current.image) if current is not None else None
        while current is not None:
            faces, scene = pending.result()
            following = next(it, None)
            if following is not None:
                pending = pool.submit(look, following.image)
            yield current, faces, scene
            current = following


def swap_video(identity: Identity, source: str | Path, output: str | Path, params: SwapParams,
               progress: Progress | None = None, sheet: str | Path | None = None) -> SwapResult:
    result = SwapResult(output=str(output), kind="video")
    with VideoReader(source, start=params.start, end=params.end) as reader:
        total = reader.info.frames
        if params.start is not None or params.end is not None:
            span_end = params.end if params.end is not None else reader.info.duration
            total = max(round((span_end - (params.start or 0.0)) * reader.info.fps), 1)
        contact = ContactSheet(total) if sheet else None
        swapper = FaceSwapper(identity, params, video=True)
        looks = Looks(params, video=True, size=(reader.info.width, reader.info.height))
        encoding = finish.encoder(params.adjustments.quality)
        try:
            with VideoWriter(output, reader, size=looks.out_size, **encoding) as writer:
                for frame, faces, scene in _with_faces(reader, swapper.look):
                    before = frame.image.copy() if contact and contact.wants(frame.index) else None
                    original = frame.image.copy() if looks.wants_original else None
                    found, weight = swapper.apply(frame.image, frame.time, faces, scene)
                    frame.image = looks(frame.image, frame.time, faces, original)
                    result.frames += 1
                    result.face_frames += found
                    result.swapped_frames += weight > 0
                    result.weights.append(round(weight, 4))
                    if before is not None:
                        contact.add(frame.index, before, frame.image)
                    writer.write(frame)
                    if progress:
                        progress(result.frames, max(total, result.frames))
        finally:
            swapper.close()
    if result.face_frames == 0:
        result.warnings.append("no face was found in the video: it was copied unchanged")
    if contact:
        contact.save(sheet)
    return result


def swap_image(identity: Identity, source: str | Path, output: str | Path, params: SwapParams,
               progress: Progress | None = None, sheet: str | Path | None = None) -> SwapResult:
    image = read_image(source)
    before = image.rgb.copy()
    swapper = FaceSwapper(identity, params, video=False)
    looks = Looks(params, video=False, size=(before.shape[1], before.shape[0]))
    try:
        faces, scene = swapper.look(image.rgb)
        found, weight = swapper.apply(image.rgb, 0.0, faces, scene)
    finally:
        swapper.close()
    rgb = looks(image.rgb, 0.0, faces, before)
    result = SwapResult(output=str(output), kind="image", frames=1, face_frames=int(found),
                        swapped_frames=int(weight > 0), weights=[round(weight, 4)])
    if not found:
        result.warnings.append("no face was found in the photo: it was copied unchanged")
    write_image(output, rgb, format=image.format,
                quality=finish.jpeg_quality(params.adjustments.quality))
    if progress:
        progress(1, 1)
    if sheet:
        contact = ContactSheet(1)
        contact.add(0, before, rgb)
        contact.save(sheet)
    return result


def swap_file(identity: Identity, source: str | Path, output: str | Path,
              params: SwapParams | None = None, progress: Progress | None = None,
              sheet: str | Path | None = None) -> SwapResult:
    """Swap `identity` into a photo or a video (told apart by content)."""
    params = params or SwapParams()
    check_writable(output)
    if sheet:
        check_writable(sheet)
    kind = media_kind(source)
    if kind == "image":
        if params.start is not None or params.end is not None:
            raise FacecastError("--start/--end apply to videos only")
        return swap_image(identity, source, output, params, progress, sheet)
    return swap_video(identity, source, output, params, progress, sheet)
