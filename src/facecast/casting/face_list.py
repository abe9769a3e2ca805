"""The faces of a video or photo, numbered: `facecast faces`, the API's face picker and every
multi-face swap use this one list.

One pass meshes the frames (the same `FaceMesher` as the swap, up to six faces) and gives
each face a track id (`faces.tracking.Tracker`). The list keeps, per face, its span, median
box, size, mean embedding and best thumbnail, and the box of every face on every frame it
meshed (the timeline). Ids are defined by this list only: a swap meshes its frames again and
labels each face by the timeline's box at that time (`FaceList.label`), so the ids a user
picked are the ids swapped, whatever trim the swap uses. A list is saved in a folder
(`faces.json`, `timeline.npz`, `face-N.jpg`, `overview.jpg`) and reused from there.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from facecast.casting.thumbs import write_thumbnail
from facecast.errors import MediaError
from facecast.faces.mesh import Face, FaceMesher
from facecast.faces.scan import Box, covers
from facecast.faces.tracking import Tracker, assign, pair_cost
from facecast.home import home
from facecast.media import VideoReader, media_kind, probe_video, read_image

FORMAT = 2  # of the saved folder; a folder of another format is computed again
MAX_FACES = 6
MAX_FRAMES = 1500  # frames meshed in one pass (50 s at 30 fps); longer videos are sampled
MIN_FRAMES = 3  # a track seen on fewer meshed frames of a video is a false detection
# and so is one the full-range detector never saw (`FaceScan.scanned`): the mesh's short-range
# detector found a face at 0.5-0.57 in the blurred background of s18, the full-range one none
THUMB = 160
EMBEDDING_SIZE = 128  # a dlib face descriptor; an empty list still has this many columns
LABEL_GATE = 0.5  # face sizes: a swap's face this far from every listed box has no id

Progress = Callable[[int, int], None]


@dataclass
class FaceInfo:
    """One face (track) of the list, as `facecast faces --json` prints it."""

    id: int
    first_frame: int
    last_frame: int
    start: float  # seconds
    end: float
    frames_seen: int
    box: list[float]  # x, y, w, h in pixels: the median over the frames it was seen
    size: float  # the median box's larger side, in pixels


@dataclass
class FaceList:
    kind: str  # "video" or "image"
    width: int
    height: int
    frames: int  # in the video (1 for a photo)
    frames_sampled: int  # meshed in the pass
    faces: list[FaceInfo]
    times: np.ndarray  # seconds of each meshed frame
    boxes: np.ndarray  # faces x meshed frames x 4 (x, y, w, h), NaN where a face is not seen
    embeddings: np.ndarray  # faces x 128: each face's mean dlib embedding
    overview_frame: int = 0  # the meshed frame with the most faces (for the sheet)
    max_faces: int = MAX_FACES  # faces meshed per frame, in this pass and in a swap by it

    def summary(self) -> dict:
        return {"kind": self.kind, "width": self.width, "height": self.height,
                "frames": self.frames, "frames_sampled": self.frames_sampled,
                "faces": [asdict(f) for f in self.faces]}

    @property
    def ids(self) -> list[int]:
        return [f.id for f in self.faces]

    def label(self, time: float, boxes: list[Box]) -> list[int | None]:
        """The listed id of each of a frame's face boxes (None: not a listed face)."""
        if not self.faces or not boxes:
            return [None] * len(boxes)
        listed = [(f.id, box) for f, box in zip(self.faces, self.boxes_at(time), strict=True)
                  if box is not None]
        costs = np.array([[pair_cost(ref, b, LABEL_GATE) for b in boxes] for _, ref in listed])
        labels: list[int | None] = [None] * len(boxes)
        for r, c in assign(costs.reshape(len(listed), len(boxes))):
            labels[c] = listed[r][0]
        return labels

    def boxes_at(self, time: float) -> list[Box | None]:
        """Each face's box at `time`: between two meshed frames (a long video is sampled)
        the two boxes interpolated, or the one there is; None where the face is not seen."""
        after = int(np.clip(np.searchsorted(self.times, time), 0, len(self.times) - 1))
        before = max(after - 1, 0) if self.times[after] > time else after
        t0, t1 = self.times[before], self.times[after]
        w = 0.0 if t1 <= t0 else float(np.clip((time - t0) / (t1 - t0), 0.0, 1.0))
        out: list[Box | None] = []
        for track in self.boxes:
            a, b = track[before], track[after]
            if np.isnan(a[0]) and np.isnan(b[0]):
                out.append(None)
            elif np.isnan(a[0]) or np.isnan(b[0]):
                out.append(tuple(float(v) for v in (b if np.isnan(a[0]) else a)))
            else:
                out.append(tuple(float(v) for v in (1 - w) * a + w * b))
        return out

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "timeline.npz", times=self.times, boxes=self.boxes,
                 embeddings=self.embeddings)
        meta = dict(self.summary(), format=FORMAT, overview_frame=self.overview_frame,
                    max_faces=self.max_faces)
        tmp = folder / "faces.json.tmp"
        tmp.write_text(json.dumps(meta, indent=1))
        tmp.replace(folder / "faces.json")  # written last: its presence means complete

    @classmethod
    def load(cls, folder: Path) -> FaceList | None:
        """The list saved in `folder`, or None if there is none of this format."""
        try:
            meta = json.loads((folder / "faces.json").read_text())
            if meta.get("format") != FORMAT:
                return None
            with np.load(folder / "timeline.npz") as data:
                arrays = {k: data[k] for k in ("times", "boxes", "embeddings")}
            return cls(kind=meta["kind"], width=meta["width"], height=meta["height"],
                       frames=meta["frames"], frames_sampled=meta["frames_sampled"],
                       faces=[FaceInfo(**f) for f in meta["faces"]],
                       overview_frame=meta["overview_frame"], max_faces=meta["max_faces"],
                       **arrays)
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _frames(path: Path) -> tuple[str, int, int, Iterator[tuple[int, float, np.ndarray]]]:
    """(kind, frames in all, step, (index, seconds, rgb) of every step-th frame)."""
    if media_kind(path) == "image":
        rgb = read_image(path).rgb
        return "image", 1, 1, iter([(0, 0.0, rgb)])
    total = probe_video(path).frames
    step = max(1, math.ceil(total / MAX_FRAMES))

    def frames() -> Iterator[tuple[int, float, np.ndarray]]:
        """A damaged video is listed as far as it decodes: the picker still gets an answer,
        and the swap itself says where the file is broken."""
        with VideoReader(path) as reader:
            try:
                for frame in reader:
                    if frame.index % step == 0:
                        yield frame.index, frame.time, frame.image
            except MediaError:
                return

    return "video", total, step, frames()


