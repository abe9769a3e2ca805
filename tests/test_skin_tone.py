"""The swapped face takes the footage's skin colour, not the user's selfies' light.

The ratio of the two skins is as much the selfies' exposure and white balance as the
person: kept at 0.9, d3's dim, warm selfies drew a dark brown face into d12's pale scene,
and kept at 0.4 (within 0.9-1.1) still a face a step darker than its own neck and ears,
the look test's first giveaway.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
from clips import MEDIA, needs_media

from facecast.faces import FaceMesher
from facecast.faces import landmarks as L
from facecast.identity.build import build_identity
from facecast.params import SwapParams
from facecast.pipeline import FaceSwapper

pytestmark = needs_media


def frames(clip: str, count: int) -> Iterator[tuple[float, np.ndarray]]:
    """The first `count` frames of `clip`, each with its time (s)."""
    with av.open(str(MEDIA / "videos" / f"{clip}.mp4")) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i == count:
                return
            yield float(f.time), f.to_ndarray(format="rgb24")


def swapped_faces(user: str, clip: str, count: int, every: int, inset: int
                  ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The user's selfies swapped into the first `count` frames of `clip`: every `every`th
    frame, the original, the swap and the original's face oval (bool) eroded by `inset` px.
    Needs FACECAST_HOME set."""
    identity = build_identity([MEDIA / "identities" / user], user)
    swapper = FaceSwapper(identity, SwapParams(), video=True)
    try:
        with FaceMesher(video=False) as mesher:
            for i, (t, rgb) in enumerate(frames(clip, count)):
                out = rgb.copy()
                swapper(out, t)
                if i % every != every - 1:
                    continue
                faces = mesher.detect(rgb)
                if not faces:
                    continue
                face = np.zeros(rgb.shape[:2], np.uint8)
                cv2.fillPoly(face, [np.round(faces[0].xy[list(L.FACE_OVAL)])
                                    .astype(np.int32)], 1)
                yield rgb, out, cv2.erode(face, np.ones((inset, inset), np.uint8)) > 0
    finally:
        swapper.close()


def test_dim_selfies_do_not_draw_a_darker_face_into_a_pale_scene(tmp_path: Path,
                                                                   monkeypatch) -> None:
    monkeypatch.setenv("FACECAST_HOME", str(tmp_path / "home"))
    ratios = [out[cheeks].astype(float).mean(axis=0) / rgb[cheeks].astype(float).mean(axis=0)
              for rgb, out, cheeks in swapped_faces("d3", "d12", 40, 6, 15)]
    assert len(ratios) >= 5
    # the whole face, the target's own eyes and mouth included: 0.83-0.90 a channel when the
    # face kept 40 % of the user's tone, 0.91-0.96 now
    ratio = np.median(ratios, axis=0)
    assert np.all(np.abs(ratio - 1.0) < 0.12), f"the face is {ratio.round(3)} of the original"


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


def test_a_bright_scene_does_not_light_the_texture_past_its_own_highlights(
        tmp_path: Path, monkeypatch) -> None:
    """d14's face is brightly lit (its skin up to 89 L) and d10's selfies carry highlighted
    make-up (a bright nose ridge, brow bones): the gain that lit her texture for the scene
    took those highlights past anything the camera recorded on that face, to white: over
    her first 48 frames 2.4 % of the swapped face's pixels had a channel at 250 or more,
    the footage's 0.26 %. Rolled off at the footage's own highlight level: 0.34 %."""
    monkeypatch.setenv("FACECAST_HOME", str(tmp_path / "home"))
    clipped = np.array([[float((img[face].max(axis=1) >= 250).mean()) for img in (rgb, out)]
                        for rgb, out, face in swapped_faces("d10", "d14", 48, 4, 9)])
    assert len(clipped) >= 8
    original, swapped = clipped.mean(axis=0)
    assert swapped <= original + 0.01, (
        f"{swapped:.2%} of the swapped face clipped to white, the footage's {original:.2%}")
