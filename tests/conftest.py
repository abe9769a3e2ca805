"""Fixtures shared by the end-to-end tests (tests/media has its own)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from clips import MEDIA
from services import PostgresServer, RedisServer


@pytest.fixture(scope="session")
def identity(tmp_path_factory: pytest.TempPathFactory):
    """The d10 selfie set, trained once for the session in its own FACECAST_HOME."""
    from facecast.identity.build import build_identity

    os.environ["FACECAST_HOME"] = str(tmp_path_factory.mktemp("home"))
    return build_identity([MEDIA / "identities" / "d10"], "d10")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway Redis for the test session."""
    server = RedisServer().start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster and database for the test session."""
    server = PostgresServer().start()
    yield server.url
    server.stop()
