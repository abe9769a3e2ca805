"""The one path data takes: read -> observe faces -> render -> compose -> write.

This module owns the loop and the order of stages, nothing else. The CLI, the web API and
job workers all call `swap_file`; none re-implements a step.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from facecast import credentials
from facecast.casting.face_list import FaceList
from facecast.casting.selection import Cast
from facecast.compose import blend
from facecast.compose.blink import closed_eyes
from facecast.compose.canvas import Canvas
from facecast.compose.folds import Change
from facecast.compose.folds import draw as draw_folds
from facecast.compose.grey import keep_tone
from facecast.compose.mouth import cover_opening, fill_from_lips, mouth_inside
from facecast.compose.plate import clean_plate
from facecast.compose.shade import plain_points
from facecast.cores import as_helper, own_threads_only, reuse_freed_memory
from facecast.errors import FacecastError
from facecast.faces import landmarks as L
from facecast.faces.anchor import FlowAnchor
from facecast.faces.mesh import Face, FaceMesher
from facecast.faces.raster import Region
from facecast.faces.scene import Scene, SceneReader
from facecast.faces.smoothing import AHEAD
from facecast.identity.model import Identity
from facecast.imaging import fill_colour_tables
from facecast.looks import finish
from facecast.looks.edit import EditResult, Progress
from facecast.looks.stage import Looks
from facecast.media import (
    Frame,
    VideoReader,
    VideoWriter,
    check_output_name,
    check_writable,
    media_kind,
    read_image,
    write_image,
)
from facecast.media.sheet import ContactSheet
from facecast.params import SwapParams
from facecast.swap import Enhancer, MaskSource, check, engine_for
from facecast.swap.base import Engine, Rendered
from facecast.swap.lids import closing as eyes_closed
from facecast.swap.masks import merge
from facecast.swap.shape import Warp, settle_features, settled_face
from facecast.swap.track import FaceTrack
from facecast.timing import StageClock

UNWARPED_MARGIN = 0.05
"""Of the face's extent: how far past the meshes before and after the warp the frame's
unwarped pixels are kept (the render's window reaches 0.02 past the mesh it draws)."""
PHOTO_SHEET_H = 720  # px: a photo's sheet is one pair, large enough to see a group's faces
A, B, C = TypeVar("A"), TypeVar("B"), TypeVar("C")

@dataclass
class SwapResult(EditResult):
    """What a swap did: counts a person (or a test) can check, and any warnings."""

    swapped_frames: int = 0
    weights: list[float] = field(default_factory=list)
    """The blend weight of each frame (0 where no face was swapped): fades show here."""
    faces: dict[int, int] = field(default_factory=dict)
    """Frames each face was swapped in, by face id (0 for the largest face)."""
    stages: dict[str, dict[str, float | str]] = field(default_factory=dict)
    """Milliseconds per frame of each stage, wall clock and CPU, and the thread that ran it
    (`timing.StageClock`)."""


class FaceSwapper:
    """Swaps one identity onto the largest face of each image of a stream, in order, or a
    cast onto the faces it names: each face has its own `FaceTrack`."""

    def __init__(self, who: Identity | Cast, params: SwapParams, *, video: bool,
                 engine: Engine | None = None) -> None:
        self.params = params
        self.video = video
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
        # what the first frame would wait for, made on the other core while the face models
        # load: the identities' textures (eyes shut for blinks) and OpenCV's Lab tables,
        # 0.3 s of CPU on a quiet machine (0.5-1.4 s of wall clock on a loaded one)
        pool = ThreadPoolExecutor(1, thread_name_prefix="facecast-warm-up")
        self._warming = pool.submit(_warm_up, self.engine,
                                    list({id(i): i for i in self.roles.values()}.values()))
        pool.shutdown(wait=False)  # the thread ends with its one task
        most = 1 if self.faces is None else self.faces.max_faces
        self.mesher = FaceMesher(video=video, max_faces=most)
        self.anchor = FlowAnchor() if video else None
        self.scene = SceneReader(video=video, max_hands=2 * most)
        self.tracks = {fid: FaceTrack(i.neutral, i.uv, still=not video)
                       for fid, i in self.roles.items()}
        self.weights: dict[int, float] = {}
        """Each swapped face's blend weight in the last frame, by face id."""
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
            if self.anchor is not None:
                faces = self.anchor(rgb, faces)
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
        return self.compose(self.draw(rgb, t, faces, scene))

    def draw(self, rgb: np.ndarray, t: float, faces: list[Face], scene: Scene | None = None,
             ahead: Sequence[tuple[float, list[Face]]] = ()) -> Drawing:
        """The first half of a frame's swap: each chosen face tracked, its occluders found,
        the frame warped under it, its face rendered and shaded. `compose` finishes it; a
        video's frame N+1 is drawn while frame N is composed (`_in_two_threads`). `ahead`:
        the faces found in the frames after this one (time, faces), for the smoothing."""
        self._warming.result()
        cast = self.cast(t, faces)
        for fid, track in self.tracks.items():
            if fid not in cast:
                track.lose()
        # far (small) faces first, so a nearer face overlapping one is painted over it
        ordered = sorted(cast.items(), key=lambda item: item[1].size)
        return Drawing(rgb, bool(cast),
                       sorted(cast.values(), key=lambda f: f.size, reverse=True),
                       [(fid, self.draw_face(rgb, t, face, self.tracks[fid], self.roles[fid],
                                             scene, _followed(face, ahead)))
                        for fid, face in ordered])

    def compose(self, drawing: Drawing) -> tuple[bool, float]:
        """The second half: each drawn face relit, given the footage's detail, the target's
        features painted out under it and blended, in place. Returns (a chosen face found,
        the largest blend weight used)."""
        self.chosen = drawing.chosen
        self.weights = {}
        for fid, drawn in drawing.drawn:
            self.weights[fid] = drawn if isinstance(drawn, float) else self.compose_face(
                drawing.rgb, drawn, self.tracks[fid], self.roles[fid])
        for fid, track in self.tracks.items():
            if not self.weights.get(fid):
                track.steady.reset()  # not drawn now: its last frame is not the one before
        return drawing.found, max(self.weights.values(), default=0.0)

    def cast(self, t: float, faces: list[Face]) -> dict[int, Face]:
        """This frame's faces that have a role, by face id."""
        if self.faces is None:
            return {0: faces[0]} if faces else {}
        labels = self.faces.label(t, [f.box for f in faces])
        return {fid: face for fid, face in zip(labels, faces, strict=True) if fid in self.roles}

    def draw_face(self, rgb: np.ndarray, t: float, face: Face, track: FaceTrack,
                  identity: Identity, scene: Scene | None = None,
                  ahead: Sequence[tuple[float, np.ndarray]] = ()) -> Drawn | float:
        """One face rendered into a window of `rgb` (warped in place under it), or its
        blend weight (0) when nothing is drawn. `ahead`: the face's points in the frames
        after this one (`_followed`). A close-up is drawn on a smaller copy of its
        neighbourhood (`compose.canvas`), all but the shape warp, which moves `rgb`."""
        clock = self.clock
        found = face
        with clock("track"):
            face, weight = track.observe(face, t, ahead)
        with clock("marks"):  # before anything reads the frame under the face
            track.marks(rgb, face.xy, face.size, weight * self.params.identity_strength)
        canvas, frame, full = None, rgb, face
        if self.video and track.work_at(face.size) < 1.0:
            with clock("canvas"):
                canvas = Canvas(rgb, face.xy[: L.N_MESH], track.scale)
                frame, scene = canvas.frame, canvas.scene(scene)
                found, face = canvas.face(found), canvas.face(face)
        with clock("occlusion"):
            occluded = merge(track.occlusion.mask(frame, face, scene), [*self.masks, track.rims],
                             frame, face)
        weight *= self.params.identity_strength
        with clock("track"):
            shaped = shaped_full = track.shape.reshape(full.points,
                                                       self.params.shape_strength * weight)
            if canvas is not None:
                shaped = canvas.points(shaped_full)
        if weight <= 0.0:
            return 0.0
        before = face
        unwarped: tuple[Region, np.ndarray] | None = None
        landed = face.xy
        if self.params.shape_strength > 0:
            # the warp's bilinear resampling softens the frame's grain (to about 2/3): the
            # detail the face takes on comes from the frame as it was, kept where the face
            # can be drawn (around the mesh before and after the warp), not the whole frame
            with clock("warp"):
                kept = Region.around(np.vstack([face.xy[: L.N_MESH], shaped[: L.N_MESH, :2]]),
                                     frame.shape[:2], margin=UNWARPED_MARGIN)
                unwarped = kept, frame[kept.slices].copy()
                pinned = (occluded.region, occluded.pinned) if occluded else None
                if canvas is None:
                    warp = Warp(frame.shape[:2])
                    landed = settled_face(warp, face.xy, shaped, pinned)
                    warp.apply(frame)
                else:
                    # the face's field at the frame's own size: past the outline it moves
                    # hair, ears and the jaw's edge, whose finest band the copy lacks and the
                    # swap keeps; the finer ones on the copy (at the frame's size, composed
                    # with the face's, they cost a close-up 4 ms more a frame)
                    warp = Warp(rgb.shape[:2])
                    landed = canvas.points(warp.face(full.xy[: L.N_MESH],
                                                     shaped_full[: L.N_MESH, :2],
                                                     canvas.pins(pinned)))
                    warp.apply(rgb)
                    canvas.warped(rgb)
                    warp = Warp(frame.shape[:2])
                    landed = settle_features(warp, landed, shaped, pinned)
                    warp.apply(frame)
            face = Face(shaped)
        with clock("render"):
            rendered = self.engine.render(frame, face, identity)
        if rendered is None:
            return 0.0
        region = rendered.region
        holes, alpha = rendered.holes, rendered.alpha
        with clock("mouth"):
            if holes is not None:
                cover = cover_opening(frame[region.slices], face.xy, landed, region, face.size)
                if cover is not None:
                    fill_from_lips(rendered.pixels, alpha, rendered.covered, holes, cover,
                                   face.xy, region)
            inside = mouth_inside(frame[region.slices], landed, region, face.size)
        holes, alpha = _shown_through(inside, holes, alpha)
        with clock("eyes"):
            shut = closed_eyes(landed, face.xy, region, eyes_closed(face.points), face.size)
        holes, alpha = _shown_through(shut, holes, alpha)
        keep = None
        skin = rendered.skin
        if occluded:
            keep = (region.take(occluded.region, occluded.covered),
                    region.take(occluded.region, occluded.low))
            skin = skin * (1.0 - keep[1])
        # the footage as it was: the detail's source and the steadying's flow (a copy: the
        # blend paints this window before the steadying reads it)
        grain = frame[region.slices].copy() if unwarped is None else region.take(*unwarped)
        expression = None
        with clock("expression"):
            # unwrapped through the mesh as found, which sits on the footage: the smoothed
            # one trails a moving head, and the lag read as folds that pulled the face back
            if rendered.texels is not None:  # engines that draw the texture
                expression = track.folds.read(grain, region, found, track.uv,
                                              keep[0] if keep else None, face.size)
        pixels = rendered.pixels
        if rendered.ids is not None:
            with clock("shade"):
                pixels = track.shade(grain, region, pixels, rendered.ids,
                                     before, face, identity.neutral,
                                     plain_points(identity.skin, identity.uv),
                                     keep[0] if keep else None, self.params.likeness)
        # relit on the composing thread, from a copy of the window as drawn: by then a
        # farther face's blend may have painted over part of it
        window = frame[region.slices].copy()
        # the target's features painted out of the frame here, on the drawing thread: the
        # composing one was the stream's slower half (`_in_two_threads`), and nothing it
        # does before the blend reads the frame itself, only the copies above
        with clock("plate"):
            alpha = clean_plate(frame, region, landed, alpha, rendered.covered,
                                _plate_holes(rendered.holes, holes), keep[0] if keep else None,
                                face.size, weight, reach=rendered.alpha)
        if canvas is not None:
            with clock("canvas"):
                canvas.drawn(rgb, region)
        return Drawn(found, before, face, weight, landed, grain, window, rendered, pixels, skin,
                     alpha, holes, keep, expression, canvas)

    def compose_face(self, rgb: np.ndarray, drawn: Drawn, track: FaceTrack,
                     identity: Identity) -> float:
        """Finish one drawn face in place; returns the blend weight used."""
        clock = self.clock
        face, region, weight = drawn.face, drawn.rendered.region, drawn.weight
        keep = drawn.keep
        canvas = drawn.canvas
        frame = rgb if canvas is None else canvas.frame
        track.compose_at(1.0 if canvas is None else canvas.scale)
        with clock("light"):
            pixels = track.light(drawn.window, region, drawn.pixels, drawn.skin, face.xy,
                                 face.size, self.params.likeness,
                                 footage=(drawn.unwarped, drawn.before.xy))
        with clock("folds"):
            pixels = draw_folds(pixels, drawn.expression, drawn.rendered.texels, drawn.skin)
        with clock("motion"):
            pixels = track.motion(drawn.unwarped, pixels, drawn.rendered.covered, face.xy,
                                  face.size)
        with clock("detail"):
            rendered = drawn.rendered
            plain = (rendered.covered if rendered.marks is None else
                     rendered.covered * (1.0 - rendered.marks))
            pixels, grain = track.detail(drawn.unwarped, region, pixels, plain,
                                         (drawn.before.xy, face.xy), face.size, drawn.window)
        with clock("blend"):
            blend(frame, region, pixels, drawn.alpha * weight, drawn.rendered.covered, face.size,
                  keep, drawn.holes, grain)
        if drawn.rendered.holes is not None:  # the openings show the target's own eyes
            with clock("iris"):
                track.iris(frame, face.xy, identity.iris, face.size, weight)
        if self.enhancer:
            with clock("enhance"):
                self.enhancer(frame, face, weight)
        if self.params.target_glasses:
            with clock("glasses"):
                track.glasses(frame, region, drawn.unwarped, drawn.before.xy, weight)
        with clock("steady"):
            track.steady(frame, region, drawn.unwarped, face.size)
            keep_tone(frame[region.slices], drawn.unwarped)
        if canvas is not None:
            with clock("paste"):
                shown, footage = drawn.alpha * weight, grain.where
                if keep is not None:  # as the blend has them
                    shown, footage = shown * (1.0 - keep[0]), footage * (1.0 - keep[0])
                canvas.paste(rgb, region, shown, footage)
        return weight


def _plate_holes(opened: np.ndarray | None, holes: np.ndarray | None) -> np.ndarray | None:
    """What the clean plate leaves as it is: the drawn openings (`opened`: an eye's edge
    pixels by the share it covers) and, wholly, wherever the frame shows through beyond them
    (`holes`: a closing eye, the mouth's inside), however faintly."""
    if holes is None or opened is None:
        return holes
    return np.maximum(opened, (holes > opened).astype(np.float32))


def _followed(face: Face, ahead: Sequence[tuple[float, list[Face]]]
              ) -> list[tuple[float, np.ndarray]]:
    """`face`'s points in the frames ahead (time, points), nearest first, for as long as it
    is found: in each frame the face whose middle is nearest the one before, within half
    the face's size."""
    followed: list[tuple[float, np.ndarray]] = []
    middle, size = face.xy[: L.N_MESH].mean(axis=0), face.size
    for t, faces in ahead:
        middles = [f.xy[: L.N_MESH].mean(axis=0) for f in faces]
        gaps = [float(np.linalg.norm(m - middle)) for m in middles]
        if not gaps or min(gaps) > size / 2:
            break
        near = int(np.argmin(gaps))
        followed.append((t, faces[near].points))
        middle, size = middles[near], faces[near].size
    return followed


def _shown_through(frame: np.ndarray | None, holes: np.ndarray | None, alpha: np.ndarray
                   ) -> tuple[np.ndarray | None, np.ndarray]:
    """The rendered face's `holes` and `alpha` with `frame` (0..1, or None: nothing) added
    to what shows of the target's own face: its mouth inside, its shut eyes."""
    if frame is None:
        return holes, alpha
    return (frame if holes is None else np.maximum(holes, frame)), alpha * (1.0 - frame)


def _warm_up(engine: Engine, identities: list[Identity]) -> None:
    for identity in identities:
        engine.prepare(identity)
    fill_colour_tables()


@dataclass
class Drawn:
    """One face drawn (`FaceSwapper.draw_face`), what its composition needs: the face as
    found, smoothed (`before`) and shaped (`face`), where the target's points landed after
    the warp, the frame's window before the warp (`unwarped`: its grain) and after it
    (`window`: its light, before its features were painted out of the frame), the render,
    its shaded pixels and plain skin, alpha (the clean plate's) and openings, what the
    occlusion keeps of the frame, and the footage's expression change (`compose.folds`); all
    of them on `canvas` where a close-up was drawn on a smaller copy (`compose.canvas`)."""

    found: Face
    before: Face
    face: Face
    weight: float
    landed: np.ndarray
    unwarped: np.ndarray
    window: np.ndarray
    rendered: Rendered
    pixels: np.ndarray
    skin: np.ndarray
    alpha: np.ndarray
    holes: np.ndarray | None
    keep: tuple[np.ndarray, np.ndarray] | None
    expression: Change | None
    canvas: Canvas | None = None


@dataclass
class Drawing:
    """A frame between `FaceSwapper.draw` and `compose`: the frame (warped, not yet
    composed), whether a chosen face was found, the chosen ones largest first, and each
    chosen face's `Drawn` (or its weight, 0, when none was drawn), far faces first."""

    rgb: np.ndarray
    found: bool
    chosen: list[Face]
    drawn: list[tuple[int, Drawn | float]]


_FrameDrawn = tuple[Frame, np.ndarray | None, np.ndarray | None, Drawing | None]
"""A video frame drawn: the frame, its copies before the swap (for the contact sheet, for the
looks), its `Drawing` (None for a repeat of the frame before: not drawn)."""
_FrameDone = tuple[Frame, np.ndarray | None, bool, float, dict[int, float]]
"""A video frame composed: the frame, its copy for the contact sheet, a face found, the
largest weight and each face's."""


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
            if following is not None and following.repeat:  # the same picture: seen alike
                pending = Future()
                pending.set_result((faces, scene))
            elif following is not None:
                pending = pool.submit(look, following.image)
            yield current, faces, scene
            current = following


def _looking_ahead(items: Iterable[tuple[Frame, list[Face], Scene]], frames: int
                   ) -> Iterator[tuple[Frame, list[Face], Scene, list[tuple[float, list[Face]]]]]:
    """Each frame with its faces and scene, and the faces found in the `frames` frames after
    it (time, faces), for the smoothing (`MeshFilter.both_ways`): that many decoded frames
    are held (at 720p, 2.7 MB each)."""
    held: deque[tuple[Frame, list[Face], Scene]] = deque()
    for item in items:
        held.append(item)
        if len(held) > frames:
            frame, faces, scene = held.popleft()
            yield frame, faces, scene, [(f.time, fs) for f, fs, _ in held]
    while held:
        frame, faces, scene = held.popleft()
        yield frame, faces, scene, [(f.time, fs) for f, fs, _ in held]


COMPOSE_AHEAD = 2
"""Frames drawn ahead of the one being composed: room for one frame's stages to run long
without stopping the other thread."""


def _in_two_threads(items: Iterable[A], first: Callable[[A], B], second: Callable[[B], C],
                    clock: StageClock) -> Iterator[C]:
    """`second(first(item))` for each item, in order: `first` on the calling thread, `second`
    on a thread of its own up to `COMPOSE_AHEAD` items behind.

    A swap's frame is two halves of similar cost (`FaceSwapper.draw`, `compose` and the
    looks), each of them mostly OpenCV and numpy calls that release the GIL: on two cores
    both run at once, and the decoder, the mesh thread and the encoder fill the gaps. Each
    half keeps its own per-face state (tracking, occlusion and light in the first, detail
    and the looks in the second), so each sees the frames in order.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="facecast-compose") as pool:
        queued: deque[Future[C]] = deque()
        it = iter(items)
        while True:
            with clock("wait"):  # for the decoder and the mesh thread
                item = next(it, None)
            if item is None:
                break
            queued.append(pool.submit(second, first(item)))
            if len(queued) > COMPOSE_AHEAD:
                with clock("wait compose"):
                    done = queued.popleft().result()
                yield done
        while queued:
            with clock("wait compose"):
                done = queued.popleft().result()
            yield done


def swap_video(who: Identity | Cast, source: str | Path, output: str | Path, params: SwapParams,
               progress: Progress | None = None, sheet: str | Path | None = None,
               write_from: float | None = None, write_until: float | None = None) -> SwapResult:
    """With `write_from` (seconds) the frames before it are swapped but not written, and the
    output has no sound: a piece of a longer video whose temporal state has settled
    (`facecast.chunks`). With `write_until` the frames from it are read (for the smoothing's
    look ahead, `AHEAD`) but neither swapped nor written."""
    result = SwapResult(output=str(output), kind="video")
    with VideoReader(source, start=params.start, end=params.end) as reader:
        total = reader.info.frames
        if params.start is not None or params.end is not None:
            span_end = params.end if params.end is not None else reader.info.duration
            total = max(round((span_end - (params.start or 0.0)) * reader.info.fps), 1)
        contact = ContactSheet(total) if sheet else None
        swapper = FaceSwapper(who, params, video=True)
        looks = Looks(params, video=True, size=(reader.info.width, reader.info.height))
        encoding = finish.encoder(params.adjustments.quality, reader.info)
        clock = swapper.clock

        def draw(item: tuple[Frame, list[Face], Scene, list[tuple[float, list[Face]]]]
                 ) -> _FrameDrawn:
            frame, faces, scene, ahead = item
            before = frame.image.copy() if contact and contact.wants(frame.index) else None
            if frame.repeat:
                return frame, before, None, None
            original = frame.image.copy() if looks.wants_original else None
            return frame, before, original, swapper.draw(frame.image, frame.time, faces, scene,
                                                         ahead)

        last: tuple[np.ndarray, bool, float, dict[int, float]] | None = None

        def compose(drawn: _FrameDrawn) -> _FrameDone:
            nonlocal last
            frame, before, original, drawing = drawn
            if drawing is None:
                # a repeat of the frame before (`Frame.repeat`) is written as that one came
                # out: swapped again, its face moved with the temporal filters, which had
                # moved on (s32's every sixth frame, 0.01 grey levels from the one before
                # in the original, 0.2-0.5 in the swap: flicker on a still picture)
                assert last is not None  # the reader never marks its first frame a repeat
                frame.image, found, weight, weights = last
                return frame, before, found, weight, weights
            found, weight = swapper.compose(drawing)
            with clock("looks"):
                frame.image = looks(frame.image, frame.time, swapper.chosen, original)
            weights = dict(swapper.weights)
            last = frame.image, found, weight, weights
            return frame, before, found, weight, weights

        try:
            # the frames are closed first: the compose thread finishes its frames and the
            # mesh thread the frame it is looking at before the swapper's models close
            # (closed under it, MediaPipe crashed the process)
            with VideoWriter(output, reader, size=looks.out_size, audio=write_from is None,
                             **encoding) as writer, \
                    closing(_with_faces(reader, swapper.look)) as looked, \
                    closing(_looking_ahead(looked, AHEAD)) as frames, \
                    closing(_in_two_threads(frames, draw, compose, clock)) as swapped:
                for frame, before, found, weight, weights in swapped:
                    if write_until is not None and frame.time >= write_until:
                        break
                    if write_from is not None and frame.time < write_from:
                        if progress:
                            progress(frame.index + 1, max(total, frame.index + 1))
                        continue
                    clock.frames += 1
                    result.frames += 1
                    result.face_frames += found
                    result.swapped_frames += weight > 0
                    result.weights.append(round(weight, 4))
                    _count(result, weights)
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
    _count(result, swapper.weights)
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


def _count(result: SwapResult, weights: dict[int, float]) -> None:
    for fid, weight in weights.items():
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
    check_output_name(output, kind)
    if kind == "image" and (params.start is not None or params.end is not None):
        raise FacecastError("--start/--end apply to videos only")
    swap = swap_image if kind == "image" else swap_video
    reuse_freed_memory()
    with own_threads_only():
        result = swap(who, source, output, params, progress, sheet)
    credentials.sign(output, "swap", credentials.describe(params))
    return result
