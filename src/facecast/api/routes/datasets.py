"""Face datasets: browse the server's dataset folder, start a dataset job, follow its log
live, browse its folders of faces, download them as one zip."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse

from facecast.api.folders import dataset_root, listing, resolve_under
from facecast.api.routes.jobs import job_updates, owned_job
from facecast.api.schemas import JobAccepted
from facecast.api.services import Services, services
from facecast.api.session import session_id
from facecast.dataset.params import DatasetParams
from facecast.errors import MediaError
from facecast.jobs.datasets import log_of, output_of
from facecast.jobs.models import JobRow, VideoRow
from facecast.media import media_kind

router = APIRouter(tags=["datasets"])
Owner = Annotated[str, Depends(session_id)]
Svc = Annotated[Services, Depends(services)]
THUMBNAILS = 24  # crops listed per folder by GET .../files
ZIP_CHUNK = 1 << 20


class FolderListing(BaseModel):
    path: str = Field(description="this folder, relative to the dataset folder ('' = itself)")
    parent: str | None
    folders: list[str]
    videos: list[str]
    photos: list[str]


class DatasetRequest(BaseModel):
    video_ids: list[str] = Field([], description="uploaded videos (POST /api/videos)")
    paths: list[str] = Field([], description="videos or folders under the dataset folder")
    output: str | None = Field(None, description="a new or empty folder under the dataset "
                               "folder; default: kept by the server, downloaded as a zip")
    params: DatasetParams = Field(default_factory=DatasetParams)


class FolderOut(BaseModel):
    name: str
    size: int
    thumbnails: list[str]


class DatasetFiles(BaseModel):
    clusters: list[FolderOut]
    noise: FolderOut
    rejects: dict[str, int]
    sheet_url: str | None
    zip_url: str
    summary: dict


def dataset_job(svc: Services, job_id: str, owner: str) -> JobRow:
    job = owned_job(svc, job_id, owner)
    if job.kind != "dataset":
        raise HTTPException(404, f"job {job_id!r} is not a dataset job")
    return job


def finished_output(svc: Services, job: JobRow) -> Path:
    if job.status != "done":
        raise HTTPException(409, f"the job is {job.status}; its files exist once it is done")
    out = output_of(job, svc.layout)
    if not out.is_dir():
        raise HTTPException(410, "the dataset's folder was deleted")
    return out


@router.get("/datasets/folders", response_model=FolderListing)
def folders(svc: Svc, path: Annotated[str, Query(description="relative to the dataset "
                                                 "folder")] = "") -> FolderListing:
    """What is in a folder under the server's dataset folder (403 if none is configured)."""
    root = dataset_root(svc.settings)
    return FolderListing(**listing(root, resolve_under(root, path)))


@router.post("/datasets", status_code=202, response_model=JobAccepted)
def create_dataset(req: DatasetRequest, owner: Owner, svc: Svc) -> JobAccepted:
    """Queue a dataset job: faces cut out of the videos, filtered, sorted by person."""
    if not req.video_ids and not req.paths:
        raise HTTPException(422, "choose at least one video: upload one (video_ids) or name "
                                 "a video or folder under the dataset folder (paths)")
    root = dataset_root(svc.settings) if req.paths or req.output else None
    for video_id in req.video_ids:
        video = svc.store.get(VideoRow, video_id, owner)
        if video is None:
            raise HTTPException(422, f"video_ids: no video {video_id!r} in this session; "
                                     "upload one with POST /api/videos")
        if video.kind != "video":
            raise HTTPException(422, f"video_ids: {video.filename} is a photo; datasets are "
                                     "cut from videos (or folders of photos on the server)")
    paths, labels = [], []
    for text in req.paths:
        path = resolve_under(root, text, "paths")
        if not path.exists():
            raise HTTPException(422, f"paths: {text!r} does not exist in the dataset folder")
        if path.is_file():
            try:
                media_kind(path)
            except MediaError as exc:
                raise HTTPException(422, f"paths: {text!r} is neither a video nor a photo "
                                         "(or it is damaged)") from exc
        paths.append(str(path))
        labels.append(path.relative_to(root).as_posix() or "dataset folder")
    output = None
    if req.output:
        out = resolve_under(root, req.output, "output")
        if out == root or (out.exists() and (not out.is_dir() or any(out.iterdir()))):
            raise HTTPException(409, f"output: {req.output!r} is not a new or empty folder")
        output = str(out)
    payload = {"video_ids": req.video_ids, "paths": paths, "labels": labels, "output": output,
               "root": str(root) if root else None, "params": req.params.model_dump()}
    job = svc.store.create_job(owner, "dataset", payload)
    svc.pool.wake()
    return JobAccepted(job_id=job.id)


