"""Track ids on made-up boxes: crossings, a face hidden for a moment, a face that comes back,
and the face list's timeline between sampled frames. Looks are stand-in embeddings."""

from __future__ import annotations

import numpy as np

from facecast.casting.face_list import FaceInfo, FaceList
from facecast.faces.tracking import Tracker

FPS = 25.0
FRAME = np.zeros((8, 8, 3), np.uint8)


class Looks:
    """Stand-in embedder: each person's own vector, chosen by where the test put them."""

    def __init__(self) -> None:
        self.people: dict[tuple[float, ...], int] = {}
        self.calls = 0

    def __call__(self, _rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        self.calls += 1
        vector = np.zeros(128, np.float32)
        vector[self.people[tuple(box)]] = 1.0  # two people are sqrt(2) apart
        return vector


def run(frames: list[list[tuple[int, tuple[float, float, float, float]]]]) -> tuple[
        list[list[int]], Looks]:
    """Feed frames of (person, box); returns each frame's ids in box order."""
    looks = Looks()
    tracker = Tracker(embedder=looks)
    out = []
    for i, faces in enumerate(frames):
        looks.people = {tuple(box): person for person, box in faces}
        out.append(tracker.update(i / FPS, [box for _, box in faces], FRAME))
    return out, looks


def box(x: float) -> tuple[float, float, float, float]:
    return (x, 100.0, 80.0, 80.0)


def test_two_people_crossing_keep_their_ids() -> None:
    """A walks right, B left; B is hidden behind A for 0.24 s as they cross."""
    frames = []
    for i in range(40):
        a, b = box(10 + 10 * i), box(400 - 10 * i)
        frames.append([(0, a)] if 17 <= i < 23 else [(0, a), (1, b)])
    ids, looks = run(frames)
    assert all(frame[0] == ids[0][0] for frame in ids)  # A
    b_ids = {frame[1] for frame in ids if len(frame) == 2}
    assert b_ids == {ids[0][1]} and ids[0][0] != ids[0][1]
    assert looks.calls < 12  # looks only at new faces, once a second, and after the gap


def test_people_who_swap_places_while_out_of_sight_keep_their_ids() -> None:
    """[A B], nobody for 0.4 s (within the 1 s a track is kept), then [B A]."""
    frames = [[(0, box(0)), (1, box(300))]] * 5 + [[]] * 10 + [[(1, box(0)), (0, box(300))]] * 5
    ids, _ = run(frames)
    assert ids[0] == [0, 1] and ids[-1] == [1, 0]


def test_a_face_that_leaves_and_comes_back_later_keeps_its_id() -> None:
    frames = ([[(0, box(0)), (1, box(300))]] * 5 + [[(0, box(0))]] * 50  # B away for 2 s
              + [[(0, box(0)), (1, box(500))], [(2, box(300)), (0, box(0)), (1, box(500))]])
    ids, _ = run(frames)
    assert ids[-2] == [0, 1]  # B is back, elsewhere, and known by its looks
    assert ids[-1] == [2, 0, 1]  # a stranger is new


def test_timeline_boxes_between_sampled_frames_and_labels() -> None:
    faces = [FaceInfo(i, 0, 2, 0.0, 1.0, 3, [0, 0, 10, 10], 10.0) for i in range(2)]
    boxes = np.array([[[0, 0, 10, 10], [10, 0, 10, 10], [20, 0, 10, 10]],
                      [[50, 50, 10, 10], [np.nan] * 4, [70, 50, 10, 10]]], np.float32)
    listed = FaceList("video", 100, 100, 3, 3, faces, np.array([0.0, 0.5, 1.0]), boxes,
                      np.zeros((2, 128), np.float32))
    assert listed.boxes_at(0.25) == [(5.0, 0.0, 10.0, 10.0), (50.0, 50.0, 10.0, 10.0)]
    assert listed.boxes_at(0.5)[1] is None
    assert listed.label(0.25, [(52, 50, 10, 10), (6, 0, 10, 10), (90, 90, 10, 10)]) == [
        1, 0, None]
