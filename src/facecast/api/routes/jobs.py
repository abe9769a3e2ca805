"""Swaps and jobs: start a swap, follow any job (poll or server-sent events), get its result,
cancel it, list this session's history."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from sse_starlette import EventSourceResponse

from facecast.api.faces import listed
from facecast.api.routes.videos import MEDIA_TYPES
from facecast.api.schemas import CredentialsOut, JobAccepted, JobOut, SwapRequest
from facecast.api.services import Services, services
from facecast.api.session import session_id
from facecast.casting.selection import Selection, parse_faces, roles
from facecast.credentials import read as read_credentials
from facecast.jobs.layout import remove
from facecast.jobs.models import FINISHED, IdentityRow, JobRow, VideoRow
from facecast.media import probe_video, read_image
from facecast.params import EditParams
from facecast.swap import check
from facecast.templates import get_template

router = APIRouter(tags=["jobs"])
Owner = Annotated[str, Depends(session_id)]
Svc = Annotated[Services, Depends(services)]
POLL_S = 0.3


def owned_job(svc: Services, job_id: str, owner: str) -> JobRow:
    row = svc.store.get(JobRow, job_id, owner)
    if row is None:
        raise HTTPException(404, f"no job {job_id!r} in this session")
    return row


def result_file(svc: Services, job_id: str, owner: str) -> tuple[JobRow, Path]:
    """A finished job of this session and its result file; 409 or 410 with why not."""
    job = owned_job(svc, job_id, owner)
    if job.status != "done" or not job.result:
        raise HTTPException(409, f"the job is {job.status}; its result exists once it is done")
    path = svc.layout.results() / job.result
    if not path.is_file():
        raise HTTPException(410, "the result file was deleted")
    return job, path


def _check_trim(params: EditParams, kind: str, duration: float) -> None:
    trimmed = params.start is not None or params.end is not None
    if kind == "image" and trimmed:
        raise HTTPException(422, "params.start/params.end apply to videos only; this is a photo")
    if params.start is not None and duration and params.start >= duration:
        raise HTTPException(422, f"params.start ({params.start} s) is at or after the end "
                                 f"of the video ({duration:.2f} s)")


@router.post("/swaps", status_code=202, response_model=JobAccepted)
def create_swap(req: SwapRequest, owner: Owner, svc: Svc) -> JobAccepted:
    """Queue a swap of ready identities into an uploaded video or a template: one identity
    onto the largest face, or one per chosen face (`faces`, `map`)."""
    for field, identity_id in [("identity_id", req.identity_id),
                               *((f"map.{k}", v) for k, v in req.map.items())]:
        if identity_id is not None:
            _check_identity(svc, field, identity_id, owner)
    params, faces = req.params, req.faces
    if req.video_id:
        video = svc.store.get(VideoRow, req.video_id, owner)
        if video is None:
            raise HTTPException(422, f"video_id: no video {req.video_id!r} in this session; "
                                     "upload one with POST /api/videos")
        _check_trim(req.params, video.kind, video.duration)
        source, folder, shown = (svc.layout.video(video.id) / "source",
                                 svc.layout.faces(video.id), video.filename)
    else:
        template = get_template(req.template_id or "")
        if template is None:
            raise HTTPException(422, f"template_id: no template {req.template_id!r}; see "
                                     "GET /api/templates")
        params = template.manifest.swap_params(req.params)
        _check_trim(params, "video", probe_video(template.path).duration)
        if "faces" not in req.model_fields_set and template.manifest.track is not None:
            faces = [template.manifest.track]
        source, folder, shown = template.path, template.faces_folder, template.title
    check(params)  # a missing model: 422 saying what to fetch
    payload = {"identity_id": req.identity_id, "video_id": req.video_id,
               "template_id": req.template_id, "faces": "largest",
               "params": params.model_dump()}
    selection = _selection(svc, faces, req.map, owner)
    if selection.needs_list:
        cast = roles(selection, req.map, listed(source, folder), req.identity_id, shown)
        payload.update(faces=sorted(cast), map={str(k): v for k, v in cast.items()})
    else:
        roles(selection, req.map, None, req.identity_id, shown)
    job = svc.store.create_job(owner, "swap", payload)
    svc.pool.wake()
    return JobAccepted(job_id=job.id)


def _check_identity(svc: Services, field: str, identity_id: str, owner: str) -> None:
    identity = svc.store.get(IdentityRow, identity_id, owner)
    if identity is None:
        raise HTTPException(422, f"{field}: no identity {identity_id!r} in this session; "
                                 "train one with POST /api/identities")
    if identity.status == "building":
        raise HTTPException(409, f"{identity.name} is still training; wait until it is ready")
    if identity.status == "failed":
        raise HTTPException(409, f"{identity.name} failed to train, so it cannot be used: "
                                 f"{identity.error}")


def _selection(svc: Services, faces: str | list[int], mapping: dict[int, str], owner: str
               ) -> Selection:
    """`faces` as a selection; "ref:VIDEO_ID" names a photo this session uploaded."""
    if isinstance(faces, str) and faces.startswith("ref:"):
        photo = svc.store.get(VideoRow, faces[4:], owner)
        if photo is None or photo.kind != "image":
            raise HTTPException(422, f"faces: {faces[4:]!r} is not a photo uploaded in this "
                                     "session (POST /api/videos)")
        return Selection("ref", ref=svc.layout.video(photo.id) / "source",
                         ref_name=photo.filename)
    return parse_faces(faces, mapping)


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(owner: Owner, svc: Svc) -> list[JobOut]:
    """This session's jobs, newest first."""
    return [JobOut.of(row) for row in svc.store.owned(JobRow, owner)]


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: str, owner: Owner, svc: Svc) -> JobOut:
    return JobOut.of(owned_job(svc, job_id, owner))


