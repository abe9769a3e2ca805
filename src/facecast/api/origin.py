"""Refuse state-changing requests that another site's page makes in the user's browser.

The session cookie is SameSite=Lax, which already keeps it off most cross-site requests;
this closes the rest (a same-site but other-origin page, older browsers): a POST, PUT,
PATCH or DELETE whose `Origin` is not this server's, or that the browser marks
`Sec-Fetch-Site: cross-site`, is answered 403 with a sentence. Clients that send neither
header (curl, scripts) are not browsers carrying someone else's cookie, and pass.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED = ("this request came from another website's page ({origin}); facecast only accepts "
           "changes from its own page")


class SameOriginMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in CHANGING:
            foreign = cross_origin(scope)
            if foreign is not None:
                body = json.dumps({"detail": REFUSED.format(origin=foreign)}).encode()
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def cross_origin(scope: Scope) -> str | None:
    """The foreign origin a request came from, or None when it is this server's own (or
    the client is not a browser)."""
    headers = {name.decode("latin-1").lower(): value.decode("latin-1")
               for name, value in scope.get("headers", [])}
    origin = headers.get("origin")
    if origin is not None:  # host and port compared: a TLS proxy may hide the scheme
        same = urlsplit(origin).netloc.lower() == headers.get("host", "").lower()
        return None if same and origin != "null" else origin
    if headers.get("sec-fetch-site") == "cross-site":
        return "another site"
    return None
