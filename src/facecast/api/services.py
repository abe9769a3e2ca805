"""What routes need, built once per app by `api.app` and reached with `services(request)`."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from facecast.api.settings import Settings
from facecast.jobs.layout import Layout
from facecast.jobs.store import Store
from facecast.jobs.worker import WorkerPool


@dataclass
class Services:
    """What routes need, built once per app: reach it with `services(request)`."""

    settings: Settings
    store: Store
    layout: Layout
    pool: WorkerPool


def services(request: Request) -> Services:
    return request.app.state.services
