"""Looks: edit a video or photo without a swap (a job), and preview one frame of a swap or
an edit at once (a JPEG), for the page's sliders."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from facecast.api.routes.jobs import _check_trim
from facecast.api.schemas import EditRequest, JobAccepted, PreviewRequest, Target
from facecast.api.services import Services, services
from facecast.api.session import session_id
from facecast.errors import MediaError
from facecast.identity.model import Identity
from facecast.jobs.models import IdentityRow, VideoRow
from facecast.looks.preview import Previewer, jpeg
from facecast.media import probe_video
from facecast.templates import get_template

router = APIRouter(tags=["looks"])
Owner = Annotated[str, Depends(session_id)]
Svc = Annotated[Services, Depends(services)]


def _target(req: Target, svc: Services, owner: str) -> tuple[Path, str, float]:
    """The file a request names, its kind (video/image) and duration; 422 if not this
    session's or not installed."""
    if req.video_id:
        video = svc.store.get(VideoRow, req.video_id, owner)
        if video is None:
            raise HTTPException(422, f"video_id: no video {req.video_id!r} in this session; "
                                     "upload one with POST /api/videos")
        return svc.layout.video(video.id) / "source", video.kind, video.duration
    template = get_template(req.template_id or "")
    if template is None:
        raise HTTPException(422, f"template_id: no template {req.template_id!r}; see "
                                 "GET /api/templates")
    return template.path, "video", probe_video(template.path).duration


def _previewer(request: Request) -> Previewer:
    """One per app, made on first use: it caches frames, faces and identities."""
    state = request.app.state
    if getattr(state, "previewer", None) is None:
        state.previewer = Previewer()
    return state.previewer


def _identity(req: PreviewRequest, svc: Services, owner: str, previewer: Previewer
              ) -> Identity | None:
    if not req.identity_id:
        return None
    row = svc.store.get(IdentityRow, req.identity_id, owner)
    if row is None:
        raise HTTPException(422, f"identity_id: no identity {req.identity_id!r} in this "
                                 "session; train one with POST /api/identities")
    if row.status != "ready":
        raise HTTPException(409, f"this identity is {row.status}: it can be previewed once "
                                 "it is ready")
    return previewer.identity(row.id, root=svc.layout.identities)


@router.post("/edits", status_code=202, response_model=JobAccepted)
def create_edit(req: EditRequest, owner: Owner, svc: Svc) -> JobAccepted:
    """Queue an edit of an uploaded video or photo, or of a template: style, adjustments,
    face sliders, trim and output quality, without a swap. The job's result is the file."""
    _, kind, duration = _target(req, svc, owner)
    _check_trim(req.params, kind, duration)
    payload = {"video_id": req.video_id, "template_id": req.template_id,
               "params": req.params.model_dump()}
    job = svc.store.create_job(owner, "edit", payload)
    svc.pool.wake()
    return JobAccepted(job_id=job.id)


@router.post("/previews", response_class=Response,
             responses={200: {"content": {"image/jpeg": {}},
                              "description": "the frame as the job would write it"}})
def create_preview(req: PreviewRequest, request: Request, owner: Owner, svc: Svc
                   ) -> Response:
    """One frame (at `time`) of a swap (with `identity_id`) or of an edit, rendered now with
    `params`, as a JPEG at most 960 px on its longer side. The frame and its faces are
    cached, so moving a slider re-renders in a fraction of a second."""
    started = time.perf_counter()
    source, kind, duration = _target(req, svc, owner)
    if kind == "video" and req.time >= duration:
        raise HTTPException(422, f"time: {req.time} s is at or after the end of the video "
                                 f"({duration:.2f} s)")
    previewer = _previewer(request)
    identity = _identity(req, svc, owner, previewer)
    try:
        rgb = previewer.render(source, req.time if kind == "video" else 0.0, req.params,
                               identity)
    except MediaError as exc:  # its message would name where the server keeps the file
        raise MediaError(str(exc).replace(str(source), "the video")) from exc
    ms = (time.perf_counter() - started) * 1000
    return Response(jpeg(rgb), media_type="image/jpeg",
                    headers={"Cache-Control": "no-store", "Server-Timing": f"render;dur={ms:.0f}"})
