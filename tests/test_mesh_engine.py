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


@needs_media
def test_a_triangle_seen_edge_on_draws_only_its_own_texels(identity) -> None:
    """A triangle seen edge-on (beside the nose of a turned head) is a sliver whose pixels
    all lie on its edges, where its affine map extrapolates: some 50 pixels a frame of a
    swapped face sampled the texture more than 2 texels outside their triangle, a few
    thousands of texels away (sparks of eye, brow or border colour on the skin). Drawn with
    a texture that holds each texel's own position, every pixel of a face with a fifth of
    its triangles squeezed into slivers shows a texel of its own triangle's box."""
    import dataclasses

    from facecast.faces import landmarks as L
    from facecast.faces.raster import draw_order, rasterize_ids

    size = identity.texture.shape[0]
    ramp = np.arange(size, dtype=np.float32) * (255.0 / (size - 1))
    coords = np.dstack([np.tile(ramp, (size, 1)), np.tile(ramp[:, None], (1, size)),
                        np.zeros((size, size), np.float32)]).astype(np.uint8)
    probe = dataclasses.replace(identity, texture=coords)
    photo = read_image(sorted((MEDIA / "identities" / "d10").iterdir())[0]).rgb
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(photo)[0]
    points = face.points.copy()
    tris = L.triangles()
    for a, b, c in tris[::5]:
        points[c, :2] = (points[a, :2] + points[b, :2]) / 2 + 0.05
    bent = Face(points)
    drawn = MeshEngine().render(photo, bent, probe)
    assert drawn is not None
    region = drawn.region
    ids = rasterize_ids(bent.xy, tris, region, draw_order(bent.points, tris))
    uv = identity.uv[tris] * (255.0 / (size - 1))
    shown = drawn.pixels[..., :2][ids >= 0]
    lo, hi = uv.min(axis=1)[ids[ids >= 0]], uv.max(axis=1)[ids[ids >= 0]]
    outside = np.maximum(lo - shown, 0) + np.maximum(shown - hi, 0)
    assert (outside.max(axis=1) > 2.5).mean() < 1e-3, (outside.max(axis=1) > 2.5).sum()


@needs_media
def test_the_outline_lets_the_target_through_on_large_faces_only(identity,
                                                                 monkeypatch) -> None:
    """Toward its outline the drawn face's plain skin is blended at a fraction of the
    texture's own alpha (the target's skin shows through there); its features are not, and
    on a small face (under 100 px) nothing is: no seam shows at that size, and the outline
    weighs more in what identifies the face."""
    from facecast.faces import landmarks as L
    from facecast.swap import mesh_engine

    photo = read_image(sorted((MEDIA / "identities" / "d10").iterdir())[0]).rgb
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(photo)[0]
    monkeypatch.setattr(mesh_engine, "EDGE_FADE", 0.0)  # the outline's own fade, tested below

    def alpha_at(face: Face, points: tuple[int, ...]) -> np.ndarray:
        """The rendered alpha at `points` moved a tenth of the way toward the nose."""
        drawn = MeshEngine().render(np.zeros_like(photo), face, identity)
        inward = face.xy[list(points)] * 0.9 + face.xy[L.NOSE_TIP] * 0.1
        xy = np.round(inward - (drawn.region.x0, drawn.region.y0)).astype(int)
        return drawn.alpha[xy[:, 1], xy[:, 0]]

    cheeks = (93, 132, 58, 323, 361, 288)  # the cheeks' sides, toward the ears
    brows = (55, 65, 52, 285, 295, 282)  # their inner halves
    small = Face(face.points * (90 / face.size))
    through = [alpha_at(f, points) for f, points in ((face, cheeks), (small, cheeks),
                                                     (face, brows))]
    monkeypatch.setattr(mesh_engine, "THROUGH_FLOOR", 1.0)
    whole = [alpha_at(f, points) for f, points in ((face, cheeks), (small, cheeks),
                                                   (face, brows))]
    # d10's hair frames her face in every selfie: beside it the texture's own alpha falls
    # (`identity.texture.HAIR_MARGIN`), 0.25-0.28 at the right cheek's side
    assert face.size > 200 and whole[0].min() > 0.2
    assert (through[0] < 0.8 * whole[0]).all(), (through[0], whole[0])
    assert np.allclose(through[1], whole[1]), (through[1], whole[1])
    assert np.allclose(through[2], whole[2], atol=0.05), (through[2], whole[2])


@needs_media
def test_a_turned_faces_far_outline_fades_out(identity, monkeypatch) -> None:
    """The drawn face fades out over a band of the frame at its whole outline. The texture's
    own fade lies on the face's surface, which a turned head foreshortens at its far side
    to a pixel or two: s18, turned a little, ended in a hard, straight seam through her
    temple and brow, over the hair that covers it."""
    from clips import frames_between

    from facecast.swap import mesh_engine

    frame = frames_between(MEDIA / "videos" / "s18.mp4", 2.4, 2.45)[0]
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(frame)[0]

    def near_outline() -> float:
        """The drawn alpha 6 px inside the drawn face's outline, all round it (99th
        percentile)."""
        drawn = MeshEngine().render(frame, face, identity)
        solid = (drawn.covered | (drawn.holes > 0)).astype(np.uint8)
        solid = cv2.morphologyEx(solid, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
        inside = cv2.distanceTransform(cv2.copyMakeBorder(solid, 1, 1, 1, 1,
                                                          cv2.BORDER_CONSTANT, value=0),
                                       cv2.DIST_L2, 3)[1:-1, 1:-1]
        return float(np.quantile(drawn.alpha[(inside > 5.5) & (inside <= 6.5)], 0.99))

    faded = near_outline()
    monkeypatch.setattr(mesh_engine, "EDGE_FADE", 0.0)
    hard = near_outline()
    assert face.size > 200
    assert hard > 0.7, hard  # the seam this is about
    assert faded < 0.3, faded


@needs_media
def test_a_closed_eye_keeps_no_fringe_of_long_lashes(identity) -> None:
    """d10's long upper lashes reach 20-25 texels (of 512) above her eyes' openings: with
    the lids' fill reaching 15, their tips stayed above the shut lids' line, a second,
    spiky lash line over a closed eye. Thin dark lines (a black-hat 7 texels wide) in the
    band between 3 % and 5 % of the texture above each eye of the shut texture: 0.35 and
    1.28 L on average then, 0.15 and 0.14 now."""
    from facecast.faces import landmarks as L
    from facecast.swap.lids import closed_lids

    size = identity.texture.shape[0]
    shut = closed_lids(identity.texture, identity.uv).texture
    lightness = cv2.cvtColor(shut, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32) * (100 / 255)
    lines = cv2.morphologyEx(lightness, cv2.MORPH_BLACKHAT,
                             cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    for eye in (L.RIGHT_EYE, L.LEFT_EYE):
        opening = np.zeros((size, size), np.uint8)
        cv2.fillConvexPoly(opening, cv2.convexHull(np.round(identity.uv[list(eye)])
                                                   .astype(np.int32)), 1)
        near, far = (cv2.dilate(opening, cv2.getStructuringElement(
            cv2.MORPH_ELLIPSE, (2 * int(share * size) + 1,) * 2)) for share in (0.03, 0.05))
        band = (far > 0) & (near == 0)
        band[int(identity.uv[list(eye), 1].mean()):] = False
        assert float(lines[band].mean()) < 0.6, float(lines[band].mean())
