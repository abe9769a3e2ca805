"""Swap engines behind one protocol (`render(frame, face, identity) -> Rendered`): the mesh
engine (the default, needing nothing but PyPI) and the neural ones of `swap.neural`, whose
models the user installs (`facecast models`)."""

from __future__ import annotations

from facecast.errors import ModelError
from facecast.models import store
from facecast.models.registry import registry
from facecast.params import SwapParams
from facecast.swap.base import Engine, Rendered
from facecast.swap.enhance import Enhancer
from facecast.swap.masks import MaskSource, require_mask_model
from facecast.swap.mesh_engine import MeshEngine
from facecast.swap.neural import NeuralEngine

DEFAULT = "mesh"


def engine_for(name: str) -> Engine:
    return MeshEngine() if name == DEFAULT else NeuralEngine(name)


def engines() -> dict[str, list[str]]:
    """Every engine by name, with the models it still lacks (empty: ready to use)."""
    have = {n for n, e in store.installed().items() if e.path.is_file()}
    found = {DEFAULT: []}
    for name, model in registry().items():
        if model.kind == "swapper":
            needs = [name, model.recipe.source or ""]
            found[name] = [n for n in needs if n not in have]
    return found


def check(params: SwapParams) -> None:
    """A sentence (ModelError) naming what to fetch when an engine, enhancer or mask model
    asked for is unknown or not installed; nothing when all is there."""
    engine = params.engine
    if engine != DEFAULT:
        known = engines()
        if engine not in known:
            raise ModelError(f"unknown engine {engine!r}; the engines are: "
                             f"{', '.join(known)}")
        if known[engine]:
            missing = known[engine][0]
            raise ModelError(f"engine {engine} needs model {missing}, which is not installed:"
                             f" run `facecast models fetch {missing}` (or `facecast models add"
                             f" FILE --as {missing}` for a file you have)")
    if params.enhancer is not None:
        store.require(params.enhancer, "enhancer")
    for name in params.mask_models:
        require_mask_model(name)


__all__ = ["DEFAULT", "Engine", "Enhancer", "MaskSource", "MeshEngine", "NeuralEngine",
           "Rendered", "check", "engine_for", "engines"]
