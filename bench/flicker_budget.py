"""Where a swap's flicker comes from: each compose stage in memory, the encoder, the floor.

`make eval`'s flicker reads the written video: the swap's own frame-to-frame change and
what x264 adds to it, together. This script swaps the first seconds of one pair in this
process and reads the same measure (`quality.measures.FlickerMeter`, each video's change
left unexplained by its own optical flow, over the original's) at every step:

- each stage's output (the render, shading, light, motion, detail, and the face as composed)
  pasted over the original frame where the face is drawn, in memory;
- the frame as handed to the encoder, in memory, and the written video read back;
- the original itself through the same encoder (`looks.finish.encoder`): the codec's floor,
  what any content of that clip gets from the encoding alone.

    python bench/flicker_budget.py TARGET USER [SECONDS]   (e.g. s18 d3 4)

Identities are trained afresh under a temporary folder, as `make eval` does.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from facecast.identity.model import Identity
    from facecast.media.reader import Frame
    from facecast.pipeline import Drawn, FaceSwapper
    from facecast.swap.track import FaceTrack

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
STAGES = ("render", "shaded", "light", "motion", "detail", "composed")


class Meters:
    """One flicker meter per named step, fed in frame order against the original."""

    def __init__(self, names: tuple[str, ...]) -> None:
        from facecast.quality.measures import FlickerMeter

        self.meters = {name: FlickerMeter() for name in names}

    def add(self, name: str, original: np.ndarray, shown: np.ndarray,
            points: np.ndarray | None) -> None:
        if points is not None:
            self.meters[name].add(original, shown, points)

    def ratio(self, name: str) -> str:
        ratio = self.meters[name].ratio
        return "-" if ratio is None else f"{ratio:.3f}"


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    target, user = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 4.0
    source = MEDIA / "videos" / f"{target}.mp4"
    if not source.is_file():
        print(f"no {source}: set FACECAST_MEDIA")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FACECAST_HOME"] = tmp
        return _budget(source, user, seconds, Path(tmp))


def _budget(source: Path, user: str, seconds: float, tmp: Path) -> int:
    from facecast import pipeline
    from facecast.faces import FaceMesher
    from facecast.identity.build import build_identity
    from facecast.looks.finish import encoder
    from facecast.media import VideoReader, VideoWriter
    from facecast.media import writer as writer_module
    from facecast.params import SwapParams

    identity = build_identity([MEDIA / "identities" / user], user)
    meters = Meters((*STAGES, "handed", "written", "floor"))
    stages: dict[str, tuple[tuple[slice, slice], np.ndarray, np.ndarray]] = {}
    found_points: list[np.ndarray | None] = []  # the original's face, frame by frame
    compose_face = pipeline.FaceSwapper.compose_face
    write = writer_module.VideoWriter.write

    def staged(self: FaceSwapper, rgb: np.ndarray, drawn: Drawn, track: FaceTrack,
               identity: Identity) -> float:
        """The method, each stage's output kept (a repeated frame keeps the last ones)."""
        region, covered = drawn.rendered.region, drawn.rendered.covered > 0.5
        kept = {"render": drawn.rendered.pixels, "shaded": drawn.pixels}
        originals = {name: getattr(track, name) for name in ("light", "motion", "detail")}
        for name, stage in originals.items():
            def keeping(*args: object, _stage: Callable = stage, _name: str = name,
                        **kwargs: object) -> object:
                out = _stage(*args, **kwargs)
                kept[_name] = (out[0] if isinstance(out, tuple) else out).copy()
                return out
            setattr(track, name, keeping)
        try:
            weight = compose_face(self, rgb, drawn, track, identity)
        finally:
            for name, stage in originals.items():
                setattr(track, name, stage)
        kept["composed"] = rgb[region.slices]
        for name, pixels in kept.items():
            stages[name] = (region.slices, covered, np.clip(pixels, 0, 255).astype(np.uint8))
        return weight

    with FaceMesher(video=True) as mesher, VideoReader(source, end=seconds) as originals:
        frames = iter(originals)

        def written(self: VideoWriter, frame: Frame) -> None:
            """Each frame handed to the encoder, measured beside the original's at the same
            index, with every stage's output pasted over it."""
            original = next(frames).image
            found = mesher.detect(original)
            points = found[0].points if found else None
            found_points.append(points)
            for name, (slices, covered, pixels) in stages.items():
                shown = original.copy()
                shown[slices][covered] = pixels[covered]
                meters.add(name, original, shown, points)
            meters.add("handed", original, frame.image, points)
            return write(self, frame)

        pipeline.FaceSwapper.compose_face = staged
        writer_module.VideoWriter.write = written
        try:
            output = tmp / "swap.mp4"
            pipeline.swap_file(identity, source, output, SwapParams(end=seconds, label=False))
        finally:
            pipeline.FaceSwapper.compose_face = compose_face
            writer_module.VideoWriter.write = write

    floor = tmp / "floor.mp4"
    with VideoReader(source, end=seconds) as reader, \
            VideoWriter(floor, reader, audio=False, **encoder(0.0, reader.info)) as out:
        for frame in reader:
            out.write(frame)
    with VideoReader(source, end=seconds) as a, VideoReader(output) as b, \
            VideoReader(floor) as c:
        for original, swapped, plain, points in zip(a, b, c, found_points, strict=False):
            meters.add("written", original.image, swapped.image, points)
            meters.add("floor", original.image, plain.image, points)

    print(f"flicker of {source.stem} x {user}, first {seconds:g} s (1.0: as the original; "
          "goal <= 1.05 written)")
    for name in (*STAGES, "handed", "written", "floor"):
        print(f"  {name:8s} {meters.ratio(name)}")
    print("(stages: in memory, pasted over the original where the face is drawn; handed: the "
          "frame given to the encoder;\n written: the video read back; floor: the original "
          "through the same encoder)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
