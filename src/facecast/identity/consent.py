"""The user's word that they may use a face: asked before every training, kept in the
identity's report (its `report.json`, and the web app's identity row)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

STATEMENT = ("I have the right to use this face: it is my own, or the person shown has "
             "given me their permission.")
REFUSED = ("consent: confirm that you have the right to use this face (your own, or with "
           "that person's permission) before training")


def record(via: Literal["api", "cli"]) -> dict[str, str]:
    """What is kept with the identity: the statement confirmed, when, and through what."""
    return {"statement": STATEMENT, "given_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "via": via}
