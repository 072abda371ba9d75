"""The dashboard: a FastAPI app rendering the workspace as server-side HTML pages.

``create_app(workspace, UiConfig(...))`` returns the ASGI app; ``mlwright ui`` runs it with
uvicorn. Pages are Jinja2 templates with inline CSS and SVG: no script, no asset fetched,
nothing to build. It is read-only unless ``allow_write``: then a model's alias can be moved
and a version or run deleted, each through a confirmation page whose form POSTs the change.

Auth: with a token, every page needs it, sent as ``Authorization: Bearer TOKEN`` or as an
HttpOnly, same-site session cookie the sign-in form sets (an HMAC of the token, never the
token itself); both are compared in constant time. Against other web pages driving a
dashboard on loopback: requests must name an allowed host (no DNS rebinding), a POST from
another origin is refused, and pages may not be framed; a content policy forbids any fetch.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# At module level: FastAPI resolves the endpoints' annotations (Request) in this namespace.
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

if TYPE_CHECKING:
    from mlwright.workspace.facade import Workspace

TEMPLATES = Path(__file__).parent / "templates"
COOKIE = "mlwright_session"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # not no-referrer: with it browsers send "Origin: null" on the dashboard's own forms
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True, slots=True)
class UiConfig:
    """What the dashboard allows: writes, its token, and the host names it answers to.

    ``hosts`` None answers any name: for a dashboard behind a token on a public address.
    """

    allow_write: bool = False
    token: str | None = None
    hosts: tuple[str, ...] | None = LOOPBACK_HOSTS


def create_app(ws: Workspace, config: UiConfig | None = None) -> FastAPI:
    """The dashboard over an open workspace (which the caller closes after serving)."""
    import jinja2

    from mlwright.core.errors import MlwrightError, NotFoundError
    from mlwright.report.html import format_number
    from mlwright.ui import views

    config = config or UiConfig()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals |= {"fmt": format_number, "when": _when, "allow_write": config.allow_write}
    session = None if config.token is None else _session(config.token)
    app = FastAPI(title="mlwright dashboard", docs_url=None, redoc_url=None, openapi_url=None)

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(f"{name}.html.j2").render(workspace=str(ws.path), **context)
        return HTMLResponse(html, status_code=status)

    def signed_in(request: Request) -> bool:
        if config.token is None or session is None:
            return True
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return hmac.compare_digest(given.encode(), config.token.encode())
        return hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), session.encode())

    def writable(request: Request) -> None:
        if not config.allow_write:
            raise HTTPException(403, "the dashboard is read-only; start it with --allow-write")
        origin = request.headers.get("origin")
        site = request.headers.get("sec-fetch-site", "same-origin")
        foreign = origin is not None and origin.split("://", 1)[-1] != request.headers.get("host")
        if foreign or site not in ("same-origin", "none"):
            raise HTTPException(403, "changes must come from the dashboard's own pages")

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Any:
        host = request.headers.get("host", "").rsplit(":", 1)[0].strip("[]")
        if config.hosts is not None and host not in config.hosts:
            answer: Any = page("error", 400, message=f"unknown host {host!r}", hint=None)
        elif request.url.path == "/login" or signed_in(request):
            answer = await call_next(request)
        else:
            answer = page("login", 401, failed=False)
        answer.headers.update(HEADERS)
        return answer

    @app.exception_handler(MlwrightError)
    async def known(request: Request, exc: MlwrightError) -> HTMLResponse:
        status = 404 if isinstance(exc, NotFoundError) else 400
        return page("error", status, message=str(exc), hint=exc.hint)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        return page("error", exc.status_code, message=str(exc.detail), hint=None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return page("error", 400, message=f"missing or invalid: {fields}", hint=None)

    @app.get("/login", response_class=HTMLResponse)
    def login_form() -> HTMLResponse:
        return page("login", failed=False)

    @app.post("/login", response_model=None)
    def login(token: str = Form("")) -> HTMLResponse | RedirectResponse:
        if config.token is None or not hmac.compare_digest(token.encode(), config.token.encode()):
            return page("login", 401, failed=config.token is not None)
        done = RedirectResponse("/", status_code=303)
        done.set_cookie(COOKIE, _session(token), httponly=True, samesite="strict")
        return done

    @app.get("/", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        return page("home", o=views.overview(ws))

    @app.get("/datasets", response_class=HTMLResponse)
    def datasets() -> HTMLResponse:
        return page("datasets", datasets=views.dataset_list(ws))

    @app.get("/datasets/{name}/{version}", response_class=HTMLResponse)
    def dataset(name: str, version: int) -> HTMLResponse:
        return page("dataset", d=views.dataset_page(ws, name, version))

    @app.get("/runs", response_class=HTMLResponse)
    def runs(page_number: int = 1) -> HTMLResponse:
        return page("runs", r=views.run_list(ws, page_number))

    @app.get("/runs/compare", response_class=HTMLResponse)
    def compare(a: str, b: str) -> HTMLResponse:
        return page("compare", c=views.compare(ws, a, b))

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run(run_id: str) -> HTMLResponse:
        return page("run", r=views.run_page(ws, run_id))

    @app.get("/runs/{run_id}/report", response_model=None)
    def report(run_id: str) -> FileResponse:
        return FileResponse(ws.run_report(run_id), media_type="text/html")

    @app.get("/runs/{run_id}/report.json", response_model=None)
    def report_json(run_id: str) -> FileResponse:
        return FileResponse(ws.run_report(run_id).with_suffix(".json"))

    @app.get("/reports", response_class=HTMLResponse)
    def reports() -> HTMLResponse:
        return page("reports", reports=views.report_list(ws))

    @app.get("/models", response_class=HTMLResponse)
    def models() -> HTMLResponse:
        return page("models", models=views.model_list(ws))

    @app.get("/models/{name}", response_class=HTMLResponse)
    def model(name: str) -> HTMLResponse:
        return page("model", m=views.model_page(ws, name))

    @app.get("/monitoring", response_class=HTMLResponse)
    def monitoring() -> HTMLResponse:
        return page("monitoring", checks=views.monitoring_list(ws))

    @app.get("/monitoring/{name}", response_class=HTMLResponse)
    def monitoring_model(name: str) -> HTMLResponse:
        return page("monitor_model", m=views.monitoring_page(ws, name))

    @app.get("/models/{name}/promote", response_class=HTMLResponse)
    def promote_form(request: Request, name: str, version: int, alias: str) -> HTMLResponse:
        from mlwright.registry.refs import check_alias

        writable(request)
        check_alias(alias)
        target = ws.model_version(f"{name}:{version}")
        action = f"point {name}@{alias} at version {version}"
        current = [v.version for v in ws.store.list_model_versions(name) if alias in v.aliases]
        if current:
            action += f" (now version {current[0]})"
        fields = {"version": str(target.version), "alias": alias}
        return page(
            "confirm",
            action=action,
            url=f"/models/{name}/promote",
            fields=fields,
            back=f"/models/{name}",
        )

    @app.post("/models/{name}/promote", response_model=None)
    def promote(
        request: Request, name: str, version: int = Form(), alias: str = Form()
    ) -> RedirectResponse:
        writable(request)
        ws.set_alias(name, version, alias)
        return RedirectResponse(f"/models/{name}", status_code=303)

    @app.get("/models/{name}/{version}/delete", response_class=HTMLResponse)
    def delete_form(request: Request, name: str, version: int) -> HTMLResponse:
        writable(request)
        ws.model_version(f"{name}:{version}")
        return page(
            "confirm",
            action=f"delete version {version} of {name} (its package too, if unused)",
            url=f"/models/{name}/{version}/delete",
            fields={},
            back=f"/models/{name}",
        )

    @app.post("/models/{name}/{version}/delete", response_model=None)
    def delete_version(request: Request, name: str, version: int) -> RedirectResponse:
        writable(request)
        ws.delete_model(f"{name}:{version}")
        left = ws.store.list_model_versions(name)
        return RedirectResponse(f"/models/{name}" if left else "/models", status_code=303)

    @app.get("/runs/{run_id}/delete", response_class=HTMLResponse)
    def delete_run_form(request: Request, run_id: str) -> HTMLResponse:
        writable(request)
        run = ws.store.get_run(run_id)
        return page(
            "confirm",
            action=f"delete run {run.id} and its model",
            url=f"/runs/{run.id}/delete",
            fields={},
            back=f"/runs/{run.id}",
        )

    @app.post("/runs/{run_id}/delete", response_model=None)
    def delete_run(request: Request, run_id: str) -> RedirectResponse:
        writable(request)
        ws.delete_run(run_id)
        return RedirectResponse("/runs", status_code=303)

    return app


def _session(token: str) -> str:
    """The sign-in cookie's value: derived from the token, so the cookie never holds it."""
    import hashlib

    return hmac.new(token.encode(), b"mlwright dashboard session", hashlib.sha256).hexdigest()


def _when(value: Any) -> str:
    """A time as ``2026-12-03 14:05`` (UTC)."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")
