"""The neural engines with stand-in graphs of the real signatures (tests/standins.py): the
paste-back lands exactly where the crop came from, the face goes exactly inside the target's
oval, the identity goes in as its embedding projected by `emap`, the enhancers' extra input
is fed, and the pipeline runs them like the mesh engine."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import standins
from clips import MEDIA, needs_media

from facecast.faces import landmarks as L
from facecast.faces.mesh import Face, FaceMesher
from facecast.faces.shape import mean_shape
from facecast.identity.model import Identity
from facecast.media import read_image
from facecast.models import store

pytestmark = needs_media
RECOGNIZER = "arcface_w600k_r50"


@pytest.fixture()
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """install(name, stand-in builder, *args): a stand-in added (unverified) to a fresh
    FACECAST_HOME; the recognizer stand-in is always there."""
    monkeypatch.setenv("FACECAST_HOME", str(tmp_path / "home"))

    def add(name: str, build, *args: object, **kwargs: object) -> None:
        store.add(build(tmp_path / f"{name}.onnx", *args, **kwargs), name,
                  allow_unverified=True)

    add(RECOGNIZER, standins.recognizer)
    return add


@pytest.fixture(scope="module")
def portrait() -> tuple[np.ndarray, Face]:
    """s1 at a third of its size: the face (~115 px) near the crop's own scale."""
    rgb = read_image(MEDIA / "portraits" / "s1.jpg").rgb
    rgb = cv2.resize(rgb, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)
    with FaceMesher(video=False) as mesher:
        return rgb, mesher.detect(rgb)[0]


def person(embedding: np.ndarray, face: Face | None = None) -> Identity:
    """An identity as the neural engines see it: its recognizer's embedding (and, for the
    pipeline's tracking, the neutral shape of `face`)."""
    neutral = (mean_shape([face.points]) if face is not None
               else np.zeros((478, 3), np.float32))
    return Identity("x", np.zeros((4, 4, 3), np.uint8), np.zeros((478, 2), np.float32),
                    np.zeros((4, 4), np.float32), np.zeros((4, 4), np.float32), neutral,
                    np.zeros(128, np.float32), {}, embeddings={RECOGNIZER: embedding})


def unit(seed: int) -> np.ndarray:
    e = np.random.default_rng(seed).normal(size=512).astype(np.float32)
    return e / np.linalg.norm(e)


def oval_mask(face: Face, region, grow: int = 0) -> np.ndarray:
    mask = np.zeros((region.h, region.w), np.uint8)
    local = face.xy[list(L.FACE_OVAL)] - (region.x0, region.y0)
    cv2.fillPoly(mask, [np.round(local).astype(np.int32)], 1)
    return cv2.dilate(mask, np.ones((2 * grow + 1,) * 2, np.uint8)) > 0 if grow else mask > 0


def test_a_stand_in_returning_its_input_is_pasted_back_where_it_came_from(install, portrait
                                                                          ) -> None:
    from facecast.swap.neural import NeuralEngine

    install("inswapper_128", standins.swapper, "input")
    rgb, face = portrait
    rendered = NeuralEngine("inswapper_128").render(rgb, face, person(unit(1)))
    inside = rendered.alpha > 0.05
    assert inside.sum() > 5000
    window = rgb.astype(np.float32)

    def error(dx: int, dy: int) -> float:
        r = rendered.region
        shifted = window[r.y0 + dy: r.y0 + dy + r.h, r.x0 + dx: r.x0 + dx + r.w]
        return float(np.abs(rendered.pixels - shifted)[inside].mean())

    assert error(0, 0) < 2.5  # two bilinear resamplings at about 1:1
    assert error(0, 0) < 0.7 * min(error(dx, dy) for dx, dy in
                                   ((1, 0), (-1, 0), (0, 1), (0, -1)))


