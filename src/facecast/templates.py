"""Target videos a user can pick instead of uploading one: built-ins and installed ones.

Built-ins are five clips of the test media (`$FACECAST_MEDIA/videos/<id>.mp4`); those not
present are skipped. Installed templates are the videos in `$FACECAST_HOME/templates/`
(issue 5 adds manifests and an install command). Thumbnails are made on demand and cached.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from facecast.home import home
from facecast.media import VideoReader, probe_video

THUMB_WIDTH = 320


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    description: str
    path: Path
    builtin: bool


BUILTINS: dict[str, tuple[str, str]] = {
    "d3": ("Close-up", "A close-up that grimaces and talks: strong expressions."),
    "d12": ("Glasses", "A close-up of a person wearing glasses."),
    "s13": ("Far shot", "A full-body shot from afar: the face is small."),
    "s18": ("Medium shot", "A 720p medium shot of a person talking."),
    "s32": ("Medium shot 2", "Another 720p medium shot, a different person and light."),
}
_VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".webm")


def templates_dir() -> Path:
    return home() / "templates"


def list_templates() -> list[Template]:
    """The built-ins present in $FACECAST_MEDIA, then the installed ones, by id."""
    found: list[Template] = []
    media = os.environ.get("FACECAST_MEDIA")
    if media:
        for tid, (title, description) in BUILTINS.items():
            path = Path(media) / "videos" / f"{tid}.mp4"
            if path.is_file():
                found.append(Template(tid, title, description, path, builtin=True))
    folder = templates_dir()
    if folder.is_dir():
        taken = {t.id for t in found}
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in _VIDEO_SUFFIXES and path.stem not in taken:
                found.append(Template(path.stem, path.stem, "Installed template", path,
                                      builtin=False))
    return found


def get_template(template_id: str) -> Template | None:
    return next((t for t in list_templates() if t.id == template_id), None)


def poster_frame(path: Path) -> np.ndarray:
    """An RGB frame a second in (or mid-way in shorter clips): the first is often black."""
    info = probe_video(path)
    at = min(1.0, info.duration / 2) if info.duration else None
    with VideoReader(path, start=at) as reader:
        for frame in reader:
            return frame.image
    with VideoReader(path) as reader:
        return next(iter(reader)).image


def thumbnail(template: Template, cache: Path) -> Path:
    """A JPEG thumbnail of the template, cached by file name, size and modification time."""
    stat = template.path.stat()
    out = cache / f"template-{template.id}-{stat.st_size}-{int(stat.st_mtime)}.jpg"
    if not out.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        write_thumbnail(poster_frame(template.path), out)
    return out


def write_thumbnail(rgb: np.ndarray, out: Path, width: int = THUMB_WIDTH) -> None:
    """Write a JPEG `width` pixels wide, atomically (a reader never sees half a file)."""
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data.tobytes())
    tmp.replace(out)
