"""The default engine draws the texture as a camera would see the face at its size."""

from __future__ import annotations

import cv2
import numpy as np
from clips import MEDIA, needs_media

from facecast.faces import FaceMesher
from facecast.faces.mesh import Face
from facecast.media import read_image
from facecast.swap.mesh_engine import MeshEngine


def _fine(rgb: np.ndarray, where: np.ndarray) -> float:
    grey = cv2.cvtColor(rgb.astype(np.float32), cv2.COLOR_RGB2GRAY)
    return float(np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 1.0))[where].mean())


@needs_media
def test_a_small_face_is_drawn_without_aliasing(identity) -> None:
    """A face a quarter of the texture's size, drawn directly, against the same face drawn
    large and scaled down as a camera's sensor averages it: bilinear lookups four texels
    apart alias lashes and pores into grain that shimmers as the face moves (fine detail
    1.13 times the reference's without the prefilter, 0.96 with it)."""
    photo = read_image(sorted((MEDIA / "identities" / "d10").iterdir())[0]).rgb
    with FaceMesher(video=False) as mesher:
        big = mesher.detect(photo)[0]
    scale = 4
    engine = MeshEngine()
    canvas = np.zeros_like(photo)
    large = engine.render(canvas, big, identity)
    small_face = Face(big.points / scale)
    small_canvas = np.zeros((photo.shape[0] // scale, photo.shape[1] // scale, 3), np.uint8)
    small = engine.render(small_canvas, small_face, identity)
    assert large is not None and small is not None
    # the large render, scaled down by area over the same window
    frame = np.zeros((photo.shape[0], photo.shape[1], 3), np.float32)
    frame[large.region.slices] = large.pixels
    reference = cv2.resize(frame, (small_canvas.shape[1], small_canvas.shape[0]),
                           interpolation=cv2.INTER_AREA)[small.region.slices]
    inside = cv2.erode(small.covered.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    ratio = _fine(small.pixels, inside) / _fine(reference, inside)
    assert 0.85 < ratio < 1.07, ratio


@needs_media
def test_each_identity_of_a_cast_is_prepared_once(identity, monkeypatch) -> None:
    """Two identities drawn in turn, as a cast of two draws them into each frame: each
    one's texture (its eyes shut for blinks, half a second) is made once, not at every
    change of identity."""
    import dataclasses

    from facecast.swap import mesh_engine

    made = []
    real = mesh_engine.closed_lids
    monkeypatch.setattr(mesh_engine, "closed_lids",
                        lambda rgb, uv: made.append(1) or real(rgb, uv))
    other = dataclasses.replace(identity)
    photo = read_image(sorted((MEDIA / "identities" / "d10").iterdir())[0]).rgb
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(photo)[0]
    engine = MeshEngine()
    engine.prepare(identity)
    for _ in range(3):
        for who in (identity, other):
            assert engine.render(photo.copy(), face, who) is not None
    assert len(made) == 2
