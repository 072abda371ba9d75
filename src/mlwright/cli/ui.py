"""``mlwright ui``: the workspace in a browser, read-only unless ``--allow-write``.

Like ``mlwright serve``, binding anything but loopback needs a token (``--token-file``);
a browser signs in once with it (a same-site cookie), scripts send it as a bearer token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.output import stderr
from mlwright.cli.serve import is_loopback, read_token
from mlwright.core.errors import ConfigError


def ui(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    allow_write: Annotated[
        bool,
        typer.Option(help="Allow moving aliases and deleting versions and runs (confirmed)."),
    ] = False,
    token_file: Annotated[
        Path | None, typer.Option(help="A file holding the token every visitor must give.")
    ] = None,
) -> None:
    """Open a dashboard over the workspace: datasets, runs, models, monitoring, reports."""
    import uvicorn

    from mlwright.ui.app import LOOPBACK_HOSTS, UiConfig, create_app

    token = read_token(token_file)
    if token is None and not is_loopback(host):
        msg = f"refusing to open the dashboard on {host} without a token"
        raise ConfigError(msg, hint="pass --token-file FILE, or bind 127.0.0.1")
    with workspace_from(ctx) as ws:
        # On loopback only the loopback names are answered (another site's name pointed at
        # 127.0.0.1 is not); beyond it the token guards every request.
        hosts = LOOPBACK_HOSTS if is_loopback(host) else None
        app = create_app(ws, UiConfig(allow_write=allow_write, token=token, hosts=hosts))
        mode = "changes allowed" if allow_write else "read-only"
        stderr().print(f"mlwright dashboard on http://{host}:{port} ({mode}); Ctrl-C stops it")
        uvicorn.run(app, host=host, port=port, log_level="warning")
