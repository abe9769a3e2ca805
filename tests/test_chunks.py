"""Long videos in pieces: every frame once, the single-process timestamps and sound, and
pictures that differ from a single-process run by no more than encoder noise."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from clips import MEDIA, decoded, needs_media

from facecast.chunks.join import join_pieces
from facecast.chunks.local import run_pieces
from facecast.chunks.plan import plan_chunks
from facecast.chunks.work import edit_piece, remove_pieces, swap_piece
from facecast.looks.edit import edit_file
from facecast.params import EditParams, SwapParams
from facecast.pipeline import swap_file

pytestmark = needs_media

S32 = MEDIA / "videos" / "s32.mp4"


def stamps(path: Path) -> tuple[list[int], float | None]:
    """The video's frame timestamps (display order) and the sound's length in seconds."""
    with av.open(str(path)) as c:
        video = c.streams.video[0]
        pts = sorted(p.pts for p in c.demux(video) if p.size)
    with av.open(str(path)) as c:
        audio = [s for s in c.streams if s.type == "audio"]
        sound = None
        if audio:
            packets = [p for p in c.demux(audio[0]) if p.size]
            sound = float((packets[-1].pts + packets[-1].duration) * audio[0].time_base)
    return pts, sound


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def in_pieces(work, args_of, params, output: Path, seconds: float) -> int:
    """`work` on every piece of S32 in two processes, joined into `output`."""
    plan = plan_chunks(S32, params.start, params.end, seconds)
    assert plan is not None and len(plan.chunks) >= 2
    folder = output.with_suffix(".pieces")
    folder.mkdir()
    pieces = run_pieces(work, [args_of(folder, c) for c in plan.chunks], plan, 2)
    join_pieces([p.path for p in pieces], plan, S32, output)
    remove_pieces(folder)
    return len(plan.chunks)


def test_plan_cuts_every_frame_once() -> None:
    plan = plan_chunks(S32, 0.5, 5.5, 1.4)
    assert plan is not None and len(plan.chunks) == 4
    firsts = [c.first for c in plan.chunks]
    assert firsts == sorted(firsts) and firsts[0] == 0
    assert all(a.first + a.count == b.first for a, b in zip(plan.chunks, plan.chunks[1:],
                                                            strict=False))
    assert plan.frames == 150  # 5 s at 30 fps
    assert plan_chunks(S32, None, 1.0, 1.4) is None, "a span shorter than a piece is not cut"


def test_edit_in_pieces_has_the_source_timing_and_sound(tmp_path: Path) -> None:
    """No looks: the joined file is the source re-encoded, every frame at its own time,
    the sound copied once."""
    whole, joined = tmp_path / "whole.mp4", tmp_path / "joined.mp4"
    edit_file(S32, whole, EditParams())
    params = EditParams()
    in_pieces(edit_piece, lambda folder, c: (S32, folder, params, c), params, joined, 2.0)
    assert stamps(joined) == stamps(whole) == stamps(S32)
    a, b = decoded(whole), decoded(joined)
    assert len(a) == len(b) == 180
    assert np.median([psnr(x, y) for x, y in zip(a, b, strict=True)]) > 40  # x264 noise: 44.7


def test_swap_in_pieces_matches_a_single_process(identity, tmp_path: Path) -> None:
    """A trimmed swap in three pieces (the sound re-encoded from the cut): same frames and
    timestamps as one process, pictures within encoder noise, no jump at the joins."""
    params = SwapParams(start=0.5, end=3.5)
    whole, joined = tmp_path / "whole.mp4", tmp_path / "joined.mp4"
    swap_file(identity, S32, whole, params)
    pieces = in_pieces(swap_piece, lambda folder, c: (identity, S32, folder, params, c),
                       params, joined, 1.0)
    assert pieces == 3
    (pts_a, sound_a), (pts_b, sound_b) = stamps(whole), stamps(joined)
    assert pts_a == pts_b and len(pts_b) == 90
    assert sound_b == pytest.approx(sound_a, abs=0.03)
    a, b = decoded(whole), decoded(joined)
    scores = [psnr(x, y) for x, y in zip(a, b, strict=True)]
    print(f"PSNR joined vs single: median {np.median(scores):.1f} dB, min {min(scores):.1f}")
    assert np.median(scores) >= 38 and min(scores) >= 32

    def steps(frames: list[np.ndarray]) -> np.ndarray:
        return np.array([np.abs(frames[i + 1].astype(np.int16) - frames[i]).mean()
                         for i in range(len(frames) - 1)])

    mine, theirs = steps(b), steps(a)
    for join in (30, 60):  # the change into a piece's first frame
        assert mine[join - 1] <= theirs[join - 1] + 0.5 * np.median(theirs), join


def test_a_leap_in_damaged_timestamps_is_not_cut(tmp_path: Path) -> None:
    """Six frames whose last timestamp leaps 400 s ahead (a bit flipped in a packet): too
    few frames to share out, so the video is swapped in one piece (it made six one-frame
    pieces, or failed with an IndexError past the last frame)."""
    clip = tmp_path / "leap.mp4"
    with av.open(str(clip), "w") as c:
        stream = c.add_stream("libx264", rate=20)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.time_base = Fraction(1, 20)
        for i, pts in enumerate((0, 1, 2, 3, 4, 8200)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 40 * i, np.uint8),
                                               format="rgb24")
            frame.pts = pts
            c.mux(stream.encode(frame))
        c.mux(stream.encode())
    assert plan_chunks(clip, None, None, 1.0) is None
