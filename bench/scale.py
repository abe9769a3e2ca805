"""A long swap on 1, 2 and 4 processes: time and speed-up of the pieces (`facecast.chunks`).

Makes a 720p clip of `--seconds` (60) from $FACECAST_MEDIA's s18 and s32 in turn (no
sound), trains d10's selfies, then swaps the clip single-process (`swap_file`) and in
pieces of `--chunk-seconds` (15) run by 2 and 4 spawned processes, joined without
re-encoding. Prints each time, its speed-up, the seconds of video per second, and the
joined file's PSNR against the single-process one (median and minimum over frames). On two
cores the speed-up is small (the single process already overlaps decoding, meshing and
encoding in threads); a machine with more cores shows the scaling.

    python bench/scale.py [--seconds 60] [--chunk-seconds 15] [--processes 1 2 4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
SELFIES = MEDIA / "identities" / "d10"
OUT = Path("out/bench")


def make_clip(path: Path, seconds: float) -> None:
    """`seconds` of 30 fps 720p: s18 and s32 in turn, re-encoded near-losslessly."""
    frames_wanted = round(seconds * 30)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30, options={"crf": "12", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        written = 0
        while written < frames_wanted:
            for name in ("s18", "s32"):
                with av.open(str(MEDIA / "videos" / f"{name}.mp4")) as src:
                    for frame in src.decode(video=0):
                        if written == frames_wanted:
                            break
                        picture = frame.reformat(format="yuv420p")
                        picture.pts, picture.time_base = written, Fraction(1, 30)
                        out.mux(stream.encode(picture))
                        written += 1
        out.mux(stream.encode(None))


def frames_of(path: Path) -> Iterator[np.ndarray]:
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            yield frame.to_ndarray(format="rgb24")


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--chunk-seconds", type=float, default=15.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    if not SELFIES.is_dir():
        print(f"no {SELFIES}: set FACECAST_MEDIA")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FACECAST_HOME"] = tmp
        from facecast.chunks.join import join_pieces
        from facecast.chunks.local import run_pieces
        from facecast.chunks.plan import plan_chunks
        from facecast.chunks.work import remove_pieces, swap_piece
        from facecast.identity.build import build_identity
        from facecast.params import SwapParams
        from facecast.pipeline import swap_file

        clip = Path(tmp) / "long.mp4"
        make_clip(clip, args.seconds)
        identity = build_identity([SELFIES], "bench")
        params = SwapParams()
        plan = plan_chunks(clip, None, None, args.chunk_seconds)
        print(f"{args.seconds:.0f} s of 720p, {os.cpu_count()} cores, "
              f"{len(plan.chunks) if plan else 1} pieces of {args.chunk_seconds:g} s")
        print("processes  seconds  speed-up  video s/s  PSNR median/min vs 1")
        single = Path(tmp) / "single.mp4"
        base = None
        for n in args.processes:
            out = Path(tmp) / f"p{n}.mp4"
            t = time.perf_counter()
            if n == 1 or plan is None:
                swap_file(identity, clip, single, params)
                out = single
            else:
                folder = Path(tmp) / f"pieces{n}"
                folder.mkdir()
                pieces = run_pieces(swap_piece, [(identity, clip, folder, params, c)
                                                 for c in plan.chunks], plan, n)
                join_pieces([p.path for p in pieces], plan, clip, out)
                remove_pieces(folder)
            took = time.perf_counter() - t
            base = base or took
            quality = ""
            if out != single and single.is_file():
                scores = [psnr(a, b) for a, b in zip(frames_of(single), frames_of(out),
                                                     strict=True)]
                quality = f"{np.median(scores):.1f} / {min(scores):.1f} dB"
            print(f"{n:9d}  {took:7.1f}  {base / took:8.2f}  {args.seconds / took:9.2f}  "
                  f"{quality}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
