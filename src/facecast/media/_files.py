"""Path checks and atomic writes shared by the image and video writers.

Outputs are written to a temporary file beside the destination and renamed at the end, so a
crash, a full disk or an exception never leaves a half-written file where a user expects a
finished one.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from facecast.errors import MediaError


def require_file(path: str | Path) -> Path:
    """Fail early with a message naming the file, before a decoder reports something cryptic."""
    p = Path(path)
    if not p.exists():
        raise MediaError(f"cannot read {p}: file does not exist")
    if not p.is_file():
        raise MediaError(f"cannot read {p}: not a regular file")
    if not os.access(p, os.R_OK):
        raise MediaError(f"cannot read {p}: permission denied")
    return p


def check_writable(path: str | Path) -> None:
    """Raise MediaError if `path` cannot be created; call it before long work, not after.

    The check creates (and removes) a scratch file in the folder: permission bits alone lie
    for root, read-only mounts and network shares.
    """
    p = Path(path)
    folder = p.parent
    if not folder.is_dir():
        raise MediaError(f"cannot write to {p}: folder {folder} does not exist")
    if p.is_dir():
        raise MediaError(f"cannot write to {p}: it is a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise MediaError(f"cannot write to {p}: folder {folder} is not writable ({exc})") from exc


class AtomicFile:
    """A temporary file beside `path` that becomes `path` on commit() and vanishes on discard()."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        check_writable(self.path)
        self.tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.part")
        # os.open rather than mkstemp: mkstemp's 0600 mode would survive the rename and surprise
        # whoever serves or shares the result; 0666 lets the user's umask decide as usual.
        os.close(os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))

    def commit(self) -> None:
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)
