"""Installed templates: one folder each under `$FACECAST_HOME/templates/` (its manifest, its
media, its face list once found), and the commands that fill it: install (from a folder of
media, hashes checked), add (a user's video), remove.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from facecast.casting.face_list import THUMB, crop, face_list
from facecast.casting.thumbs import poster_frame, write_thumbnail
from facecast.errors import TemplateError
from facecast.faces.detector import FaceDetector
from facecast.home import home
from facecast.media import probe_video
from facecast.templates.manifest import (
    Manifest,
    builtin_manifests,
    read_manifest,
    sha256,
    slug,
)

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Template:
    manifest: Manifest
    folder: Path
    builtin: bool

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def title(self) -> str:
        return self.manifest.title

    @property
    def description(self) -> str:
        return self.manifest.description

    @property
    def path(self) -> Path:
        """The installed media file."""
        return self.folder / Path(self.manifest.media).name

    @property
    def faces_folder(self) -> Path:
        """Where its face list is kept (`facecast.casting.face_list`)."""
        return self.folder / "faces"


def templates_dir(root: Path | None = None) -> Path:
    return root if root is not None else home() / "templates"


def _shipped() -> dict[str, Manifest]:
    return {m.id: m for m in builtin_manifests()}


def list_templates(root: Path | None = None) -> list[Template]:
    """Installed templates whose media is in place: the built-ins first, then by title."""
    folder = templates_dir(root)
    shipped = _shipped()
    found: list[Template] = []
    for sub in sorted(folder.iterdir()) if folder.is_dir() else ():
        if not (sub / MANIFEST).is_file():
            continue
        try:
            manifest = read_manifest(sub / MANIFEST)
        except TemplateError:
            continue
        template = Template(manifest, sub, builtin=manifest.id in shipped
                            and shipped[manifest.id].sha256 == manifest.sha256)
        if template.path.is_file():
            found.append(template)
    order = list(shipped)
    return sorted(found, key=lambda t: (not t.builtin,
                                        order.index(t.id) if t.builtin else 0, t.title))


def get_template(template_id: str, root: Path | None = None) -> Template | None:
    return next((t for t in list_templates(root) if t.id == template_id), None)


def _install(manifest: Manifest, media: Path, root: Path | None) -> Template:
    """Copy `media` and write the manifest (with the clip's length) into a fresh folder."""
    info = probe_video(media)
    manifest = manifest.model_copy(update={"duration": round(info.duration, 3)})
    folder = templates_dir(root) / manifest.id
    staging = folder.with_name(f".{manifest.id}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copyfile(media, staging / Path(manifest.media).name)
    (staging / MANIFEST).write_text(manifest.model_dump_json(indent=2))
    shutil.rmtree(folder, ignore_errors=True)
    staging.replace(folder)
    return Template(manifest, folder, builtin=manifest.id in _shipped())


def install(source: Path, root: Path | None = None) -> dict[str, str]:
    """Install the shipped templates whose media is in `source` (e.g. `$FACECAST_MEDIA`), and
    the templates of any manifests (`*.json`) in `source`. Every hash is checked first: one
    mismatch installs nothing. Returns {id: what happened}."""
    if not source.is_dir():
        raise TemplateError(f"{source} is not a folder")
    manifests = _shipped()
    for path in sorted(source.glob("*.json")):
        manifest = read_manifest(path)
        manifests[manifest.id] = manifest
    done: dict[str, str] = {}
    todo: list[tuple[Manifest, Path]] = []
    wrong: list[str] = []
    for manifest in manifests.values():
        media = source / manifest.media
        if not media.is_file():
            done[manifest.id] = f"skipped: {manifest.media} is not in {source}"
            continue
        digest = sha256(media)
        if digest != manifest.sha256:
            wrong.append(f"{media}: SHA-256 {digest[:16]}… but the manifest of "
                         f"{manifest.id!r} expects {manifest.sha256[:16]}…")
            continue
        installed = get_template(manifest.id, root)
        # a manifest that changed with a release (its defaults, its title) is installed
        # afresh over the old one, though its clip is the same
        if installed is not None and (installed.manifest.model_dump(exclude={"duration"})
                                      == manifest.model_dump(exclude={"duration"})):
            done[manifest.id] = "already installed"
            continue
        todo.append((manifest, media))
    if wrong:
        raise TemplateError("not the expected media, so nothing was installed (a different or"
                            " damaged file):\n  " + "\n  ".join(wrong))
    for manifest, media in todo:
        _install(manifest, media, root)
        done[manifest.id] = "installed"
    return done


def install_shipped(root: Path | None = None) -> dict[str, str]:
    """Install the five built-in templates from the clips the package ships (beside their
    manifests, with LivePortrait's licence): a fresh install lists them without test media."""
    with resources.as_file(resources.files("facecast.templates") / "builtin") as folder:
        return install(folder, root)


def add(video: Path, title: str, *, track: int | None = None, start: float | None = None,
        end: float | None = None, description: str = "", template_id: str | None = None,
        root: Path | None = None) -> Template:
    """Install a user's video as a template (its hash is recorded in its manifest)."""
    if not video.is_file():
        raise TemplateError(f"{video}: no such file")
    template_id = template_id or slug(title)
    if get_template(template_id, root) is not None:
        raise TemplateError(f"a template {template_id!r} is installed already: remove it first "
                            "or choose another id")
    info = probe_video(video)
    if start is not None and start >= info.duration:
        raise TemplateError(f"--start {start} is at or after the end of {video.name} "
                            f"({info.duration:.2f} s)")
    try:
        manifest = Manifest(id=template_id, title=title, description=description,
                            media=f"media{video.suffix.lower() or '.mp4'}", sha256=sha256(video),
                            start=start, end=end, track=track)
    except ValueError as exc:
        raise TemplateError(str(exc)) from exc
    template = _install(manifest, video, root)
    if track is not None:
        listed = face_list(template.path, template.faces_folder)
        if track not in listed.ids:
            shutil.rmtree(template.folder)
            faces = ", ".join(map(str, listed.ids)) or "none"
            raise TemplateError(f"--track {track}: {video.name} has faces {faces} (see "
                                f"`facecast faces {video.name}`)")
    return template


def remove(template_id: str, root: Path | None = None) -> None:
    template = get_template(template_id, root)
    if template is None:
        raise TemplateError(f"no template {template_id!r} is installed; see `facecast templates "
                            "list`")
    shutil.rmtree(template.folder)


def face_picture(template: Template, cache: Path) -> Path | None:
    """A JPEG of the face a swap replaces: its `track` from the face list (found when the
    template was added), or the largest face of the poster frame; None if there is none."""
    if template.manifest.track is not None:
        listed = face_list(template.path, template.faces_folder)
        path = template.faces_folder / f"face-{template.manifest.track}.jpg"
        return path if template.manifest.track in listed.ids and path.is_file() else None
    out = cache / f"template-face-{template.id}-{template.manifest.sha256[:12]}.jpg"
    if not out.is_file():
        poster = poster_frame(template.path, template.manifest.thumbnail_time)
        detector = FaceDetector()
        try:
            boxes = detector.boxes(poster)
        finally:
            detector.close()
        if not boxes:
            return None
        cache.mkdir(parents=True, exist_ok=True)
        write_thumbnail(crop(poster, boxes[0][:4]), out, width=THUMB)
    return out


def thumbnail(template: Template, cache: Path) -> Path:
    """A JPEG of the template's poster frame, cached by id and hash."""
    out = cache / f"template-{template.id}-{template.manifest.sha256[:12]}.jpg"
    if not out.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        write_thumbnail(poster_frame(template.path, template.manifest.thumbnail_time), out)
    return out
