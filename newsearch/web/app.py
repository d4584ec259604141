"""The web application: the API and the pages over one EngineHost, its errors and its headers.

``create_app(index_dir)`` builds it (``newsearch serve`` runs it with uvicorn); tests drive it
with FastAPI's TestClient. Every error is one line, as the command prints it: JSON
``{"error": "..."}`` under ``/api/``, a page elsewhere, with a 4xx status for what the client
can fix (422: a query or parameter not understood; 404: no such article or page) and 503 while
there is no index to read. Every answer carries a Content-Security-Policy that allows scripts,
styles and images from this server only (no inline script anywhere: app.js is a file), and
says not to be framed or sniffed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from newsearch import errors, render
from newsearch.web import api, pages
from newsearch.web.host import EngineHost

log = logging.getLogger("newsearch.web")
ERROR_CHARS = 300  # as the command cuts an error line
INDEX_ENV = "NEWSEARCH_SERVE_INDEX"  # the index of `create_app()` with no argument (workers)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# Swagger UI (at /docs, served from here) styles its elements inline.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGI = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP answer."""

    def __init__(self, app: ASGI) -> None:
        self.app = app

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CSP if scope.get("path") == "/docs" else CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", policy.encode()))
                headers.extend(HEADERS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def status_of(exc: errors.NewsearchError) -> int:
    """The HTTP status of an error the engine raised."""
    if isinstance(exc, errors.ArticleNotFoundError):
        return 404
    if isinstance(exc, errors.QueryError):
        return 422
    if isinstance(
        exc,
        errors.IndexNotFoundError
        | errors.IndexVersionError
        | errors.IndexBusyError
        | errors.EngineClosedError,
    ):
        return 503
    return 500


def one_line(message: str) -> str:
    return render.clip(" ".join(message.split()), ERROR_CHARS)


def error_response(request: Request, status: int, message: str) -> Response:
    """JSON under /api/ (and for clients asking for JSON), else the error page."""
    line = one_line(message)
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return api.json_response({"error": line}, status)
    return pages.error_page(request, status, line)


def _validation_message(exc: RequestValidationError) -> str:
    """FastAPI's first complaint as one line: ``limit: Input should be ... (got 1000000000)``."""
    found = list(exc.errors())
    if not found:
        return "a parameter was not understood"
    first = found[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path"))
    given = first.get("input")
    got = f" (got {render.clip(str(given), 40)!r})" if isinstance(given, str | int) else ""
    return f"{where or 'request'}: {first.get('msg', 'not understood')}{got}"


def create_app(index_dir: str | os.PathLike[str] | None = None) -> FastAPI:
    """The application over the index at ``index_dir`` (else $NEWSEARCH_SERVE_INDEX, else
    ``index``). It opens the index on first use, and reads it fresh at every request."""
    where = Path(index_dir or os.environ.get(INDEX_ENV) or "index")
    host = EngineHost(where)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        yield
        host.close()

    app = FastAPI(
        title="newsearch",
        summary="Full-text passage search over news articles: the HTTP API.",
        description="Every answer is the JSON `newsearch ... --json` prints; errors are "
        '`{"error": "..."}` with a 4xx status. The search page is at `/`.',
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.host = host
    app.include_router(api.router)
    app.include_router(pages.router)
    static = resources.files("newsearch.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    swagger = _swagger_assets()
    if swagger is not None:
        app.mount("/swagger", StaticFiles(directory=str(swagger)), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return pages.docs_page(swagger is not None)

    @app.exception_handler(errors.NewsearchError)
    async def engine_error(request: Request, exc: errors.NewsearchError) -> Response:
        return error_response(request, status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, _validation_message(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            message = f"no page at {render.clip(request.url.path, 80)}: the search is at /"
        elif exc.status_code == 405:
            message = "this server is read-only: use GET"
        else:
            message = str(exc.detail)
        response = error_response(request, exc.status_code, message)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        detail = f"unexpected {type(exc).__name__}: {exc} (a bug: please report it)"
        return error_response(request, 500, detail)

    app.add_middleware(SecurityHeaders)
    return app


def _swagger_assets() -> Path | None:
    """Swagger UI's files as the fastapi-offline package ships them (None if missing)."""
    try:
        found = resources.files("fastapi_offline") / "static"
    except ModuleNotFoundError:
        return None
    path = Path(str(found))
    return path if (path / "swagger-ui-bundle.js").is_file() else None
