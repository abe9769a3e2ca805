"""The API's request and response bodies (they document themselves at /docs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from facecast.jobs.models import IdentityRow, JobRow, VideoRow
from facecast.params import EditParams, SwapParams

MULTI_FACE = ("multi-face selection is not available yet: only the largest face (id 0) can be "
              "swapped; send \"largest\" or [0]")


def _utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Created(BaseModel):
    id: str
    job_id: str


class IdentityOut(BaseModel):
    id: str
    name: str
    status: Literal["building", "ready", "failed"]
    error: str | None = Field(None, description="why training failed, naming the photos")
    photos: list[str] = Field(description="the uploaded photos' file names")
    report: dict[str, Any] | None = Field(None, description="per-photo report once built")
    preview_url: str | None = None
    job_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: IdentityRow) -> IdentityOut:
        return cls(id=row.id, name=row.name, status=row.status, error=row.error,
                   photos=row.photos or [], report=row.report, job_id=row.job_id,
                   preview_url=f"/api/identities/{row.id}/preview" if row.status == "ready"
                   else None, created_at=_utc(row.created_at))


class VideoOut(BaseModel):
    id: str
    filename: str
    kind: Literal["video", "image"]
    width: int
    height: int
    fps: float
    frames: int
    duration: float
    warnings: list[str]
    file_url: str
    created_at: datetime

    @classmethod
    def of(cls, row: VideoRow) -> VideoOut:
        return cls(id=row.id, filename=row.filename, kind=row.kind, width=row.width,
                   height=row.height, fps=row.fps, frames=row.frames, duration=row.duration,
                   warnings=row.warnings or [], file_url=f"/api/videos/{row.id}/file",
                   created_at=_utc(row.created_at))


class FaceOut(BaseModel):
    id: int
    box: list[float] = Field(description="x, y, w, h in pixels: median over sampled frames")
    frames_seen: int
    frames_sampled: int
    thumbnail_url: str


class FacesOut(BaseModel):
    faces: list[FaceOut]
    other_faces: int = Field(description="most other faces seen in one sampled frame")
    note: str | None = None


class TemplateOut(BaseModel):
    id: str
    title: str
    description: str
    builtin: bool
    thumbnail_url: str
    file_url: str
    faces_url: str


class SwapRequest(BaseModel):
    identity_id: str
    video_id: str | None = None
    template_id: str | None = None
    faces: Literal["largest"] | list[int] = Field(
        "largest", description='"largest" or [0]: only the largest face is swapped today')
    params: SwapParams = Field(default_factory=SwapParams)

    @field_validator("faces")
    @classmethod
    def _one_face(cls, value: str | list[int]) -> str | list[int]:
        if value != "largest" and value != [0]:
            raise ValueError(MULTI_FACE)
        return value

    @model_validator(mode="after")
    def _one_source(self) -> SwapRequest:
        if bool(self.video_id) == bool(self.template_id):
            raise ValueError("give either video_id (an uploaded video) or template_id "
                             "(see GET /api/templates), not both or neither")
        return self


class JobAccepted(BaseModel):
    job_id: str


class JobOut(BaseModel):
    id: str
    kind: Literal["build_identity", "swap", "edit", "dataset"]
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float = Field(description="0..1")
    eta_s: float | None = Field(None, description="seconds left, from the progress rate")
    error: str | None = None
    result_url: str | None = None
    result_kind: Literal["video", "image"] | None = None
    warnings: list[str] = []
    report: dict[str, Any] | None = Field(None, description="quality report of a swap")
    identity_id: str | None = None
    video_id: str | None = None
    template_id: str | None = None
    source_url: str | None = Field(None, description="the original, for a before/after view")
    params: dict[str, Any] | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @classmethod
    def of(cls, row: JobRow) -> JobOut:
        p = row.payload or {}
        source = None
        if p.get("video_id"):
            source = f"/api/videos/{p['video_id']}/file"
        elif p.get("template_id"):
            source = f"/api/templates/{p['template_id']}/file"
        return cls(id=row.id, kind=row.kind, status=row.status, progress=row.progress,
                   eta_s=row.eta_s, error=row.error, result_kind=row.result_kind,
                   result_url=f"/api/jobs/{row.id}/result" if row.status == "done"
                   and row.result else None, warnings=row.warnings or [], report=row.report,
                   identity_id=p.get("identity_id"), video_id=p.get("video_id"),
                   template_id=p.get("template_id"), source_url=source, params=p.get("params"),
                   created_at=_utc(row.created_at), started_at=_utc(row.started_at),
                   finished_at=_utc(row.finished_at))


class Target(BaseModel):
    """An uploaded video or photo, or a template: exactly one of the two."""

    video_id: str | None = None
    template_id: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Target:
        if bool(self.video_id) == bool(self.template_id):
            raise ValueError("give either video_id (an uploaded video or photo) or "
                             "template_id (see GET /api/templates), not both or neither")
        return self


class EditRequest(Target):
    params: EditParams = Field(default_factory=EditParams)


class PreviewRequest(Target):
    identity_id: str | None = Field(None, description="swap this identity in (omit for an "
                                                      "edit's preview)")
    time: float = Field(0.0, ge=0.0, description="the second of the video to show")
    params: SwapParams = Field(default_factory=SwapParams,
                               description="as in POST /api/swaps (or /api/edits)")
