"""Which face is which from frame to frame: stable track ids for the faces of a video.

Each frame's faces are matched to the tracks seen lately by where they are: the cost of a
pair is one minus the overlap of the track's predicted box (moved on at its speed) with the
face's box, plus the distance of their centres in face sizes; the assignment is the cheapest
overall (Hungarian, `scipy.optimize.linear_sum_assignment`), and a pair too far apart is no
match. A track not seen keeps its id for `KEEP_ALIVE_S` (a hand over a face, a head turned
away, someone walking past), its gate widening with the time it was gone. A face that matches
no live track is compared by dlib embedding with the tracks seen before and takes the id of
the closest under `REIDENTIFY`, so a person who leaves the shot and comes back keeps the
number; otherwise it starts a new track. A face found again at a track's place after a gap
(`VERIFY_AFTER_S`: people crossing, one hidden behind the other) keeps that id only if it
looks like it. Embeddings cost about 40 ms a face, so they are
computed only for such new faces and once every `EMBED_EVERY_S` per track, never every frame.
The whole process is deterministic: the same frames give the same ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from facecast.faces.scan import Box, iou

KEEP_ALIVE_S = 1.0  # a face unseen this long is matched by its looks only
VERIFY_AFTER_S = 0.2  # a face back after this long matches by place only if it looks the same
EMBED_EVERY_S = 1.0  # a track's looks are refreshed this often
GALLERY = 8  # embeddings kept per track: different poses and light
SAME_PERSON = 0.6  # dlib's own threshold: a face back at a track's place is not that person
# when it is this far from all the track's looks (two people crossing)
REIDENTIFY = 0.5  # dlib distance under which a returning face is the same person (0.6 = dlib's
# "same person"; stricter, as a wrong id puts a face on the wrong person)
GATE = 0.7  # face sizes: the farthest a face moves between two frames and still matches
GATE_PER_S = 2.0  # face sizes a second the gate widens while a track is unseen
SIZE_RATIO = 1.8  # a face's size changes less than this between matches
_NO = 1e6

Embedder = Callable[[np.ndarray, Box], np.ndarray]


def _embed(rgb: np.ndarray, box: Box) -> np.ndarray:
    from facecast.faces.embedding import embed

    return embed(rgb, box)


@dataclass
class Track:
    """One face followed through the video."""

    id: int
    box: Box
    time: float
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    gallery: list[np.ndarray] = field(default_factory=list)
    embedded_at: float = -np.inf

    def predicted(self, time: float) -> Box:
        x, y, w, h = self.box
        dx, dy = self.velocity * (time - self.time)
        return x + dx, y + dy, w, h

    def distance(self, embedding: np.ndarray) -> float:
        """Smallest dlib distance from `embedding` to this track's looks (inf if none)."""
        if not self.gallery:
            return float("inf")
        return float(np.min(np.linalg.norm(np.stack(self.gallery) - embedding, axis=1)))

    def remember(self, embedding: np.ndarray, time: float) -> None:
        self.gallery = [*self.gallery[-(GALLERY - 1):], embedding]
        self.embedded_at = time

    def move(self, box: Box, time: float) -> None:
        dt = time - self.time
        if dt > 0:
            step = (_centre(box) - _centre(self.box)) / dt
            self.velocity = 0.5 * self.velocity + 0.5 * step
        self.box, self.time = box, time


def _centre(box: Box) -> np.ndarray:
    return np.array([box[0] + box[2] / 2, box[1] + box[3] / 2])


def _size(box: Box) -> float:
    return max(box[2], box[3], 1.0)


def pair_cost(track_box: Box, box: Box, gate: float) -> float:
    """Cost of saying `box` is the face whose expected box is `track_box`; _NO if it cannot be."""
    size = max(_size(track_box), _size(box))
    ratio = _size(track_box) / _size(box)
    shift = float(np.linalg.norm(_centre(track_box) - _centre(box))) / size
    if shift > gate or not 1 / SIZE_RATIO < ratio < SIZE_RATIO:
        return _NO
    return 1.0 - iou(track_box, box) + shift


def assign(costs: np.ndarray) -> list[tuple[int, int]]:
    """The cheapest (row, column) pairs, leaving out impossible ones.

    SciPy's optimisers are imported here, at the first frame with faces to match: importing
    them took 0.3 s of every swap's start-up, and a swap of one face never matches any."""
    if costs.size == 0:
        return []
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(costs)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if costs[r, c] < _NO]


class Tracker:
    """Gives each face of each frame a track id; frames must come in order."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embed = embedder or _embed
        self.tracks: list[Track] = []

    def update(self, time: float, boxes: list[Box], rgb: np.ndarray) -> list[int]:
        """Track ids of `boxes` (the faces of the frame at `time` seconds), in their order."""
        ids: list[int | None] = [None] * len(boxes)
        live = [t for t in self.tracks if time - t.time <= KEEP_ALIVE_S]
        costs = np.array([[pair_cost(t.predicted(time), b, GATE + GATE_PER_S * (time - t.time))
                           for b in boxes] for t in live]).reshape(len(live), len(boxes))
        taken: set[int] = set()
        looks: dict[int, np.ndarray] = {}
        for r, c in assign(costs):
            track = live[r]
            if time - track.time > VERIFY_AFTER_S:
                looks[c] = self._embed(rgb, boxes[c])
                if track.distance(looks[c]) >= SAME_PERSON:
                    continue  # someone else where the track was: placed by looks below
                track.remember(looks[c], time)
            track.move(boxes[c], time)
            ids[c] = track.id
            taken.add(track.id)
            if time - track.embedded_at >= EMBED_EVERY_S:
                track.remember(self._embed(rgb, boxes[c]), time)
        left = sorted((c for c in range(len(boxes)) if ids[c] is None),
                      key=lambda c: boxes[c][0])  # new faces numbered left to right
        if left:
            self._place(time, boxes, rgb, left, ids, taken, looks)
        return [int(i) for i in ids]

    def _place(self, time: float, boxes: list[Box], rgb: np.ndarray, left: list[int],
               ids: list[int | None], taken: set[int], looks: dict[int, np.ndarray]) -> None:
        """Faces no live track matched: a returning face (by its looks) or a new track."""
        embeddings = {c: looks[c] if c in looks else self._embed(rgb, boxes[c]) for c in left}
        known = [t for t in self.tracks if t.id not in taken and t.gallery]
        gaps = np.array([[t.distance(embeddings[c]) for c in left] for t in known])
        gaps = gaps.reshape(len(known), len(left))
        costs = np.where(gaps < REIDENTIFY, gaps, _NO)
        for r, c in assign(costs):
            track, face = known[r], left[c]
            track.velocity[:] = 0.0
            track.move(boxes[face], time)
            track.remember(embeddings[face], time)
            ids[face] = track.id
        for face in left:
            if ids[face] is None:
                track = Track(id=len(self.tracks), box=boxes[face], time=time)
                track.remember(embeddings[face], time)
                self.tracks.append(track)
                ids[face] = track.id
