"""Engines and enhancers this server can run now: the page offers these only."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from facecast.models.registry import registry
from facecast.models.store import installed
from facecast.swap import engines as all_engines

router = APIRouter(tags=["engines"])


class ModelChoice(BaseModel):
    name: str
    unverified: bool = False
    """Runs a model file whose SHA-256 is not the registry's."""


class EnginesOut(BaseModel):
    engines: list[ModelChoice]
    enhancers: list[ModelChoice]
    masks: list[ModelChoice]
    """Occluders and face parsers, for `params.mask_models`."""


@router.get("/engines", response_model=EnginesOut)
def engines() -> EnginesOut:
    """The installed engines (`mesh` always), enhancers and mask models, for
    `params.engine`, `params.enhancer` and `params.mask_models`; models are installed with
    `facecast models fetch|add`."""
    have = {n: e for n, e in installed().items() if e.path.is_file()}
    known = registry()

    def unverified(*names: str) -> bool:
        return any(n in have and not have[n].verified for n in names)

    ready = [ModelChoice(name=n, unverified=unverified(n, known[n].recipe.source or "")
                         if n in known else False)
             for n, lacks in all_engines().items() if not lacks]
    def of(*kinds: str) -> list[ModelChoice]:
        return [ModelChoice(name=n, unverified=unverified(n)) for n, m in known.items()
                if m.kind in kinds and n in have]

    return EnginesOut(engines=ready, enhancers=of("enhancer"), masks=of("occluder", "parser"))
