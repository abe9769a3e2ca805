"""The swapped face carries the user's complexion, and the target's neck and ears follow it.

An ArcFace-style recogniser (the one `facecast eval` reports beside dlib) reads a face's
tone as much as its features: relit to the target's own tone, every frame of d0 swapped
into s32 was nearer the target than the user. With the user's tone kept, the swap must be
nearer the user in most frames; and a face lighter or warmer than its own neck gives
itself away, so the skin around the face moves with it.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from clips import MEDIA, needs_media

from facecast.compose import shift_skin
from facecast.faces import FaceMesher, arcface
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


@pytest.mark.skipif(not arcface.available(), reason="the ArcFace model is built by `make`")
def test_the_swap_is_nearer_the_user_than_the_target_by_arcface(tmp_path: Path,
                                                                   monkeypatch) -> None:
    monkeypatch.setenv("FACECAST_HOME", str(tmp_path / "home"))
    identity = build_identity([MEDIA / "identities" / "d0"], "d0")
    swapper = FaceSwapper(identity, SwapParams(), video=True)
    nearer, sampled = 0, 0
    with FaceMesher(video=False) as mesher:
        for i, rgb in enumerate(frames("s32", 60)):
            out = rgb.copy()
            swapper(out, i / 25)
            if i % 6 != 5:
                continue
            before, after = mesher.detect(rgb), mesher.detect(out)
            if not before or not after:
                continue
            swapped = arcface.embed(out, after[0])
            to_user = arcface.distance(swapped, identity.arc_embedding)
            to_target = arcface.distance(swapped, arcface.embed(rgb, before[0]))
            nearer += int(to_user < to_target)
            sampled += 1
    swapper.close()
    assert sampled >= 8
    assert nearer >= 0.8 * sampled, f"nearer the user in {nearer} of {sampled} frames"


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
