"""Where the web app's files live under its data folder, keyed by the ids in the database.

One place for these paths, so deleting a row can delete exactly its files.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_filename(name: str, fallback: str = "file") -> str:
    """A file name that cannot escape its folder or surprise a shell, keeping what it can of
    the user's name (the per-photo report refers to photos by it)."""
    base = _UNSAFE.sub("_", Path(name or "").name).strip("._")[:100]
    return base or fallback


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def identities(self) -> Path:
        """The identity store's root (see `facecast.identity.model`), one folder per id."""
        return self.root / "identities"

    def photos(self, identity_id: str) -> Path:
        """Uploaded selfies, kept only until the identity is built."""
        return self.root / "photos" / identity_id

    def video(self, video_id: str) -> Path:
        return self.root / "videos" / video_id

    def faces(self, video_id: str) -> Path:
        """The video's face list (`casting.face_list`), kept for its face picker and swaps."""
        return self.video(video_id) / "faces"

    def results(self) -> Path:
        return self.root / "results"

    def cache(self) -> Path:
        return self.root / "cache"

    def dataset(self, job_id: str) -> Path:
        """A dataset job's log, and its output when no server folder was chosen."""
        return self.root / "datasets" / job_id

    def chunks(self, job_id: str) -> Path:
        """The pieces of a long video being swapped or edited in parts, until they are joined."""
        return self.root / "chunks" / job_id

    def create(self) -> None:
        for path in (self.identities, self.root / "photos", self.root / "videos",
                     self.results(), self.cache()):
            path.mkdir(parents=True, exist_ok=True)


def remove(path: Path | None) -> None:
    """Delete a file or folder if it exists."""
    if path is None or not path.exists():
        return
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