@router.get("/jobs/{job_id}/events")
async def job_events(job_id: str, request: Request, owner: Owner, svc: Svc
                     ) -> EventSourceResponse:
    """Server-sent events (`event: job`, JSON data as GET /api/jobs/{id}) whenever the job
    changes; the stream ends after the job ends."""
    await run_in_threadpool(owned_job, svc, job_id, owner)
    return EventSourceResponse(job_updates(request, svc, job_id, owner), ping=15)


async def job_updates(request: Request, svc: Services, job_id: str, owner: str,
                      before: Callable[[], Awaitable[list[dict]]] | None = None
                      ) -> AsyncIterator[dict]:
    """`job` events (the job as GET /api/jobs/{id}) whenever it changes, until it ends or
    the client leaves; each poll first sends what `before` returns (a job's log lines)."""
    last = None
    while True:
        row = await run_in_threadpool(svc.store.get, JobRow, job_id, owner)
        if row is None:
            return
        for event in await before() if before is not None else ():
            yield event
        data = JobOut.of(row).model_dump_json()
        if data != last:
            last = data
            yield {"event": "job", "data": data}
        if row.status in FINISHED or await request.is_disconnected():
            return
        await asyncio.sleep(POLL_S)


@router.get("/jobs/{job_id}/result", response_class=FileResponse)
def job_result(job_id: str, owner: Owner, svc: Svc) -> FileResponse:
    """The result: an MP4 (HTTP Range supported, so players can seek) or an image."""
    job, path = result_file(svc, job_id, owner)
    if job.result_kind == "video":
        media_type = MEDIA_TYPES["video"]
    else:
        media_type = MEDIA_TYPES.get(read_image(path).format, "application/octet-stream")
    return FileResponse(path, media_type=media_type, filename=f"facecast-{job_id[:8]}"
                        f"{path.suffix}", content_disposition_type="inline")


@router.get("/jobs/{job_id}/credentials", response_model=CredentialsOut)
def job_credentials(job_id: str, owner: Owner, svc: Svc) -> CredentialsOut:
    """The result's Content Credentials (C2PA manifest), read back from the file and
    validated: what made it, whether it is AI-generated, whether it is as signed."""
    return CredentialsOut.of(read_credentials(result_file(svc, job_id, owner)[1]))


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
def cancel_job(job_id: str, owner: Owner, svc: Svc) -> JobOut:
    """Cancel a queued job at once, a running one at its next frame; finished jobs are left
    as they are."""
    job = owned_job(svc, job_id, owner)
    if job.status not in FINISHED:
        svc.store.request_cancel(job)
        svc.pool.cancel(job.id)
    return JobOut.of(owned_job(svc, job_id, owner))




@router.delete("/jobs/{job_id}", status_code=204)
def delete_job(job_id: str, owner: Owner, svc: Svc) -> Response:
    """Forget a finished job and delete its result (cancel a running one first)."""
    job = owned_job(svc, job_id, owner)
    if job.status not in FINISHED:
        raise HTTPException(409, f"the job is {job.status}: cancel it first")
    svc.store.delete(job)
    if job.result:
        remove(svc.layout.results() / job.result)
    remove(svc.layout.dataset(job.id))  # a dataset job's log (a chosen output folder stays)
    return Response(status_code=204)
