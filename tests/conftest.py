"""Fixtures shared by the end-to-end tests (tests/media has its own)."""

from __future__ import annotations

import os

import pytest
from clips import MEDIA


@pytest.fixture(scope="session")
def identity(tmp_path_factory: pytest.TempPathFactory):
    """The d10 selfie set, trained once for the session in its own FACECAST_HOME."""
    from facecast.identity.build import build_identity

    os.environ["FACECAST_HOME"] = str(tmp_path_factory.mktemp("home"))
    return build_identity([MEDIA / "identities" / "d10"], "d10")
