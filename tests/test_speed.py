"""What the swap's speed rests on: stage timings a person can read, and threads that do
not fight over the cores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from clips import MEDIA, frames_between, needs_media
from threadpoolctl import threadpool_info

FACECAST = Path(sys.executable).with_name("facecast")
STAGES = {"mesh", "scene", "wait", "wait compose", "track", "marks", "occlusion", "warp", "render",
          "mouth", "eyes", "expression", "shade", "light", "folds", "motion", "detail", "plate",
          "blend", "iris", "steady", "looks", "write"}
DRAWN = {"track", "marks", "occlusion", "warp", "render", "mouth", "eyes", "expression",
         "shade", "plate"}  # the stream's thread
COMPOSED = {"light", "folds", "motion", "detail", "blend", "iris", "steady",
            "looks"}  # on the compose thread


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
    # a frame is drawn on one thread and composed on another, each half always on its own
    threads = {stage: ms["thread"] for stage, ms in report["stages"].items()}
    assert len({threads[s] for s in DRAWN}) == len({threads[s] for s in COMPOSED}) == 1
    assert threads["render"] != threads["detail"]
    assert threads["mesh"] not in (threads["render"], threads["detail"])


def test_two_threads_keep_the_order_and_overlap() -> None:
    """`pipeline._in_two_threads`: each item's second half on one other thread, in the
    items' order however long each takes, while the next items' first halves run."""
    import random
    import threading
    import time

    from facecast.pipeline import COMPOSE_AHEAD, _in_two_threads
    from facecast.timing import StageClock

    random.seed(0)
    firsts: list[int] = []
    seconds: list[tuple[int, str, int]] = []

    def first(i: int) -> int:
        firsts.append(i)
        return i

    def second(i: int) -> int:
        seconds.append((i, threading.current_thread().name, len(firsts)))
        time.sleep(random.random() * 0.01)
        return 10 * i

    out = list(_in_two_threads(range(20), first, second, StageClock()))
    assert out == [10 * i for i in range(20)]
    assert [i for i, _, _ in seconds] == list(range(20))
    assert {name for _, name, _ in seconds} != {threading.current_thread().name}
    assert len({name for _, name, _ in seconds}) == 1
    # the first halves ran ahead of the second ones, never more than COMPOSE_AHEAD + 1
    assert 2 <= max(drawn - i for i, _, drawn in seconds) <= COMPOSE_AHEAD + 1


def test_an_error_in_the_second_thread_reaches_the_caller() -> None:
    from facecast.pipeline import _in_two_threads
    from facecast.timing import StageClock

    def second(i: int) -> int:
        if i == 3:
            raise ValueError("frame 3 is damaged")
        return i

    got: list[int] = []
    with pytest.raises(ValueError, match="frame 3"):
        for i in _in_two_threads(range(10), lambda i: i, second, StageClock()):
            got.append(i)
    assert got == [0, 1, 2]


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


_SHARED = """
import sys, threading
import numpy as np
from facecast.cores import reuse_freed_memory
if sys.argv[1] == "reuse":
    reuse_freed_memory()
def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024
turns = [threading.Event() for _ in range(8)]
done = threading.Event()
def stage(n):
    turns[n].wait()
    a = np.ones((720, 1280, 3), np.float32)  # 11 MB, touched
    del a
    if n + 1 < len(turns):
        turns[n + 1].set()
    else:
        done.set()
    done.wait()  # alive until all have run: a thread that ends hands its heap on
threads = [threading.Thread(target=stage, args=(n,)) for n in range(len(turns))]
for t in threads:
    t.start()
before = rss_mb()
turns[0].set()
done.wait()
print(rss_mb() - before)
for t in threads:
    t.join()
