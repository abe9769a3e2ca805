"""The one path data takes: read -> observe faces -> render -> compose -> write.

This module owns the loop and the order of stages, nothing else. The CLI, the web API and
job workers all call `swap_file`; none re-implements a step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from facecast import credentials
from facecast.casting.face_list import FaceList
from facecast.casting.selection import Cast
from facecast.compose import blend, shift_skin
from facecast.compose.mouth import mouth_inside
from facecast.compose.plate import clean_plate
from facecast.compose.shade import plain_points
from facecast.cores import as_helper, own_threads_only, reuse_freed_memory
from facecast.errors import FacecastError
from facecast.faces import landmarks as L
from facecast.faces.mesh import Face, FaceMesher
from facecast.faces.raster import openings
from facecast.faces.scene import Scene, SceneReader
from facecast.identity.model import Identity
from facecast.looks import finish
from facecast.looks.edit import EditResult, Progress
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
from facecast.media.sheet import ContactSheet
from facecast.params import SwapParams
from facecast.swap import Enhancer, MaskSource, check, engine_for
from facecast.swap.base import Engine
from facecast.swap.masks import merge
from facecast.swap.shape import warp_around
from facecast.swap.track import FaceTrack
from facecast.timing import StageClock

OPENINGS_KEEP = 0.5
"""How much of the target's own eyes and teeth the tone leaves as they were: the tone is
partly the user's complexion, which the whites of the eyes do not share, and partly how
their selfies were exposed, which they do. Left out whole, the eyes glowed white on a
darker face and flickered with every blink (d3 into d12: flicker 1.04 -> 1.11)."""
PHOTO_SHEET_H = 720  # px: a photo's sheet is one pair, large enough to see a group's faces

@dataclass
class SwapResult(EditResult):
    """What a swap did: counts a person (or a test) can check, and any warnings."""

    swapped_frames: int = 0
    weights: list[float] = field(default_factory=list)
    """The blend weight of each frame (0 where no face was swapped): fades show here."""
    faces: dict[int, int] = field(default_factory=dict)
    """Frames each face was swapped in, by face id (0 for the largest face)."""
    stages: dict[str, dict[str, float]] = field(default_factory=dict)
    """Milliseconds per frame of each stage, wall clock and CPU (`timing.StageClock`)."""


class FaceSwapper:
    """Swaps one identity onto the largest face of each image of a stream, in order, or a
    cast onto the faces it names: each face has its own `FaceTrack`."""

    def __init__(self, who: Identity | Cast, params: SwapParams, *, video: bool,
                 engine: Engine | None = None) -> None:
        self.params = params
        self.engine = engine or engine_for(params.engine)
        self.enhancer = Enhancer(params.enhancer) if params.enhancer else None
        self.masks = [MaskSource(name) for name in params.mask_models]
        self.warnings = [*self.engine.warnings,
                         *(self.enhancer.warnings if self.enhancer else []),
                         *(w for m in self.masks for w in m.warnings)]
        """Sentences the result carries: the unverified model files this swap runs."""
        self.faces: FaceList | None = None
        if isinstance(who, Identity):
            self.roles = {0: who}
        elif len(who.faces.faces) == 1:  # the only face is the largest: the same, cheaper
            self.roles = {0: next(iter(who.roles.values()))}
        else:
            self.roles, self.faces = dict(who.roles), who.faces
        most = 1 if self.faces is None else self.faces.max_faces
        self.mesher = FaceMesher(video=video, max_faces=most)
        self.scene = SceneReader(video=video, max_hands=2 * most)
        self.tracks = {fid: FaceTrack(i.neutral, i.uv) for fid, i in self.roles.items()}
        self.weights: dict[int, float] = {}
        """Each swapped face's blend weight in the last frame, by face id."""
        self.seen: list[Face] = []
        """The last frame's faces, chosen or not (another person's neck keeps its tone)."""
        self.chosen: list[Face] = []
        """The last frame's faces that have a role, largest first (what `Looks` reshapes)."""
        self.clock = StageClock()

    def close(self) -> None:
        self.mesher.close()
        self.scene.close()

    def look(self, rgb: np.ndarray) -> tuple[list[Face], Scene]:
        """What the models see in a frame: its faces, the person and hands around them."""
        with self.clock("mesh"):
            faces = self.mesher.detect(rgb)
        if not faces:
            return faces, Scene()
        with self.clock("scene"):
            return faces, self.scene.read(rgb, faces[0].xy[: L.N_MESH].mean(axis=0))

    def __call__(self, rgb: np.ndarray, t: float) -> tuple[bool, float]:
        """Swap in place. Returns (face found, blend weight used)."""
        return self.apply(rgb, t, *self.look(rgb))

    def apply(self, rgb: np.ndarray, t: float, faces: list[Face], scene: Scene | None = None
              ) -> tuple[bool, float]:
        """Swap in place, given what `look` found in this frame. Returns (a chosen face
        found, the largest blend weight used)."""
        cast = self.cast(t, faces)
        self.seen = faces
        self.weights = {}
        self.chosen = sorted(cast.values(), key=lambda f: f.size, reverse=True)
        for fid, track in self.tracks.items():
            if fid not in cast:
                track.lose()
        # far (small) faces first, so a nearer face overlapping one is painted over it
        for fid, face in sorted(cast.items(), key=lambda item: item[1].size):
            self.weights[fid] = self.swap_face(rgb, t, face, self.tracks[fid], self.roles[fid],
                                               scene)
        return bool(cast), max(self.weights.values(), default=0.0)

    def cast(self, t: float, faces: list[Face]) -> dict[int, Face]:
        """This frame's faces that have a role, by face id."""
        if self.faces is None:
            return {0: faces[0]} if faces else {}
        labels = self.faces.label(t, [f.box for f in faces])
        return {fid: face for fid, face in zip(labels, faces, strict=True) if fid in self.roles}

    def swap_face(self, rgb: np.ndarray, t: float, face: Face, track: FaceTrack,
                  identity: Identity, scene: Scene | None = None) -> float:
        """Swap one face in place; returns the blend weight used."""
        clock = self.clock
        found = face
        with clock("track"):
            face, weight = track.observe(face, t)
        with clock("occlusion"):
            occluded = merge(track.occlusion.mask(rgb, face, scene), self.masks, rgb, face)
        weight *= self.params.identity_strength
        with clock("track"):
            shaped = track.shape.reshape(face.points, self.params.shape_strength * weight)
        if weight <= 0.0:
            return 0.0
        before = face
        unwarped = rgb
        landed = face.xy
        if self.params.shape_strength > 0:
            # the warp's bilinear resampling softens the frame's grain (to about 2/3): the
            # detail the face takes on comes from the frame as it was
            with clock("warp"):
                unwarped = rgb.copy()
                pinned = (occluded.region, occluded.pinned) if occluded else None
                landed = warp_around(rgb, face.xy[: L.N_MESH], shaped[: L.N_MESH, :2], pinned)
            face = Face(shaped)
        with clock("render"):
            rendered = self.engine.render(rgb, face, identity)
        if rendered is None:
            return 0.0
        region = rendered.region
        holes, alpha = rendered.holes, rendered.alpha
        with clock("mouth"):
            inside = mouth_inside(rgb[region.slices], landed, region, face.size)
        if inside is not None:
            holes = inside if holes is None else np.maximum(holes, inside)
            alpha = alpha * (1.0 - inside)
        keep = None
        skin = rendered.skin
        if occluded:
            keep = (region.take(occluded.region, occluded.covered),
                    region.take(occluded.region, occluded.low))
            skin = skin * (1.0 - keep[1])
        pixels = rendered.pixels
        if rendered.ids is not None:
            with clock("shade"):
                pixels = track.shade(unwarped[region.slices], region, pixels, rendered.ids,
                                     before, face, identity.neutral,
                                     plain_points(identity.skin, identity.uv),
                                     keep[0] if keep else None)
        with clock("light"):
            pixels = track.light(rgb[region.slices], region, pixels, skin, face.xy, face.size)
        with clock("tone"):
            # the target's own eyes and teeth, where they landed, take only part of the tone
            # (`OPENINGS_KEEP`): in full it turned them grey and beige
            own = openings(landed, region) if inside is None else np.maximum(
                openings(landed, region), inside)
            own = own * OPENINGS_KEEP
            unshifted = (region, own) if not occluded else (
                occluded.region, np.maximum(occluded.low, occluded.region.take(region, own)))
            shift_skin(rgb, face, track.light.tone ** weight, scene.person if scene else None,
                       unshifted, [f for f in self.seen if f is not found])
        with clock("detail"):
            pixels = track.detail(unwarped[region.slices], region, pixels, rendered.covered,
                                  (before.xy, face.xy), face.size)
        with clock("plate"):
            alpha = clean_plate(rgb, region, landed, alpha, rendered.covered, holes,
                                keep[0] if keep else None, face.size, weight)
        with clock("blend"):
            blend(rgb, region, pixels, alpha * weight, rendered.covered, face.size, keep,
                  holes)
        if self.enhancer:
            with clock("enhance"):
                self.enhancer(rgb, face, weight)
        return weight