class _Faces:
    """What the pass gathers about one track id."""

    def __init__(self) -> None:
        self.seen: dict[int, Box] = {}  # meshed frame -> box
        self.frames: list[int] = []
        self.times: list[float] = []
        self.thumb: np.ndarray | None = None
        self.thumb_score = -1.0
        self.confirmed = False

    def add(self, k: int, index: int, time: float, face: Face, rgb: np.ndarray,
            scanned: list[Box] | None) -> None:
        self.seen[k] = face.box
        self.confirmed |= scanned is not None and any(covers(face.box, b) for b in scanned)
        self.frames.append(index)
        self.times.append(time)
        score = face.size * max(0.2, math.cos(math.radians(face.pose.turn)))
        if score > self.thumb_score:
            self.thumb, self.thumb_score = crop(rgb, face.box), score


def find_faces(path: str | Path, folder: Path, progress: Progress | None = None,
               max_faces: int = MAX_FACES) -> FaceList:
    """Mesh and track up to `max_faces` faces a frame in `path`; save the list and its
    thumbnails in `folder`."""
    path = Path(path)
    kind, total, step, frames = _frames(path)
    tracker = Tracker()
    gathered: dict[int, _Faces] = {}
    times: list[float] = []
    overview: tuple[int, np.ndarray] | None = None
    most = -1
    width = height = 0
    with FaceMesher(video=kind == "video", max_faces=max_faces) as mesher:
        for k, (index, time, rgb) in enumerate(frames):
            height, width = rgb.shape[:2]
            faces = mesher.detect(rgb)
            ids = tracker.update(time, [f.box for f in faces], rgb)
            scanned = mesher.scan.scanned if mesher.scan else None
            for face, tid in zip(faces, ids, strict=True):
                gathered.setdefault(tid, _Faces()).add(k, index, time, face, rgb, scanned)
            if len(faces) > most:
                most, overview = len(faces), (k, rgb.copy())
            times.append(time)
            if progress:
                progress(min(index + 1, total), total)
    embeddings = {t.id: np.mean(t.gallery, axis=0) for t in tracker.tracks}
    unchecked = max_faces == 1  # no scan then
    keep = [tid for tid in sorted(gathered) if (gathered[tid].confirmed or unchecked)
            and len(gathered[tid].seen) >= min(MIN_FRAMES, len(times))]
    infos, boxes = [], np.full((len(keep), len(times), 4), np.nan, np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    for new, tid in enumerate(keep):
        g = gathered[tid]
        for k, box in g.seen.items():
            boxes[new, k] = box
        median = np.median(np.array(list(g.seen.values())), axis=0)
        infos.append(FaceInfo(id=new, first_frame=g.frames[0], last_frame=g.frames[-1],
                              start=round(g.times[0], 3), end=round(g.times[-1], 3),
                              frames_seen=len(g.seen) * step if kind == "video" else 1,
                              box=[round(float(v), 1) for v in median],
                              size=round(float(median[2:].max()), 1)))
        write_thumbnail(g.thumb, folder / f"face-{new}.jpg", width=THUMB)
    if overview is not None:
        write_thumbnail(overview[1], folder / "overview.jpg", width=min(width, 1280))
    listed = FaceList(kind=kind, width=width, height=height, frames=total,
                      frames_sampled=len(times), faces=infos,
                      times=np.array(times, np.float64), boxes=boxes,
                      embeddings=np.array([embeddings[t] for t in keep],
                                          np.float32).reshape(len(keep), EMBEDDING_SIZE),
                      overview_frame=overview[0] if overview else 0, max_faces=max_faces)
    listed.save(folder)
    return listed


def cache_folder(path: str | Path) -> Path:
    """Where the CLI keeps a file's face list: keyed by its path, size and time, so a changed
    file is looked at again."""
    path = Path(path).resolve()
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    stat = path.stat()
    key = hashlib.sha256(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    return home() / "cache" / "faces" / f"{path.stem[:40]}-{key[:16]}"


def face_list(path: str | Path, folder: Path, progress: Progress | None = None,
              max_faces: int | None = None) -> FaceList:
    """The faces of `path`, from `folder` if they were found before (with `max_faces`, when
    given), else found now."""
    listed = FaceList.load(folder)
    if listed is not None and max_faces in (None, listed.max_faces):
        return listed
    return find_faces(path, folder, progress, max_faces or MAX_FACES)


def crop(rgb: np.ndarray, box: Box) -> np.ndarray:
    """A square around the face box with some margin, clipped to the image."""
    x, y, w, h = box
    side = max(w, h) * 1.6
    cx, cy = x + w / 2, y + h / 2
    H, W = rgb.shape[:2]
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    x1, y1 = min(W, int(cx + side / 2)), min(H, int(cy + side / 2))
    return np.ascontiguousarray(rgb[y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)])


def faces_sheet(listed: FaceList, folder: Path) -> np.ndarray:
    """A picture of the list: the frame with the most faces, each face boxed and numbered,
    above every face's thumbnail with its number, frame span and size."""
    overview = read_image(folder / "overview.jpg").rgb if (folder / "overview.jpg").is_file() \
        else np.zeros((360, 640, 3), np.uint8)
    scale = overview.shape[1] / max(listed.width, 1)
    top = overview.copy()
    for i, f in enumerate(listed.faces):
        if np.isnan(listed.boxes[i, listed.overview_frame, 0]):
            continue
        x, y, w, h = (listed.boxes[i, listed.overview_frame] * scale).round().astype(int)
        cv2.rectangle(top, (x, y), (x + w, y + h), (255, 220, 0), 2)
        _text(top, str(f.id), (x + 3, max(y - 6, 18)), 0.8)
    cards = []
    for f in listed.faces:
        thumb = read_image(folder / f"face-{f.id}.jpg").rgb
        card = np.full((THUMB + 56, THUMB, 3), 32, np.uint8)
        h = min(thumb.shape[0], THUMB)
        card[:h, : thumb.shape[1]] = thumb[:h, :THUMB]
        span = "photo" if listed.kind == "image" else f"frames {f.first_frame}-{f.last_frame}"
        for row, text in enumerate((f"face {f.id}", span, f"{f.size:.0f} px")):
            _text(card, text, (6, THUMB + 16 + 17 * row), 0.45)
        cards.append(card)
    width = top.shape[1]
    per_row = max(1, width // (THUMB + 8))
    rows = []
    for start in range(0, len(cards), per_row):
        row = np.full((THUMB + 64, width, 3), 16, np.uint8)
        for j, card in enumerate(cards[start:start + per_row]):
            row[4:4 + card.shape[0], 4 + j * (THUMB + 8): 4 + j * (THUMB + 8) + THUMB] = card
        rows.append(row)
    return np.vstack([top, *rows])


def _text(image: np.ndarray, text: str, at: tuple[int, int], size: float) -> None:
    for colour, thickness in (((0, 0, 0), 4), ((255, 255, 255), 1)):  # legible on any frame
        cv2.putText(image, text, at, cv2.FONT_HERSHEY_SIMPLEX, size, colour, thickness,
                    cv2.LINE_AA)
