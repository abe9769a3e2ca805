"""The face picker's data for a video or template: `picker.face_list`, the same list as
`facecast faces`, found once and kept in the target's faces folder."""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path

from facecast.api.schemas import FaceOut, FacesOut
from facecast.casting.face_list import FaceList, face_list

_locks: defaultdict[Path, threading.Lock] = defaultdict(threading.Lock)
_guard = threading.Lock()


def listed(source: Path, folder: Path) -> FaceList:
    """The face list of `source`, found at most once at a time per folder (the page asks for
    a list and its thumbnails at once)."""
    with _guard:
        lock = _locks[folder]
    with lock:
        return face_list(source, folder)


def faces_of(source: Path, folder: Path, thumb_url: str) -> FacesOut:
    """Faces of `source` for the API; `thumb_url` has a `{face}` field."""
    found = listed(source, folder)
    faces = [FaceOut(**vars(f), frames_sampled=found.frames_sampled,
                     thumbnail_url=thumb_url.format(face=f.id)) for f in found.faces]
    return FacesOut(kind=found.kind, width=found.width, height=found.height,
                    frames=found.frames, faces=faces)


def face_thumbnail(source: Path, folder: Path, face_id: int) -> Path | None:
    """The thumbnail of one face (the list found first if need be), or None if no such face."""
    found = listed(source, folder)
    path = folder / f"face-{face_id}.jpg"
    return path if face_id in found.ids and path.is_file() else None
