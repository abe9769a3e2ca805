"""Speed of the looks: ms per 720p frame for each style and adjustment, and preview latency.

Prints, on frames of $FACECAST_MEDIA/videos/s18.mp4 (1280x720): the median time of each
adjustment alone and of all of them at once (goal: about 60 ms), of each style (alone,
and as a video stage with its steadiness), of all face sliders and of the match to the
target after a swap; then the latency of POST /api/previews on a real server, first
(decoding and meshing the frame) and cached (goal: under a second), for an edit and for a
swap.
"""

from __future__ import annotations

import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import httpx
import numpy as np

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media")).resolve()
CLIP = MEDIA / "videos" / "s18.mp4"
SELFIES = MEDIA / "identities" / "d10"


def frames(n: int) -> list[np.ndarray]:
    with av.open(str(CLIP)) as c:
        return [f.to_ndarray(format="rgb24") for f in itertools.islice(c.decode(video=0), n)]


def per_frame(fn: Callable[[np.ndarray, int], object], images: list[np.ndarray]) -> float:
    """Median milliseconds of `fn(frame, index)` over the frames (the first one warms up)."""
    fn(images[0].copy(), 0)
    times = []
    for i, image in enumerate(images):
        copy = image.copy()
        t = time.perf_counter()
        fn(copy, i)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def stages() -> None:
    from facecast.faces import FaceMesher
    from facecast.looks import adjust
    from facecast.looks.reshape import reshape
    from facecast.looks.stage import Looks
    from facecast.looks.style import STYLES, stylize
    from facecast.params import Adjustments, EditParams, Sliders

    images = frames(12)
    print(f"frames: {len(images)} of {CLIP.name}, {images[0].shape[1]}x{images[0].shape[0]}")
    values = {n: 0.5 if n == "exposure" else 30 for n in adjust.ADJUSTMENTS}
    for name, fn in adjust.ADJUSTMENTS.items():
        ms = per_frame(lambda f, _i, fn=fn, v=values[name]: fn(f, v), images)
        print(f"  adjust {name:<18} {ms:6.1f} ms")
    every = Adjustments(**values)
    ms = per_frame(lambda f, _i: adjust.apply(f, every), images)
    print(f"  all adjustments at once   {ms:6.1f} ms  (goal about 60)")
    for style in STYLES:
        alone = per_frame(lambda f, _i, s=style: stylize(f, s), images)
        looks = Looks(EditParams(style=style), video=True, size=(1280, 720))
        staged = per_frame(lambda f, i, lk=looks: lk(f, i / 30, []), images)
        print(f"  style {style:<12} {alone:6.1f} ms alone, {staged:6.1f} ms as a video stage")
    with FaceMesher(video=False) as mesher:
        xy = mesher.detect(images[0])[0].xy
    sliders = Sliders(**dict.fromkeys(Sliders.model_fields, 40))
    ms = per_frame(lambda f, _i: reshape(f, xy, sliders), images)
    print(f"  all 8 face sliders        {ms:6.1f} ms")
    match(images)


def match(images: list[np.ndarray]) -> None:
    """The match to the target, on the swap of each frame (an identity trained here)."""
    from facecast.identity.build import build_identity
    from facecast.looks.match import Matcher
    from facecast.params import SwapParams
    from facecast.pipeline import FaceSwapper

    with tempfile.TemporaryDirectory() as root:
        identity = build_identity([SELFIES], "bench", root=Path(root))
    swapper = FaceSwapper(identity, SwapParams(), video=True)
    pairs = []
    for i, image in enumerate(images):
        faces, scene = swapper.look(image)
        swapped = image.copy()
        swapper.apply(swapped, i / 30, faces, scene)
        pairs.append((image, swapped, faces[0].xy))
    swapper.close()
    matcher = Matcher()
    ms = per_frame(lambda f, i: matcher(pairs[i][0], f, pairs[i][2]), [p[1] for p in pairs])
    print(f"  match to the target       {ms:6.1f} ms  (after a swap, on its face)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def previews() -> None:
    """Preview latency on a real server: the figures the page's sliders live with."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, FACECAST_HOME=home, FACECAST_MEDIA=str(MEDIA),
                   FACECAST_PORT=str(port))
        server = subprocess.Popen([sys.executable, "-m", "facecast.api"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=url, timeout=120) as client:
                for _ in range(300):
                    try:
                        client.get("/api/templates")
                        break
                    except httpx.TransportError:
                        time.sleep(0.2)
                photos = [("photos", (p.name, p.read_bytes(), "image/jpeg"))
                          for p in sorted(SELFIES.glob("*.jpg"))]
                created = client.post("/api/identities", data={"name": "bench", "consent": "true"},
                                      files=photos).json()
                while client.get(f"/api/jobs/{created['job_id']}").json()["status"] != "done":
                    time.sleep(0.5)
                cases = [("edit, realistic", {}), ("edit, oil", {"style": "oil"}),
                         ("edit, watercolor + adjustments",
                          {"style": "watercolor", "adjustments": {"contrast": 20, "clarity": 30}}),
                         ("swap, realistic", None), ("swap, comic + sliders", None)]
                for t, (label, params) in enumerate(cases):
                    body = {"template_id": "s18", "time": 1.0 + t, "params": params or {}}
                    if params is None:
                        body["identity_id"] = created["id"]
                        if "comic" in label:
                            body["params"] = {"style": "comic", "sliders": {"eye_size": 30}}
                    timings = []
                    for _ in range(4):
                        start = time.perf_counter()
                        response = client.post("/api/previews", json=body)
                        response.raise_for_status()
                        timings.append((time.perf_counter() - start) * 1000)
                    cached = statistics.median(timings[1:])
                    print(f"  preview {label:<32} first {timings[0]:6.0f} ms, cached {cached:6.0f}"
                          " ms  (goal < 1000)")
        finally:
            server.terminate()
            server.wait(15)


def main() -> int:
    if not CLIP.is_file():
        print(f"no {CLIP}: set FACECAST_MEDIA")
        return 2
    stages()
    previews()
    return 0


if __name__ == "__main__":
    sys.exit(main())
