"""A close-up's face worked at a capped size (`compose.canvas`): the scale it is worked at,
a frame put back as it was where nothing was drawn, and a swap that looks like the one
worked at full size."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from clips import MEDIA, decoded, frames_between, needs_media, write_clip

from facecast.compose import canvas as canvas_module
from facecast.compose.canvas import Canvas, chosen_scale, working_scale
from facecast.faces.raster import Region


def close_up(seconds: float, grain: float = 0.0) -> list[np.ndarray]:
    """d3's clip made 1.5 times larger: a 768 px frame whose face is about 480 px; with
    `grain` (grey levels), a sharp camera's noise, new in each frame (enlarged, the clip
    holds nothing finer than the copy at 3/4 does)."""
    rng = np.random.default_rng(7)
    frames = [cv2.resize(f, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)
              for f in frames_between(MEDIA / "videos" / "d3.mp4", 0.0, seconds)]
    return [np.clip(f + rng.normal(0.0, grain, f.shape[:2])[..., None], 0, 255).astype(np.uint8)
            for f in frames]


def fine_band(rgb: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 1.2))


def test_faces_over_the_cap_are_worked_at_a_scale_that_holds_as_they_waver() -> None:
    assert chosen_scale(340.0) == 1.0
    assert chosen_scale(470.0) == 0.75  # 352 px
    assert 280 <= 1000 * chosen_scale(1000.0) <= 360
    # a face about the cap, or about a step's edge, keeps its scale
    scales = [1.0]
    for size in (350, 372, 355, 381, 366):
        scales.append(working_scale(size, scales[-1]))
    assert set(scales) == {1.0}
    scales = [working_scale(470.0, 1.0)]
    for size in (481, 462, 486, 470):
        scales.append(working_scale(size, scales[-1]))
    assert set(scales) == {0.75}
    # and a face that grew by far takes a new one
    assert working_scale(700.0, 0.75) == chosen_scale(700.0) < 0.75


@needs_media
def test_where_nothing_was_drawn_the_frame_comes_back_as_it_was() -> None:
    """The copy lacks the frame's finest band; put back, the frame keeps it wherever the
    swap keeps the footage: bit for bit where nothing changed, and under a change of tone
    on skin (the drawn face's plain skin carries the footage's grain); where the copy was
    painted over, the enlarged paint alone, also past the drawn face's window (the finer
    warp around the mouth reaches below the chin)."""
    frame = close_up(0.04)[0]
    rgb = frame.copy()
    xy = np.array([[250.0, 200.0], [520.0, 560.0]])
    canvas = Canvas(rgb, xy, 0.75)
    assert canvas.frame.shape[:2] == (576, 576)
    toned = canvas.small.x0 + 40, canvas.small.y0 + 40  # a 100 px square, toned in place
    square = (slice(toned[1], toned[1] + 100), slice(toned[0], toned[0] + 100))
    painted = (slice(toned[1] + 150, toned[1] + 250), slice(toned[0], toned[0] + 100))
    canvas.frame[square] = np.clip(canvas.frame[square].astype(int) + 12, 0, 255)
    canvas.frame[painted] = 128
    edge = (slice(canvas.small.y0, canvas.small.y0 + 12),  # past the drawn face's window
            slice(canvas.small.x0 + 200, canvas.small.x0 + 260))
    canvas.frame[edge] = 40
    # the drawn face's window: the copy but for 20 px along its sides
    region = Region(canvas.small.x0 + 20, canvas.small.y0 + 20, canvas.small.w - 40,
                    canvas.small.h - 40)
    canvas.drawn(rgb, region)  # the painting counts as the drawing's: measured after it
    drawn = np.zeros((region.h, region.w), np.float32)
    drawn[20:120, 20:120] = 1.0  # the toned square is drawn face, all of it plain skin
    grain = drawn.copy()
    canvas.paste(rgb, region, drawn, grain)

    full = canvas.region
    toned_full = (slice(full.y0 + 60, full.y0 + 180), slice(full.x0 + 60, full.x0 + 180))
    assert np.abs(rgb[toned_full].astype(int) - frame[toned_full] - 12).mean() < 0.6
    assert fine_band(rgb[toned_full]).mean() == pytest.approx(
        fine_band(frame[toned_full]).mean(), rel=0.05)
    paint_full = (slice(full.y0 + 260, full.y0 + 380), slice(full.x0 + 60, full.x0 + 180))
    assert np.abs(rgb[paint_full].astype(int) - 128).max() <= 1
    edge_full = (slice(full.y0, full.y0 + 12), slice(full.x0 + 270, full.x0 + 344))
    assert np.abs(rgb[edge_full].astype(int) - 40).max() <= 1
    untouched = np.ones(rgb.shape[:2], bool)
    untouched[full.y0 + 40: full.y0 + 200, full.x0 + 40: full.x0 + 200] = False
    untouched[full.y0 + 240: full.y0 + 400, full.x0 + 40: full.x0 + 200] = False
    untouched[full.y0: full.y0 + 20, full.x0 + 260: full.x0 + 356] = False
    assert np.array_equal(rgb[untouched], frame[untouched])


@needs_media
def test_a_close_up_worked_on_a_smaller_copy_looks_like_one_worked_at_full_size(
        identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 480 px face is drawn and composed at 3/4 of its size, and comes out as the swap
    worked at full size does: the same face within a few grey levels, and as much fine
    detail on it (the footage's grain put back from the frame: without it, 0.66 as much)."""
    from facecast.faces import landmarks as L
    from facecast.faces.mesh import FaceMesher
    from facecast.params import SwapParams
    from facecast.pipeline import swap_file

    source = tmp_path / "close-up.mp4"
    frames = close_up(0.34, grain=4.0)
    write_clip(source, frames)
    capped = swap_file(identity, source, tmp_path / "capped.mp4", SwapParams())
    monkeypatch.setattr(canvas_module, "WORK_FACE", 10_000.0)
    full = swap_file(identity, source, tmp_path / "full.mp4", SwapParams())
    assert {"canvas", "paste"} <= set(capped.stages)
    assert not {"canvas", "paste"} & set(full.stages)
    assert capped.swapped_frames == full.swapped_frames == len(frames)

    with FaceMesher(video=False) as mesher:
        face = mesher.detect(frames[5])[0]
    assert face.size > 450
    skin = np.zeros(frames[0].shape[:2], np.uint8)
    oval = face.xy[list(L.FACE_OVAL)]
    middle = oval.mean(axis=0)
    cv2.fillPoly(skin, [np.round(middle + 0.85 * (oval - middle)).astype(np.int32)], 1)
    skin = skin > 0
    a, b = decoded(tmp_path / "capped.mp4"), decoded(tmp_path / "full.mp4")
    pairs = list(zip(a, b, strict=True))
    assert np.mean([np.abs(x[skin].astype(int) - y[skin]).mean() for x, y in pairs]) < 3.0
    detail = [fine_band(x)[skin].mean() / fine_band(y)[skin].mean() for x, y in pairs]
    assert 0.9 <= np.mean(detail) <= 1.1


