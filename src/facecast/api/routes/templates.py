"""Templates: installed target videos anyone may pick (`facecast templates install|add`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from facecast.api.faces import face_thumbnail, faces_of
from facecast.api.schemas import FacesOut, TemplateOut
from facecast.api.services import Services, services
from facecast.templates import Template, face_picture, get_template, list_templates, thumbnail

router = APIRouter(tags=["templates"])
Svc = Annotated[Services, Depends(services)]


def known(template_id: str) -> Template:
    template = get_template(template_id)
    if template is None:
        raise HTTPException(404, f"no template {template_id!r}; see GET /api/templates")
    return template


def _length(template: Template) -> float | None:
    m = template.manifest
    if m.duration is None:
        return None
    return round(min(m.end or m.duration, m.duration) - (m.start or 0.0), 3)


@router.get("/templates", response_model=list[TemplateOut])
def templates() -> list[TemplateOut]:
    """Installed templates: title, length, thumbnail, and the face a swap replaces."""
    return [TemplateOut(id=t.id, title=t.title, description=t.description, builtin=t.builtin,
                        duration=_length(t), start=t.manifest.start, end=t.manifest.end,
                        track=t.manifest.track, style=t.manifest.style,
                        thumbnail_url=f"/api/templates/{t.id}/thumbnail",
                        face_url=f"/api/templates/{t.id}/face",
                        file_url=f"/api/templates/{t.id}/file",
                        faces_url=f"/api/templates/{t.id}/faces") for t in list_templates()]


@router.get("/templates/{template_id}/thumbnail", response_class=FileResponse)
def template_thumbnail(template_id: str, svc: Svc) -> FileResponse:
    return FileResponse(thumbnail(known(template_id), svc.layout.cache()),
                        media_type="image/jpeg")


@router.get("/templates/{template_id}/face", response_class=FileResponse)
def template_face(template_id: str, svc: Svc) -> FileResponse:
    """A picture of the face a swap into this template replaces: its `track`, or the
    largest face when it names none."""
    path = face_picture(known(template_id), svc.layout.cache())
    if path is None:
        raise HTTPException(404, "no face was found in this template")
    return FileResponse(path, media_type="image/jpeg")


@router.get("/templates/{template_id}/file", response_class=FileResponse)
def template_file(template_id: str) -> FileResponse:
    return FileResponse(known(template_id).path, media_type="video/mp4")


@router.get("/templates/{template_id}/faces", response_model=FacesOut)
def template_faces(template_id: str) -> FacesOut:
    template = known(template_id)
    return faces_of(template.path, template.faces_folder,
                    f"/api/templates/{template_id}/faces/{{face}}/thumbnail")


@router.get("/templates/{template_id}/faces/{face_id}/thumbnail", response_class=FileResponse)
def template_face_thumbnail(template_id: str, face_id: int) -> FileResponse:
    template = known(template_id)
    path = face_thumbnail(template.path, template.faces_folder, face_id)
    if path is None:
        raise HTTPException(404, f"no face {face_id} in this template; see its /faces")
    return FileResponse(path, media_type="image/jpeg")
