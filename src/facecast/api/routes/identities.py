"""Identities: upload 5-15 selfies to train one (as a job), list, show, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Response, UploadFile
from fastapi.responses import FileResponse

from facecast.api.schemas import Created, IdentityOut
from facecast.api.services import Services, services
from facecast.api.session import session_id
from facecast.api.uploads import check_photo, clear, save_upload
from facecast.identity.build import check_count
from facecast.identity.consent import REFUSED, STATEMENT, record
from facecast.jobs.layout import remove, safe_filename
from facecast.jobs.models import FINISHED, IdentityRow, JobRow
from facecast.jobs.store import new_id

router = APIRouter(tags=["identities"])
Owner = Annotated[str, Depends(session_id)]
Svc = Annotated[Services, Depends(services)]


def owned_identity(svc: Services, identity_id: str, owner: str) -> IdentityRow:
    row = svc.store.get(IdentityRow, identity_id, owner)
    if row is None:
        raise HTTPException(404, f"no identity {identity_id!r} in this session")
    return row


@router.post("/identities", status_code=202, response_model=Created)
def create_identity(name: Annotated[str, Form(description="shown in lists")],
                    photos: Annotated[list[UploadFile], Form(description="5-15 selfies, JPEG "
                                                             "or PNG")],
                    owner: Owner, svc: Svc,
                    consent: Annotated[bool, Form(description="true: " + STATEMENT)] = False
                    ) -> Created:
    """Upload selfies and start training; poll the job or the identity until it is ready.
    `consent=true` confirms the user may use this face; it is kept in the identity's report."""
    if not consent:
        raise HTTPException(422, REFUSED)
    name = name.strip()
    if not name or len(name) > 100:
        raise HTTPException(422, "name: give the identity a name of 1 to 100 characters")
    s = svc.settings
    check_count(len(photos), s.min_photos, s.max_photos)
    identity_id, job_id = new_id(), new_id()
    folder = svc.layout.photos(identity_id)
    names: list[str] = []
    try:
        for i, upload in enumerate(photos):
            shown = upload.filename or f"photo {i + 1}"
            filename = safe_filename(shown, f"photo-{i + 1}")
            if filename in names:
                filename = f"{i + 1:02d}-{filename}"
            dest = folder / filename
            save_upload(upload, dest, s.max_upload_mb)
            problem = check_photo(dest, shown, s.max_photo_pixels)
            if problem:
                raise HTTPException(422, problem)
            names.append(filename)
        svc.store.add(IdentityRow(id=identity_id, owner=owner, name=name, status="building",
                                  photos=names, job_id=job_id))
        svc.store.create_job(owner, "build_identity",
                             {"identity_id": identity_id, "consent": record("api")}, job_id)
    except BaseException:
        clear(folder)
        svc.store.delete(IdentityRow(id=identity_id))
        raise
    svc.pool.wake()
    return Created(id=identity_id, job_id=job_id)


@router.get("/identities", response_model=list[IdentityOut])
def list_identities(owner: Owner, svc: Svc) -> list[IdentityOut]:
    """This session's identities, newest first."""
    return [IdentityOut.of(row) for row in svc.store.owned(IdentityRow, owner)]


@router.get("/identities/{identity_id}", response_model=IdentityOut)
def get_identity(identity_id: str, owner: Owner, svc: Svc) -> IdentityOut:
    return IdentityOut.of(owned_identity(svc, identity_id, owner))


@router.get("/identities/{identity_id}/preview", response_class=FileResponse)
def identity_preview(identity_id: str, owner: Owner, svc: Svc) -> FileResponse:
    """The identity's texture as a swap will paint it (PNG)."""
    owned_identity(svc, identity_id, owner)
    path = svc.layout.identities / identity_id / "preview.png"
    if not path.is_file():
        raise HTTPException(404, "no preview yet: the identity is not ready")
    return FileResponse(path, media_type="image/png")


@router.delete("/identities/{identity_id}", status_code=204)
def delete_identity(identity_id: str, owner: Owner, svc: Svc) -> Response:
    """Delete the identity and its files; a training still running is cancelled."""
    row = owned_identity(svc, identity_id, owner)
    if row.job_id:
        job = svc.store.get(JobRow, row.job_id)
        if job is not None and job.status not in FINISHED:
            svc.store.request_cancel(job)
            svc.pool.cancel(job.id)
    svc.store.delete(row)
    remove(svc.layout.identities / identity_id)
    remove(svc.layout.photos(identity_id))
    return Response(status_code=204)
