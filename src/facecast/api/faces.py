"""The face picker's data for a video or template, computed once and cached beside it."""

from __future__ import annotations

import json
from pathlib import Path

from facecast.api.schemas import FaceOut, FacesOut
from facecast.picker import find_faces

NOTE = ("only the largest face is swapped for now; choosing among several faces is planned")


def faces_of(source: Path, cache: Path, thumb_url: str) -> FacesOut:
    """Faces of `source`; `cache` is a folder for faces.json and face-0.jpg."""
    data_file = cache / "faces.json"
    if data_file.is_file():
        data = json.loads(data_file.read_text())
    else:
        cache.mkdir(parents=True, exist_ok=True)
        data = find_faces(source, cache / "face-0.jpg").as_dict()
        tmp = data_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(data_file)
    faces = [FaceOut(**f, thumbnail_url=thumb_url.format(face=f["id"])) for f in data["faces"]]
    return FacesOut(faces=faces, other_faces=data["other_faces"],
                    note=NOTE if data["other_faces"] else None)
