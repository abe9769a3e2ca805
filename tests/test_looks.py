"""Looks on real photos and clips: adjustments, styles, steady video, sliders, the match to
painted targets, output quality, trim and `facecast edit`'s errors."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from clips import MEDIA, decoded, needs_media, write_clip

from facecast.errors import FacecastError
from facecast.faces import FaceMesher
from facecast.faces import landmarks as L
from facecast.looks import adjust, finish
from facecast.looks.edit import edit_file
from facecast.looks.reshape import reshape
from facecast.looks.stage import Looks
from facecast.looks.style import STYLES, stylize
from facecast.media import probe_video, read_image
from facecast.params import Adjustments, EditParams, Sliders, SwapParams
from facecast.pipeline import swap_file

pytestmark = needs_media


def first_frames(name: str, n: int) -> list[np.ndarray]:
    with av.open(str(MEDIA / "videos" / name)) as c:
        return [f.to_ndarray(format="rgb24") for f in itertools.islice(c.decode(video=0), n)]


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    """A real 720p frame: a person, a room, shadows and highlights."""
    return first_frames("s18.mp4", 1)[0]


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return cv2.resize(read_image(MEDIA / "portraits" / "s1.jpg").rgb, (640, 640),
                      interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten frames of s18 at 640x360 (lossless), for the styles on video."""
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    write_clip(path, [cv2.resize(f, (640, 360), interpolation=cv2.INTER_AREA)
                      for f in first_frames("s18.mp4", 10)])
    return path


# ---- adjustments ---------------------------------------------------------------------

def lightness(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)


def chroma(rgb: np.ndarray) -> float:
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    return float(np.hypot(lab[..., 1] - 128, lab[..., 2] - 128).mean())


def band(rgb: np.ndarray, fine: float, coarse: float) -> float:
    """Energy of lightness between two Gaussian radii."""
    g = lightness(rgb)
    return float((cv2.GaussianBlur(g, (0, 0), fine) - cv2.GaussianBlur(g, (0, 0), coarse)).std())


def noise(rgb: np.ndarray) -> float:
    """Robust level of pixel noise: the spread of the finest band, from its median."""
    g = lightness(rgb)
    fine = g - cv2.GaussianBlur(g, (0, 0), 1.0)
    return float(np.median(np.abs(fine)) * 1.4826)


def dark_quarter(rgb: np.ndarray, reference: np.ndarray) -> float:
    g = lightness(reference)
    return float(lightness(rgb)[g <= np.percentile(g, 25)].mean())


def bright_quarter(rgb: np.ndarray, reference: np.ndarray) -> float:
    g = lightness(reference)
    return float(lightness(rgb)[g >= np.percentile(g, 75)].mean())


Statistic = Callable[[np.ndarray, np.ndarray], float]
STATISTICS: dict[str, tuple[float, Statistic]] = {
    "exposure": (1.0, lambda o, i: float(lightness(o).mean())),
    "brightness": (50, lambda o, i: float(lightness(o).mean())),
    "shadows": (50, dark_quarter),
    "highlights": (50, bright_quarter),
    "contrast": (50, lambda o, i: float(lightness(o).std())),
    "saturation": (50, lambda o, i: chroma(o)),
    "temperature": (50, lambda o, i: float(o[..., 0].mean() - o[..., 2].mean())),
    "tint": (50, lambda o, i: float((o[..., 0] / 2 + o[..., 2] / 2 - o[..., 1]).mean())),
    "sharpness": (50, lambda o, i: band(o, 0.01, 1.5)),
    "clarity": (50, lambda o, i: band(o, 3.0, 20.0)),
}
"""Each adjustment: a value to try, and the statistic it must raise (and lower at -value)."""


def test_every_adjustment_has_a_function_and_a_statistic() -> None:
    tonal = set(Adjustments.model_fields) - {"resolution", "quality"}
    assert set(adjust.ADJUSTMENTS) == tonal
    assert set(STATISTICS) == tonal - {"noise_reduction"}


@pytest.mark.parametrize("name", sorted(adjust.ADJUSTMENTS))
def test_zero_leaves_the_picture_exactly_as_it_was(name: str, frame: np.ndarray) -> None:
    assert adjust.ADJUSTMENTS[name](frame, 0.0) is frame


def test_no_adjustment_is_the_identity(frame: np.ndarray) -> None:
    assert adjust.apply(frame, Adjustments()) is frame
    looks = Looks(EditParams(), video=False, size=(frame.shape[1], frame.shape[0]))
    assert np.array_equal(looks(frame.copy(), 0.0, []), frame)


