"""What every swap engine provides. `mesh` is the default; heavier engines plug in here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from facecast.faces.mesh import Face
from facecast.faces.raster import Region
from facecast.identity.model import Identity


@dataclass
class Rendered:
    """The identity's face drawn over a window of the frame.

    pixels: float32 RGB of the window; alpha: blend weight (0 keeps the frame);
    skin: where the pixels show plain skin (for measuring light on both sides);
    covered: where the pixels are defined at all;
    holes: where the target's own eyes and mouth interior show (none by default);
    ids: the mesh's triangle under each pixel (-1: none), for engines that draw the mesh;
    texels: each pixel's place in the identity's texture (x and y maps, float32), for
    engines that draw the texture;
    marks: where the pixels show the user's own marks on the skin (moles, `faces.marks`),
    0..1, which the footage's detail must not replace; none by default.
    """

    region: Region
    pixels: np.ndarray
    alpha: np.ndarray
    skin: np.ndarray
    covered: np.ndarray
    holes: np.ndarray | None = None
    ids: np.ndarray | None = None
    texels: tuple[np.ndarray, np.ndarray] | None = None
    marks: np.ndarray | None = None


class Engine(Protocol):
    name: str
    warnings: list[str]
    """Sentences every result of this engine carries (an unverified model file)."""

    def prepare(self, identity: Identity) -> None:
        """Make now what `render` needs of `identity` once (a swap calls it on a helper
        thread while the face models load, so the first frame does not wait for it)."""
        ...

    def render(self, frame: np.ndarray, face: Face, identity: Identity) -> Rendered | None:
        """Draw `identity` onto `face` of `frame`; None when nothing visible is drawn."""
        ...
