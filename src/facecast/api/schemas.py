"""The API's request and response bodies (they document themselves at /docs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from facecast.credentials import Credentials
from facecast.jobs.models import IdentityRow, JobRow, VideoRow
from facecast.params import EditParams, SwapParams

FACES = ('"largest" (the largest face of each frame), "all", face ids such as [0, 2] (see '
         '/faces), or "ref:VIDEO_ID" (the face most like the person in an uploaded photo)')


def _utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Created(BaseModel):
    id: str
    job_id: str


class Erased(BaseModel):
    """What `DELETE /api/session` removed, rows and their files."""

    identities: int
    videos: int
    jobs: int


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
    id: int = Field(description="the id `faces` and `map` in POST /api/swaps use")
    first_frame: int
    last_frame: int
    start: float = Field(description="seconds")
    end: float = Field(description="seconds")
    box: list[float] = Field(description="x, y, w, h in pixels: median over the frames seen")
    size: float = Field(description="the median box's larger side, in pixels")
    frames_seen: int
    frames_sampled: int = Field(description="frames looked at")
    thumbnail_url: str


class FacesOut(BaseModel):
    kind: Literal["video", "image"]
    width: int
    height: int
    frames: int
    faces: list[FaceOut] = Field(description="every face (track), by id: first seen first, "
                                 "left to right")


class TemplateOut(BaseModel):
    id: str
    title: str
    description: str
    builtin: bool
    duration: float | None = Field(None, description="seconds (of the trimmed span)")
    start: float | None = None
    end: float | None = None
    track: int | None = Field(None, description="the face replaced; none: the largest")
    style: str = "realistic"
    thumbnail_url: str
    face_url: str = Field(description="a picture of the face that will be replaced")
    file_url: str
    faces_url: str


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


class SwapRequest(Target):
    identity_id: str | None = Field(None, description="for every selected face `map` does not "
                                    "name")
    faces: str | list[int] = Field("largest", description=FACES + "; for a template, its own "
                                   "face when left out")
    map: dict[int, str] = Field(default_factory=dict, description="face id -> identity_id: a "
                                "different identity on each face")
    params: SwapParams = Field(default_factory=SwapParams)

    @field_validator("faces")
    @classmethod
    def _faces(cls, value: str | list[int]) -> str | list[int]:
        if isinstance(value, list):
            if not value or min(value) < 0:
                raise ValueError("give at least one face id, each 0 or more")
        elif value not in ("largest", "all") and not value.startswith("ref:"):
            raise ValueError(f"{value!r}: use {FACES}")
        return value

    @model_validator(mode="after")
    def _someone(self) -> SwapRequest:
        if not self.identity_id and not self.map:
            raise ValueError("give identity_id (or map, an identity per face)")
        return self


class JobAccepted(BaseModel):
    job_id: str


class CredentialsOut(BaseModel):
    """A result's Content Credentials (C2PA), as read back and validated from the file."""

    present: bool
    valid: bool = Field(description="the manifest validates: the file is as signed")
    state: str = Field(description="Invalid, Valid or Trusted (the library's verdict), or "
                                   "absent")
    ai_generated: bool = Field(description="digital source type "
                                           "compositeWithTrainedAlgorithmicMedia: a swap")
    source_type: str | None = None
    agent: str | None = Field(None, description="the software that made it")
    description: str | None = Field(None, description="what was done")
    signer: str | None = None
    problems: list[str] = Field([], description="what validation reported, e.g. an "
                                               "untrusted certificate")

    @classmethod
    def of(cls, found: Credentials) -> CredentialsOut:
        return cls(**vars(found), valid=found.valid, ai_generated=found.ai_generated)


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
    faces: str | list[int] | None = Field(None, description="the faces swapped")
    map: dict[int, str] | None = Field(None, description="face id -> identity_id")
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
                   faces=p.get("faces"), map=p.get("map") or None,
                   eta_s=row.eta_s, error=row.error, result_kind=row.result_kind,
                   result_url=f"/api/jobs/{row.id}/result" if row.status == "done"
                   and row.result else None, warnings=row.warnings or [], report=row.report,
                   identity_id=p.get("identity_id"), video_id=p.get("video_id"),
                   template_id=p.get("template_id"), source_url=source, params=p.get("params"),
                   created_at=_utc(row.created_at), started_at=_utc(row.started_at),
                   finished_at=_utc(row.finished_at))


class EditRequest(Target):
    params: EditParams = Field(default_factory=EditParams)


class PreviewRequest(Target):
    identity_id: str | None = Field(None, description="swap this identity in (omit for an "
                                                      "edit's preview)")
    time: float = Field(0.0, ge=0.0, description="the second of the video to show")
    params: SwapParams = Field(default_factory=SwapParams,
                               description="as in POST /api/swaps (or /api/edits)")
