"""Alerts: each finding of a check sent once, as JSON, to a webhook or to a command.

A webhook gets an HTTP POST of the JSON body; a command is run (without a shell) with the
body on its standard input. A receiver that fails or is slow is reported back, never fatal
to the check: the caller decides what a failed alert means.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class AlertResult:
    """Where one alert went and whether it arrived (``error`` says why not)."""

    target: str
    subject: str
    ok: bool
    error: str | None = None


def alert_bodies(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One JSON body per finding of a check (``MonitorReport.to_dict()``)."""
    return [
        {
            "model": report["model"],
            "status": report["status"],
            "current": report["current"],
            "finding": finding,
        }
        for finding in report["findings"]
    ]


def check_webhook(url: str) -> str:
    """``url`` if it is an http(s) URL; a clear error otherwise."""
    if not url.startswith(("http://", "https://")):
        msg = f"the alert webhook {url!r} is not an http(s) URL"
        raise ConfigError(msg, hint="give e.g. https://hooks.example.com/mlwright", value=url)
    return url


def send_webhook(url: str, bodies: Sequence[dict[str, Any]]) -> list[AlertResult]:
    """POST each body to ``url``."""
    results = []
    for body in bodies:
        request = urllib.request.Request(  # the scheme is checked: http(s)
            check_webhook(url),
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json", "user-agent": "mlwright-monitor"},
            method="POST",
        )
        subject = body["finding"]["subject"]
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
                answer.read()
            results.append(AlertResult(url, subject, ok=True))
        except (urllib.error.URLError, OSError) as exc:
            results.append(AlertResult(url, subject, ok=False, error=str(exc)))
    return results


def run_command(command: str, bodies: Sequence[dict[str, Any]]) -> list[AlertResult]:
    """Run ``command`` once per body, the body as JSON on its standard input."""
    argv = shlex.split(command)
    if not argv:
        msg = "the alert command is empty"
        raise ConfigError(msg, hint="give a program and its arguments, e.g. 'notify-team --json'")
    results = []
    for body in bodies:
        subject = body["finding"]["subject"]
        try:
            done = subprocess.run(  # the user's own command, no shell
                argv,
                input=json.dumps(body),
                text=True,
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            results.append(AlertResult(command, subject, ok=False, error=str(exc)))
            continue
        error = None if done.returncode == 0 else f"exit {done.returncode}: {done.stderr[-200:]}"
        results.append(AlertResult(command, subject, ok=done.returncode == 0, error=error))
    return results
