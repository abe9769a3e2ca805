"""Anonymous sessions: every browser (or API client keeping cookies) gets a random id.

The id is 32 random bytes in a cookie; it is the owner of every identity, video and job the
client creates, and every query filters on it. A missing or malformed cookie starts a new
session. The cookie is HttpOnly (no script reads it), SameSite=Lax, and Secure when the
page is served over HTTPS (directly, or behind a proxy uvicorn trusts). Pure ASGI
middleware, so streamed responses (SSE, video) are untouched.
"""

from __future__ import annotations

import re
import secrets
from http.cookies import SimpleCookie

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "facecast_session"
MAX_AGE = 365 * 24 * 3600
_VALID = re.compile(r"[A-Za-z0-9_-]{43}")


class SessionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sid = _cookie(scope)
        fresh = sid is None
        if sid is None:
            sid = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["session"] = sid

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                value = (f"{COOKIE}={sid}; Path=/; Max-Age={MAX_AGE}; HttpOnly; "
                         f"SameSite=Lax{secure}")
                message.setdefault("headers", []).append((b"set-cookie", value.encode()))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            jar.load(value.decode("latin-1"))
            morsel = jar.get(COOKIE)
            if morsel and _VALID.fullmatch(morsel.value):
                return morsel.value
    return None


def session_id(request: Request) -> str:
    """FastAPI dependency: the caller's session id (set by the middleware)."""
    return request.state.session
