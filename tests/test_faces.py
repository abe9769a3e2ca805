"""The mesh's geometry facts and the landmark filter."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
from clips import MEDIA, frames_between, needs_media

from facecast.faces import landmarks as L
from facecast.faces.smoothing import MeshFilter


def test_triangles_form_a_consistently_wound_surface_with_eye_and_mouth_holes() -> None:
    tris = L.triangles()
    assert tris.shape == (852, 3)
    directed = Counter((int(a), int(b)) for t in tris for a, b in ((t[0], t[1]), (t[1], t[2]),
                                                                    (t[2], t[0])))
    assert max(directed.values()) == 1  # no directed edge twice: the winding is consistent
    undirected = Counter(tuple(sorted(e)) for e in directed)
    boundary = {v for e, n in undirected.items() if n == 1 for v in e}
    assert set(L.RIGHT_EYE) <= boundary and set(L.LEFT_EYE) <= boundary
    assert set(L.LIPS_INNER) <= boundary and set(L.FACE_OVAL) <= boundary
    assert len(boundary) == len(L.FACE_OVAL) + len(L.RIGHT_EYE) + len(L.LEFT_EYE) + len(
        L.LIPS_INNER)


def _face(offset: float, rng: np.random.Generator, noise: float) -> np.ndarray:
    base = np.zeros((478, 3), np.float32)
    base[:, 0] = np.linspace(100, 300, 478)
    base[:, 1] = np.linspace(100, 300, 478)[::-1]
    jitter = rng.normal(0, noise, base.shape).astype(np.float32)
    return base + np.array([offset, 0, 0], np.float32) + jitter


def test_filter_removes_jitter_on_a_still_face() -> None:
    rng = np.random.default_rng(0)
    f = MeshFilter()
    out = [f(_face(0, rng, 1.5), i / 30) for i in range(90)]
    raw_jitter = 1.5 * np.sqrt(2)
    steps = [np.abs(b - a)[:, :2].mean() for a, b in itertools.pairwise(out[30:])]
    assert np.mean(steps) < 0.35 * raw_jitter


def test_filter_follows_a_fast_head_shake() -> None:
    rng = np.random.default_rng(1)
    f = MeshFilter()
    for i in range(30):
        f(_face(0, rng, 0.5), i / 30)
    lag = []
    for i in range(30, 40):  # 20 px a frame: a quick turn of a 200 px face
        offset = 20.0 * (i - 29)
        out = f(_face(offset, rng, 0.5), i / 30)
        lag.append(offset - (out[:, 0].mean() - 200))
    assert lag[-1] < 12.0  # within about half a frame's motion once moving


def _found_and_smoothed(clip: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The first 4 s of a clip's face: its points as the mesh found them, and smoothed as a
    swap smooths them (both ways, `AHEAD` frames ahead)."""
    from facecast.faces import FaceMesher
    from facecast.faces.smoothing import AHEAD

    raw, times = [], []
    with FaceMesher(video=True) as mesher:
        for i, rgb in enumerate(frames_between(MEDIA / "videos" / f"{clip}.mp4", 0.0, 4.0)):
            faces = mesher.detect(rgb)
            if faces:
                raw.append(faces[0].points)
                times.append(i / 30)
    f = MeshFilter()
    smoothed = [f.both_ways(p, t, list(zip(times[i + 1 : i + 1 + AHEAD],
                                             raw[i + 1 : i + 1 + AHEAD], strict=True)))
                for i, (p, t) in enumerate(zip(raw, times, strict=True))]
    return raw, smoothed