"""


def test_threads_share_the_memory_one_of_them_freed() -> None:
    """Eight living threads each make and drop a frame-sized array in turn, as a stream's
    stages do: by default each gets a heap of its own and keeps its freed block (8 x 11 MB
    more resident); with `reuse_freed_memory` they share `ARENAS` heaps and the next thread
    reuses what the one before freed. In a fresh process each."""
    def grown_mb(mode: str) -> float:
        done = subprocess.run([sys.executable, "-c", _SHARED, mode], capture_output=True,
                              text=True, timeout=60, check=True)
        return float(done.stdout)

    assert grown_mb("reuse") < 40 < 55 < grown_mb("default")


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


def test_quarter_size_maps_are_whole_blocks_and_come_back_in_place() -> None:
    """`imaging.shrink` (the blend's, shade's and detail's quarter-size maps) is the
    mean of whole 4 x 4 blocks, the rows and columns past the last block left out, and
    `enlarge` puts a map made from it back where it was: a ramp comes back as itself over
    the whole blocks, the rest repeats the last; any size, even one under a block."""
    from facecast.imaging import enlarge, shrink

    rng = np.random.default_rng(0)
    for h, w in ((363, 327), (40, 41), (3, 9), (2, 2)):
        image = rng.random((h, w, 3), dtype=np.float32)
        small = shrink(image, 4)
        assert small.shape == (max(h // 4, 1), max(w // 4, 1), 3)
        if h >= 4 and w >= 4:
            blocks = image[: h // 4 * 4, : w // 4 * 4].reshape(h // 4, 4, w // 4, 4, 3)
            assert np.allclose(small, blocks.mean(axis=(1, 3)), atol=1e-6)
        assert enlarge(small, 4, (w, h)).shape == (h, w, 3)
    ramp = np.tile(np.arange(327, dtype=np.float32), (363, 1))
    back = enlarge(shrink(ramp, 4), 4, (327, 363))
    assert np.abs(back[:, 2:322] - ramp[:, 2:322]).max() < 1e-3  # inside the whole blocks
    assert (back[:, 324:] == back[:, 323:324]).all()


def test_a_wide_blur_of_a_small_grid_gives_opencvs_numbers() -> None:
    """`imaging.gaussian_blur` (the relighter's low bands on a quarter-size window) gives
    `cv2.GaussianBlur`'s numbers within float rounding, its reflected borders included,
    where it works by matrices (a kernel wider than the image, even one line, one or
    several channels) and where it hands over to OpenCV."""
    from facecast.imaging import gaussian_blur

    rng = np.random.default_rng(0)
    for shape, sigma in (((72, 60, 3), 11.5), ((73, 61), 9.0), ((1, 40, 2), 7.0),
                         ((30, 1), 5.0), ((2, 3, 4), 3.0), ((72, 60, 3), 2.0)):
        image = rng.random(shape, dtype=np.float32) * 255
        blurred = gaussian_blur(image, sigma)
        assert blurred.shape == image.shape and blurred.dtype == np.float32
        assert np.abs(blurred - cv2.GaussianBlur(image, (0, 0), sigma)).max() < 1e-3


def test_opencvs_shortcuts_give_numpys_numbers() -> None:
    """The composing stages' shortcuts give the numbers of what they stand in for, bit for
    bit: `clamp` np.clip's, `smoothstep` of a mask the numpy formula's, `float_blur` of an
    8-bit image the blur of its float copy, `masked_blur` the broadcast's; and `pixels_of`
    selects and sets the pixels a mask does."""
    from facecast.imaging import clamp, float_blur, masked_blur, pixels_of, smoothstep

    rng = np.random.default_rng(0)
    image = rng.random((37, 29, 3), dtype=np.float32) * 1.4 - 0.2
    assert np.array_equal(clamp(image.copy()), np.clip(image, 0.0, 1.0))
    assert np.array_equal(clamp(image * 300, 255.0), np.clip(image * 300, 0.0, 255.0))
    mask = np.ascontiguousarray(image[..., 0])
    clipped = np.clip(mask, 0.0, 1.0)
    assert np.array_equal(smoothstep(mask), clipped * clipped * (3 - 2 * clipped))
    assert np.array_equal(smoothstep(image[..., 1]), smoothstep(image[..., 1].copy()))
    frame = (rng.random((37, 29, 3)) * 255).astype(np.uint8)
    for img in (frame, frame[..., 0], frame[..., 0] > 128):
        for sigma in (0.7, 1.5, 4.25):
            assert np.array_equal(float_blur(img.view(np.uint8), sigma),
                                  cv2.GaussianBlur(img.astype(np.float32), (0, 0), sigma))
    weight = rng.random((37, 29), dtype=np.float32)
    for img in (image, mask):
        m = weight[..., None] if img.ndim == 3 else weight
        num = cv2.GaussianBlur(img * m, (0, 0), 2.0)
        den = np.maximum(cv2.GaussianBlur(weight, (0, 0), 2.0), 1e-4)
        expected = num / (den[..., None] if img.ndim == 3 else den)
        assert np.array_equal(masked_blur(img, weight, 2.0), expected)
    chosen = weight > 0.6
    for img in (frame, image):
        got = pixels_of(img)[chosen.ravel()]
        assert np.array_equal(got.view(img.dtype).reshape(-1, 3), img[chosen])
        put, expected = img.copy(), img.copy()
        expected[chosen] = img[::-1, ::-1][chosen]
        pixels_of(put)[chosen.ravel()] = pixels_of(np.ascontiguousarray(img[::-1, ::-1]))[
            chosen.ravel()]
        assert np.array_equal(put, expected)
    with pytest.raises(ValueError, match="contiguous"):
        pixels_of(frame[:, ::2])


def test_a_swap_starts_without_what_only_other_commands_need() -> None:
    """Start-up is part of every swap's time: the command and the pipeline load neither the
    web app's and job store's libraries nor the neural engines' runtime, nor SciPy's
    optimisers (only a swap of several faces matches them, 0.3 s of start-up), nor the
    matplotlib that MediaPipe's drawing helpers import (0.6 s)."""
    heavy = ("scipy.optimize", "fastapi", "uvicorn", "sqlalchemy", "celery", "redis",
             "onnxruntime", "matplotlib")
    code = ("import sys, facecast.cli.main, facecast.pipeline\n"
            f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.split() == []


@needs_media
def test_the_identitys_texture_is_made_while_the_face_models_load(identity) -> None:
    """OpenCV's Lab tables and the texture with its eyes shut (0.3 s of CPU together) are
    made on a thread of their own as the swapper starts, not by the first frame's render."""
    import threading

    from facecast.params import SwapParams
    from facecast.pipeline import FaceSwapper
    from facecast.swap.mesh_engine import MeshEngine

    class Recording(MeshEngine):
        def __init__(self) -> None:
            super().__init__()
            self.prepared: list[tuple[str, str]] = []

        def prepare(self, who) -> None:
            self.prepared.append((who.name, threading.current_thread().name))
            super().prepare(who)

    engine = Recording()
    swapper = FaceSwapper(identity, SwapParams(), video=True, engine=engine)
    try:
        swapper.draw(np.zeros((64, 64, 3), np.uint8), 0.0, [])  # waits for the warm-up
        [(name, thread)] = engine.prepared
        assert name == identity.name and thread.startswith("facecast-warm-up")
    finally:
        swapper.close()


def test_a_disc_dilation_row_by_row_gives_opencvs_numbers() -> None:
    """`dilate_disc` stands in for OpenCV's dilation by its ellipse where the disc grows
    with the face (the occlusion's pinning, the shut eyes, the clean plate): the same
    numbers, bit for bit, in float and in 8 bits, for discs smaller and larger than the
    mask, and a mask touching the window's edges."""
    from facecast.imaging import DISC_BY_RUNS, dilate_disc

    rng = np.random.default_rng(3)
    for shape, size in (((120, 90), DISC_BY_RUNS), ((61, 200), 41), ((300, 260), 71),
                        ((20, 13), 51), ((150, 150), 101), ((40, 40), 30)):
        soft = np.zeros(shape, np.float32)
        soft[rng.random(shape) > 0.99] = 1.0
        soft[0, :] = soft[:, -1] = 0.5
        soft = cv2.GaussianBlur(soft, (0, 0), 1.5)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        for mask in (soft, (soft > 0.05).astype(np.uint8)):
            out = dilate_disc(mask, size)
            assert out.dtype == mask.dtype
            assert np.array_equal(out, cv2.dilate(mask, kernel)), (shape, size, mask.dtype)


@needs_media
def test_a_close_ups_light_is_worked_out_on_as_few_cells_as_a_medium_shots(monkeypatch
                                                                             ) -> None:
    """The relighter's fields are measured in the face (its gain at a sixth and a ninth of
    it), so its grid holds about as many cells across a close-up's face as across a
    medium shot's: at a quarter of the window a 490 px face took 2.7 times s18's cells.
    And it keeps its grid while the face's size wavers about a cell's edge: each switch
    moves the masks softened by a cell."""
    from facecast.compose import light
    from facecast.faces import landmarks as L
    from facecast.faces.mesh import FaceMesher
    from facecast.faces.raster import Region

    frame = frames_between(MEDIA / "videos" / "d3.mp4", 0.0, 0.04)[0]
    frame = cv2.resize(frame, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(frame)[0]
    assert face.size > 450
    region = Region.around(face.xy, frame.shape[:2], margin=0.1)
    window = frame[region.slices]
    skin = np.zeros(window.shape[:2], np.float32)
    oval = np.round(face.xy[list(L.FACE_OVAL)] - (region.x0, region.y0)).astype(np.int32)
    cv2.fillPoly(skin, [oval], 1.0)
    widths: list[int] = []  # of the first image the relighter blurs: its small grid
    blur = light.masked_blur

    def recorded(img: np.ndarray, *args: object, **kwargs: object) -> np.ndarray:
        widths.append(img.shape[1])
        return blur(img, *args, **kwargs)

    monkeypatch.setattr(light, "masked_blur", recorded)
    relighter = light.Relighter()

    def grid(size: float) -> int:
        widths.clear()
        relighter(window, region, window.astype(np.float32), skin, face.xy, size)
        return widths[0]

    cells = grid(face.size) * face.size / region.w
    assert cells <= 95, cells
    edge = [grid(k * light.GRID_FACE) for k in (5.05, 4.95, 5.05, 4.95)]
    assert len(set(edge)) == 1, edge
