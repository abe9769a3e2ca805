"""The swapped face takes part of the user's complexion, not their selfies' light, and the
target's neck and ears follow it.

The ratio of the two skins is as much the selfies' exposure and white balance as the
person: kept at 0.9, d3's dim, warm selfies drew a dark brown face into d12's pale scene,
the look test's first giveaway. A face lighter or warmer than its own neck gives itself
away too, so the skin around the face moves with it.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
from clips import MEDIA, needs_media

from facecast.compose import shift_skin
from facecast.faces import FaceMesher
from facecast.faces import landmarks as L
from facecast.faces.scene import SceneReader
from facecast.identity.build import build_identity
from facecast.params import SwapParams
from facecast.pipeline import FaceSwapper

pytestmark = needs_media


def frames(clip: str, count: int) -> list[np.ndarray]:
    out = []
    with av.open(str(MEDIA / "videos" / f"{clip}.mp4")) as c:
        for f in c.decode(video=0):
            out.append(f.to_ndarray(format="rgb24"))
            if len(out) == count:
                return out
    return out


def test_dim_selfies_do_not_draw_a_dark_face_into_a_pale_scene(tmp_path: Path,
                                                                monkeypatch) -> None:
    monkeypatch.setenv("FACECAST_HOME", str(tmp_path / "home"))
    identity = build_identity([MEDIA / "identities" / "d3"], "d3")
    swapper = FaceSwapper(identity, SwapParams(), video=True)
    ratios = []
    with FaceMesher(video=False) as mesher:
        for i, rgb in enumerate(frames("d12", 40)):
            out = rgb.copy()
            swapper(out, i / 25)
            if i % 6 != 5:
                continue
            faces = mesher.detect(rgb)
            if not faces:
                continue
            cheeks = np.zeros(rgb.shape[:2], np.uint8)
            cv2.fillPoly(cheeks, [np.round(faces[0].xy[list(L.FACE_OVAL)]).astype(np.int32)], 1)
            cheeks = cv2.erode(cheeks, np.ones((15, 15), np.uint8)) > 0
            ratios.append(out[cheeks].astype(float).mean(axis=0)
                          / rgb[cheeks].astype(float).mean(axis=0))
    swapper.close()
    assert len(ratios) >= 5
    darkest = np.median(ratios, axis=0).min()
    assert darkest > 0.75, f"the face is {darkest:.2f} of the original in its darkest channel"


def test_the_skin_around_the_face_takes_the_same_shift() -> None:
    rgb = frames("d3", 1)[0]
    with FaceMesher(video=False) as mesher, SceneReader(video=False) as scene:
        face = mesher.detect(rgb)[0]
        person = scene.read(rgb).person
    out = rgb.copy()
    tone = np.array([1.2, 1.3, 1.4], np.float32)
    shift_skin(out, face, tone, person)
    x, y = (int(v) for v in face.xy[L.CHIN])
    below = (slice(y + 15, y + 35), slice(x - 10, x + 10))
    ratio = out[below].reshape(-1, 3).mean(axis=0) / rgb[below].reshape(-1, 3).mean(axis=0)
    assert np.all(ratio > 1 + 0.6 * (tone - 1)), ratio  # the neck follows the face
    corner = (slice(0, 20), slice(0, 20))  # the wall behind her (skin-coloured) does not
    assert np.abs(out[corner].astype(int) - rgb[corner]).max() <= 1


def test_what_passes_in_front_keeps_its_colour_and_the_rest_shifts_as_without_it() -> None:
    """`keep` reaches over part of the shifted window (and past its edge): under a full
    keep the frame stays as it was, under none it shifts as if there were no keep."""
    from facecast.faces.raster import Region

    rgb = frames("d3", 1)[0]
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(rgb)[0]
    tone = np.array([1.1, 0.95, 0.9], np.float32)
    free = rgb.copy()
    shift_skin(free, face, tone)
    x, y = (int(v) for v in face.xy[L.NOSE_TIP])
    kept = Region(x - 40, y - 30, rgb.shape[1], 60)  # past the frame's right edge
    share = np.zeros((kept.h, kept.w), np.float32)
    share[:, :20] = 1.0  # kept in full on its first 20 columns, half on the next 20
    share[:, 20:40] = 0.5
    out = rgb.copy()
    shift_skin(out, face, tone, keep=(kept, share))
    assert np.array_equal(out[y - 30: y + 30, x - 40: x - 20], rgb[y - 30: y + 30, x - 40: x - 20])
    half = out[y - 30: y + 30, x - 20: x].astype(int)
    assert not np.array_equal(half, rgb[y - 30: y + 30, x - 20: x])
    assert not np.array_equal(half, free[y - 30: y + 30, x - 20: x])
    assert np.array_equal(out[y - 30: y + 30, x:], free[y - 30: y + 30, x:])
    assert np.array_equal(out[: y - 30], free[: y - 30])
    assert np.array_equal(out[y + 30:], free[y + 30:])


def test_a_texture_shadow_keeps_the_skin_hue_in_a_scene_of_another_hue() -> None:
    """d3's orange skin into s18's pink scene took 2.4 x on blue and 1.25 x on red: a gain
    per channel turned every darker, greyer patch of the texture (a shadow, a dark circle)
    into a purple bruise. Relit, a shadow patch keeps at most 0.6 of its colour difference
    from the skin around it (a gain per channel: 0.94, and bluer than red)."""
    from facecast.compose.light import Relighter
    from facecast.faces.raster import Region

    rng = np.random.default_rng(0)
    frame = np.clip(np.array([225, 175, 170], np.float32) + rng.normal(0, 2, (200, 200, 3)),
                    0, 255).astype(np.uint8)
    pixels = np.zeros((200, 200, 3), np.float32)
    pixels[...] = (180, 110, 70)
    pixels[80:120, 40:120] = (120, 85, 65)
    xy = rng.uniform(0, 200, (L.N_LANDMARKS, 2)).astype(np.float32)
    out = Relighter()(frame, Region(0, 0, 200, 200), pixels, np.ones((200, 200), np.float32),
                      xy, 200.0)

    def colour_gap(img: np.ndarray) -> float:
        ab = cv2.cvtColor(np.clip(img / 255, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)[..., 1:]
        return float(np.linalg.norm(ab[85:115, 50:110].mean(axis=(0, 1))
                                    - ab[140:180, 50:110].mean(axis=(0, 1))))

    assert colour_gap(out) <= 0.6 * colour_gap(pixels)
    assert out[100, 80, 2] < out[100, 80, 0]
