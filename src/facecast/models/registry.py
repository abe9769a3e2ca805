"""The models facecast knows: name, kind, file, hash, size, input recipe, licence, URL.

One JSON file ships in the package. `FACECAST_MODELS_REGISTRY` names another file with the
same layout whose entries are added to (and replace) the shipped ones: a site's own models
or its own mirror of their hashes.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from facecast.errors import ModelError

Kind = Literal["swapper", "enhancer", "recognizer", "occluder", "parser"]


class Recipe(BaseModel):
    """How a face goes into the graph and comes out of it."""

    model_config = ConfigDict(extra="forbid")

    template: str = Field(description="5-point alignment template (faces.crops.TEMPLATES)")
    size: int = Field(gt=0, description="side of the aligned square crop, px")
    channels: Literal["rgb", "bgr"] = "rgb"
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    output: tuple[float, float] = Field((0.0, 1.0), description="range the graph writes")
    layout: Literal["nchw", "nhwc"] = "nchw"
    source: str | None = Field(None, description="swappers: the recognizer of the selfies")
    emap: bool = Field(False, description="swappers: project the embedding by the graph's "
                                          "last initializer, then normalise")
    extra: dict[str, float] = Field(default_factory=dict,
                                    description="other inputs by name (CodeFormer's weight)")
    face_classes: list[int] = Field(default_factory=list,
                                    description="parsers: the classes that are the face "
                                                "(skin, brows, eyes, nose, mouth, lips)")


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Kind
    file: str
    sha256: str | None
    size: int | None
    url: str
    licence: str
    recipe: Recipe

    def download_url(self) -> str:
        """The registry's URL, or `$FACECAST_MODELS_URL/<file>` when that base is set."""
        base = os.environ.get("FACECAST_MODELS_URL")
        return f"{base.rstrip('/')}/{self.file}" if base else self.url


def _entries(text: str, where: str) -> dict[str, ModelSpec]:
    try:
        models = json.loads(text)["models"]
        return {name: ModelSpec(name=name, **entry) for name, entry in models.items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"the model registry {where} cannot be read: {exc}") from exc


def registry() -> dict[str, ModelSpec]:
    """Every known model by name: the shipped registry, then FACECAST_MODELS_REGISTRY's."""
    shipped = resources.files("facecast.models").joinpath("registry.json").read_text()
    known = _entries(shipped, "shipped with facecast")
    extra = os.environ.get("FACECAST_MODELS_REGISTRY")
    if extra:
        path = Path(extra)
        if not path.is_file():
            raise ModelError(f"FACECAST_MODELS_REGISTRY names {path}, which is not a file")
        known.update(_entries(path.read_text(), str(path)))
    return known


def spec(name: str, kind: Kind | None = None) -> ModelSpec:
    """The registry's entry for `name` (of `kind`, when given), or a sentence naming the
    known ones."""
    known = registry()
    found = known.get(name)
    if found is None or (kind is not None and found.kind != kind):
        names = ", ".join(n for n, s in known.items() if kind is None or s.kind == kind)
        what = f"{kind} model" if kind else "model"
        raise ModelError(f"unknown {what} {name!r}; the known ones are: {names}")
    return found
