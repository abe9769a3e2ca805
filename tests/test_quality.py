"""The measuring stick and the hard cases: eval figures on real swaps, occluders, hands,
glasses, hair and background stay as they are, profile fades never pop, a face lost for a
few frames is picked up again."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest
from clips import MEDIA, decoded, needs_media, write_clip

from facecast.compose.occlusion import UV_SIZE, Occlusion, _to_frame
from facecast.errors import MediaError
from facecast.faces import FaceMesher
from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import Region
from facecast.faces.scene import Scene, SceneReader
from facecast.params import SwapParams
from facecast.pipeline import FaceSwapper, swap_file
from facecast.quality import evaluate
from facecast.swap.track import MAX_WEIGHT_STEP, FaceTrack

pytestmark = needs_media

S18 = MEDIA / "videos" / "s18.mp4"


@pytest.fixture(scope="module")
def short_swap(identity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("swap") / "s18-d10.mp4"
    swap_file(identity, S18, out, SwapParams(end=3.0))
    return out


def test_eval_of_a_swap_against_the_original_itself(identity, short_swap: Path,
                                                    tmp_path: Path) -> None:
    sheet = tmp_path / "eval.png"
    report = evaluate(S18, short_swap, identity.embedding, end=3.0, sheet=sheet)
    assert report.frames == 90 and report.face_frames == 90
    assert report.coverage >= 0.95
    assert report.id_samples >= 20
    assert report.id_user < 0.6 and report.id_win >= 0.8
    assert report.flicker is not None and report.seam is not None
    assert report.pose_drift < 0.02
    assert sheet.stat().st_size > 50_000

    null = tmp_path / "null.mp4"  # a "swap" at strength 0: the original, re-encoded
    swap_file(identity, S18, null, SwapParams(end=3.0, identity_strength=0, shape_strength=0))
    same = evaluate(S18, null, identity.embedding, end=3.0)
    assert same.swapped_frames == 0 and same.coverage == 0.0
    assert same.flicker == pytest.approx(1.0, abs=0.05)
    assert same.id_win == 0.0 and same.id_user > 0.6  # the original is not d10
    assert same.pose_drift < 0.003
    assert same.delta_e_excess is None or abs(same.delta_e_excess) < 0.5


def test_a_neck_under_a_collar_is_not_compared_with_the_face() -> None:
    """The face-to-neck colour figure needs a neck: s18's shows under her chin; painted
    over by a green collar but for a strip at its top, what is left is a sliver of chin
    and shadow, not a neck to compare with."""
    from facecast.quality.measures import cheek_neck_delta_e, face_width

    rgb = decoded(S18)[10]
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(rgb)[0]
    assert cheek_neck_delta_e(rgb, rgb, face.points) is not None
    collar = rgb.copy()
    chin = face.xy[L.CHIN]
    top = int(chin[1] + 0.14 * face_width(face.points))
    collar[top:, :] = (40, 90, 60)
    assert cheek_neck_delta_e(collar, collar, face.points) is None


def test_eval_refuses_a_video_that_is_not_the_swap(identity, short_swap: Path) -> None:
    with pytest.raises(MediaError, match="--start/--end"):
        evaluate(S18, short_swap, identity.embedding, end=1.0)
    with pytest.raises(MediaError, match="not a swap"):
        evaluate(MEDIA / "videos" / "d3.mp4", short_swap, identity.embedding)


def _occluder_clip(path: Path) -> tuple[list[np.ndarray], dict[int, np.ndarray]]:
    """Two seconds of s18 with a dark, noisy capsule (a microphone) over the left cheek in
    frames 20-49, drifting across the face."""
    frames, masks = [], {}
    with FaceMesher(video=False) as mesher:
        for i, f in enumerate(itertools.islice(decoded(S18), 60)):
            if 20 <= i < 50:
                face = mesher.detect(f)[0]
                cx, cy = face.points[205, :2] + (i - 20) * np.array([0.8, 0.3])
                r = face.size * 0.12
                mask = np.zeros(f.shape[:2], np.uint8)
                cv2.ellipse(mask, (int(cx), int(cy + r)), (int(0.7 * r), int(2.2 * r)), 20, 0,
                            360, 1, -1)
                noise = np.random.default_rng(i).normal(0, 6, f.shape)
                f = f.copy()
                f[mask > 0] = np.clip(np.array([45, 45, 50]) + noise[mask > 0], 0, 255)
                masks[i] = mask
            frames.append(f)
    write_clip(path, frames)
    return frames, masks


def test_an_occluder_stays_in_front_of_the_face(identity, tmp_path: Path) -> None:
    src, out = tmp_path / "mic.mp4", tmp_path / "out.mp4"
    frames, masks = _occluder_clip(src)
    result = swap_file(identity, src, out)
    assert result.swapped_frames == 60
    swapped = decoded(out)
    for i, mask in masks.items():
        inner = cv2.erode(mask, np.ones((7, 7), np.uint8)) > 0
        # x264 at CRF 20 smooths the capsule's grain away: compare what survives encoding
        blur = [cv2.blur(f, (5, 5)).astype(int) for f in (swapped[i], frames[i])]
        diff = np.abs(blur[0] - blur[1]).max(axis=2)
        kept = (diff[inner] <= 8).mean()
        assert kept >= 0.95, f"frame {i}: only {kept:.1%} of the occluder kept"
        around = ~inner & (cv2.dilate(mask, np.ones((41, 41), np.uint8)) > 0)
        assert (diff[around] > 8).mean() > 0.2, "the face around the occluder was not swapped"


def _kept(before: np.ndarray, after: np.ndarray, mask: np.ndarray) -> float:
    """Share of `mask` (eroded a little) alike in both frames up to encoder noise."""
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    blur = [cv2.blur(f, (3, 3)).astype(int) for f in (after, before)]
    return float((np.abs(blur[0] - blur[1]).max(axis=2)[inner] <= 10).mean())


def _swapped_and_null(identity, src: Path, tmp_path: Path) -> tuple[list, list]:
    """The swap (no shape transfer) and the same file through the pipeline at strength 0:
    what "unchanged up to the encoder" looks like (x264 blurs a thin dark line's colour)."""
    out, null = tmp_path / "out.mp4", tmp_path / "null.mp4"
    swap_file(identity, src, out, SwapParams(shape_strength=0))
    swap_file(identity, src, null, SwapParams(shape_strength=0, identity_strength=0))
    return decoded(out), decoded(null)


def _glasses_and_fringe(face: Face, shape: tuple[int, ...]) -> np.ndarray:
    """A mask of dark glasses (two rims and a bridge) and three strands of hair over the
    forehead, drawn where this face's mesh puts them."""
    mask = np.zeros(shape[:2], np.uint8)
    xy = face.xy
    width = max(int(face.size * 0.018), 2)
    for eye in (L.RIGHT_EYE, L.LEFT_EYE):
        pts = xy[list(eye)]
        centre, span = pts.mean(axis=0), np.ptp(pts, axis=0)
        axes = (int(span[0] * 0.85), int(span[0] * 0.55))
        cv2.ellipse(mask, (int(centre[0]), int(centre[1])), axes, 0, 0, 360, 1, width)
    inset = np.array([face.size * 0.03, 4])
    bridge = (xy[L.RIGHT_EYE_INNER] + inset * (1, -1), xy[L.LEFT_EYE_INNER] - inset)
    cv2.line(mask, *(tuple(p.astype(int)) for p in bridge), 1, width)
    for k in (-1, 0, 1):
        t = np.linspace(0, 1, 12)[:, None]
        wave = np.hstack([0.06 * np.sin(t * 3) + 0.1 * t * k, 0.12 * t])
        curve = xy[L.FOREHEAD] + face.size * (np.array([0.12 * k, -0.02]) + wave)
        cv2.polylines(mask, [curve.astype(np.int32)], False, 1, width)
    return mask


def test_glasses_and_hair_on_the_face_are_kept(identity, tmp_path: Path) -> None:
    """Dark glasses and strands of hair drawn on s18 (following the face) come out as they
    went in, while the face around them is swapped. Without shape transfer, so that the
    glasses stay where they were drawn (with it they move with the face they sit on). Where
    a rim runs along a brow or by an eye's inner corner the brow or the eye wins (up to a
    fifth of these rims): their zones are wide, so that bushy brows and lashes never count
    as hair and stay as ghosts beside the user's (narrower eye zones kept 2 % more rim but
    took d12-d3's eye correlation from 0.89 to 0.82)."""
    frames, masks = [], []
    with FaceMesher(video=False) as mesher:
        for f in itertools.islice(decoded(S18), 24):
            mask = _glasses_and_fringe(mesher.detect(f)[0], f.shape)
            f = f.copy()
            f[mask > 0] = (40, 32, 28)
            frames.append(f)
            masks.append(mask)
    src = tmp_path / "glasses.mp4"
    write_clip(src, frames)
    swapped, null = _swapped_and_null(identity, src, tmp_path)
    for i in range(4, 24, 5):  # a rim must be there for a few frames to count as one
        kept = _kept(null[i], swapped[i], masks[i])
        assert kept >= 0.75, f"frame {i}: only {kept:.1%} of the glasses and hair kept"
        around = (cv2.dilate(masks[i], np.ones((25, 25), np.uint8)) > 0) & (masks[i] == 0)
        changed = np.abs(swapped[i].astype(int) - null[i]).max(axis=2)[around] > 10
        assert changed.mean() > 0.2, "the face around the glasses was not swapped"


def test_kept_strands_have_soft_edges_where_texels_span_pixels(identity) -> None:
    """What occlusion keeps is found on a 128-texel unwrap; on a cheek turned from the
    camera a texel spans several pixels, and laid back onto the frame its blocks drew dark
    stair-steps of kept hair along the cheek. Every other row of texels, across the face:
    no jump between neighbouring pixels, and a one-texel strand still kept nearly whole."""
    frame = next(iter(decoded(S18)))
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(frame)[0]
    occlusion = Occlusion(identity.uv)
    strands = np.zeros((UV_SIZE, UV_SIZE), bool)
    strands[30:100:7] = True
    region = Region.around(face.xy[: L.N_MESH], frame.shape[:2], margin=0.1)
    visible, at = occlusion.texels_in(face)
    (kept,) = _to_frame(strands, at=at, visible=visible, size=face.size, region=region)
    steps = max(np.abs(np.diff(kept, axis=0)).max(), np.abs(np.diff(kept, axis=1)).max())
    assert steps < 0.3, f"a step of {steps:.2f} between neighbouring pixels"
    assert kept.max() > 0.85


def test_hair_only_at_the_cheeks_edge_is_not_kept_nor_a_spot_but_a_strand_is(
        identity) -> None:
    """The mesh's edge often lies over the hair beside a face. Kept there, it showed as a
    dark spot on the swapped cheek whenever the user's face is wider than the target's (d10
    into s18), cut off from the rest of the hair. A dark spot drawn just inside the cheek's
    outline is left to the swap, and so is a small spot in the middle of the cheek (hair
    comes in from outside the face; an upper lid's crease darkened by a glance aside was
    kept as a dark blot on d14's lid in d3); the first spot drawn as a strand reaching
    across the cheek is kept."""
    frames = list(itertools.islice(decoded(S18), 6))
    occlusion = {kind: Occlusion(identity.uv) for kind in ("spot", "middle", "strand")}
    kept = {}
    with FaceMesher(video=True) as mesher:
        for frame in frames:
            face = mesher.detect(frame)[0]
            edge = face.xy[454]  # on the outline, level with the eyes
            inward = face.xy[L.NOSE_TIP] - edge
            inward /= np.linalg.norm(inward)
            for kind, start, reach in (("spot", 0.0, 0.0), ("middle", 0.15, 0.0),
                                       ("strand", 0.0, 0.2)):
                drawn = frame.copy()
                spot = edge + inward * face.size * (0.03 + start)
                end = spot + inward * face.size * reach
                cv2.line(drawn, tuple(spot.astype(int)), tuple(end.astype(int)), (40, 32, 28),
                         max(int(face.size * 0.03), 3))
                occluded = occlusion[kind].mask(drawn, face)
                at = np.round(spot - (occluded.region.x0, occluded.region.y0)).astype(int) \
                    if occluded else None
                kept[kind] = 0.0 if at is None else float(occluded.covered[at[1], at[0]])
    assert kept["spot"] < 0.2, f"the spot at the cheek's edge kept at {kept['spot']:.2f}"
    assert kept["middle"] < 0.2, f"the spot in the cheek kept at {kept['middle']:.2f}"
    assert kept["strand"] > 0.8, f"the strand across the cheek kept at {kept['strand']:.2f}"


def test_occlusion_lays_its_masks_on_the_frame_without_rasterising_it(
        identity, monkeypatch: pytest.MonkeyPatch) -> None:
    """The UV square's raster is made once per track; each frame's masks go back onto the
    frame along the unwrap's own sampling map (a second rasterisation of the mesh over the
    frame was a third of the occlusion's cost). A strand of hair drawn across s18's cheek
    is kept from the third frame on, so its masks are laid on the frame."""
    from facecast.compose import occlusion as module
    from facecast.faces import raster

    occlusion = Occlusion(identity.uv)
    drawn = []
    for owner in (raster, module):
        real = owner.rasterize_ids
        monkeypatch.setattr(owner, "rasterize_ids",
                            lambda *a, real=real, **k: drawn.append(1) or real(*a, **k))
    masks = []
    with FaceMesher(video=True) as mesher:
        for frame in itertools.islice(decoded(S18), 5):
            face = mesher.detect(frame)[0]
            frame = frame.copy()
            cv2.line(frame, tuple(face.xy[454].astype(int)),
                     tuple(face.xy[L.NOSE_TIP].astype(int)), (40, 32, 28), 8)
            masks.append(occlusion.mask(frame, face))
    assert masks[-1] is not None and masks[-1].covered.max() > 0.5
    assert not drawn


def test_the_swap_never_paints_past_the_person(identity, tmp_path: Path) -> None:
    """d3's face against a bright wall: where selfie segmentation sees wall, nothing changes,
    even beside the cheek (the tone band of the blend reaches past the face's outline)."""
    frames = list(itertools.islice(decoded(MEDIA / "videos" / "d3.mp4"), 20))
    src = tmp_path / "d3.mp4"
    write_clip(src, frames)
    swapped, null = _swapped_and_null(identity, src, tmp_path)
    with SceneReader(video=False) as scene, FaceMesher(video=False) as mesher:
        for i in (5, 15):
            x, y, w, h = mesher.detect(frames[i])[0].box
            near = np.zeros(frames[i].shape[:2], bool)
            near[int(y - 0.2 * h): int(y + 1.2 * h), int(x - 0.3 * w): int(x + 1.3 * w)] = True
            wall = near & (scene.read(frames[i]).person < 0.1)
            assert wall.sum() > 2000
            kept = _kept(null[i], swapped[i], wall)
            assert kept >= 0.99, f"frame {i}: the swap changed {1 - kept:.1%} of the wall"


def test_a_hand_over_the_face_stays_in_front(identity) -> None:
    """A hand as MediaPipe Hands reports it (21 points, here laid over the left cheek): its
    pixels are kept, the rest of the face is swapped."""
    frame = next(iter(decoded(S18)))
    swapper = FaceSwapper(identity, SwapParams(shape_strength=0), video=False)
    try:
        faces, scene = swapper.look(frame)
        face = faces[0]
        wrist = face.xy[L.CHIN] + (face.size * 0.1, face.size * 0.3)
        tips = face.xy[205] + (0.0, -face.size * 0.05)
        hand = np.array([wrist + (tips - wrist) * t + (face.size * 0.04 * (j - 2), 0)
                         for j in range(5) for t in np.linspace(0.0, 1.0, 5)][:21],
                        np.float32)
        hand[0] = wrist
        with_hand = Scene(person=scene.person, hands=[hand])
        out = frame.copy()
        swapper.apply(out, 0.0, faces, with_hand)
    finally:
        swapper.close()
    cover = with_hand.hand_cover(_whole(frame), face.xy[list(L.FACE_OVAL)]) > 0
    on_face = cover & (_face_mask(face, frame.shape) > 0)
    assert on_face.sum() > 500
    assert (np.abs(out.astype(int) - frame)[on_face].max(axis=1) == 0).mean() >= 0.95
    rest = (_face_mask(face, frame.shape) > 0) & ~cv2.dilate(cover.astype(np.uint8),
                                                              np.ones((31, 31), np.uint8)
                                                              ).astype(bool)
    assert (np.abs(out.astype(int) - frame)[rest].max(axis=1) > 10).mean() > 0.3
    # the hand model sometimes reads a turned face as a hand: wholly inside the face, it is
    # not one (a hand in front reaches in from outside)
    inside = face.xy[L.NOSE_TIP] + (hand - hand.mean(axis=0)) * 0.3
    assert Scene(hands=[inside]).hand_cover(_whole(frame), face.xy[list(L.FACE_OVAL)]) is None


def _counting_hands(scene: SceneReader) -> list[int]:
    """Count the real hand model's calls."""
    real, calls = scene._hands.process, []
    scene._hands.process = lambda rgb: calls.append(1) or real(rgb)
    return calls


def test_hands_are_looked_for_every_fifth_frame_until_one_is_seen() -> None:
    """The palm detector costs twice the face mesh: with no hand in sight a video's frames
    are searched one in five; a photo always is; once a hand was seen, every frame is."""
    frames = list(itertools.islice(decoded(S18), 10))
    for video, wanted in ((True, 2), (False, 10)):
        with SceneReader(video=video) as scene:
            calls = _counting_hands(scene)
            for f in frames:
                assert scene.read(f).hands == []
            assert len(calls) == wanted
    with SceneReader(video=True) as scene:
        calls = _counting_hands(scene)
        scene.read(frames[0])
        scene._last_hand = 1  # as if the first frame had a hand
        for f in frames[1:]:
            scene.read(f)
        assert len(calls) == len(frames)


@needs_media
def test_a_hand_that_comes_into_view_is_followed_within_a_fifth_of_a_second() -> None:
    """Real footage: s18 (no hand) cut to s13 (both hands raised beside the head, 30 fps).
    Looked for one frame in five, the hands are reported (from their third frame in a row)
    within 0.2 s of the cut, and from then on looked for on every frame."""
    cut = 12
    frames = decoded(S18)[:cut] + decoded(MEDIA / "videos" / "s13.mp4")[:24]
    with SceneReader(video=True) as scene:
        calls = _counting_hands(scene)
        reported, looked = [], []
        for f in frames:
            before = len(calls)
            reported.append(bool(scene.read(f).hands))
            looked.append(len(calls) > before)
    assert not any(reported[:cut])
    first = reported.index(True)
    assert first - cut <= 6, f"hands reported {first - cut} frames after they came in"
    assert all(looked[first:])


def _segmenting(scene: SceneReader) -> list[int]:
    """Count the real segmentation model's calls."""
    real, calls = scene._segment.process, []
    scene._segment.process = lambda rgb: calls.append(1) or real(rgb)
    return calls


def test_a_videos_person_is_segmented_every_third_frame_and_carried_between() -> None:
    """Segmentation costs about twice the face mesh: in a video it runs on every third frame
    while the head is calm (every second while it moves), and the frames between take the
    last mask moved by what the face (the anchor) moved; a photo, or a frame with no anchor,
    is always segmented."""
    frames = list(itertools.islice(decoded(S18), 9))
    start = np.array([600.0, 300.0])
    runs = {}
    for video, step in ((True, (1.0, 0.5)), (True, (2.0, 1.0)), (True, None),
                        (False, (1.0, 0.5))):
        with SceneReader(video=video) as scene:
            calls = _segmenting(scene)
            seen = [scene.read(f, None if step is None else start + i * np.array(step))
                    for i, f in enumerate(frames)]
        runs[video, step] = len(calls), seen
    assert {key: calls for key, (calls, _) in runs.items()} == {
        (True, (1.0, 0.5)): 3, (True, (2.0, 1.0)): 5, (True, None): 9, (False, (1.0, 0.5)): 9}
    first, carried = (s.person for s in runs[True, (2.0, 1.0)][1][:2])
    assert carried.shape == first.shape
    assert np.array_equal(carried[1:, 2:], first[:-1, :-2])  # moved 2 right, 1 down
    assert np.array_equal(carried[0, 2:], first[0, :-2])  # the gap: the edge row repeated


@needs_media
def test_a_face_read_as_a_hand_for_two_frames_is_not_one() -> None:
    """The hand model reads d3's face as a hand on frames 60-61 (wrist on the chin, fingers
    up the nose): that patch must not be kept over the face; a hand must stay to count."""
    frames = list(itertools.islice(decoded(MEDIA / "videos" / "d3.mp4"), 66))
    with SceneReader(video=True) as scene, FaceMesher(video=True) as mesher:
        calls = _counting_hands(scene)
        covered = []
        for frame in frames:
            found, seen = mesher.detect(frame), scene.read(frame)
            if found:
                outline = found[0].xy[list(L.FACE_OVAL)]
                covered.append(seen.hand_cover(_whole(frame), outline) is not None)
    assert len(calls) > 16  # the hand model did look, on 60 and 61 too
    assert not any(covered)


def _whole(frame: np.ndarray):
    from facecast.faces.raster import Region
    return Region(0, 0, frame.shape[1], frame.shape[0])


def _face_mask(face: Face, shape: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [face.xy[list(L.FACE_OVAL)].astype(np.int32)], 1)
    return mask


def _turned(face: Face, degrees: float) -> Face:
    """The same mesh turned about the vertical axis through its centre."""
    p = face.points.copy()
    c = p.mean(axis=0)
    a = np.radians(degrees)
    rot = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    return Face((p - c) @ rot.T + c)


def test_a_spin_to_profile_and_back_fades_without_a_pop(identity) -> None:
    first = next(iter(decoded(S18)))
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(first)[0]
    track = FaceTrack(identity.neutral, identity.uv)
    # s18 starts turned 20 degrees: on to 95 (past a full profile) in 1.3 s, and back
    spin = face.pose.yaw - 95.0
    angles = np.concatenate([np.linspace(0, spin, 40), np.linspace(spin, 0, 40)])
    weights = [track.observe(_turned(face, a), i / 30)[1] for i, a in enumerate(angles)]
    assert _turned(face, spin).pose.turn > 90
    steps = np.abs(np.diff(weights))
    assert weights[0] == pytest.approx(1.0) and weights[-1] == pytest.approx(1.0, abs=0.01)
    assert min(weights) == pytest.approx(0.0, abs=0.01)  # a profile is not swapped
    assert steps.max() <= MAX_WEIGHT_STEP + 1e-6


def test_a_face_lost_for_a_few_frames_comes_back_on_its_track(identity, tmp_path: Path
                                                              ) -> None:
    frames = list(itertools.islice(decoded(S18), 50))
    for i in range(20, 25):
        frames[i] = np.zeros_like(frames[i])  # the face is gone for five frames
    src, out = tmp_path / "gap.mp4", tmp_path / "out.mp4"
    write_clip(src, frames)
    result = swap_file(identity, src, out)
    w = result.weights
    assert w[20:25] == [0.0] * 5
    assert w[25] == pytest.approx(w[19], abs=0.01)  # no fade-in from scratch
    report = evaluate(src, out, identity.embedding)
    assert report.coverage == 1.0 and report.pose_drift < 0.02


# ---- the outside judge's figures (issue 14): each must be able to fail ----------------------

D3 = MEDIA / "videos" / "d3.mp4"


def _frames(path: Path, start: float, end: float) -> list[np.ndarray]:
    from facecast.media import VideoReader

    return [np.ascontiguousarray(f.image) for f in VideoReader(path, start=start, end=end)]


def _meshed(frames: list[np.ndarray]) -> list[np.ndarray]:
    with FaceMesher(video=False) as mesher:
        return [mesher.detect(f)[0].points for f in frames]


def _reencoded(frames: list[np.ndarray], path: Path) -> list[np.ndarray]:
    """The frames through x264 at CRF 20 (the swap's own setting): a plain re-encode."""
    write_clip(path, frames, crf=20)
    return decoded(path)


def test_fine_detail_reads_a_blur_a_grain_and_a_plain_reencode(tmp_path: Path) -> None:
    from facecast.quality.measures import fine_detail
    from facecast.quality.report import meets, ratio_of_sums

    frames = _frames(D3, 0.0, 0.4)
    points = _meshed(frames)
    noise = np.random.default_rng(0)
    copies = {
        "blurred": [cv2.GaussianBlur(f, (0, 0), 1.5) for f in frames],
        "grainy": [np.clip(f + noise.normal(0, 5, f.shape), 0, 255).astype(np.uint8)
                   for f in frames],
        "reencoded": _reencoded(frames, tmp_path / "re.mp4"),
    }
    detail = {name: ratio_of_sums([fine_detail(a, b, p) for a, b, p
                                   in zip(frames, copy, points, strict=True)])
              for name, copy in copies.items()}
    assert detail["blurred"] < 0.8 and not meets("fine_detail", detail["blurred"])
    assert detail["grainy"] > 1.25 and not meets("fine_detail", detail["grainy"])
    assert detail["reencoded"] == pytest.approx(1.0, abs=0.1)
    assert meets("fine_detail", detail["reencoded"])


def _open_mouth_pasted(closed: np.ndarray, closed_pts: np.ndarray, open_: np.ndarray,
                       open_pts: np.ndarray) -> np.ndarray:
    """`closed` with the lips and what is between them taken from `open_` (the same person a
    few seconds earlier), centred where the closed mouth was: a swap that opens the mouth."""
    lips = list(L.LIPS_OUTER)
    shift = closed_pts[lips, :2].mean(axis=0) - open_pts[lips, :2].mean(axis=0)
    moved = cv2.warpAffine(open_, np.float32([[1, 0, shift[0]], [0, 1, shift[1]]]),
                           closed.shape[1::-1])
    mask = np.zeros(closed.shape[:2], np.float32)
    hull = cv2.convexHull(np.round(open_pts[lips, :2] + shift).astype(np.int32))
    cv2.fillPoly(mask, [hull], 1.0)
    mask = cv2.GaussianBlur(cv2.dilate(mask, np.ones((15, 15), np.uint8)), (0, 0), 3)[..., None]
    return (mask * moved + (1 - mask) * closed).astype(np.uint8)


def test_a_mouth_drawn_open_over_closed_lips_is_a_false_opening() -> None:
    from facecast.quality.measures import mouth_openness_68
    from facecast.quality.report import false_open, meets

    closed, open_ = _frames(D3, 4.0, 4.2)[:5], _frames(D3, 0.45, 0.65)[:5]  # shut, agape
    closed_pts, open_pts = _meshed(closed), _meshed(open_)
    forced = [_open_mouth_pasted(c, cp, o, op) for c, cp, o, op
              in zip(closed, closed_pts, open_, open_pts, strict=True)]
    read, forced_read = (np.array([mouth_openness_68(f, p) for f, p
                                   in zip(frames, closed_pts, strict=True)])
                         for frames in (closed, forced))
    assert false_open(read, read) == 0.0
    share = false_open(read, forced_read)
    assert share >= 0.8 and not meets("mouth_false_open", share)


def _brows_raised(frame: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    """An "original" whose brows sit a tenth of the face higher than in `frame` (copied up
    there, with its mesh's brow points moved alike), and the mask of where they sit."""
    lift = int(0.09 * np.ptp(points[:, 0]))
    mask = np.zeros(frame.shape[:2], np.uint8)
    for brow in (L.RIGHT_BROW, L.LEFT_BROW):
        hull = cv2.convexHull(np.round(points[list(brow), :2]).astype(np.int32))
        cv2.fillPoly(mask, [hull], 1)
    raised = np.roll(cv2.dilate(mask, np.ones((7, 7), np.uint8)), -lift, axis=0) > 0
    original = frame.copy()
    original[raised] = np.roll(frame, -lift, axis=0)[raised]
    moved = points.copy()
    moved[list(L.RIGHT_BROW) + list(L.LEFT_BROW), 1] -= lift
    return original, moved, raised


def test_the_original_brows_showing_faintly_beside_the_swapped_ones_are_ghosts() -> None:
    """The swap moved the brows down (the swapped frame is the real one); the original's,
    higher up, are either gone, half there or fully there (d3: no glasses, whose rims along
    the brows would be read as ghosts too)."""
    from facecast.quality.measures import ghosting
    from facecast.quality.report import meets

    frame = _frames(D3, 0.0, 0.04)[0]
    points = _meshed([frame])[0]
    original, original_pts, raised = _brows_raised(frame, points)
    assert ghosting(frame, frame, points, points) is None  # features on each other

    def ghost(alpha: float) -> float:
        swapped = frame.astype(np.float32)
        swapped[raised] = (1 - alpha) * swapped[raised] + alpha * original[raised]
        o, s = ghosting(original, swapped.astype(np.uint8), original_pts, points)
        return s / o

    clean, faint, full = ghost(0.0), ghost(0.5), ghost(1.0)
    assert clean < 0.1 and meets("ghosting", clean)
    assert 0.3 < faint < 0.8 and not meets("ghosting", faint)
    assert full == pytest.approx(1.0, abs=0.05)


def test_eval_of_a_plain_reencode_reads_no_fidelity_loss(tmp_path: Path) -> None:
    """The new figures come through `evaluate` into the report, at their neutral values."""
    frames = _frames(D3, 0.0, 0.5)
    original, copy = tmp_path / "o.mp4", tmp_path / "c.mp4"
    write_clip(original, frames)
    _reencoded(frames, copy)
    report = evaluate(original, copy, np.zeros(128, np.float32))
    assert report.fine_detail == pytest.approx(1.0, abs=0.1) and report.passed["fine_detail"]
    assert report.mouth_false_open == 0.0
    assert report.mouth_corr_68 is None or report.mouth_corr_68 > 0.95
    assert report.ghosting is None
