"""What routes need, built once per app by `api.app` and reached with `services(request)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from facecast.api.settings import Settings
from facecast.jobs.layout import Layout
from facecast.jobs.store import Store


class Jobs(Protocol):
    """Where queued jobs go: `jobs.worker.WorkerPool` (the server's threads) or
    `jobs.broker.BrokerQueue` (Celery workers)."""

    def start(self) -> None: ...
    def stop(self, timeout: float = 10.0) -> None: ...
    def wake(self) -> None: ...
    def cancel(self, job_id: str) -> None: ...


@dataclass
class Services:
    """What routes need, built once per app: reach it with `services(request)`."""

    settings: Settings
    store: Store
    layout: Layout
    pool: Jobs


def services(request: Request) -> Services:
    return request.app.state.services