@pytest.mark.parametrize("name", sorted(STATISTICS))
def test_positive_and_negative_move_their_statistic_the_right_way(name: str,
                                                                   frame: np.ndarray) -> None:
    value, statistic = STATISTICS[name]
    fn = adjust.ADJUSTMENTS[name]
    base = statistic(frame, frame)
    up = statistic(fn(frame, value), frame)
    down = statistic(fn(frame, -value), frame)
    spread = max(abs(up - base), abs(down - base))
    assert up > base + 0.05 * spread and down < base - 0.05 * spread, (down, base, up)
    assert min(up - base, base - down) > 0.01 * max(abs(base), 1.0), (down, base, up)


def test_curves_applied_together_match_one_after_another(frame: np.ndarray) -> None:
    values = {"exposure": 0.5, "temperature": 30, "tint": -20, "brightness": 20,
              "contrast": 30, "saturation": 20}
    together = adjust.apply(frame, Adjustments(**values))
    apart = frame
    for name, fn in adjust.ADJUSTMENTS.items():
        if name in values:
            apart = fn(apart, values[name])
    difference = np.abs(together.astype(int) - apart)  # one rounding instead of five
    assert difference.max() <= 3 and difference.mean() < 0.6


def test_noise_reduction_lowers_the_noise_and_keeps_the_edges(frame: np.ndarray) -> None:
    rng = np.random.default_rng(1)
    noisy = np.clip(frame + rng.normal(0, 6, frame.shape), 0, 255).astype(np.uint8)
    cleaned = adjust.noise_reduction(noisy, 80)
    assert noise(cleaned) < 0.6 * noise(noisy)
    edges = band(frame, 1.5, 6.0)
    assert band(cleaned, 1.5, 6.0) > 0.85 * edges


# ---- styles ---------------------------------------------------------------------------

@pytest.mark.parametrize("style", sorted(STYLES))
def test_each_style_paints_a_photo_the_same_way_twice(style: str, tmp_path: Path) -> None:
    source = MEDIA / "portraits" / "s12.jpg"
    params = EditParams(style=style)
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    edit_file(source, first, params)
    edit_file(source, second, params)
    a, b, original = read_image(first).rgb, read_image(second).rgb, read_image(source).rgb
    assert a.shape == original.shape
    assert np.array_equal(a, b)
    assert np.abs(a.astype(int) - original).mean() > 4.0
    assert band(a, 0.01, 1.5) < band(original, 0.01, 1.5)  # a photo's fine detail is gone


@pytest.mark.parametrize("style", sorted(STYLES))
def test_each_style_paints_a_clip_the_same_way_twice(style: str, clip: Path,
                                                     tmp_path: Path) -> None:
    params = EditParams(style=style)
    runs = []
    for name in ("a.mp4", "b.mp4"):
        result = edit_file(clip, tmp_path / name, params)
        assert result.frames == 10
        runs.append(decoded(tmp_path / name))
    assert all(np.array_equal(x, y) for x, y in zip(*runs, strict=True))
    source = decoded(clip)
    assert np.abs(runs[0][5].astype(int) - source[5]).mean() > 4.0


def noisy_still(frame: np.ndarray, n: int, seed: int = 3) -> list[np.ndarray]:
    """One scene, `n` times, each with its own camera noise (3 levels)."""
    rng = np.random.default_rng(seed)
    return [np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)
            for _ in range(n)]


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_still_scene_stays_still_and_a_moving_one_moves(style: str,
                                                          frame: np.ndarray) -> None:
    small = cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA)
    frames = noisy_still(small, 6)
    looks = Looks(EditParams(style=style), video=True, size=(640, 360))
    shown = [looks(f.copy(), i / 30, []) for i, f in enumerate(frames)]
    assert all(np.array_equal(s, shown[0]) for s in shown[1:])
    # without steadiness, the noise alone changes the painting from frame to frame
    assert np.abs(stylize(frames[1], style).astype(int) - stylize(frames[0], style)).mean() > 0.3
    moved = np.roll(frames[-1], 12, axis=1)
    fresh = stylize(moved, style).astype(int)
    after = looks(moved.copy(), 1.0, [])
    assert np.abs(after - fresh).mean() < 0.35 * np.abs(shown[0] - fresh).mean()


