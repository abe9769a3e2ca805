"""What the swap's speed rests on: stage timings a person can read, and threads that do
not fight over the cores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
from clips import MEDIA, needs_media
from threadpoolctl import threadpool_info

FACECAST = Path(sys.executable).with_name("facecast")
STAGES = {"mesh", "scene", "wait", "track", "occlusion", "warp", "render", "mouth", "shade",
          "light", "tone", "detail", "plate", "blend", "looks", "write"}


def facecast(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FACECAST), *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, COLUMNS="200"))


@needs_media
def test_swap_writes_each_stages_milliseconds_per_frame(identity, tmp_path: Path) -> None:
    timings = tmp_path / "timings.json"
    done = facecast("swap", "--identity", identity.name, "--input",
                    MEDIA / "videos" / "s18.mp4", "--end", "0.5", "--output",
                    tmp_path / "out.mp4", "--timings", timings)
    assert done.returncode == 0, done.stderr
    report = json.loads(timings.read_text())
    assert report["frames"] == 15
    assert set(report["stages"]) == STAGES
    for stage, ms in report["stages"].items():
        assert ms["wall_ms"] >= 0 and ms["cpu_ms"] >= 0, stage
    # the face was swapped in every frame: the render stages took time
    assert all(report["stages"][s]["wall_ms"] > 0.1 for s in ("render", "detail", "blend"))


@needs_media
def test_timings_to_a_missing_folder_fails_before_work(identity, tmp_path: Path) -> None:
    done = facecast("swap", "--identity", identity.name, "--input",
                    MEDIA / "videos" / "s18.mp4", "--end", "0.5", "--output",
                    tmp_path / "out.mp4", "--timings", tmp_path / "nope" / "t.json")
    assert done.returncode == 2
    assert "nope" in done.stderr and "swapping" not in done.stderr
    assert not (tmp_path / "out.mp4").exists()


@needs_media
def test_swap_runs_maths_libraries_on_the_calling_thread_only(identity, tmp_path: Path
                                                             ) -> None:
    """numpy's BLAS and OpenCV keep no pools of their own during a swap (on a machine of
    one core they never have one, and this cannot tell)."""
    from facecast.params import SwapParams
    from facecast.pipeline import swap_file

    before = cv2.getNumThreads()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        blas = max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        seen.append((blas, cv2.getNumThreads()))

    swap_file(identity, MEDIA / "videos" / "s18.mp4", tmp_path / "out.mp4",
              SwapParams(end=0.2), progress=progress)
    assert seen and set(seen) == {(1, 1)}
    assert cv2.getNumThreads() == before


@needs_media
def test_decoding_and_encoding_threads_yield_to_the_render_thread(tmp_path: Path) -> None:
    """The thread that renders is what a stream waits for: the reader's and the writer's
    threads run at a lower priority (a higher nice value) than it."""
    import threading

    from facecast.cores import HELPER_NICE
    from facecast.media import VideoReader, VideoWriter

    def nice_of(name: str) -> int:
        thread = next(t for t in threading.enumerate() if t.name == name)
        return os.getpriority(os.PRIO_PROCESS, thread.native_id)

    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    with VideoReader(MEDIA / "videos" / "s18.mp4", end=0.2) as reader, \
            VideoWriter(tmp_path / "out.mp4", reader) as writer:
        frames = iter(reader)
        writer.write(next(frames))
        # read while both threads surely run: the decoder ends after its last frame
        helpers = nice_of("facecast-decode"), nice_of("facecast-encode")
        for frame in frames:
            writer.write(frame)
    assert helpers == (own + HELPER_NICE, own + HELPER_NICE)


_REUSE = """
import resource, sys
import numpy as np
from facecast.cores import reuse_freed_memory
if sys.argv[1] == "reuse":
    reuse_freed_memory()
sizes = [(720, 1280, 3), (300, 300, 3), (720, 1280), (400, 400, 3)]
def frames():
    for shape in sizes:
        a, b = np.ones(shape, np.float32), np.ones(shape, np.float32)
        del a, b
frames()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    frames()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_freed_frame_sized_arrays_are_reused_without_new_pages() -> None:
    """A frame's stages make and drop frame- and window-sized arrays; with
    `reuse_freed_memory` glibc hands the freed blocks back instead of mapping fresh pages for
    each (each new page a fault and the kernel's zeroing: 7 ms a frame of s18). In a fresh
    process each, as the setting stays for the process's life."""
    def faults(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", _REUSE, mode], capture_output=True,
                              text=True, timeout=60, check=True)
        return int(done.stdout)

    assert faults("reuse") < 100 < 10_000 < faults("default")


def test_a_weight_repeated_per_channel_gives_the_broadcasts_numbers() -> None:
    """`imaging.channels` stands in for `weight[..., None]` in the render's hot products:
    the same numbers, bit for bit, whatever the size (an empty window too)."""
    import numpy as np

    from facecast.imaging import channels

    rng = np.random.default_rng(0)
    for shape, n in (((37, 53), 3), ((20, 9), 2), ((0, 7), 3)):
        image = rng.random((*shape, n), dtype=np.float32) * 255
        weight = rng.random(shape, dtype=np.float32)
        repeated = channels(weight, n)
        assert repeated.shape == (*shape, n) and repeated.dtype == np.float32
        assert np.array_equal(image * repeated, image * weight[..., None])
