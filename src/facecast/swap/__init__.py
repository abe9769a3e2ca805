"""Swap engines behind one protocol (`render(frame, face, identity) -> Rendered`)."""

from facecast.swap.base import Engine, Rendered
from facecast.swap.mesh_engine import MeshEngine

ENGINES = {"mesh": MeshEngine}

__all__ = ["ENGINES", "Engine", "MeshEngine", "Rendered"]
