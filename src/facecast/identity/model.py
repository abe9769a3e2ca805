"""The `Identity` a swap needs, and its store on disk (one folder per identity)."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from facecast.errors import IdentityError
from facecast.faces import landmarks as L
from facecast.faces.raster import Region, draw_order, warp_mesh
from facecast.home import home

_EMBEDDING = "embedding:"  # identity.npz keys of the neural recognizers' embeddings
_ARC = "arc_luma"
"""identity.npz key of the ArcFace embedding, read from luminance (`faces.arcface`): the
colour chips' embeddings stored before under `arc_embedding` are not comparable."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass
class Identity:
    """A person's face, built from their selfies.

    texture: RGB uint8 in UV space; uv: 478 x 2 texel coordinates of the mesh;
    alpha / skin: float32 masks in UV space (blend weight; where shading is measured);
    neutral: 478 x 3 neutral shape in the canonical frame; embedding: mean dlib descriptor;
    arc_embedding: mean raw ArcFace embedding of the selfies (`faces.arcface`), None when
    the identity was built without that model; embeddings: per neural recognizer installed
    (`faces.recognizer`), the selfies' unit-length embedding, outliers dropped; iris: the
    selfies' iris colour (`faces.iris.iris_colour`; through their lenses,
    `iris_colour_through_lenses`, when every photo that shows it wears glasses), None when
    none showed or the identity was built before it was read.
    """

    name: str
    texture: np.ndarray
    uv: np.ndarray
    alpha: np.ndarray
    skin: np.ndarray
    neutral: np.ndarray
    embedding: np.ndarray
    report: dict
    arc_embedding: np.ndarray | None = None
    embeddings: dict[str, np.ndarray] = field(default_factory=dict)
    iris: np.ndarray | None = None


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise IdentityError(f"invalid identity name {name!r}: use 1-64 letters, digits, '_', '-'"
                            " or '.', starting with a letter or digit")
    return name


def identities_dir(root: Path | None = None) -> Path:
    """The store's folder: `root` when given (the web app keeps one per deployment), else
    the user's own under $FACECAST_HOME."""
    path = root if root is not None else home() / "identities"
    path.mkdir(parents=True, exist_ok=True)
    return path


def identity_path(name: str, root: Path | None = None) -> Path:
    return identities_dir(root) / check_name(name)


PREVIEW_SIZE = 512


def preview(identity: Identity) -> np.ndarray:
    """The neutral face a swap will use, seen from the front: the texture on the neutral
    shape, fading into a checkerboard where the swap fades into the target's own face."""
    yy, xx = np.indices((PREVIEW_SIZE, PREVIEW_SIZE)) // 16
    board = np.where(((yy + xx) % 2)[..., None] > 0, 200.0, 150.0)
    shape = identity.neutral
    lo, hi = shape[: L.N_MESH, :2].min(axis=0), shape[: L.N_MESH, :2].max(axis=0)
    extent = float((hi - lo).max())
    if extent <= 0:
        return board.astype(np.uint8)
    scale = 0.9 * PREVIEW_SIZE / extent
    xy = (shape[:, :2] - (lo + hi) / 2) * scale + PREVIEW_SIZE / 2
    tris = L.triangles()
    region = Region(0, 0, PREVIEW_SIZE, PREVIEW_SIZE)
    order = draw_order(np.column_stack([xy, shape[:, 2] * scale]), tris)
    face, ids = warp_mesh(identity.texture, identity.uv, xy, tris, region, order)
    alpha, _ = warp_mesh(identity.alpha, identity.uv, xy, tris, region, ids=ids)
    a = (alpha * (ids >= 0))[..., None]
    return (face.astype(np.float32) * a + board * (1 - a)).astype(np.uint8)


def save(identity: Identity, root: Path | None = None) -> Path:
    """Write atomically: a temporary folder beside the final one, renamed when complete."""
    final = identity_path(identity.name, root)
    tmp = Path(tempfile.mkdtemp(prefix=f".{identity.name}.", dir=final.parent))
    try:
        arc = {} if identity.arc_embedding is None else {_ARC: identity.arc_embedding}
        arc.update({_EMBEDDING + n: e for n, e in identity.embeddings.items()})
        if identity.iris is not None:
            arc["iris"] = identity.iris
        np.savez_compressed(tmp / "identity.npz", texture=identity.texture, uv=identity.uv,
                            alpha=identity.alpha, skin=identity.skin, neutral=identity.neutral,
                            embedding=identity.embedding, **arc)
        (tmp / "report.json").write_text(json.dumps(identity.report, indent=2))
        cv2.imwrite(str(tmp / "preview.png"), cv2.cvtColor(preview(identity), cv2.COLOR_RGB2BGR))
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def load(name: str, root: Path | None = None) -> Identity:
    path = identity_path(name, root)
    if not (path / "identity.npz").is_file():
        known = ", ".join(list_names(root)) or "none yet"
        raise IdentityError(f"no identity named {name!r} (known: {known}); "
                            f"build one with `facecast train PHOTOS --name {name}`")
    data = np.load(path / "identity.npz")
    report = json.loads((path / "report.json").read_text())
    return Identity(name=name, texture=data["texture"], uv=data["uv"], alpha=data["alpha"],
                    skin=data["skin"], neutral=data["neutral"], embedding=data["embedding"],
                    report=report, arc_embedding=data[_ARC]
                    if _ARC in data.files else None,
                    embeddings={k[len(_EMBEDDING):]: data[k] for k in data.files
                                if k.startswith(_EMBEDDING)},
                    iris=data["iris"] if "iris" in data.files else None)


def list_names(root: Path | None = None) -> list[str]:
    return sorted(p.name for p in identities_dir(root).iterdir()
                  if p.is_dir() and (p / "identity.npz").is_file())


def partial_saves(name: str, root: Path | None = None) -> list[Path]:
    """Temporary folders `save` left when it was killed (`mkdtemp`'s 8 random characters
    after the name, so "a" never matches a save of "a.b")."""
    return sorted(identities_dir(root).glob(f".{check_name(name)}.{'?' * 8}"))


def delete(name: str, root: Path | None = None) -> list[Path]:
    """Remove every file of the identity: its folder and any save a crash left half-written
    beside it (`save`'s temporary folders). Returns what was removed."""
    path = identity_path(name, root)
    partial = partial_saves(name, root)
    if not path.exists() and not partial:
        raise IdentityError(f"no identity named {name!r}")
    removed = [p for p in (path, *partial) if p.exists()]
    for p in removed:
        shutil.rmtree(p)
    return removed
