"""The FastAPI application: services on startup, error mapping, routes and the page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from facecast.api.docs import add_docs
from facecast.api.origin import SameOriginMiddleware
from facecast.api.routes import (
    datasets,
    engines,
    identities,
    jobs,
    looks,
    session,
    templates,
    videos,
)
from facecast.api.services import Services
from facecast.api.session import SessionMiddleware
from facecast.api.settings import Settings
from facecast.errors import FacecastError
from facecast.jobs.context import Split
from facecast.jobs.layout import Layout
from facecast.jobs.store import Store
from facecast.jobs.worker import WorkerPool
from facecast.templates import install_shipped

if TYPE_CHECKING:
    from facecast.jobs.broker import BrokerQueue

WEB = Path(__file__).resolve().parent.parent / "web"
log = logging.getLogger(__name__)


def validation_message(errors: list[dict]) -> str:
    """One sentence per problem, naming the field: `params.end: must be after start`."""
    parts = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "form")]
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{'.'.join(loc)}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def install_templates() -> None:
    """The five built-in templates, from the clips the package ships (once per home)."""
    try:
        install_shipped()
    except FacecastError as exc:
        log.warning("the built-in templates were not installed: %s", exc)


def job_runner(settings: Settings, store: Store, layout: Layout) -> WorkerPool | BrokerQueue:
    """Where jobs run: Celery workers when a broker is set, else the server's own threads."""
    if settings.broker_url:
        from facecast.jobs.broker import BrokerQueue

        return BrokerQueue(store, settings.broker_url)
    return WorkerPool(store, layout, settings.workers, min_photos=settings.min_photos,
                      max_photos=settings.max_photos,
                      split=Split(settings.chunk_seconds, settings.workers))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        layout = Layout(settings.data_root())
        layout.create()
        install_templates()
        store = Store(settings.db_url())
        pool = job_runner(settings, store, layout)
        app.state.services = Services(settings, store, layout, pool)
        pool.start()
        try:
            yield
        finally:
            pool.stop()
            store.close()

    app = FastAPI(title="facecast", version="0.1.0", lifespan=lifespan, docs_url=None,
                  redoc_url=None,
                  description="Put a person's face onto a character in a video or photo. "
                  "Every identity, video and job belongs to the caller's session cookie.")
    app.add_middleware(SessionMiddleware)
    app.add_middleware(SameOriginMiddleware)  # added last, so it runs first

    @app.exception_handler(FacecastError)
    async def _user_error(_request: Request, exc: FacecastError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                  for e in exc.errors()]
        return JSONResponse({"detail": validation_message(errors), "errors": errors},
                            status_code=422)

    for module in (identities, videos, templates, jobs, looks, datasets, engines, session):
        app.include_router(module.router, prefix="/api")
    add_docs(app)
    app.mount("/", StaticFiles(directory=WEB, html=True), name="web")
    return app
