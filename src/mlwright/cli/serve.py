"""``mlwright serve REF``: serve a registered model over HTTP with uvicorn.

Binding anything but loopback needs a bearer token (``--token-file``), unless ``--insecure``
says otherwise on purpose. With ``--workers N`` uvicorn starts N processes, each of which
builds its app from the settings passed in ``MLWRIGHT_SERVE`` (see :func:`app_from_env`).
SIGTERM stops taking connections, turns ``/ready`` false, lets requests in flight finish
within ``--drain-timeout`` and then flushes the prediction log. With ``--follow-alias``
each worker checks every ``--follow-every`` seconds where ``NAME@ALIAS`` points, and
switches to a new version without failing a request (see :class:`AliasFollower`).
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.output import stderr
from mlwright.core.errors import ConfigError

SETTINGS_ENV = "MLWRIGHT_SERVE"
# The app this process built, so that a stop signal can turn its /ready false.
_BUILT: list[Any] = []


def serve(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="NAME, NAME:VERSION, NAME@ALIAS or a package file.")],
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind (0: any free port).")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    token_file: Annotated[
        Path | None, typer.Option(help="A file holding the bearer token clients must send.")
    ] = None,
    insecure: Annotated[
        bool, typer.Option(help="Allow a non-loopback address without a token.")
    ] = False,
    max_rows: Annotated[int, typer.Option(help="Rows per request at most.")] = 10_000,
    max_bytes: Annotated[int, typer.Option(help="Request body size at most.")] = 16 * 1024**2,
    timeout: Annotated[float, typer.Option(help="Seconds a request may wait (504 after).")] = 30.0,
    drain_timeout: Annotated[
        float, typer.Option(help="Seconds to finish requests in flight on SIGTERM.")
    ] = 30.0,
    log: Annotated[
        bool, typer.Option("--log/--no-log", help="Keep the prediction log in the workspace.")
    ] = True,
    follow_alias: Annotated[
        bool,
        typer.Option(help="Switch to the new version when NAME@ALIAS moves (no restart)."),
    ] = False,
    follow_every: Annotated[
        float, typer.Option(help="Seconds between checks of the alias (--follow-alias).")
    ] = 5.0,
) -> None:
    """Serve a model: POST /predict, /feedback; GET /health, /ready, /metadata, /metrics."""
    import uvicorn

    from mlwright.registry.refs import parse_model_ref
    from mlwright.workspace.models import is_package_path

    token = read_token(token_file)
    if token is None and not insecure and not is_loopback(host):
        msg = f"refusing to serve on {host} without a token"
        hint = "pass --token-file FILE (clients send 'Authorization: Bearer TOKEN'), or --insecure"
        raise ConfigError(msg, hint=hint)
    if workers < 1:
        msg = f"--workers must be at least 1, got {workers}"
        raise ConfigError(msg, hint="one worker per core is a good start")
    if follow_alias and (is_package_path(ref) or parse_model_ref(ref).alias is None):
        msg = f"--follow-alias needs a reference of the form NAME@ALIAS, not {ref!r}"
        raise ConfigError(msg, hint="e.g. mlwright serve churn@production --follow-alias")
    if not follow_every > 0:
        msg = f"--follow-every must be a positive number of seconds, got {follow_every:g}"
        raise ConfigError(msg, hint="the default, 5 s, suits most deployments")
    with workspace_from(ctx) as ws:
        settings = {
            "ref": ref,
            "workspace": str(ws.path),
            "store_uri": ws.settings.resolved_store_uri,
            "token": token,
            "max_rows": max_rows,
            "max_bytes": max_bytes,
            "timeout": timeout,
            "log": log,
            "follow": follow_alias,
            "follow_every": follow_every,
        }
        if not is_package_path(ref):
            ws.model_version(ref)  # an unknown reference is refused before anything starts
    os.environ[SETTINGS_ENV] = json.dumps(settings)
    stderr().print(
        f"Serving {ref} on http://{host}:{port} with {workers} worker(s)"
        + ("" if token else " [yellow](no token)[/]"),
        soft_wrap=True,
    )
    config = uvicorn.Config(
        "mlwright.cli.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=int(drain_timeout),
        log_level="warning",
        access_log=False,
    )
    if workers > 1:
        uvicorn.Server(config).run()  # uvicorn's supervisor starts and restarts the workers
        return
    _DrainingServer(config).run()


def app_from_env() -> Any:
    """The app of one worker, built from the settings ``mlwright serve`` put in the environment."""
    from mlwright.serve.app import ServeConfig, create_app
    from mlwright.workspace import Workspace

    settings = json.loads(os.environ[SETTINGS_ENV])
    ref = settings["ref"]
    with Workspace(settings["workspace"], store_uri=settings["store_uri"]) as ws:
        model = ws.load_model(ref)
    model.set_threads(1)  # workers, not threads, use the cores: no OpenMP contention
    config = ServeConfig(
        token=settings["token"],
        max_rows=settings["max_rows"],
        max_bytes=settings["max_bytes"],
        request_timeout_s=settings["timeout"],
        follow_every_s=settings["follow_every"],
    )
    logs = _logs(Path(settings["workspace"])) if settings["log"] else (None, None)
    follow = None
    if settings["follow"]:
        follow = AliasFollower(settings["workspace"], settings["store_uri"], ref, model)
    app = create_app(model, config, prediction_log=logs[0], feedback_log=logs[1], follow=follow)
    _BUILT.append(app)
    return app


class AliasFollower:
    """Where ``NAME@ALIAS`` points now: the newly pointed-to version, loaded, once per move.

    Each call opens the workspace briefly (the server holds no store connection between
    checks); a version it has returned once is not returned again, even if the server
    refused it, so a refused version is not reloaded every few seconds.
    """

    def __init__(self, workspace: str, store_uri: str, ref: str, current: Any) -> None:
        from mlwright.registry.refs import parse_model_ref

        self.workspace = workspace
        self.store_uri = store_uri
        self.ref = parse_model_ref(ref)
        self.version = current.source.version

    def __call__(self) -> Any:
        """The model the alias points to, if it moved since the last call; else None."""
        from mlwright.workspace import Workspace

        with Workspace(self.workspace, store_uri=self.store_uri) as ws:
            record = ws.model_version(str(self.ref))
            if record.version == self.version:
                return None
            self.version = record.version
            model = ws.load_model(f"{record.name}:{record.version}")
        model.set_threads(1)
        return model


def _logs(workspace: Path) -> tuple[Any, Any]:
    """The prediction and feedback logs of the workspace (one folder per model below each)."""
    from mlwright.serve.predlog import FEEDBACK_DIR, PREDICTIONS_DIR, FeedbackLog, PredictionLog

    return PredictionLog(workspace / PREDICTIONS_DIR), FeedbackLog(workspace / FEEDBACK_DIR)


class _DrainingServer:
    """uvicorn's server; ``/ready`` turns false as soon as a stop is asked for.

    A graceful stop on SIGTERM exits with status 0.
    """

    def __init__(self, config: Any) -> None:
        import uvicorn

        class Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: Any) -> None:
                for app in _BUILT:
                    app.state.draining = True
                super().handle_exit(sig, frame)
                # uvicorn re-raises a caught signal once it has stopped; a SIGTERM that
                # was answered by a graceful stop is a success (exit status 0).
                if sig == signal.SIGTERM:
                    self._captured_signals = [s for s in self._captured_signals if s != sig]

        self._server = Server(config)

    def run(self) -> None:
        self._server.run()


def read_token(path: Path | None) -> str | None:
    """The bearer token in ``path`` (None without a file); refused when short."""
    if path is None:
        return None
    try:
        token = path.read_text().strip()
    except OSError as exc:
        msg = f"cannot read the token file {path}: {exc.strerror}"
        raise ConfigError(msg, hint="give a readable file holding the token") from exc
    if len(token) < 16:
        msg = f"the token in {path} is shorter than 16 characters"
        raise ConfigError(msg, hint="use a long random token, e.g. from: openssl rand -hex 32")
    return token


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps a server to this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
