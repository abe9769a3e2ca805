"""The target's glasses: found on the first frame a face is seen (a photo has only that
one), and never on a face without them."""

from __future__ import annotations

import numpy as np
from clips import MEDIA, frames_between, needs_media

from facecast.compose.rims import GlassesRims
from facecast.faces import FaceMesher
from facecast.faces.raster import Region


def _rims_on_first_frame(clip: str) -> np.ndarray | None:
    frame = frames_between(MEDIA / "videos" / f"{clip}.mp4", 1.0, 1.05)[0]
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(frame)[0]
    region = Region.around(face.xy, frame.shape[:2], margin=0.2)
    return GlassesRims().not_face(frame, face, region)


@needs_media
def test_glasses_are_kept_from_a_faces_first_frame() -> None:
    """d9's thin metal rims, on the one frame a photo has: an average over frames that
    starts from "no glasses" would keep them only from the fourth frame on."""
    rims = _rims_on_first_frame("d9")
    assert rims is not None and (rims > 0.5).sum() > 500


@needs_media
def test_a_face_without_glasses_keeps_nothing() -> None:
    """s18's lid creases and brow edges are thin lines too, around the eyes: without a
    bridge across the nose they are not rims."""
    assert _rims_on_first_frame("s18") is None
