"""A template's manifest: what it is, its media file and hash, and how it is swapped into.

The package ships five (`builtin/*.json`); `facecast templates add` writes one for a user's
video. An installed template is a folder holding its manifest and its media.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from facecast.errors import TemplateError
from facecast.params import EditParams, SwapParams

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class Manifest(BaseModel):
    """One template. `media` is a path relative to the folder it is installed from."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="lower-case letters, digits, - and _; at most 40")
    title: str = Field(min_length=1, max_length=80)
    description: str = ""
    media: str = Field(description="the video, relative to the manifest's folder")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    start: float | None = Field(None, ge=0.0, description="trim: first second used")
    end: float | None = Field(None, gt=0.0, description="trim: second to stop before")
    track: int | None = Field(None, ge=0, description="the face replaced (an id of `facecast "
                              "faces`); none: the largest face of each frame")
    style: str = "realistic"
    params: dict[str, Any] = Field(default_factory=dict, description="SwapParams defaults")
    thumbnail_time: float = Field(1.0, ge=0.0, description="seconds: the gallery's picture")
    duration: float | None = Field(None, description="seconds, filled in when installed")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"{value!r}: use lower-case letters, digits, - and _ (at most 40)")
        return value

    @field_validator("params")
    @classmethod
    def _params(cls, value: dict[str, Any]) -> dict[str, Any]:
        SwapParams.model_validate(value)
        return value

    @field_validator("style")
    @classmethod
    def _style(cls, value: str) -> str:
        EditParams(style=value)
        return value

    def swap_params(self, given: SwapParams) -> SwapParams:
        """The template's defaults (trim, parameters, style) under what a user set explicitly
        in `given`."""
        base = dict(self.params, start=self.start, end=self.end, style=self.style)
        base.update(given.model_dump(include=given.model_fields_set))
        return SwapParams.model_validate(base)


def read_manifest(path: Path) -> Manifest:
    try:
        return Manifest.model_validate(json.loads(path.read_text()))
    except (OSError, ValueError, ValidationError) as exc:
        raise TemplateError(f"{path.name} is not a valid template manifest: {exc}") from exc


def builtin_manifests() -> list[Manifest]:
    """The manifests shipped with the package."""
    folder = resources.files("facecast.templates") / "builtin"
    return [Manifest.model_validate_json(f.read_text()) for f in sorted(
        folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".json")]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def slug(title: str) -> str:
    """An id from a title: 'My Clip!' -> 'my-clip'."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "template"
