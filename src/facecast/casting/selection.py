"""Which faces a swap changes and who goes on each: `--faces` and `--map` in the CLI, `faces`
and `map` in `POST /api/swaps`.

A selection is `largest` (the largest face of each frame: the single-face path), `all`, face
ids of the target's face list (`0,2`), or `ref:PHOTO` (the listed face most like the person
in a photo). A mapping gives a face id its own identity; selected faces it does not name get
the default identity. Ids are those of `facecast faces` (see `facecast.casting.face_list`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from facecast.casting.face_list import FaceList, Progress, face_list
from facecast.errors import ParamError
from facecast.identity.model import Identity

_IDS = re.compile(r"^\s*\d+\s*(,\s*\d+\s*)*$")


@dataclass(frozen=True)
class Selection:
    mode: Literal["largest", "all", "ids", "ref"]
    ids: tuple[int, ...] = ()
    ref: Path | None = None
    ref_name: str | None = None  # the photo as the user named it (the API keeps uploads by id)

    @property
    def needs_list(self) -> bool:
        return self.mode != "largest"

    def __str__(self) -> str:
        if self.mode == "ids":
            return ",".join(map(str, self.ids))
        return f"ref:{self.ref}" if self.mode == "ref" else self.mode


@dataclass
class Cast:
    """Who goes on which face: listed face id -> identity, and the list that defines the ids
    (`facecast faces`); faces it does not name stay as they are."""

    roles: dict[int, Identity]
    faces: FaceList


def cast_for(source: Path, faces: str | list[int] | Selection | None, mapping: dict[int, str],
             default: str | None, load: Callable[[str], Identity], folder: Path | None,
             progress: Progress | None = None, shown: str | None = None) -> Identity | Cast:
    """What `pipeline.swap_file` swaps into `source`: the default identity for the largest
    face, or a cast from the face list kept in `folder` (found first if it is not there).
    Identities are loaded by `load` from the names (CLI) or ids (API) given."""
    selection = faces if isinstance(faces, Selection) else parse_faces(faces, mapping)
    listed = None
    if selection.needs_list:
        assert folder is not None, "a selection by face needs a folder for the face list"
        listed = face_list(source, folder, progress)
    cast = roles(selection, mapping, listed, default, shown or source.name)
    if listed is None:
        return load(cast[0])
    loaded = {name: load(name) for name in sorted(set(cast.values()))}
    return Cast({fid: loaded[name] for fid, name in cast.items()}, listed)


def parse_faces(text: str | list[int] | None, mapping: dict[int, str] | None = None
                ) -> Selection:
    """A selection from `largest`, `all`, `0,2` (or a list of ids), `ref:PHOTO`; with none
    given, the faces the mapping names, else the largest."""
    if text is None:
        return Selection("ids", tuple(sorted(mapping))) if mapping else Selection("largest")
    if isinstance(text, list):
        return Selection("ids", tuple(sorted(set(text))))
    word = text.strip()
    if word.lower() in ("largest", "all"):
        return Selection(word.lower())
    if word.lower().startswith("ref:") and word[4:].strip():
        ref = Path(word[4:].strip())
        if not ref.is_file():
            raise ParamError(f"faces: the reference photo {ref} does not exist")
        return Selection("ref", ref=ref)
    if _IDS.match(word):
        return Selection("ids", tuple(sorted({int(v) for v in word.split(",")})))
    raise ParamError(f"faces: {text!r} is not a selection; use largest, all, face ids such as "
                     "0,2 (see `facecast faces`), or ref:PHOTO")


def parse_map(items: list[str] | dict[str, str] | None) -> dict[int, str]:
    """`["0=amy", "2=ben"]` (the CLI) or `{"0": "amy"}` (the API) as {face id: identity}."""
    if not items:
        return {}
    pairs = list(items.items()) if isinstance(items, dict) else \
        [item.partition("=")[::2] for item in items]
    mapping: dict[int, str] = {}
    for key, name in pairs:
        key, name = str(key).strip(), str(name).strip()
        if not key.isdigit() or not name:
            raise ParamError(f"map: {key}={name} is not FACE_ID=IDENTITY (e.g. 0=amy)")
        if int(key) in mapping:
            raise ParamError(f"map: face {key} is given two identities")
        mapping[int(key)] = name
    return mapping


def roles(selection: Selection, mapping: dict[int, str], listed: FaceList | None,
          default: str | None, source: str = "the target") -> dict[int, str]:
    """{face id: identity} for every face the swap changes; ParamError saying what to fix.

    With `largest` the id is 0 and no list is needed (the single-face path)."""
    if selection.mode == "largest":
        if mapping:
            raise ParamError("map names faces by id: select them with faces (ids or all), "
                             "not largest")
        if default is None:
            raise ParamError("no identity given: name one (--identity) for the largest face")
        return {0: default}
    assert listed is not None
    known = listed.ids
    if not known:
        raise ParamError(f"no face was found in {source}, so none can be selected")
    span = f"{source} has faces {', '.join(map(str, known))} (see `facecast faces`)"
    for fid in [*selection.ids, *mapping]:
        if fid not in known:
            raise ParamError(f"face {fid} is not in the list: {span}")
    if selection.mode == "all":
        chosen = known
    elif selection.mode == "ids":
        chosen = list(selection.ids)
    else:
        chosen = [closest(listed, selection, source)]
    stray = sorted(set(mapping) - set(chosen))
    if stray:
        raise ParamError(f"map names face {stray[0]}, which faces={selection} does not select")
    cast: dict[int, str] = {}
    for fid in chosen:
        name = mapping.get(fid, default)
        if name is None:
            raise ParamError(f"face {fid} has no identity: give a default identity or map "
                             f"{fid}=NAME")
        cast[fid] = name
    return cast


def closest(listed: FaceList, selection: Selection, source: str) -> int:
    """The listed face most like the largest face in the reference photo (dlib distance
    under 0.6)."""
    from facecast.faces.embedding import SAME_PERSON, distance, embed
    from facecast.faces.mesh import FaceMesher
    from facecast.media import read_image

    photo = selection.ref
    assert photo is not None
    shown = selection.ref_name or photo.name
    rgb = read_image(photo).rgb
    with FaceMesher(video=False) as mesher:
        faces = mesher.detect(rgb)
    if not faces:
        raise ParamError(f"faces: no face found in the reference photo {shown}")
    gaps = np.atleast_1d(distance(listed.embeddings, embed(rgb, faces[0].box)))
    best = int(np.argmin(gaps))
    if gaps[best] >= SAME_PERSON:
        raise ParamError(f"faces: no face in {source} looks like {shown} (the closest, "
                         f"face {listed.ids[best]}, is at distance {gaps[best]:.2f}; 0.6 or "
                         "more is another person)")
    return listed.ids[best]
