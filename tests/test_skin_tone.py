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
