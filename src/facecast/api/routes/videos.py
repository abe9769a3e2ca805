"""Uploaded targets: a video (or photo) to swap into, its faces, its file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Response, UploadFile
from fastapi.responses import FileResponse

from facecast.api.faces import face_thumbnail, faces_of
from facecast.api.schemas import FacesOut, VideoOut
from facecast.api.services import Services, services
from facecast.api.session import session_id
from facecast.api.uploads import check_photo, clear, save_upload
from facecast.errors import FacecastError, MediaError
from facecast.jobs.layout import safe_filename
from facecast.jobs.models import VideoRow
from facecast.jobs.store import new_id
from facecast.media import media_kind, probe_video, read_image
from facecast.media.probe import UNKNOWN_CODEC

router = APIRouter(tags=["videos"])
Owner = Annotated[str, Depends(session_id)]
Svc = Annotated[Services, Depends(services)]
MEDIA_TYPES = {"video": "video/mp4", "JPEG": "image/jpeg", "PNG": "image/png"}
UNREADABLE = ("{shown} cannot be used: it is neither a JPEG/PNG photo nor a readable video "
              "(corrupt, truncated or an unsupported format)")
log = logging.getLogger(__name__)


def owned_video(svc: Services, video_id: str, owner: str) -> VideoRow:
    row = svc.store.get(VideoRow, video_id, owner)
    if row is None:
        raise HTTPException(404, f"no video {video_id!r} in this session")
    return row


def describe(path: str, shown: str, svc: Services) -> dict:
    """Facts about an uploaded target, or MediaError / HTTPException with what is wrong,
    naming the file as the user named it (never where the server keeps it)."""
    try:
        return _describe(path, shown, svc)
    except MediaError as exc:
        raise MediaError(str(exc).replace(path, shown)) from exc
    except (HTTPException, FacecastError):
        raise
    except Exception as exc:  # a decoder tripped over this file: the file is the cause
        log.exception("reading the upload %s failed", shown)
        raise MediaError(UNREADABLE.format(shown=shown)) from exc


def _describe(path: str, shown: str, svc: Services) -> dict:
    s = svc.settings
    try:
        kind = media_kind(path)
    except MediaError as exc:
        raise MediaError(UNREADABLE.format(shown=shown)) from exc
    warnings: list[str] = []
    if kind == "image":
        problem = check_photo(Path(path), shown, s.max_photo_pixels)  # from the header
        if problem:
            raise HTTPException(422, problem)
        image = read_image(path)
        h, w = image.rgb.shape[:2]
        facts = {"kind": "image", "width": w, "height": h, "fps": 0.0, "frames": 1,
                 "duration": 0.0}
    else:
        info = probe_video(path)
        if info.duration > s.max_video_seconds:
            raise HTTPException(422, f"{shown} lasts {info.duration:.0f} s; the limit is "
                                     f"{s.max_video_seconds:g} s: trim it first")
        w, h = info.width, info.height
        if w * h > s.max_video_pixels:
            raise HTTPException(422, f"{shown} is {w}x{h}, larger than the limit of "
                                     f"{s.max_video_pixels / 1e6:g} megapixels a frame: "
                                     "export it at 4K or less")
        facts = {"kind": "video", "width": w, "height": h, "fps": round(info.fps, 3),
                 "frames": info.frames, "duration": round(info.duration, 3)}
        if info.audio_codec is None:
            warnings.append("this video has no sound track")
        elif info.audio_codec == UNKNOWN_CODEC:
            warnings.append("this video's sound track cannot be read: results will be silent")
    if min(w, h) < s.recommended_height:
        warnings.append(f"{w}x{h} is below {s.recommended_height}p: the result will look "
                        f"soft; upload {s.recommended_height}p or better if you have it")
    facts["warnings"] = warnings
    return facts


@router.post("/videos", status_code=201, response_model=VideoOut)
def upload_video(file: Annotated[UploadFile, Form(description="a video (MP4, MOV, ...) or a "
                                                  "JPEG/PNG photo")],
                 owner: Owner, svc: Svc) -> VideoOut:
    """Upload a target. Videos of 720p or better give the best results."""
    video_id = new_id()
    folder = svc.layout.video(video_id)
    shown = file.filename or "the upload"
    try:
        save_upload(file, folder / "source", svc.settings.max_upload_mb)
        facts = describe(str(folder / "source"), shown, svc)
        row = svc.store.add(VideoRow(id=video_id, owner=owner,
                                     filename=safe_filename(shown, "upload"), **facts))
    except BaseException:
        clear(folder)
        raise
    return VideoOut.of(row)


@router.get("/videos", response_model=list[VideoOut])
def list_videos(owner: Owner, svc: Svc) -> list[VideoOut]:
    return [VideoOut.of(row) for row in svc.store.owned(VideoRow, owner)]


@router.get("/videos/{video_id}", response_model=VideoOut)
def get_video(video_id: str, owner: Owner, svc: Svc) -> VideoOut:
    return VideoOut.of(owned_video(svc, video_id, owner))


@router.get("/videos/{video_id}/file", response_class=FileResponse)
def video_file(video_id: str, owner: Owner, svc: Svc) -> FileResponse:
    """The uploaded original (HTTP Range supported), for the before/after view."""
    row = owned_video(svc, video_id, owner)
    path = svc.layout.video(video_id) / "source"
    media_type = MEDIA_TYPES["video"] if row.kind == "video" else \
        MEDIA_TYPES.get(read_image(path).format, "application/octet-stream")
    return FileResponse(path, media_type=media_type)


@router.get("/videos/{video_id}/faces", response_model=FacesOut)
def video_faces(video_id: str, owner: Owner, svc: Svc) -> FacesOut:
    """Every face (track) of the video or photo, numbered as `facecast faces` numbers them:
    the ids `faces` and `map` in POST /api/swaps use. Found once, on the first call."""
    row = owned_video(svc, video_id, owner)
    source = svc.layout.video(video_id) / "source"
    try:
        return faces_of(source, svc.layout.faces(video_id),
                        f"/api/videos/{video_id}/faces/{{face}}/thumbnail")
    except MediaError as exc:
        raise MediaError(str(exc).replace(str(source), row.filename)) from exc


@router.get("/videos/{video_id}/faces/{face_id}/thumbnail", response_class=FileResponse)
def video_face_thumbnail(video_id: str, face_id: int, owner: Owner, svc: Svc) -> FileResponse:
    owned_video(svc, video_id, owner)
    path = face_thumbnail(svc.layout.video(video_id) / "source", svc.layout.faces(video_id),
                          face_id)
    if path is None:
        raise HTTPException(404, f"no face {face_id} in this video; see its /faces")
    return FileResponse(path, media_type="image/jpeg")


@router.delete("/videos/{video_id}", status_code=204)
def delete_video(video_id: str, owner: Owner, svc: Svc) -> Response:
    """Delete the upload and its files (results of finished swaps stay)."""
    row = owned_video(svc, video_id, owner)
    svc.store.delete(row)
    clear(svc.layout.video(video_id))
    return Response(status_code=204)