def test_a_still_clip_comes_out_still(frame: np.ndarray, tmp_path: Path) -> None:
    small = cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA)
    write_clip(tmp_path / "still.mp4", noisy_still(small, 12))
    edit_file(tmp_path / "still.mp4", tmp_path / "oil.mp4", EditParams(style="oil"))
    out = decoded(tmp_path / "oil.mp4")
    change = [np.abs(b.astype(int) - a).mean() for a, b in itertools.pairwise(out)]
    assert max(change) < 0.2, change


def test_face_scope_paints_only_the_face(portrait: np.ndarray) -> None:
    with FaceMesher(video=False) as mesher:
        faces = mesher.detect(portrait)
    looks = Looks(EditParams(style="comic", style_scope="face"), video=False, size=(640, 640))
    out = looks(portrait.copy(), 0.0, faces)
    x, y, w, h = (int(v) for v in faces[0].box)
    far = np.ones(portrait.shape[:2], bool)
    far[max(y - h // 3, 0) : y + h + h // 3, max(x - w // 3, 0) : x + w + w // 3] = False
    assert np.array_equal(out[far], portrait[far])
    centre = (slice(y + h // 3, y + 2 * h // 3), slice(x + w // 3, x + 2 * w // 3))
    assert np.abs(out[centre].astype(int) - portrait[centre]).mean() > 4.0


# ---- portrait sliders -----------------------------------------------------------------

def dist(xy: np.ndarray, a: int, b: int) -> float:
    return float(np.linalg.norm(xy[a] - xy[b]))


MESH_MEASURES: dict[str, Callable[[np.ndarray], float]] = {
    "eye_size": lambda p: dist(p, 33, 133) + dist(p, 263, 362) + dist(p, 159, 145)
    + dist(p, 386, 374),
    "mouth_width": lambda p: dist(p, L.MOUTH_RIGHT, L.MOUTH_LEFT),
    "lip_fullness": lambda p: dist(p, 0, 17) - dist(p, L.LIP_INNER_TOP, L.LIP_INNER_BOTTOM),
    "face_width": lambda p: dist(p, 132, 361),
    "jaw": lambda p: dist(p, 172, 397),
    "chin_length": lambda p: dist(p, 17, L.CHIN),
}
"""Sliders whose effect the face mesh, found again on the result, follows."""
FLOW_PAIRS = {"nose_width": (129, 358), "forehead_height": (9, L.FOREHEAD)}
"""Sliders where MediaPipe's face model holds the points in place (a nose's wings, the top
of the forehead), so the result is read from the picture's optical flow at those points."""


def test_every_slider_is_measured() -> None:
    assert set(MESH_MEASURES) | set(FLOW_PAIRS) == set(Sliders.model_fields)


def test_zero_sliders_change_nothing(portrait: np.ndarray) -> None:
    with FaceMesher(video=False) as mesher:
        xy = mesher.detect(portrait)[0].xy
    out = portrait.copy()
    reshape(out, xy, Sliders())
    assert np.array_equal(out, portrait)


@pytest.mark.parametrize("name", sorted(MESH_MEASURES))
def test_sliders_move_their_landmarks_the_right_way(name: str, portrait: np.ndarray) -> None:
    with FaceMesher(video=False) as mesher:
        xy = mesher.detect(portrait)[0].xy
        base = MESH_MEASURES[name](xy)
        changes = []
        for value in (-100, 100):
            out = portrait.copy()
            reshape(out, xy, Sliders(**{name: value}))
            changes.append(MESH_MEASURES[name](mesher.detect(out)[0].xy) / base - 1)
    assert changes[0] < -0.02 and changes[1] > 0.02, changes


@pytest.mark.parametrize("name", sorted(FLOW_PAIRS))
def test_sliders_move_the_picture_the_right_way(name: str, portrait: np.ndarray) -> None:
    with FaceMesher(video=False) as mesher:
        xy = mesher.detect(portrait)[0].xy
    grey = cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)
    a, b = FLOW_PAIRS[name]
    changes = []
    for value in (-100, 100):
        out = portrait.copy()
        reshape(out, xy, Sliders(**{name: value}))
        flow = cv2.calcOpticalFlowFarneback(grey, cv2.cvtColor(out, cv2.COLOR_RGB2GRAY), None,
                                            0.5, 4, 21, 5, 7, 1.5, 0)
        moved = [xy[i] + flow[round(float(xy[i][1])), round(float(xy[i][0]))] for i in (a, b)]
        changes.append(float(np.linalg.norm(moved[0] - moved[1])) / dist(xy, a, b) - 1)
    assert changes[0] < -0.05 and changes[1] > 0.05, changes


def test_sliders_follow_a_moving_face_smoothly(tmp_path: Path) -> None:
    """On a real clip, the slimmed face's width changes from frame to frame no more than
    the original's does (the warp rides the smoothed mesh; it adds no jitter)."""
    frames = first_frames("d10.mp4", 20)
    write_clip(tmp_path / "d10.mp4", frames)
    edit_file(tmp_path / "d10.mp4", tmp_path / "slim.mp4",
              EditParams(sliders=Sliders(face_width=-80)))
    widths = {}
    for name, video in (("original", frames), ("slim", decoded(tmp_path / "slim.mp4"))):
        with FaceMesher(video=False) as mesher:
            widths[name] = np.array([MESH_MEASURES["face_width"](mesher.detect(f)[0].xy)
                                     for f in video])
    assert np.median(widths["slim"] / widths["original"]) < 0.97
    jitter = {k: np.abs(np.diff(v, 2)).mean() for k, v in widths.items()}
    assert jitter["slim"] < 1.3 * jitter["original"] + 0.3, jitter


# ---- swapping into painted targets ------------------------------------------------------

def face_figures(rgb: np.ndarray, xy: np.ndarray) -> tuple[float, np.ndarray]:
    """Fine-detail energy and mean Lab colour inside the face's outline."""
    mask = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(xy[list(L.FACE_OVAL)]).astype(np.int32)], 1)
    mask = cv2.erode(mask, np.ones((9, 9), np.uint8)) > 0
    g = lightness(rgb)
    fine = g - cv2.GaussianBlur(g, (0, 0), 1.4)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    return float(fine[mask].std()), lab[mask].mean(axis=0)


@pytest.mark.parametrize("target", ["s9", "s0"])
def test_a_face_swapped_into_a_painting_takes_its_texture_and_palette(identity, target: str,
                                                                      tmp_path: Path) -> None:
    source = MEDIA / "portraits" / f"{target}.jpg"
    painting = read_image(source).rgb
    with FaceMesher(video=False) as mesher:
        xy = mesher.detect(painting)[0].xy
    figures = {}
    for match in (0.0, 1.0):
        out = tmp_path / f"m{match}.png"
        swap_file(identity, source, out, SwapParams(match=match))
        figures[match] = face_figures(read_image(out).rgb, xy)
    detail, colour = face_figures(painting, xy)
    # closer to the painting's detail, or already as close as 3 % (then nothing to move)
    assert (abs(figures[1.0][0] - detail)
            < max(abs(figures[0.0][0] - detail), 0.03 * detail))
    # and to its palette, or already within 1.5 of its mean a and b (the face takes the
    # frame's skin colour in full: on s9 0.73 before the match)
    assert (np.linalg.norm(figures[1.0][1][1:] - colour[1:])
            < max(np.linalg.norm(figures[0.0][1][1:] - colour[1:]), 1.5))


# ---- output quality and trim --------------------------------------------------------------

def test_resolution_and_quality(clip: Path, tmp_path: Path) -> None:
    small, fine = tmp_path / "small.mp4", tmp_path / "fine.mp4"
    edit_file(clip, small, EditParams(adjustments=Adjustments(resolution=-50, quality=-100)))
    edit_file(clip, fine, EditParams(adjustments=Adjustments(quality=100)))
    info = probe_video(small)
    assert (info.width, info.height, info.frames) == (320, 180, 10)
    assert small.stat().st_size < fine.stat().st_size
    assert finish.encoder(0) == finish.ENCODER
    assert finish.encoder(-100)["crf"] > 20 > finish.encoder(100)["crf"]
    assert finish.output_size(641, 361, -50, even=True) == (320, 180)
    photo = tmp_path / "photo.jpg"
    edit_file(MEDIA / "portraits" / "s12.jpg", photo,
              EditParams(adjustments=Adjustments(resolution=-40)))
    assert read_image(photo).rgb.shape == (300, 225, 3)


@needs_media
@pytest.mark.parametrize(("clip", "least"), [("d3.mp4", 0.98), ("d0.mp4", 0.9)])
def test_the_default_encoding_keeps_the_skin_fine_detail(clip: str, least: float,
                                                          tmp_path: Path) -> None:
    """The swap is seen through its encoding: at x264's CRF 20 ("veryfast") a plain
    re-encode of d3's sharp close-up kept 0.84 of its fine skin detail (the outside judge's
    figure, whose target is 0.8-1.25), and the swapped face looked waxier than it was drawn;
    at CRF 18 with the film tuning 0.96, and the face's grain, which moves from frame to
    frame, less (0.92 of d14's drawn into d3). With "superfast" (and the macroblock tree
    over 10 frames), 0.99 of d14's, and 1.0 of d3's footage. d0 was given 1.16 bits a
    pixel, all its pores and grain: at CRF 18 its re-encode kept 0.81 of them; at
    `finish.RICH_CRF`, 0.92."""
    from facecast.quality.measures import fine_detail

    out = tmp_path / "plain.mp4"
    edit_file(MEDIA / "videos" / clip, out, EditParams(end=1.0))
    original, encoded = decoded(MEDIA / "videos" / clip), decoded(out)
    sums = np.zeros(2)
    with FaceMesher(video=False) as mesher:
        for a, b in list(zip(original, encoded, strict=False))[::6]:
            sums += fine_detail(a, b, mesher.detect(a)[0].points)
    assert least <= sums[1] / sums[0] <= 1.25, sums[1] / sums[0]


def test_trim_gives_the_exact_frame_span(tmp_path: Path) -> None:
    source = MEDIA / "videos" / "s18.mp4"
    out = tmp_path / "trim.mp4"
    result = edit_file(source, out, EditParams(start=1.0, end=2.0))
    info = probe_video(out)
    assert result.frames == info.frames == 30
    assert info.duration == pytest.approx(1.0, abs=0.04)
    original = first_frames("s18.mp4", 62)
    trimmed = decoded(out)
    for index, frame in ((0, 30), (29, 59)):
        errors = [np.abs(trimmed[index].astype(int) - original[i]).mean()
                  for i in range(frame - 2, frame + 3)]
        assert int(np.argmin(errors)) == 2, errors


def test_trim_on_a_photo_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FacecastError, match="videos only"):
        edit_file(MEDIA / "portraits" / "s12.jpg", tmp_path / "o.jpg", EditParams(end=1.0))


