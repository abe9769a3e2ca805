"""The caller's session as a whole: `DELETE /api/session` deletes everything it owns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from facecast.api.schemas import Erased
from facecast.api.services import Services, services
from facecast.api.session import session_id
from facecast.jobs.erase import erase_session

router = APIRouter(tags=["session"])
Owner = Annotated[str, Depends(session_id)]
Svc = Annotated[Services, Depends(services)]


@router.delete("/session", response_model=Erased)
def delete_session(owner: Owner, svc: Svc) -> Erased:
    """Delete my data: every photo, identity, upload, face list, result, dataset and job of
    this session, on disk and in the database (running jobs are cancelled first)."""
    return Erased(**erase_session(svc.store, svc.layout, owner, svc.pool.cancel))