@needs_media
def test_the_smoothed_mouth_shuts_when_the_lips_meet() -> None:
    """d10 talks and shuts her lips for a few frames between words (at 1.9 s and 3.1 s).
    Smoothed with the whole mesh, whose speed is the head's, the mouth stayed open there
    (inner lips 0.10 mouth widths apart on frames where the mesh found them shut) and the
    swapped mouth showed an opening over closed lips. The lips' own speed drives them now."""
    raw, smoothed = _found_and_smoothed("d10")

    def gap(points: np.ndarray) -> float:
        width = np.linalg.norm(points[L.MOUTH_LEFT, :2] - points[L.MOUTH_RIGHT, :2])
        return float(np.mean([points[b, 1] - points[a, 1]
                              for a, b in ((13, 14), (82, 87), (312, 317))]) / width)

    shut = [i for i, p in enumerate(raw) if gap(p) < 0.02]
    assert len(shut) >= 4, len(shut)
    assert np.mean([gap(smoothed[i]) for i in shut]) < 0.04


@needs_media
def test_the_smoothed_eyes_shut_when_the_lids_meet() -> None:
    """d14 blinks six times in 4 s, each within 3-5 frames. Smoothed with the whole mesh,
    at the head's speed, her shut eyes stayed a third to half open (0.31-0.54 of their open
    gap where the mesh found 0.12-0.15) and the swap drawn on it showed a slit of eye white
    under half-closed lids. The lids' own speed drives them now."""
    from facecast.faces.shape import lid_gaps

    raw, smoothed = _found_and_smoothed("d14")
    gaps = np.array([np.mean(lid_gaps(p)) for p in raw])
    smooth_gaps = np.array([np.mean(lid_gaps(p)) for p in smoothed])
    shut = gaps < 0.3 * np.percentile(gaps, 80)
    assert shut.sum() >= 8, shut.sum()
    assert np.mean(smooth_gaps[shut] - gaps[shut]) < 0.02
    # and an open eye's lids stay steadier than found: no jitter let through
    still = np.flatnonzero(np.abs(np.diff(gaps)) < 0.01)
    assert np.mean(np.abs(np.diff(smooth_gaps)[still])) <= np.mean(np.abs(np.diff(gaps)[still]))


def test_rasterised_triangles_cover_in_the_order_given() -> None:
    """Each pixel takes the id of the last triangle drawn over it (all, in index order, when
    no order is given); -1 where none is."""
    from facecast.faces.raster import Region, rasterize_ids

    points = np.array([[2, 2], [18, 2], [2, 18], [4, 4], [16, 4], [4, 16]], np.float32)
    tris = np.array([[0, 1, 2], [3, 4, 5]])
    region = Region(0, 0, 20, 20)
    inner = (7, 7)
    assert rasterize_ids(points, tris, region)[inner] == 1
    assert rasterize_ids(points, tris, region, np.array([1, 0]))[inner] == 0
    only = rasterize_ids(points, tris, region, np.array([1]))
    assert only[inner] == 1 and only[3, 3] == -1 and (only != 0).all()
    assert rasterize_ids(points, tris, region)[19, 19] == -1


@needs_media
def test_values_spread_over_the_mesh_stay_within_their_range_on_slivers(identity) -> None:
    """A triangle seen edge-on (beside the nose of a turned head) is a sliver whose pixels
    all lie on its edges, where its affine map extrapolates: the footage's shading spread
    over d3's mesh reached 1.56 where the corners held 0.9-1.1, a bright spot by the nose
    for one frame (d14 into d3). Each of a fifth of the triangles squeezed into a sliver in
    turn, the spread values stay within the corners' range."""
    from facecast.faces.raster import Region, draw_order, rasterize_ids
    from facecast.faces.shading import spread

    xy = identity.uv[: L.N_MESH].astype(np.float64)
    values = np.random.default_rng(0).uniform(0.9, 1.1, len(xy))
    tris = L.triangles()
    depth = np.c_[xy, np.zeros(len(xy))]
    region = Region.around(xy, (1024, 1024), margin=0.05)
    worst = 0.0
    for a, b, c in tris[::5]:
        bent = xy.copy()
        bent[c] = (bent[a] + bent[b]) / 2 + 0.05
        ids = rasterize_ids(bent, tris, region, draw_order(depth, tris))
        worst = max(worst, float(np.abs(spread(values, bent, ids, region)[ids >= 0] - 1).max()))
    assert worst <= 0.1 + 1e-4, worst


