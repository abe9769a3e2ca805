"""Sort crops into one folder per person: dlib face descriptors, average-linkage clustering.

Average linkage merges the two groups whose crops are closest on average, so one odd frame
(a blink, a hand) cannot chain two people together as single linkage would. `k auto` stops
merging at the descriptor distance `cut` (0.53: between the same person's spread over a
clip, up to about 0.45, and two people's, from about 0.6, dlib's own threshold); `k N`
makes exactly N folders. Groups too small to be a person (under 3 crops or 2 % of all) go
to `noise/`. Folders are numbered by size, largest first; each crop is copied with its
record, named after its sub-folder (its video) and file.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from facecast.dataset.filtering import rejected_in
from facecast.dataset.params import DatasetParams
from facecast.dataset.records import FaceRecord, find_records
from facecast.errors import DatasetError
from facecast.faces import landmarks as L
from facecast.faces.embedding import embed

SUMMARY = "clusters.json"
CACHE = "descriptors.npz"
NOISE = "noise"
MIN_SIZE = 3
MIN_SHARE = 0.02
SHEET_THUMB = 96
SHEET_COLUMNS = 12


@dataclass
class Group:
    name: str
    crops: list[Path]
    sources: dict[str, int] = field(default_factory=dict)  # sub-folder (video) -> crops


@dataclass
class ClusterSummary:
    groups: list[Group]
    noise: Group

    def as_dict(self) -> dict:
        return {"clusters": [{"name": g.name, "size": len(g.crops), "sources": g.sources}
                             for g in self.groups],
                "noise": {"size": len(self.noise.crops), "sources": self.noise.sources}}


def descriptor(crop_path: Path, record: FaceRecord) -> np.ndarray:
    """dlib's 128-D descriptor of the face in an aligned crop, boxed by its landmarks."""
    bgr = cv2.imread(str(crop_path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise DatasetError(f"cannot read the crop {crop_path}")
    xy = np.asarray(record.landmarks, np.float32)[: L.N_MESH, :2]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return embed(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB),
                 (float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])))


