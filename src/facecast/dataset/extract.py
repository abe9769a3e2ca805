"""Cut every face out of videos and photos as aligned crops, each with its JSON record.

Videos are streamed (`media.VideoReader`): a few frames are in memory at a time, never the
whole video. One mesher per video tracks its faces from frame to frame; each face at least
`min_face` px big becomes `NNNNNN_F.jpg` (frame, face) plus `NNNNNN_F.json` in a folder
named after its video. Photos given together in one folder share a folder named after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from facecast.dataset import align
from facecast.dataset.params import DatasetParams
from facecast.dataset.records import FaceRecord, PoseRecord, find_records
from facecast.errors import DatasetError, MediaError
from facecast.faces.mesh import Face, FaceMesher
from facecast.media import VideoReader, media_kind, probe_video, read_image

JPEG_QUALITY = 95
SUMMARY = "extract.json"

Progress = Callable[[int, int, str], None]
Log = Callable[[str], None]


@dataclass(frozen=True)
class Source:
    """What one output folder is cut from: a video, or the photos of one folder."""

    name: str  # the output folder's name
    kind: str  # "video" or "photos"
    paths: tuple[Path, ...]
    shown: str  # how the user named it, for messages
    labels: tuple[str, ...]  # how the user would name each path, for the records

    def frames(self) -> int:
        return probe_video(self.paths[0]).frames if self.kind == "video" else len(self.paths)


@dataclass
class SourceSummary:
    name: str
    source: str
    frames: int = 0
    sampled: int = 0
    faces: int = 0
    crops: int = 0
    too_small: int = 0


@dataclass
class ExtractSummary:
    sources: list[SourceSummary] = field(default_factory=list)

    @property
    def crops(self) -> int:
        return sum(s.crops for s in self.sources)


def collect_sources(paths: list[Path], shown: list[str] | None = None,
                    log: Log = lambda _line: None) -> list[Source]:
    """The videos and photo folders named by `paths` (files or folders; a folder's videos
    and photos, not its sub-folders). Names of output folders are made unique."""
    if not paths:
        raise DatasetError("no videos given: name video files or folders holding them")
    sources: list[Source] = []
    used: set[str] = set()

    def unique(stem: str) -> str:
        name, n = stem or "source", 2
        while name in used:
            name, n = f"{stem}-{n}", n + 1
        used.add(name)
        return name

    for path, label in zip(paths, shown or [str(p) for p in paths], strict=True):
        if path.is_dir():
            photos = []
            for child in sorted(p for p in path.iterdir()
                                if p.is_file() and not p.name.startswith(".")):
                kind = _kind(child)
                inner = f"{label.rstrip('/')}/{child.name}" if label.rstrip("/") else child.name
                if kind == "video":
                    sources.append(Source(unique(child.stem), "video", (child,), inner, (inner,)))
                elif kind == "image":
                    photos.append((child, inner))
                else:
                    log(f"skipped {inner}: not a video or a photo")
            if photos:
                sources.append(Source(unique(Path(label).name or "photos"), "photos",
                                      tuple(p for p, _ in photos),
                                      label, tuple(lab for _, lab in photos)))
        elif path.is_file():
            kind = "video" if media_kind(path) == "video" else "photos"
            named = Path(label)  # an upload is stored as "source": its own name names it
            name = named.stem if kind == "video" else named.parent.name or "photos"
            sources.append(Source(unique(name), kind, (path,), label, (label,)))
        else:
            raise DatasetError(f"{label} does not exist")
    if not sources:
        raise DatasetError(f"no videos or photos in {', '.join(shown or map(str, paths))}")
    return sources


def _kind(path: Path) -> str | None:
    try:
        return media_kind(path)
    except MediaError:
        return None


def extract(sources: list[Source], out: Path, params: DatasetParams,
            progress: Progress | None = None, log: Log = lambda _line: None) -> ExtractSummary:
    """Cut the faces of every source into `out/NAME/`; writes `out/extract.json`."""
    for source in sources:
        folder = out / source.name
        if folder.is_dir() and next(find_records(folder), None) is not None:
            raise DatasetError(f"{folder} already holds crops from an earlier run: choose "
                               "another output folder or delete it")
    total = sum(s.frames() for s in sources)
    summary = ExtractSummary()
    finished = 0
    for source in sources:
        folder = out / source.name
        folder.mkdir(parents=True, exist_ok=True)
        counts = SourceSummary(source.name, source.shown)
        summary.sources.append(counts)
        with FaceMesher(video=source.kind == "video", max_faces=params.max_faces) as mesher:
            for index, time, rgb, stem, label in _frames(source, params.every, counts):
                faces = mesher.detect(rgb)
                counts.faces += len(faces)
                for number, face in enumerate(faces):
                    if face.size < params.min_face:
                        counts.too_small += 1
                        continue
                    crop, record = cut(rgb, face, params.size, source=label, frame=index,
                                       time=time, number=number)
                    save_crop(folder / f"{stem}_{number}", crop, record)
                    counts.crops += 1
                if progress is not None:
                    progress(finished + counts.frames, total, source.name)
        finished += counts.frames
        log(f"{source.shown}: {counts.frames} frames, {counts.sampled} read for faces, "
            f"{counts.faces} faces, {counts.crops} crops"
            + (f" ({counts.too_small} under {params.min_face:g} px left out)"
               if counts.too_small else ""))
    (out / SUMMARY).write_text(json.dumps(
        {"params": params.model_dump(), "sources": [vars(s) for s in summary.sources]},
        indent=2))
    return summary


def _frames(source: Source, every: int, counts: SourceSummary
            ) -> Iterator[tuple[int, float | None, np.ndarray, str, str]]:
    """(index, time, rgb, file stem, label of the source) of the frames to read for faces."""
    if source.kind == "photos":
        for index, (path, label) in enumerate(zip(source.paths, source.labels, strict=True)):
            counts.frames += 1
            counts.sampled += 1
            yield index, None, read_image(path).rgb, path.stem, label
        return
    with VideoReader(source.paths[0]) as reader:
        for frame in reader:
            counts.frames += 1
            if frame.index % every:
                continue
            counts.sampled += 1
            yield frame.index, round(frame.time, 3), frame.image, f"{frame.index:06d}", \
                source.labels[0]


def cut(rgb: np.ndarray, face: Face, size: int, *, source: str, frame: int,
        time: float | None, number: int = 0) -> tuple[np.ndarray, FaceRecord]:
    """The aligned crop of one face and its record."""
    aligned = align.align(rgb, face, size)
    height, width = rgb.shape[:2]
    pose = face.pose
    record = FaceRecord(
        source=source, frame=frame, time=time, face=number, source_size=(width, height),
        crop_size=size, transform=np.round(aligned.matrix, 6).tolist(),
        box=tuple(round(v, 1) for v in face.box), face_size=round(face.size, 1),
        face_share=round(align.face_share(aligned.points, size), 4),
        tilt=round(aligned.tilt, 2),
        pose=PoseRecord(yaw=round(pose.yaw, 2), pitch=round(pose.pitch, 2),
                        roll=round(pose.roll, 2), turn=round(pose.turn, 2)),
        sharpness=round(align.sharpness(aligned.crop, aligned.points), 1),
        features_outside=round(align.features_outside(face.points, width, height), 4),
        landmarks=np.round(aligned.points, 1).tolist())
    return aligned.crop, record


def save_crop(stem: Path, crop: np.ndarray, record: FaceRecord) -> None:
    """`stem`.jpg and `stem`.json."""
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise MediaError(f"cannot encode the crop {stem}.jpg")
    try:
        stem.with_suffix(".jpg").write_bytes(jpeg.tobytes())
        record.save(stem.with_suffix(".json"))
    except OSError as exc:
        raise DatasetError(f"cannot write {stem}.jpg: {exc.strerror}") from exc