def _with_faces(frames: Iterable[Frame], look: Callable[[np.ndarray], tuple[list[Face], Scene]]
                ) -> Iterator[tuple[Frame, list[Face], Scene]]:
    """Frames with what `look` sees in them, frame N+1 looked at while N is being rendered.

    MediaPipe releases the GIL while it runs, so on two cores this overlap takes most of its
    cost off the rendering thread. One worker keeps the calls in frame order, as the
    trackers require.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="facecast-mesh", initializer=as_helper) as pool:
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


def swap_video(who: Identity | Cast, source: str | Path, output: str | Path, params: SwapParams,
               progress: Progress | None = None, sheet: str | Path | None = None,
               write_from: float | None = None) -> SwapResult:
    """With `write_from` (seconds) the frames before it are swapped but not written, and the
    output has no sound: a piece of a longer video whose temporal state has settled
    (`facecast.chunks`)."""
    result = SwapResult(output=str(output), kind="video")
    with VideoReader(source, start=params.start, end=params.end) as reader:
        total = reader.info.frames
        if params.start is not None or params.end is not None:
            span_end = params.end if params.end is not None else reader.info.duration
            total = max(round((span_end - (params.start or 0.0)) * reader.info.fps), 1)
        contact = ContactSheet(total) if sheet else None
        swapper = FaceSwapper(who, params, video=True)
        looks = Looks(params, video=True, size=(reader.info.width, reader.info.height))
        encoding = finish.encoder(params.adjustments.quality)
        try:
            # the frames are closed first: the mesh thread finishes the frame it is looking at
            # before the swapper's models close (closed under it, MediaPipe crashed the process)
            with VideoWriter(output, reader, size=looks.out_size, audio=write_from is None,
                             **encoding) as writer, \
                    closing(_with_faces(reader, swapper.look)) as frames:
                clock = swapper.clock
                while True:
                    with clock("wait"):  # for the decoder and the mesh thread
                        item = next(frames, None)
                    if item is None:
                        break
                    frame, faces, scene = item
                    before = frame.image.copy() if contact and contact.wants(frame.index) else None
                    original = frame.image.copy() if looks.wants_original else None
                    found, weight = swapper.apply(frame.image, frame.time, faces, scene)
                    with clock("looks"):
                        frame.image = looks(frame.image, frame.time, swapper.chosen, original)
                    if write_from is not None and frame.time < write_from:
                        if progress:
                            progress(frame.index + 1, max(total, frame.index + 1))
                        continue
                    clock.frames += 1
                    result.frames += 1
                    result.face_frames += found
                    result.swapped_frames += weight > 0
                    result.weights.append(round(weight, 4))
                    _count(result, swapper)
                    if before is not None:
                        contact.add(frame.index, before, frame.image)
                    with clock("write"):  # for the encoder's queue
                        writer.write(frame)
                    if progress:
                        progress(frame.index + 1, max(total, frame.index + 1))
        finally:
            swapper.close()
        result.stages = swapper.clock.per_frame()
    result.warnings.extend(swapper.warnings)
    if result.face_frames == 0:
        result.warnings.append("no face was found in the video: it was copied unchanged")
    if contact:
        contact.save(sheet)
    return result


def swap_image(who: Identity | Cast, source: str | Path, output: str | Path, params: SwapParams,
               progress: Progress | None = None, sheet: str | Path | None = None) -> SwapResult:
    image = read_image(source)
    before = image.rgb.copy()
    swapper = FaceSwapper(who, params, video=False)
    looks = Looks(params, video=False, size=(before.shape[1], before.shape[0]))
    try:
        faces, scene = swapper.look(image.rgb)
        found, weight = swapper.apply(image.rgb, 0.0, faces, scene)
    finally:
        swapper.close()
    rgb = looks(image.rgb, 0.0, swapper.chosen, before)
    result = SwapResult(output=str(output), kind="image", frames=1, face_frames=int(found),
                        swapped_frames=int(weight > 0), weights=[round(weight, 4)])
    _count(result, swapper)
    result.warnings.extend(swapper.warnings)
    if not found:
        result.warnings.append("no face was found in the photo: it was copied unchanged")
    write_image(output, rgb, format=image.format,
                quality=finish.jpeg_quality(params.adjustments.quality))
    if progress:
        progress(1, 1)
    if sheet:
        contact = ContactSheet(1, height=min(before.shape[0], PHOTO_SHEET_H))
        contact.add(0, before, rgb)
        contact.save(sheet)
    return result


def _count(result: SwapResult, swapper: FaceSwapper) -> None:
    for fid, weight in swapper.weights.items():
        result.faces[fid] = result.faces.get(fid, 0) + (weight > 0)


def swap_file(who: Identity | Cast, source: str | Path, output: str | Path,
              params: SwapParams | None = None, progress: Progress | None = None,
              sheet: str | Path | None = None) -> SwapResult:
    """Swap an identity onto the largest face, or a cast onto the faces it names, in a photo
    or a video (told apart by content)."""
    params = params or SwapParams()
    check(params)
    check_writable(output)
    if sheet:
        check_writable(sheet)
    kind = media_kind(source)
    if kind == "image" and (params.start is not None or params.end is not None):
        raise FacecastError("--start/--end apply to videos only")
    swap = swap_image if kind == "image" else swap_video
    reuse_freed_memory()
    with own_threads_only():
        result = swap(who, source, output, params, progress, sheet)
    credentials.sign(output, "swap", credentials.describe(params))
    return result