def test_landmarks_read_from_their_bytes_are_those_read_field_by_field() -> None:
    """The mesh's points come from the landmark list's serialised bytes at once; a list
    whose bytes differ from x, y, z only (a coordinate of exactly 0 is left out of them,
    a visibility adds one) is read field by field, and both give the same numbers."""
    from mediapipe.framework.formats import landmark_pb2

    from facecast.faces.mesh import _pixels

    rng = np.random.default_rng(3)
    landmarks = landmark_pb2.NormalizedLandmarkList()
    for x, y, z in rng.uniform(-0.2, 1.2, (478, 3)):
        landmarks.landmark.add(x=x, y=y, z=z)

    def by_field(lm: landmark_pb2.NormalizedLandmarkList) -> np.ndarray:
        return np.array([(p.x * 1280, p.y * 720, p.z * 1280) for p in lm.landmark], np.float32)

    assert np.array_equal(_pixels(landmarks, 1280, 720), by_field(landmarks))
    landmarks.landmark[7].z = 0.0
    assert np.array_equal(_pixels(landmarks, 1280, 720), by_field(landmarks))
    landmarks.landmark[7].z = 0.5
    landmarks.landmark[9].visibility = 0.9
    assert np.array_equal(_pixels(landmarks, 1280, 720), by_field(landmarks))


@needs_media
def test_a_videos_face_is_in_place_on_the_frame_it_is_first_found() -> None:
    """The mesh's first reading of a face (in the detector's box) lay 2-3 px off where the
    next frames put it: at every track's start the swapped face slid into place."""
    from clips import MEDIA, frames_between

    from facecast.faces.mesh import FaceMesher

    still = frames_between(MEDIA / "videos" / "s18.mp4", 3.0, 3.04)[0]
    with FaceMesher(video=True) as mesher:
        points = [mesher.detect(still)[0].xy for _ in range(5)]
    moves = [float(np.linalg.norm(b - a, axis=1).mean()) for a, b in itertools.pairwise(points)]
    assert max(moves) < 0.3, moves


@needs_media
def test_the_eyes_openings_follow_the_mesh_by_fractions_of_a_pixel() -> None:
    """Drawn in whole pixels, an eye's opening (and the lids the clean plate covers above
    it) jumped a pixel at a time as the smoothed mesh moved: flicker at every lash line."""
    from clips import MEDIA, frames_between

    from facecast.faces.mesh import FaceMesher
    from facecast.faces.raster import Region, openings

    still = frames_between(MEDIA / "videos" / "s18.mp4", 3.0, 3.04)[0]
    with FaceMesher(video=False) as mesher:
        xy = mesher.detect(still)[0].xy
    region = Region.around(xy[: L.N_MESH], still.shape[:2], margin=0.05)
    eye = Region.around(xy[list(L.RIGHT_EYE)], still.shape[:2], margin=0.5).slices
    xs = np.arange(region.w, dtype=np.float32)[None, :]
    centres = []
    for dx in np.arange(0.0, 1.01, 0.125):
        holes = openings(xy + np.float32([dx, 0.0]), region)
        here = holes[eye[0].start - region.y0: eye[0].stop - region.y0,
                     eye[1].start - region.x0: eye[1].stop - region.x0]
        centres.append(float((here * xs[:, eye[1].start - region.x0: eye[1].stop - region.x0])
                             .sum() / here.sum()))
    errors = np.array(centres) - centres[0] - np.arange(0.0, 1.01, 0.125)
    assert np.abs(errors).max() < 0.05, np.round(errors, 3)


def _looked(identity, frames: list[np.ndarray]) -> np.ndarray:
    """The mesh points a video swap's `look` gives each of `frames`, in order."""
    from facecast.params import SwapParams
    from facecast.pipeline import FaceSwapper

    swapper = FaceSwapper(identity, SwapParams(), video=True)
    try:
        return np.array([swapper.look(rgb)[0][0].xy[: L.N_MESH] for rgb in frames])
    finally:
        swapper.close()