def test_a_flat_stand_in_shows_exactly_where_the_face_goes(install, portrait) -> None:
    from facecast.swap.neural import NeuralEngine

    install("inswapper_128", standins.swapper, "flat")
    rgb, face = portrait
    rendered = NeuralEngine("inswapper_128").render(rgb, face, person(unit(1)))
    region = rendered.region
    core = cv2.erode(rendered.covered.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    flat = np.array(standins.FLAT, np.float32) * 255
    assert np.abs(rendered.pixels[core] - flat).max() < 0.5
    assert (rendered.alpha[~oval_mask(face, region, grow=1)] == 0).all()
    nose = np.round(face.xy[L.NOSE_TIP] - (region.x0, region.y0)).astype(int)
    assert rendered.alpha[nose[1], nose[0]] > 0.99
    assert (rendered.alpha > 0.5).sum() > 0.7 * oval_mask(face, region).sum()
    assert rendered.skin[nose[1], nose[0]] == 1 and rendered.holes is None


def test_the_identity_goes_in_as_its_embedding_projected_by_emap(install, portrait) -> None:
    from facecast.swap.neural import NeuralEngine

    install("inswapper_128", standins.swapper, "latent")
    rgb, face = portrait
    engine = NeuralEngine("inswapper_128")
    nose = np.round(face.xy[L.NOSE_TIP]).astype(int)

    def colour(e: np.ndarray) -> np.ndarray:
        return 255 / (1 + np.exp(-(e @ standins.COLOUR_OF_LATENT)))

    for seed in (1, 2):
        e = unit(seed)
        rendered = engine.render(rgb, face, person(e))
        got = rendered.pixels[nose[1] - rendered.region.y0, nose[0] - rendered.region.x0]
        projected = e @ standins.EMAP
        assert np.abs(got - colour(projected / np.linalg.norm(projected))).max() < 0.5
        assert np.abs(got - colour(e)).max() > 5  # unprojected it would be another colour


@pytest.mark.parametrize(("name", "size"), [("simswap_256", 256),
                                            ("simswap_unofficial_512", 512)])
def test_simswap_runs_at_its_own_size_without_emap(install, portrait, name: str, size: int
                                                   ) -> None:
    from facecast.swap.neural import NeuralEngine

    install(name, standins.swapper, "latent", size=size, emap=False)
    rgb, face = portrait
    e = unit(3)
    rendered = NeuralEngine(name).render(rgb, face, person(e))
    nose = np.round(face.xy[L.NOSE_TIP] - (rendered.region.x0, rendered.region.y0)).astype(int)
    want = 255 / (1 + np.exp(-(e @ standins.COLOUR_OF_LATENT)))
    assert np.abs(rendered.pixels[nose[1], nose[0]] - want).max() < 0.5


def test_enhancers_feed_their_extra_input_and_restore_inside_the_face(install, portrait
                                                                      ) -> None:
    from facecast.swap import Enhancer

    install("codeformer", standins.enhancer, "flat", weight=True)
    install("gfpgan_1.4", standins.enhancer, "input")
    rgb, face = portrait
    restored = rgb.copy()
    Enhancer("codeformer")(restored, face)
    nose = np.round(face.xy[L.NOSE_TIP]).astype(int)
    flat = np.array(standins.FLAT) * 255
    assert np.abs(restored[nose[1], nose[0]] - flat).max() <= 1
    changed = np.abs(restored.astype(int) - rgb).max(axis=2) > 0
    whole = np.ones(rgb.shape[:2], bool)
    from facecast.faces.raster import Region

    assert not (changed & ~oval_mask(face, Region(0, 0, rgb.shape[1], rgb.shape[0]),
                                     grow=1) & whole).any()
    same = rgb.copy()
    Enhancer("gfpgan_1.4")(same, face)
    assert np.abs(same.astype(int) - rgb).mean() < 0.5


def test_an_unverified_model_is_named_on_every_swap(install, tmp_path: Path) -> None:
    from facecast.params import SwapParams
    from facecast.pipeline import swap_file

    install("inswapper_128", standins.swapper, "flat")
    rgb = read_image(MEDIA / "portraits" / "s1.jpg").rgb
    with FaceMesher(video=False) as mesher:
        identity = person(unit(1), mesher.detect(rgb)[0])
    result = swap_file(identity, MEDIA / "portraits" / "s1.jpg", tmp_path / "out.png",
                       SwapParams(engine="inswapper_128", shape_strength=0.0))
    assert result.swapped_frames == 1
    assert any("inswapper_128 is UNVERIFIED" in w for w in result.warnings)
    assert any("arcface_w600k_r50 is UNVERIFIED" in w for w in result.warnings)
    out = read_image(tmp_path / "out.png").rgb
    assert np.abs(out.astype(int) - rgb).max() > 100


def swapped_photo(tmp_path: Path, **params: object) -> tuple[np.ndarray, np.ndarray, Face]:
    """s1 before and after a swap by the installed stand-ins (the flat inswapper)."""
    from facecast.params import SwapParams
    from facecast.pipeline import swap_file

    source = MEDIA / "portraits" / "s1.jpg"
    out = tmp_path / f"out{len(list(tmp_path.glob('out*')))}.png"
    rgb = read_image(source).rgb
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(rgb)[0]
    swap_file(person(unit(1), face), source, out, SwapParams(engine="inswapper_128",
                                                             shape_strength=0.0, **params))
    return rgb, read_image(out).rgb, face


def test_an_occluder_that_sees_no_face_keeps_the_frame(install, tmp_path: Path) -> None:
    from facecast.faces.raster import Region

    install("inswapper_128", standins.swapper, "flat")
    install("xseg_1", standins.occluder, 0.0)
    rgb, plain, face = swapped_photo(tmp_path)
    _, occluded, _ = swapped_photo(tmp_path, mask_models=["xseg_1"])
    inner = cv2.erode(oval_mask(face, Region(0, 0, rgb.shape[1], rgb.shape[0])).astype(
        np.uint8), np.ones((25, 25), np.uint8)) > 0
    assert np.abs(plain.astype(int) - rgb)[inner].mean() > 10  # the swap changed the face
    assert np.abs(occluded.astype(int) - rgb)[inner].mean() < 2


def test_a_parser_keeps_what_is_not_face(install, tmp_path: Path) -> None:
    from facecast.faces.raster import Region

    install("inswapper_128", standins.swapper, "flat")
    install("bisenet_resnet_34", standins.parser)
    rgb, out, face = swapped_photo(tmp_path, mask_models=["bisenet_resnet_34"])
    inner = cv2.erode(oval_mask(face, Region(0, 0, rgb.shape[1], rgb.shape[0])).astype(
        np.uint8), np.ones((25, 25), np.uint8)) > 0
    nose_x = face.xy[L.NOSE_TIP, 0]
    xs = np.arange(rgb.shape[1])[None, :]
    margin = face.size / 10
    hair, skin = inner & (xs < nose_x - margin), inner & (xs > nose_x + margin)
    diff = np.abs(out.astype(int) - rgb).max(axis=2)
    assert diff[skin].mean() > 30 and diff[hair].mean() < 3


def test_a_set_embedding_drops_the_photo_of_someone_else() -> None:
    from facecast.faces.recognizer import set_embedding

    rng = np.random.default_rng(4)
    me = unit(5)
    photos = [me + 0.3 * rng.normal(size=512).astype(np.float32) / np.sqrt(512)
              for _ in range(6)]
    stranger = unit(6)
    mean_of_mine = set_embedding(photos)
    with_stranger = set_embedding([*photos, stranger])
    assert float(with_stranger @ mean_of_mine) > 0.9999
    assert abs(float(np.linalg.norm(with_stranger)) - 1) < 1e-5
    naive = np.mean([*photos, stranger], axis=0)
    assert float(naive / np.linalg.norm(naive) @ mean_of_mine) < 0.99


def test_an_identity_trained_before_the_recognizer_gets_its_embedding_at_first_use(
        identity: Identity, install, portrait) -> None:
    """The store keeps no photos: the embedding comes from the identity's own frontal face
    (its preview), once."""
    import dataclasses

    from facecast.faces import recognizer
    from facecast.identity.model import preview
    from facecast.swap.neural import NeuralEngine, identity_embedding

    install("inswapper_128", standins.swapper, "latent")
    fresh = dataclasses.replace(identity, embeddings={})
    embedding = identity_embedding(fresh, RECOGNIZER)
    frontal = preview(identity)
    with FaceMesher(video=False) as mesher:
        expected = recognizer.embed(RECOGNIZER, frontal, mesher.detect(frontal)[0])
    assert np.allclose(embedding, expected, atol=1e-6)
    assert fresh.embeddings[RECOGNIZER] is embedding
    rgb, face = portrait
    assert NeuralEngine("inswapper_128").render(rgb, face, fresh) is not None


def test_a_model_added_again_is_loaded_again(install, portrait) -> None:
    """A server keeps running while `facecast models add` replaces a file."""
    from facecast.swap.neural import NeuralEngine

    rgb, face = portrait
    nose = np.round(face.xy[L.NOSE_TIP]).astype(int)

    def nose_colour() -> np.ndarray:
        rendered = NeuralEngine("inswapper_128").render(rgb, face, person(unit(1)))
        return rendered.pixels[nose[1] - rendered.region.y0, nose[0] - rendered.region.x0]

    install("inswapper_128", standins.swapper, "flat")
    assert np.abs(nose_colour() - np.array(standins.FLAT) * 255).max() < 0.5
    install("inswapper_128", standins.swapper, "input")
    assert np.abs(nose_colour() - rgb[nose[1], nose[0]]).max() < 40