def labels_for(descriptors: np.ndarray, k: int | str, cut: float) -> np.ndarray:
    """A group number per crop; -1 for noise. Groups are numbered 0.. by size, largest first.

    With k = N, the tree is cut into more and more groups until N of them are big enough to
    be a person (outliers split off first, as they join last), and the N largest are kept.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(descriptors)
    if n < 2:
        raw = np.zeros(n, int)
    else:
        tree = linkage(descriptors.astype(np.float64), method="average", metric="euclidean")
        if k == "auto":
            raw = fcluster(tree, t=cut, criterion="distance")
        else:
            raw = _cut_into(tree, int(k), n)
    people = _people(raw, n)
    if k != "auto":
        people = people[: int(k)]
    labels = np.full(n, -1)
    for number, group in enumerate(people):
        labels[raw == group] = number
    return labels


def _cut_into(tree: np.ndarray, k: int, n: int) -> np.ndarray:
    """The coarsest cut of the tree with `k` groups big enough to be a person (or, when
    there are not that many, the cut with the most)."""
    from scipy.cluster.hierarchy import fcluster

    best, most = None, -1
    for m in range(k, n + 1):
        raw = fcluster(tree, t=m, criterion="maxclust")
        found = len(_people(raw, n))
        if found >= k:
            return raw
        if found > most:
            best, most = raw, found
    return best


def _people(raw: np.ndarray, n: int) -> list[int]:
    """Groups big enough to be a person, largest first (ties: first seen)."""
    ids, sizes = np.unique(raw, return_counts=True)
    order = np.argsort(-sizes, kind="stable")
    least = max(MIN_SIZE, MIN_SHARE * n)
    return [int(ids[i]) for i in order if sizes[i] >= least]


def cluster_folder(folder: Path, out: Path, params: DatasetParams,
                   progress: Callable[[int, int, str], None] | None = None,
                   log: Callable[[str], None] = lambda _line: None,
                   sheet: Path | None = None) -> ClusterSummary:
    """Group the crops under `folder` by person into `out/0/`, `out/1/`, ... and `out/noise/`;
    writes `out/clusters.json` (and the contact sheet `sheet`)."""
    if out.exists() and any(out.iterdir()):
        raise DatasetError(f"{out} is not empty: choose a new output folder or empty it")
    rejected = rejected_in(folder)
    pairs = [(r, c) for r, c in find_records(folder, skip=(out,))
             if c.relative_to(folder).as_posix() not in rejected]
    if not pairs:
        raise DatasetError(f"{folder} holds no crops to cluster: run `facecast dataset "
                           "extract` (and `filter`) first")
    if rejected:
        log(f"cluster: leaving out {len(rejected)} crops the filter rejected ({folder.name}/"
            "filter.json)")
    labels = labels_for(_descriptors(folder, pairs, progress), params.k, params.cut)
    groups = [Group(str(n), []) for n in range(labels.max() + 1)]
    noise = Group(NOISE, [])
    for (record, crop), label in zip(pairs, labels, strict=True):
        group = noise if label < 0 else groups[label]
        relative = crop.relative_to(folder)
        source = relative.parts[0] if len(relative.parts) > 1 else ""
        group.sources[source] = group.sources.get(source, 0) + 1
        name = "_".join(relative.with_suffix("").parts)
        group.crops.append(_copy(crop, record, out / group.name / name))
    summary = ClusterSummary(groups, noise)
    (out / SUMMARY).write_text(json.dumps({"params": {"k": params.k, "cut": params.cut},
                                           **summary.as_dict()}, indent=2))
    log(f"cluster: {len(groups)} {'person' if len(groups) == 1 else 'people'} from "
        f"{len(pairs)} crops: " + ", ".join(f"{g.name}/ {len(g.crops)}" for g in groups)
        + f"; {NOISE}/ {len(noise.crops)}")
    if sheet is not None:
        write_sheet([*groups, noise] if noise.crops else groups, sheet)
    return summary


def _descriptors(folder: Path, pairs: list[tuple[Path, Path]],
                 progress: Callable[[int, int, str], None] | None) -> np.ndarray:
    """One descriptor per crop, from `folder/descriptors.npz` where a crop is already there
    (clustering again with another k is then instant), else computed and added to it. A crop
    is known by its path, size and time, so a crop written again is described again."""
    cache = folder / CACHE
    known: dict[str, np.ndarray] = {}
    try:
        with np.load(cache) as stored:
            known = dict(zip(stored["names"].tolist(), stored["vectors"], strict=True))
    except (OSError, ValueError, KeyError):
        pass
    vectors = []
    for i, (record, crop) in enumerate(pairs):
        stat = crop.stat()
        name = f"{crop.relative_to(folder).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}"
        if name not in known:
            known[name] = descriptor(crop, FaceRecord.load(record))
        vectors.append(known[name])
        if progress is not None:
            progress(i + 1, len(pairs), "descriptors")
    with contextlib.suppress(OSError):  # read-only: they are simply computed again next time
        np.savez(cache, names=np.array(list(known)), vectors=np.stack(list(known.values())))
    return np.stack(vectors)


def _copy(crop: Path, record: Path, stem: Path) -> Path:
    stem.parent.mkdir(parents=True, exist_ok=True)
    dest = stem.with_suffix(crop.suffix)
    try:
        shutil.copy2(crop, dest)
        shutil.copy2(record, stem.with_suffix(".json"))
    except OSError as exc:
        raise DatasetError(f"cannot copy {crop} to {dest}: {exc.strerror}") from exc
    return dest


def write_sheet(groups: list[Group], path: Path) -> None:
    """One row per group: its name and size, then up to 12 of its crops spread over it."""
    from facecast.media import write_image

    label_w = 150
    rows = []
    for group in groups:
        row = np.full((SHEET_THUMB, label_w + SHEET_COLUMNS * SHEET_THUMB, 3), 255, np.uint8)
        for text, y in ((f"{group.name}/", 40), (f"{len(group.crops)} crops", 70)):
            cv2.putText(row, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (30, 30, 30), 2,
                        cv2.LINE_AA)
        count = min(len(group.crops), SHEET_COLUMNS)
        picks = np.linspace(0, len(group.crops) - 1, count).round().astype(int) if count else []
        for column, index in enumerate(picks):
            bgr = cv2.imread(str(group.crops[index]), cv2.IMREAD_COLOR)
            if bgr is None:
                continue
            thumb = cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB),
                               (SHEET_THUMB, SHEET_THUMB), interpolation=cv2.INTER_AREA)
            x = label_w + column * SHEET_THUMB
            row[:, x : x + SHEET_THUMB] = thumb
        rows.append(row)
    if rows:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_image(path, np.vstack(rows), format="PNG")
