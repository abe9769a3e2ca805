"""`python -m facecast.api` (`make run`): serve the web app on http://127.0.0.1:8000."""

from __future__ import annotations

import logging

import uvicorn

from facecast.api.app import create_app
from facecast.api.settings import Settings


def main() -> None:
    settings = Settings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    print(f"facecast: open http://{settings.host}:{settings.port} "
          f"(data in {settings.data_root()}; Ctrl-C stops)", flush=True)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="warning", timeout_graceful_shutdown=5)


if __name__ == "__main__":
    main()
