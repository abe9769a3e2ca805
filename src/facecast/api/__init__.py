"""The web app: a REST API (OpenAPI at /docs) and the page at /, served by one FastAPI app.

`create_app` builds it from `Settings`; `python -m facecast.api` (`make run`) serves it.
"""

from facecast.api.app import create_app
from facecast.api.settings import Settings

__all__ = ["Settings", "create_app"]
