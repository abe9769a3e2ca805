"""Installed models: files under `$FACECAST_HOME/models/` and `models.json` beside them,
which records each file's SHA-256 and whether it is the registry's (verified).

A file whose hash differs from the registry's is refused unless the user allows it; it is
then recorded as unverified and every use says so. Writes are atomic (a temporary file
renamed), so an interrupted `add` or `fetch` leaves nothing half-installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from facecast.errors import ModelError
from facecast.home import home
from facecast.models.registry import Kind, ModelSpec, spec

_CHUNK = 1 << 20


@dataclass
class Installed:
    name: str
    file: str
    sha256: str
    size: int
    verified: bool

    @property
    def path(self) -> Path:
        return models_dir() / self.file

    def warning(self) -> str | None:
        """The sentence every use of an unverified file carries; None when verified."""
        if self.verified:
            return None
        return (f"model {self.name} is UNVERIFIED: its SHA-256 {self.sha256[:12]}... is not "
                "the registry's, so its results are not the published model's")


def models_dir() -> Path:
    path = home() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256_of(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


def _state_path() -> Path:
    return models_dir() / "models.json"


def installed() -> dict[str, Installed]:
    """What is installed, by name (files that went missing included: `verify` says so)."""
    path = _state_path()
    if not path.is_file():
        return {}
    return {name: Installed(**entry) for name, entry in json.loads(path.read_text()).items()}


def _write_state(state: dict[str, Installed]) -> None:
    folder = models_dir()
    fd, tmp = tempfile.mkstemp(prefix=".models.", suffix=".json", dir=folder)
    with os.fdopen(fd, "w") as f:
        json.dump({n: asdict(i) for n, i in sorted(state.items())}, f, indent=2)
    os.replace(tmp, _state_path())


def judge(model: ModelSpec, digest: str, allow_unverified: bool) -> bool:
    """Whether a file of hash `digest` is the registry's `model`; refused (ModelError)
    when it is not and the user did not allow it."""
    if model.sha256 is not None and digest == model.sha256.lower():
        return True
    if allow_unverified:
        return False
    known = (f"the registry's is {model.sha256}" if model.sha256
             else "the registry holds no SHA-256 for it yet")
    raise ModelError(f"{model.name}: the file's SHA-256 is {digest}; {known}. Use the "
                     "published file, or pass --allow-unverified to install it anyway "
                     "(it is then named unverified on every use)")


def install(model: ModelSpec, staged: Path, digest: str, verified: bool) -> Installed:
    """Move a complete file in `models_dir()` (`staged`, same folder) to its final name and
    record it."""
    final = models_dir() / model.file
    os.replace(staged, final)
    entry = Installed(model.name, model.file, digest, final.stat().st_size, verified)
    state = installed()
    state[model.name] = entry
    _write_state(state)
    return entry


def add(source: Path, name: str, allow_unverified: bool = False) -> Installed:
    """Copy `source` in as model `name`, after checking its hash against the registry."""
    model = spec(name)
    if not source.is_file():
        raise ModelError(f"{source}: no such file")
    digest = sha256_of(source)
    verified = judge(model, digest, allow_unverified)
    fd, tmp = tempfile.mkstemp(prefix=f".{model.file}.", suffix=".part", dir=models_dir())
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        return install(model, Path(tmp), digest, verified)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove(name: str) -> None:
    state = installed()
    entry = state.pop(name, None)
    if entry is None:
        raise ModelError(f"model {name!r} is not installed (installed: "
                         f"{', '.join(state) or 'none'})")
    entry.path.unlink(missing_ok=True)
    _write_state(state)


def verify() -> dict[str, str]:
    """Each installed model's state now: 'verified', 'unverified', 'missing' or 'changed'
    (the file's hash is no longer the one recorded)."""
    verdicts = {}
    for name, entry in installed().items():
        if not entry.path.is_file():
            verdicts[name] = "missing"
        elif sha256_of(entry.path) != entry.sha256:
            verdicts[name] = "changed"
        else:
            verdicts[name] = "verified" if entry.verified else "unverified"
    return verdicts


def require(name: str, kind: Kind | None = None) -> Installed:
    """The installed model `name`, or a sentence saying how to get it."""
    spec(name, kind)
    entry = installed().get(name)
    if entry is None or not entry.path.is_file():
        raise ModelError(f"model {name} is not installed: run `facecast models fetch {name}` "
                         f"(or `facecast models add FILE --as {name}` for a file you have)")
    return entry
