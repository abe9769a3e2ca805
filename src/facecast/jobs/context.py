"""What every job runner gets and gives back, apart from the runners themselves so that
`jobs.runners` and `jobs.datasets` can both use it without importing each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from facecast.errors import FacecastError
from facecast.jobs.layout import Layout
from facecast.jobs.store import Store


@dataclass(frozen=True)
class Split:
    """How long videos are cut: pieces of about `seconds`, run in `processes` local
    processes (1: not cut; Celery workers cut whatever `processes` says)."""

    seconds: float
    processes: int = 1


@dataclass
class Context:
    store: Store
    layout: Layout
    progress: Callable[[float], None]
    min_photos: int = 5
    max_photos: int = 15
    split: Split | None = None


@dataclass
class Outcome:
    """What a finished job records: its result file and kind, and any warnings."""

    result: str | None = None
    result_kind: str | None = None
    warnings: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None


class MissingInputError(FacecastError):
    """Something the job needs was deleted while it waited."""
