"""Server folders a browser may name: only under `FACECAST_DATASET_ROOT`, never outside.

A path from a request is always relative to the root. It is joined to the root's real path
and resolved (`..` and every symbolic link followed); what lands outside the root, or was
absolute to begin with, is refused with 403, as is everything when no root is configured.
Paths shown back to the browser are relative to the root, so the server's layout stays its
own.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from fastapi import HTTPException

from facecast.api.settings import Settings
from facecast.media import PHOTO_SUFFIXES

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm"})


def dataset_root(settings: Settings) -> Path:
    """The configured root's real path; 403 when there is none."""
    if settings.dataset_root is None:
        raise HTTPException(403, "server folders are not enabled on this server (its "
                                 "administrator can set FACECAST_DATASET_ROOT): upload videos")
    root = settings.dataset_root.expanduser().resolve()
    if not root.is_dir():
        raise HTTPException(403, "the server's dataset folder does not exist")
    return root


def resolve_under(root: Path, relative: str | None, what: str = "path") -> Path:
    """The real path `relative` names under `root` (which must itself be resolved)."""
    text = (relative or "").strip()
    if "\x00" in text or "\\" in text:
        raise HTTPException(403, f"{what}: {relative!r} is not a folder path under the "
                                 "dataset folder")
    if PurePosixPath(text).is_absolute():
        raise HTTPException(403, f"{what}: {relative!r} is absolute; give a path relative to "
                                 "the dataset folder")
    resolved = (root / text).resolve()
    if not resolved.is_relative_to(root):
        raise HTTPException(403, f"{what}: {relative!r} is outside the dataset folder")
    return resolved


def shown(root: Path, path: Path) -> str:
    """How the browser names a path under the root ('' for the root itself)."""
    return path.relative_to(root).as_posix() if path != root else ""


def listing(root: Path, folder: Path) -> dict:
    """The sub-folders, videos and photos in a folder under the root (hidden entries and
    links leading out of the root are left out)."""
    if not folder.is_dir():
        raise HTTPException(404, f"{shown(root, folder) or 'the dataset folder'} is not a "
                                 "folder")
    folders, videos, photos = [], [], []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        if entry.name.startswith(".") or not entry.resolve().is_relative_to(root):
            continue
        if entry.is_dir():
            folders.append(entry.name)
        elif entry.suffix.lower() in VIDEO_SUFFIXES:
            videos.append(entry.name)
        elif entry.suffix.lower() in PHOTO_SUFFIXES:
            photos.append(entry.name)
    here = shown(root, folder)
    parent = None if folder == root else shown(root, folder.parent)
    return {"path": here, "parent": parent, "folders": folders, "videos": videos,
            "photos": photos}
