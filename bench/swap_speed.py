"""Speed of `facecast swap` against a plain decode + encode of the same clip.

Prints, for $FACECAST_MEDIA/videos/s18.mp4 (1280x720, 282 frames): the time of a plain
PyAV decode + libx264 encode (PyAV's defaults), the time of the `facecast swap` command
(process start and model loading included), their ratio (goal: <= 2.0 on a 2-core machine),
and the identity build time for 12 selfies (goal: <= 10 s for 15). Writes the swap's contact
sheet to out/bench/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
CLIP = MEDIA / "videos" / "s18.mp4"
SELFIES = MEDIA / "identities" / "d10"
FACECAST = Path(sys.executable).with_name("facecast")
OUT = Path("out/bench")


def plain_transcode(src: Path, dst: Path) -> int:
    """Decode every frame and encode it again with libx264's defaults; audio is left out."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        vin = inp.streams.video[0]
        vin.thread_type = "AUTO"
        vout = out.add_stream("libx264", rate=vin.average_rate)
        vout.width, vout.height, vout.pix_fmt = vin.width, vin.height, "yuv420p"
        n = 0
        for frame in inp.decode(vin):
            frame.pts = None
            out.mux(vout.encode(frame.reformat(format="yuv420p")))
            n += 1
        out.mux(vout.encode(None))
    return n


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    if not CLIP.is_file():
        print(f"no {CLIP}: set FACECAST_MEDIA")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, FACECAST_HOME=tmp)
        t = time.perf_counter()
        frames = plain_transcode(CLIP, Path(tmp) / "plain.mp4")
        plain = time.perf_counter() - t
        build = timed([str(FACECAST), "train", str(SELFIES), "--name", "bench"], env)
        swap = timed([str(FACECAST), "swap", "--identity", "bench", "--input", str(CLIP),
                      "--output", str(OUT / "s18-bench.mp4"), "--sheet",
                      str(OUT / "s18-bench.png")], env)
    print(f"clip                      {CLIP.name}, {frames} frames")
    print(f"plain decode+encode       {plain:6.2f} s  ({frames / plain:5.1f} frames/s)")
    print(f"facecast swap             {swap:6.2f} s  ({frames / swap:5.1f} frames/s)")
    print(f"ratio swap / plain        {swap / plain:6.2f}   (goal <= 2.0)")
    print(f"identity build, 12 photos {build:6.2f} s  (command total; goal <= 10 s for 15)")
    print(f"contact sheet             {OUT / 's18-bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