@router.get("/datasets/{job_id}/events")
async def dataset_events(job_id: str, request: Request, owner: Owner, svc: Svc
                         ) -> EventSourceResponse:
    """Server-sent events: `log` (one line of the job's log each) as they are written, and
    `job` (as GET /api/jobs/{id}) when it changes; the stream ends after the job ends."""
    await run_in_threadpool(dataset_job, svc, job_id, owner)
    log_path = log_of(job_id, svc.layout)
    sent = 0

    async def log_lines() -> list[dict]:
        nonlocal sent
        lines, sent = await run_in_threadpool(_new_lines, log_path, sent)
        return [{"event": "log", "data": line} for line in lines]

    return EventSourceResponse(job_updates(request, svc, job_id, owner, log_lines), ping=15)


def _new_lines(path: Path, offset: int) -> tuple[list[str], int]:
    """Whole lines written to `path` after byte `offset`, and the offset after them."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return [], offset
    complete = data[: data.rfind(b"\n") + 1]
    return complete.decode("utf-8", "replace").splitlines(), offset + len(complete)


@router.get("/datasets/{job_id}/log", response_class=PlainTextResponse)
def dataset_log(job_id: str, owner: Owner, svc: Svc) -> PlainTextResponse:
    """The job's log so far."""
    dataset_job(svc, job_id, owner)
    path = log_of(job_id, svc.layout)
    return PlainTextResponse(path.read_text("utf-8", "replace") if path.is_file() else "")


@router.get("/datasets/{job_id}/files", response_model=DatasetFiles)
def dataset_files(job_id: str, owner: Owner, svc: Svc) -> DatasetFiles:
    """The finished dataset: each person's folder with some of its crops, the noise, the
    count of rejects per reason."""
    job = dataset_job(svc, job_id, owner)
    out = finished_output(svc, job)
    summary = job.report or {}
    base = f"/api/datasets/{job_id}/files"

    def folder(name: str) -> FolderOut:
        crops = sorted((out / "clusters" / name).glob("*.jpg"))
        step = max(1, len(crops) // THUMBNAILS)
        return FolderOut(name=name, size=len(crops),
                         thumbnails=[f"{base}/clusters/{name}/{c.name}"
                                     for c in crops[::step][:THUMBNAILS]])

    clusters = [folder(c["name"]) for c in summary.get("clusters", [])]
    rejects = (summary.get("filter") or {}).get("reasons", {})
    sheet = f"{base}/clusters.png" if (out / "clusters.png").is_file() else None
    return DatasetFiles(clusters=clusters, noise=folder("noise"), rejects=rejects,
                        sheet_url=sheet, zip_url=f"/api/datasets/{job_id}/zip", summary=summary)


@router.get("/datasets/{job_id}/files/{path:path}", response_class=FileResponse)
def dataset_file(job_id: str, path: str, owner: Owner, svc: Svc) -> FileResponse:
    """One file of the finished dataset (a crop, its record, the contact sheet)."""
    job = dataset_job(svc, job_id, owner)
    out = finished_output(svc, job)
    file = resolve_under(out.resolve(), path)
    if not file.is_file():
        raise HTTPException(404, f"no file {path!r} in this dataset")
    return FileResponse(file)


@router.get("/datasets/{job_id}/zip", response_class=StreamingResponse)
def dataset_zip(job_id: str, owner: Owner, svc: Svc) -> StreamingResponse:
    """The dataset as one zip, streamed as it is made: clusters/ (a folder per person and
    noise/), rejects/ (a folder per reason), the contact sheet, summary.json and the log."""
    job = dataset_job(svc, job_id, owner)
    out = finished_output(svc, job)
    files = [(p, p.relative_to(out).as_posix()) for p in sorted(out.rglob("*"))
             if p.is_file() and p.relative_to(out).parts[0] != "crops"]
    log = log_of(job_id, svc.layout)
    if log.is_file():
        files.append((log, "log.txt"))
    return StreamingResponse(_zip_stream(files), media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename='
                                      f'"facecast-dataset-{job_id[:8]}.zip"'})


class _Chunks:
    """A write-only file whose writes are collected for a streamed response to take."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _zip_stream(files: list[tuple[Path, str]]) -> Iterator[bytes]:
    """A zip of `files` (each with its name inside the zip), yielded piece by piece: crops
    are stored as they are (JPEG does not shrink), records and logs compressed."""
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w") as archive:  # type: ignore[arg-type]
        for path, name in files:
            info = zipfile.ZipInfo.from_file(path, name)
            info.compress_type = zipfile.ZIP_DEFLATED if path.suffix in (".json", ".txt") \
                else zipfile.ZIP_STORED
            with path.open("rb") as src, archive.open(info, "w") as dest:
                while chunk := src.read(ZIP_CHUNK):
                    dest.write(chunk)
                    if (data := sink.take()):
                        yield data
            if (data := sink.take()):
                yield data
    yield sink.take()
