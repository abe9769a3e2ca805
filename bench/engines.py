"""Time per frame of each engine and enhancer on a 720p frame (s18), with stand-ins of the
real models' signatures (tests/standins.py: the same inputs, outputs and sizes; two 3x3
convolutions of WIDTH channels as the network's work, not the real networks' weights).

Prints, per engine, the engine's render alone and the whole per-face step of the pipeline
(tracking, occlusion, relighting, blending around it), in ms a frame, on the device ONNX
Runtime picks (CUDA with onnxruntime-gpu and a GPU, else the CPU); and per enhancer its
stage alone. The stand-ins' own work is small, so the figures are facecast's cost around a
network: add the real network's inference time to them. Writes nothing but temporary files.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import standins
from clips import frames_between

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
WIDTH = 32
REPEAT = 20


def ms(run) -> float:
    run()
    run()  # warm: sessions loaded, caches filled
    start = time.perf_counter()
    for _ in range(REPEAT):
        run()
    return (time.perf_counter() - start) / REPEAT * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["FACECAST_HOME"] = str(tmp / "home")
        from facecast.faces.mesh import FaceMesher
        from facecast.identity.build import build_identity
        from facecast.models import runtime, store
        from facecast.params import SwapParams
        from facecast.pipeline import FaceSwapper
        from facecast.swap import Enhancer, engine_for

        def add(name: str, path: Path) -> None:
            store.add(path, name, allow_unverified=True)

        add("arcface_w600k_r50", standins.recognizer(tmp / "r.onnx"))
        add("inswapper_128", standins.swapper(tmp / "i.onnx", "input", 128, True, WIDTH))
        add("simswap_256", standins.swapper(tmp / "s.onnx", "input", 256, False, WIDTH))
        add("simswap_unofficial_512",
            standins.swapper(tmp / "u.onnx", "input", 512, False, WIDTH))
        add("gfpgan_1.4", standins.enhancer(tmp / "g.onnx", "input", conv_channels=WIDTH))
        add("codeformer", standins.enhancer(tmp / "c.onnx", "input", True, WIDTH))
        add("gpen_bfr_512", standins.enhancer(tmp / "p.onnx", "input", conv_channels=WIDTH))
        identity = build_identity([MEDIA / "identities" / "d10"], "d10")
        frame = frames_between(MEDIA / "videos" / "s18.mp4", 0.0, 0.05)[0]
        with FaceMesher(video=False) as mesher:
            face = mesher.detect(frame)[0]
        print(f"720p frame, face {face.size:.0f} px; providers {runtime.providers()}; "
              f"stand-ins with {WIDTH}-channel convolutions")
        for name in ("mesh", "inswapper_128", "simswap_256", "simswap_unofficial_512"):
            engine = engine_for(name)
            render = ms(lambda engine=engine: engine.render(frame, face, identity))
            swapper = FaceSwapper(identity, SwapParams(engine=name), video=True)
            faces, scene = swapper.look(frame)
            step = ms(lambda s=swapper, f=faces, c=scene: s.apply(frame.copy(), 0.0, f, c))
            swapper.close()
            print(f"engine {name:<24} render {render:7.1f} ms   whole per-face step "
                  f"{step:7.1f} ms")
        for name in ("gfpgan_1.4", "codeformer", "gpen_bfr_512"):
            enhancer = Enhancer(name)
            print(f"enhancer {name:<22} {ms(lambda e=enhancer: e(frame.copy(), face)):7.1f} ms")


if __name__ == "__main__":
    main()
