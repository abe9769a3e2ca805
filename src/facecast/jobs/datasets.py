"""The `dataset` job: extract, filter and cluster uploaded videos and server folders.

It calls `dataset.job.build_dataset`, as the CLI's steps do, and writes its log lines to
`Layout.dataset(job)/log.txt`, which the page follows live. Lines and errors name files
as the user chose them: the dataset root and the data folder are never shown.
"""

from __future__ import annotations

from pathlib import Path

from facecast.dataset.extract import collect_sources
from facecast.dataset.job import build_dataset
from facecast.dataset.params import DatasetParams
from facecast.errors import DatasetError, FacecastError
from facecast.jobs.context import Context, MissingInputError, Outcome
from facecast.jobs.layout import Layout, remove
from facecast.jobs.models import JobRow, VideoRow
from facecast.jobs.signals import JobCancelled, JobInterrupted

LOG = "log.txt"
OUTPUT = "output"
STEPS = ("crops", "rejects", "clusters", "clusters.png", "summary.json")
"""What a run writes in its output folder (cleared when a job runs again after a restart)."""


def output_of(job: JobRow, layout: Layout) -> Path:
    """Where the job writes: its chosen server folder, else its own folder in the data dir."""
    chosen = job.payload.get("output")
    return Path(chosen) if chosen else layout.dataset(job.id) / OUTPUT


def log_of(job_id: str, layout: Layout) -> Path:
    return layout.dataset(job_id) / LOG


def run(job: JobRow, ctx: Context) -> Outcome:
    """Build the dataset; the job's report is its summary (counts per step)."""
    layout = ctx.layout
    payload = job.payload
    hidden = [f"{payload['root']}/" if payload.get("root") else None, f"{layout.root}/"]

    def private(text: str) -> str:
        for prefix in filter(None, hidden):
            text = text.replace(prefix, "")
        return text

    log_path = log_of(job.id, layout)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    out = output_of(job, layout)
    with log_path.open("a", encoding="utf-8", buffering=1) as log_file:
        def log(line: str) -> None:
            log_file.write(private(line) + "\n")

        if job.attempts > 1:
            log("the server restarted: starting again")
            for name in STEPS:
                remove(out / name)
        paths, labels = [], []
        for video_id in payload.get("video_ids", []):
            video = ctx.store.get(VideoRow, video_id)
            if video is None:
                raise MissingInputError("an uploaded video was deleted before the job ran")
            paths.append(layout.video(video_id) / "source")
            labels.append(video.filename)
        for path, label in zip(payload.get("paths", []), payload.get("labels", []),
                               strict=True):
            paths.append(Path(path))
            labels.append(label)
        try:
            sources = collect_sources(paths, labels, log=log)
            summary = build_dataset(sources, out, DatasetParams.model_validate(
                payload.get("params") or {}), log=log, progress=ctx.progress)
        except FacecastError as exc:
            log(f"failed: {exc}")
            raise DatasetError(private(str(exc))) from exc
        except JobCancelled:
            log("cancelled")
            raise
        except JobInterrupted:
            log("the server is stopping: the job will start again")
            raise
    return Outcome(report=summary)
