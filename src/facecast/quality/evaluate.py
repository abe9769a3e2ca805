"""`facecast eval`: measure a swap against its original, frame by frame, in one pass.

Both files are streamed side by side (never held in memory); each gets its own face mesher,
so expressions are read from what a viewer sees in the output, not from what the swap
intended to draw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from facecast.errors import MediaError
from facecast.faces import embedding
from facecast.faces.mesh import Face, FaceMesher
from facecast.media import VideoReader, media_kind, read_image
from facecast.quality import measures
from facecast.quality.arc import arc_figures
from facecast.quality.fidelity import Fidelity
from facecast.quality.report import (
    QualityReport,
    correlation,
    count_blinks,
    drift_figures,
    median,
)
from facecast.quality.sheet import EvalSheet

ID_SAMPLES = 24  # dlib embeddings cost ~40 ms a face: a spread sample is enough for a share
SEAM_EVERY = 3  # seam and colour change slowly; every third frame keeps eval fast
CHANGED = 3.0  # mean grey-level change inside the face for a frame to count as swapped:
# re-encoding alone moves it by 1-2 levels (measured on s18 at CRF 20)
EYE_MOVES = 0.08  # openness range of a clip with at least a half blink (open is ~0.3)
MOUTH_MOVES = 0.05  # a mouth that opens by a tenth of the eye distance is talking
_TRIM_SLACK = 2  # frames: a trimmed original may yield a frame more or less at either cut

Progress = Callable[[int, int], None]


class _Figures:
    """Per-frame series collected during the pass."""

    def __init__(self, total: int, arc_target: np.ndarray | None) -> None:
        self.total = total
        self.arc, self.notes = arc_figures(arc_target)
        self.samples = {round(i) for i in np.linspace(0, max(total - 1, 0), min(ID_SAMPLES,
                                                                                 total))}
        self.frames = self.face_frames = self.swapped_frames = 0
        self.eye_o: list[float] = []
        self.eye_s: list[float] = []
        self.mouth_o: list[float] = []
        self.mouth_s: list[float] = []
        self.offsets: list[np.ndarray] = []
        self.seams: list[float] = []
        self.delta_e: list[tuple[float, float]] = []
        self.id_user: list[float] = []
        self.id_orig: list[float] = []
        self.flicker = measures.FlickerMeter()
        self.fidelity = Fidelity()

    def add(self, index: int, original: np.ndarray, swapped: np.ndarray,
            face_o: Face | None, face_s: Face | None, target: np.ndarray) -> None:
        self.frames += 1
        self.fidelity.add(original, swapped, face_o, face_s)
        nan = float("nan")
        if face_o is None:
            self.flicker.reset()
            for series in (self.eye_o, self.eye_s, self.mouth_o, self.mouth_s):
                series.append(nan)
            return
        self.face_frames += 1
        p = face_o.points
        self.swapped_frames += measures.changed(original, swapped, p) > CHANGED
        self.flicker.add(original, swapped, p)
        self.eye_o.append(measures.eye_openness(p))
        self.mouth_o.append(measures.mouth_openness(p))
        if face_s is None:
            self.eye_s.append(nan)
            self.mouth_s.append(nan)
        else:
            self.eye_s.append(measures.eye_openness(face_s.points))
            self.mouth_s.append(measures.mouth_openness(face_s.points))
            self.offsets.append(measures.drift(p, face_s.points))
        if index % SEAM_EVERY == 0:
            s = measures.seam(original, swapped, p)
            if s is not None:
                self.seams.append(s)
            de = measures.cheek_neck_delta_e(original, swapped, p)
            if de is not None:
                self.delta_e.append(de)
        if index in self.samples and face_s is not None:
            out = embedding.embed(swapped, face_s.box)
            self.id_user.append(float(embedding.distance(out, target)))
            self.id_orig.append(float(embedding.distance(out, embedding.embed(original,
                                                                              face_o.box))))
            if self.arc is not None:
                self.arc.add(original, swapped, face_o, face_s)

    def report(self) -> QualityReport:
        eye_o, eye_s = np.array(self.eye_o), np.array(self.eye_s)
        mouth_o, mouth_s = np.array(self.mouth_o), np.array(self.mouth_s)
        drift, offset = drift_figures(self.offsets)
        wins = [u < embedding.SAME_PERSON and u < o for u, o in zip(self.id_user, self.id_orig,
                                                                  strict=True)]
        de_o = median([d[0] for d in self.delta_e])
        de_s = median([d[1] for d in self.delta_e])
        video = self.frames > 1
        return QualityReport(
            frames=self.frames,
            face_frames=self.face_frames,
            swapped_frames=self.swapped_frames,
            coverage=self.swapped_frames / self.face_frames if self.face_frames else None,
            id_user=median(self.id_user),
            id_orig=median(self.id_orig),
            id_win=float(np.mean(wins)) if wins else None,
            id_samples=len(wins),
            eye_corr=correlation(eye_o, eye_s, EYE_MOVES) if video else None,
            mouth_corr=correlation(mouth_o, mouth_s, MOUTH_MOVES) if video else None,
            blinks_original=count_blinks(eye_o) if video else None,
            blinks_swapped=count_blinks(eye_s) if video else None,
            pose_drift=drift if video else None,
            pose_offset=offset,
            flicker=self.flicker.ratio,
            seam=median(self.seams),
            delta_e_original=de_o,
            delta_e_swapped=de_s,
            delta_e_excess=de_s - de_o if de_o is not None and de_s is not None else None,
            **(self.arc.figures() if self.arc is not None else {}),
            notes=self.notes,
            **self.fidelity.figures(video),
        ).judge()


def _video_pairs(original: Path, swapped: Path, start: float | None, end: float | None
                 ) -> tuple[int, Iterator[tuple[int, np.ndarray, np.ndarray]]]:
    orig = VideoReader(original, start=start, end=end)
    swap = VideoReader(swapped)
    if (orig.info.width, orig.info.height) != (swap.info.width, swap.info.height):
        raise MediaError(f"{swapped} is {swap.info.width}x{swap.info.height} but {original} is "
                         f"{orig.info.width}x{orig.info.height}: not a swap of it")

    def pairs() -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        with orig, swap:
            n = 0
            for n, (a, b) in enumerate(zip(orig, swap, strict=False)):
                yield n, a.image, b.image
            left = swap.info.frames - (n + 1)
            if left > _TRIM_SLACK:
                raise MediaError(f"{swapped} has {left} more frames than {original}: if the "
                                 "swap was trimmed, pass the same --start/--end")

    return swap.info.frames, pairs()


def evaluate(original: str | Path, swapped: str | Path, target: np.ndarray, *,
             start: float | None = None, end: float | None = None,
             progress: Progress | None = None, sheet: str | Path | None = None,
             arc_target: np.ndarray | None = None) -> QualityReport:
    """Measure `swapped` (a swap of `original`, trimmed by start/end) against the identity
    whose mean dlib embedding is `target` (and mean ArcFace embedding `arc_target`: without
    it, or without the recogniser's model, the arc figures are left out with a note)."""
    original, swapped = Path(original), Path(swapped)
    kinds = media_kind(original), media_kind(swapped)
    if kinds[0] != kinds[1]:
        words = {"image": "a photo", "video": "a video"}
        raise MediaError(f"{original} is {words[kinds[0]]} but {swapped} is {words[kinds[1]]}:"
                         " not a swap of it")
    if kinds[0] == "image":
        total = 1
        pairs = iter([(0, read_image(original).rgb, read_image(swapped).rgb)])
    else:
        total, pairs = _video_pairs(original, swapped, start, end)
    figures = _Figures(total, arc_target)
    plot = EvalSheet(total) if sheet else None
    video = kinds[0] == "video"
    with FaceMesher(video=video) as mesh_o, FaceMesher(video=video) as mesh_s:
        for index, a, b in pairs:
            faces_o, faces_s = mesh_o.detect(a), mesh_s.detect(b)
            face_o = faces_o[0] if faces_o else None
            face_s = faces_s[0] if faces_s else None
            figures.add(index, a, b, face_o, face_s, target)
            if plot is not None and plot.wants(index):
                plot.add(index, a, b, face_o)
            if progress:
                progress(index + 1, max(total, index + 1))
    report = figures.report()
    if plot is not None:
        plot.save(sheet, report, figures.eye_o, figures.eye_s, figures.mouth_o, figures.mouth_s)
    return report
