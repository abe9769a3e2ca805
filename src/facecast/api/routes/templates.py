"""Templates: built-in and installed target videos anyone may pick."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from facecast.api.app import Services, services
from facecast.api.faces import faces_of
from facecast.api.schemas import FacesOut, TemplateOut
from facecast.templates import Template, get_template, list_templates, thumbnail

router = APIRouter(tags=["templates"])
Svc = Annotated[Services, Depends(services)]


def known(template_id: str) -> Template:
    template = get_template(template_id)
    if template is None:
        raise HTTPException(404, f"no template {template_id!r}; see GET /api/templates")
    return template


def faces_cache(template: Template, svc: Services) -> Path:
    """Where a template's faces are cached: keyed by its file's size and time, so a replaced
    file is looked at again."""
    stat = template.path.stat()
    return svc.layout.cache() / f"faces-{template.id}-{stat.st_size}-{int(stat.st_mtime)}"


@router.get("/templates", response_model=list[TemplateOut])
def templates() -> list[TemplateOut]:
    """Built-in and installed templates, with thumbnail and file URLs."""
    return [TemplateOut(id=t.id, title=t.title, description=t.description, builtin=t.builtin,
                        thumbnail_url=f"/api/templates/{t.id}/thumbnail",
                        file_url=f"/api/templates/{t.id}/file",
                        faces_url=f"/api/templates/{t.id}/faces") for t in list_templates()]


@router.get("/templates/{template_id}/thumbnail", response_class=FileResponse)
def template_thumbnail(template_id: str, svc: Svc) -> FileResponse:
    return FileResponse(thumbnail(known(template_id), svc.layout.cache()),
                        media_type="image/jpeg")


@router.get("/templates/{template_id}/file", response_class=FileResponse)
def template_file(template_id: str) -> FileResponse:
    return FileResponse(known(template_id).path, media_type="video/mp4")


@router.get("/templates/{template_id}/faces", response_model=FacesOut)
def template_faces(template_id: str, svc: Svc) -> FacesOut:
    template = known(template_id)
    return faces_of(template.path, faces_cache(template, svc),
                    f"/api/templates/{template_id}/faces/{{face}}/thumbnail")


@router.get("/templates/{template_id}/faces/{face_id}/thumbnail", response_class=FileResponse)
def template_face_thumbnail(template_id: str, face_id: int, svc: Svc) -> FileResponse:
    path = faces_cache(known(template_id), svc) / f"face-{face_id}.jpg"
    if not path.is_file():
        raise HTTPException(404, f"no face {face_id}: list the faces first")
    return FileResponse(path, media_type="image/jpeg")