@needs_media
def test_a_zoom_changes_the_working_scale_without_a_jump(identity, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """A face growing from 480 to 700 px takes smaller scales on the way (each switch starts
    the composing thread's pixel-bound state afresh): the swapped face changes from one
    frame to the next no more at a switch than elsewhere."""
    from facecast.faces import landmarks as L
    from facecast.faces.mesh import FaceMesher
    from facecast.params import SwapParams
    from facecast.pipeline import swap_file
    from facecast.swap.track import FaceTrack

    frames = []
    for i, f in enumerate(frames_between(MEDIA / "videos" / "d3.mp4", 0.0, 1.0)):
        zoom = 1.5 * (1.0 + 0.5 * i / 29)
        big = cv2.resize(f, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
        top, left = (big.shape[0] - 768) // 2, (big.shape[1] - 768) // 2
        frames.append(big[top: top + 768, left: left + 768])
    source = tmp_path / "zoom.mp4"
    write_clip(source, frames, crf=12)
    scales: list[float] = []
    work_at = FaceTrack.work_at

    def recorded(self: FaceTrack, face_size: float) -> float:
        scales.append(work_at(self, face_size))
        return scales[-1]

    monkeypatch.setattr(FaceTrack, "work_at", recorded)
    done = swap_file(identity, source, tmp_path / "out.mp4", SwapParams())
    assert done.swapped_frames == len(frames)
    switches = [i for i in range(1, len(scales)) if scales[i] != scales[i - 1]]
    assert switches and scales[-1] < scales[0] < 1.0

    swapped = decoded(tmp_path / "out.mp4")
    changes = []
    with FaceMesher(video=False) as mesher:
        for i in range(1, len(frames)):
            oval = mesher.detect(frames[i])[0].xy[list(L.FACE_OVAL)]
            inside = np.zeros(frames[i].shape[:2], np.uint8)
            cv2.fillPoly(inside, [np.round(oval).astype(np.int32)], 1)
            grey = [cv2.cvtColor(x, cv2.COLOR_RGB2GRAY).astype(np.float32)
                    for x in (frames[i - 1], frames[i], swapped[i - 1], swapped[i])]
            made = np.abs(grey[3] - grey[2])[inside > 0].mean()
            changes.append(made / max(np.abs(grey[1] - grey[0])[inside > 0].mean(), 0.1))
    usual = float(np.median(changes))
    assert all(changes[i - 1] < 1.5 * usual for i in switches), (switches, changes)
