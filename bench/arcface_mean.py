"""The ArcFace recogniser's mean embedding, and how well it tells the test people apart.

Writes src/facecast/faces/arcface_mean.npy: the mean raw embedding of ten people, the twelve
selfies of each of $FACECAST_MEDIA's five selfie sets and twelve spread frames of each of the
five clips without one (d12, d18, s13, s18, s32), every person weighing the same. Then
prints, with that mean: for each selfie set, the median distance of twelve frames of its
own clip to its own selfies' mean embedding and to every other set's, and the time of one
embedding (alignment + network). Needs the model (`make`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from facecast.faces import arcface
from facecast.faces.mesh import FaceMesher
from facecast.media import VideoReader, read_image

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
OUT = Path(__file__).resolve().parents[1] / "src" / "facecast" / "faces" / "arcface_mean.npy"
SETS = ("d0", "d3", "d9", "d10", "d14")
OTHERS = ("d12", "d18", "s13", "s18", "s32")
FRAMES = 12


def selfies(name: str) -> np.ndarray:
    out = []
    with FaceMesher(video=False) as mesher:
        for path in sorted((MEDIA / "identities" / name).iterdir()):
            rgb = read_image(path).rgb
            faces = mesher.detect(rgb)
            if faces:
                out.append(arcface.embed(rgb, faces[0]))
    return np.stack(out)


def clip(name: str) -> tuple[np.ndarray, float]:
    """Embeddings of FRAMES spread frames of the clip, and the seconds one embedding took."""
    out, took = [], 0.0
    with VideoReader(MEDIA / "videos" / f"{name}.mp4") as reader, \
            FaceMesher(video=True) as mesher:
        wanted = set(np.linspace(0, reader.info.frames - 1, FRAMES).round().astype(int))
        for i, frame in enumerate(reader):
            faces = mesher.detect(frame.image)
            if i in wanted and faces:
                start = time.perf_counter()
                out.append(arcface.embed(frame.image, faces[0]))
                took += time.perf_counter() - start
    return np.stack(out), took / max(len(out), 1)


def main() -> None:
    own = {name: selfies(name) for name in SETS}
    frames, times = {}, []
    for name in SETS + OTHERS:
        frames[name], took = clip(name)
        times.append(took)
    people = [own[n] for n in SETS] + [frames[n] for n in OTHERS]
    mean = np.mean([p.mean(axis=0) for p in people], axis=0).astype(np.float32)
    np.save(OUT, mean)
    arcface.mean_embedding.cache_clear()
    print(f"wrote {OUT}")
    print("clip frames -> selfie sets (median cosine distance, centred)")
    print("clip  " + "".join(f"{n:>7}" for n in SETS) + "   own  nearest other")
    for name in SETS:
        row = [float(np.median(arcface.distance(frames[name], own[s].mean(axis=0))))
               for s in SETS]
        other = min(d for s, d in zip(SETS, row, strict=True) if s != name)
        print(f"{name:<6}" + "".join(f"{d:7.3f}" for d in row)
              + f"  {row[SETS.index(name)]:.3f}  {other:.3f}")
    print(f"one embedding (align + network): {1000 * np.median(times):.1f} ms")


if __name__ == "__main__":
    main()