# ---- the command line ---------------------------------------------------------------------

FACECAST = Path(sys.executable).with_name("facecast")


def facecast(*args: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run([str(FACECAST), *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=300)


def test_edit_command_writes_the_look(tmp_path: Path) -> None:
    out = tmp_path / "out.jpg"
    done = facecast("edit", "-i", MEDIA / "portraits" / "s12.jpg", "-o", out, "--style",
                    "watercolor", "--adjust", "contrast=20", "--adjust", "noise-reduction=30",
                    "--reshape", "eye-size=30")
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr and read_image(out).format == "JPEG"


@pytest.mark.parametrize(("args", "message"), [
    (["--adjust", "contrast=150"], "--adjust contrast: Input should be less than or equal to 100"),
    (["--adjust", "glow=10"], "unknown name 'glow'; the names are: exposure, brightness"),
    (["--adjust", "contrast"], "write NAME=VALUE"),
    (["--reshape", "eye-size=big"], "'big' is not a number"),
    (["--reshape", "nose=10"], "unknown name 'nose'"),
    (["--style", "pastel"], "'realistic', 'oil', 'watercolor' or 'comic'"),
    (["--style-scope", "hands"], "'frame' or 'face'"),
    (["--start", "1"], "videos only"),
])
def test_edit_errors_exit_2_with_a_message(args: list[str], message: str,
                                            tmp_path: Path) -> None:
    done = facecast("edit", "-i", MEDIA / "portraits" / "s12.jpg", "-o", tmp_path / "o.jpg",
                    *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_swap_command_takes_the_looks(identity, tmp_path: Path) -> None:
    """`facecast swap` with a style, adjustments, sliders and match (the `identity` fixture
    trained d10 into this process's FACECAST_HOME, which the command inherits)."""
    out = tmp_path / "out.png"
    source = MEDIA / "portraits" / "s12.jpg"
    done = facecast("swap", "--identity", "d10", "-i", source, "-o", out, "--style", "comic",
                    "--style-scope", "face", "--adjust", "saturation=20", "--reshape",
                    "eye-size=20", "--match", "0.5")
    assert done.returncode == 0, done.stderr
    assert "swapped in 1" in done.stderr
    assert read_image(out).rgb.shape == read_image(source).rgb.shape
    refused = facecast("swap", "--identity", "d10", "-i", source, "-o", out, "--reshape",
                       "eyes=3", "--match", "2")
    assert refused.returncode == 2 and "unknown name 'eyes'" in refused.stderr
