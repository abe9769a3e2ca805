"""`facecast models fetch`: a model downloaded from the registry's URL.

HTTPS only (plain HTTP is allowed to the machine itself, for a local mirror). Bytes go to
`.<file>.part` in the models folder; a cut connection is resumed with a Range request, in
the same run (a few tries while bytes keep coming) or by running fetch again. The hash is
checked before the file takes its name (an atomic rename); a mismatch deletes the download.
Nothing is ever fetched implicitly: only this command downloads.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from facecast.errors import ModelError
from facecast.models.registry import ModelSpec, spec
from facecast.models.store import Installed, install, judge, models_dir, sha256_of

_CHUNK = 1 << 16
TRIES = 4
"""Tries in a row that may end without a new byte before fetch gives up (the part stays)."""
TIMEOUT = 30.0  # s without a byte

Progress = Callable[[int, int], None]
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _check_url(url: str) -> None:
    parts = urlparse(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        return
    raise ModelError(f"refusing to download from {url}: models come over HTTPS only")


def _download(url: str, part: Path, progress: Progress | None) -> None:
    """One request: from where `part` ends (Range) to the end, or until the connection is
    cut. Raises ModelError for an answer that is not the file."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # asked past the end: the part is stale or complete
            part.unlink()
            raise ConnectionError("range not satisfiable; starting over") from exc
        raise ModelError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from exc
    with response:
        if response.status == 206:
            total = int(response.headers["Content-Range"].rpartition("/")[2])
            mode = "ab"
        else:  # the whole file again: the server ignored the range
            have, mode = 0, "wb"
            total = int(response.headers.get("Content-Length") or 0)
        with part.open(mode) as out:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                have += len(chunk)
                if progress:
                    progress(have, total)
    if total and have < total:
        raise ConnectionError(f"connection closed at {have} of {total} bytes")


def fetch(name: str, allow_unverified: bool = False, progress: Progress | None = None
          ) -> Installed:
    """Download model `name`, check its hash and install it."""
    model: ModelSpec = spec(name)
    url = model.download_url()
    _check_url(url)
    part = models_dir() / f".{model.file}.part"
    failures = 0
    while True:
        before = part.stat().st_size if part.exists() else 0
        try:
            _download(url, part, progress)
            break
        except (OSError, http.client.HTTPException) as exc:  # a cut, a timeout, a reset
            grew = part.exists() and part.stat().st_size > before
            failures = 0 if grew else failures + 1
            if failures >= TRIES:
                kept = part.stat().st_size if part.exists() else 0
                raise ModelError(f"download of {name} from {url} failed ({exc}); {kept} bytes "
                                 f"are kept: run `facecast models fetch {name}` again to "
                                 "resume") from exc
    digest = sha256_of(part)
    try:
        verified = judge(model, digest, allow_unverified)
    except ModelError:
        part.unlink()
        raise
    return install(model, part, digest, verified)
