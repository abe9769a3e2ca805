"""The footage's light falls on the face as it is drawn in each frame, expression included."""

from __future__ import annotations

import numpy as np
from clips import MEDIA, needs_media

from facecast.compose.shade import Shader
from facecast.faces import FaceMesher
from facecast.faces import landmarks as L
from facecast.faces.mesh import Face
from facecast.faces.raster import Region, draw_order, rasterize_ids
from facecast.media import read_image

CHEEKS = (50, 280)  # the cheeks' apples, which a smile lifts and rounds


def _shaded(shader: Shader, target: Face, drawn: Face, neutral: np.ndarray,
            frame: tuple[int, int]) -> tuple[np.ndarray, Region]:
    """The shading `shader` gives a grey face drawn on `drawn`, and where it lies."""
    region = Region.around(drawn.xy[: L.N_MESH], frame, margin=0.02)
    ids = rasterize_ids(drawn.xy, L.triangles(), region, draw_order(drawn.points, L.triangles()))
    pixels = np.full((region.h, region.w, 3), 100.0, np.float32)
    out = shader(np.zeros((region.h, region.w, 3), np.uint8), region, pixels, ids, target,
                 drawn, neutral, np.ones(L.N_MESH))
    return out[..., 0] / 100.0, region


@needs_media
def test_a_smiles_raised_cheeks_catch_the_light(monkeypatch) -> None:
    """Lit from one side, a cheek a smile lifts toward the camera turns its side to the
    light: its shading must change with it. Cast on the user's neutral shape, a smile
    drew the resting face's light, flat where the footage's own cheeks bunched up."""
    photo = read_image(sorted((MEDIA / "identities" / "d0").glob("*.jpg"))[0]).rgb
    with FaceMesher(video=False) as mesher:
        face = mesher.detect(photo)[0]
    monkeypatch.setattr(Shader, "_fit", lambda self, *a: np.array([1.0, 0.8, 0.0, 0.0]))
    points = face.points.astype(np.float64).copy()
    width = float(np.linalg.norm(points[234, :2] - points[454, :2]))
    for cheek in CHEEKS:
        near = np.linalg.norm(points[:, :2] - points[cheek, :2], axis=1) / (0.15 * width)
        points[:, 2] -= 0.08 * width * np.clip(1.0 - near**2, 0.0, None)  # toward the camera
    smiling = Face(points)
    resting, region = _shaded(Shader(), face, face, face.points, photo.shape[:2])
    lifted, _ = _shaded(Shader(), face, smiling, face.points, photo.shape[:2])
    for cheek in CHEEKS:
        x, y = np.round(points[cheek, :2] - (region.x0, region.y0)).astype(int)
        x += int(0.05 * width) * (1 if cheek == CHEEKS[0] else -1)  # on the bump's flank
        assert abs(float(lifted[y, x] - resting[y, x])) > 0.02, (cheek, lifted[y, x],
                                                                  resting[y, x])
