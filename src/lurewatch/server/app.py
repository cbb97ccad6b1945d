"""The app factory: `create_app(settings)` wires the store, the intake, the API and pages."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lurewatch import __version__
from lurewatch.server.auth import LoginRequired, ensure_local_user, use_fast_hashing
from lurewatch.server.db import make_engine, migrate
from lurewatch.server.intake import Intake, IntakeError
from lurewatch.server.ratelimit import RateLimiter
from lurewatch.server.settings import Settings

log = logging.getLogger("lurewatch.server")
TEMPLATES = Path(__file__).with_name("templates")
# Room for the multipart envelope and the form fields around the file itself.
FORM_OVERHEAD = 2_000_000
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class BodyTooLarge(Exception):
    pass


class LimitBody:
    """Refuse request bodies over the limit, by Content-Length up front and by counting the
    bytes as they stream in (a client may lie or send chunked)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send)


async def _too_large(send: Send) -> None:
    body = b'{"detail":"the upload is larger than this service accepts"}'
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.fast_password_hashing:
        use_fast_hashing()
    engine = make_engine(settings.database_url())
    migrate(engine)

    app = FastAPI(title="lurewatch", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="Report intake, triage and campaign views for a security team.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.intake = Intake(engine, settings)
    app.state.login_limiter = RateLimiter(settings.login_attempts_per_minute)
    app.state.submit_limiter = RateLimiter(settings.submissions_per_minute)
    app.state.templates = Jinja2Templates(env=Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=True))  # every page escapes
    app.state.local_user_id = ensure_local_user(engine) if settings.local else None
    app.state.local_csrf = secrets.token_urlsafe(24)
    app.state.retention_checked = 0.0

    from lurewatch.server import routes_api, routes_web

    app.include_router(routes_api.router)
    app.include_router(routes_web.router)
    app.add_middleware(LimitBody, limit=settings.max_upload_bytes + FORM_OVERHEAD)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "log in or send an API token"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(IntakeError)
    async def _intake(request: Request, exc: IntakeError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    _catch_up(app)
    return app


def _catch_up(app: FastAPI) -> None:
    """At start: apply retention, and regroup campaigns in case a run died before it did."""
    from lurewatch.server.campaign_store import refresh_campaigns
    from lurewatch.server.retention import apply_retention

    apply_retention(app.state.engine)
    try:
        refresh_campaigns(app.state.engine)
    except ImportError as exc:  # campaign grouping not installed: cases still work
        log.warning("campaign grouping unavailable: %s", exc)