def _grainy(rgb: np.ndarray, count: int, step: float) -> list[np.ndarray]:
    """`count` frames of `rgb`, each moved `step` px right of the one before and given its
    own grain (noise of 2 levels)."""
    import cv2

    rng = np.random.default_rng(0)
    size = rgb.shape[1::-1]
    return [np.clip(cv2.warpAffine(rgb, np.float32([[1, 0, step * i], [0, 1, 0]]), size,
                                   borderMode=cv2.BORDER_REFLECT)
                    + rng.normal(0.0, 2.0, rgb.shape), 0, 255).astype(np.uint8)
            for i in range(count)]


@needs_media
def test_a_still_head_gives_a_still_mesh_and_a_moving_one_a_moving_mesh(identity) -> None:
    """The mesh found afresh in each frame of a still head with grain wandered by 0.28 px a
    frame; carried by the footage's own flow, 0.08. A head moving 2.5 px a frame is followed
    without lag."""
    still = frames_between(MEDIA / "videos" / "s18.mp4", 1.0, 1.04)[0]
    held = _looked(identity, _grainy(still, 20, 0.0))
    assert np.linalg.norm(np.diff(held, axis=0), axis=2).mean() < 0.12
    moving = _looked(identity, _grainy(still, 20, 2.5))
    travelled = moving[:, :, 0].mean(axis=1) - moving[0, :, 0].mean()
    assert np.abs(travelled - 2.5 * np.arange(20)).max() < 0.5


@needs_media
def test_an_eye_colour_read_through_a_lens_is_the_bare_eyes() -> None:
    """A lens's reflection veils the eye behind it: d9's dark brown eyes read lighter and
    blue through his glasses. d0's and d10's bare selfies (brown and grey-blue eyes) with a
    blue veil drawn over each eye, as a lens reflecting a window would, read within 0.06 of
    their bare lightness through `iris_colour_through_lenses`, and with a bare brown eye's
    warm hue (b > 0) or a grey-blue's near-neutral one, where the plain reading is 0.1-0.2
    lighter and blue."""
    import cv2

    from facecast.faces.iris import cheek_lightness, iris_colour, iris_colour_through_lenses
    from facecast.faces.mesh import FaceMesher
    from facecast.imaging import to_linear, to_srgb

    veil = np.array([0.08, 0.10, 0.14])  # of the cheeks' light: a blue coating's reflection
    with FaceMesher(video=False) as mesher:
        for who in ("d0", "d10"):
            bare, plain, through = [], [], []
            for path in sorted((MEDIA / "identities" / who).glob("*.jpg"))[:6]:
                rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
                xy = mesher.detect(rgb)[0].xy
                lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
                bare.append(iris_colour(lab, xy))
                cheeks = ((cheek_lightness(lab, xy) * 100 / 255 + 16) / 116) ** 3
                lens = np.zeros(rgb.shape[:2], np.float32)
                for eye in (L.RIGHT_EYE, L.LEFT_EYE):
                    points = xy[list(eye)]
                    centre = tuple(int(v) for v in points.mean(axis=0))
                    cv2.circle(lens, centre, int(0.9 * np.ptp(points[:, 0])), 1.0, -1)
                lens = cv2.GaussianBlur(lens, (0, 0), 3)[..., None]
                veiled = to_srgb(to_linear(rgb / 255.0) + lens * veil * cheeks)
                veiled = np.round(veiled * 255).astype(np.uint8)
                plain.append(iris_colour(cv2.cvtColor(veiled, cv2.COLOR_RGB2LAB), xy))
                through.append(iris_colour_through_lenses(veiled, xy))
            bare, plain, through = (np.median(r, axis=0) for r in (bare, plain, through))
            assert plain[0] > bare[0] + 0.08 and plain[2] < 0.0, (who, plain, bare)
            assert abs(through[0] - bare[0]) < 0.06, (who, through, bare)
            assert (through[2] > 0.04) if who == "d0" else (abs(through[2]) < 0.04), (who, through)
