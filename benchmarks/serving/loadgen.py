"""A bounded HTTP load generator and server launcher for the serving benchmark.

Standard library only (asyncio streams, HTTP/1.1 keep-alive, request bytes encoded once), so it
runs in any of the benchmark's venvs and costs the client little CPU: on this 2-core machine
against a trivial server it does ~11k req/s at one connection and ~20k at 16-64, about 40 us
of client CPU per request (``python benchmarks/serving/loadgen.py selftest`` measures it
again). That is two orders of magnitude above what the peers serve, but at mlwright's rates
(thousands of req/s) the client takes a visible share of a core: read ``Result.client_cpu_s``
and pin client and server to different cores (``cpus=``) to keep them apart.

Load: ``concurrency`` connections, each sending its next request as soon as the previous
answer is in (a closed loop), cycling through ``payloads``; after ``warmup_s`` (not counted)
it counts for ``duration_s`` seconds or ``max_requests`` requests, whichever comes first, then
waits at most ``timeout_s`` for requests in flight (the last ones are cancelled, not counted).
A request is an error when it fails to connect, times out (``timeout_s``), the connection
breaks, or the status is not 2xx; the connection is reopened after any error but a status.

Python API (import with ``sys.path`` set to ``benchmarks/serving`` or as
``benchmarks.serving.loadgen`` from the repository root)::

    result = run_load("http://127.0.0.1:8080/invocations", bodies, concurrency=16,
                      duration_s=10.0)   # -> Result(req_s, p50_ms, p99_ms, errors, n, ...)

    with start_server(cmd, health_url=..., cpus={1}) as server:   # -> Server
        server.cold_start_s, server.port, server.url(...)

    port = free_port()
    bodies = [MLFLOW.body(records[i:i + 1]) for i in range(len(records))]

with the request formats ``MLFLOW`` (``{"dataframe_split": ...}`` to ``/invocations``),
``BENTOML`` (``{"records": [...]}`` to ``/predict``, see ``bento_service.py``) and
``MLWRIGHT`` (``{"records": [...]}`` to ``/predict``), and ``peer_command()`` for the
commands that start the peers. CLI::

    python benchmarks/serving/loadgen.py load URL --body-file B.json -c 16 -d 10
    python benchmarks/serving/loadgen.py selftest            # the client's own ceiling
    python benchmarks/serving/loadgen.py trivial-server --port 8099
    python benchmarks/serving/loadgen.py trial --seconds 5   # MLflow and BentoML, end to end
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BENCHMARKS = HERE.parent
OUT_DIR = BENCHMARKS / "out" / "serving"

# Hard caps, whatever a caller asks: the load is always bounded in count and time.
MAX_REQUESTS_CAP = 2_000_000
MAX_DURATION_CAP_S = 600.0
MAX_CONCURRENCY = 512


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Result:
    """One load level. The first five fields are the ones the report prints."""

    req_s: float  # counted requests (ok + errors) per second of the counted window
    p50_ms: float  # latency percentiles over the successful requests
    p99_ms: float
    errors: int
    n: int  # counted requests, errors included
    ok: int = 0
    rows_per_request: int = 1
    rows_s: float = 0.0  # successful rows per second
    mean_ms: float = 0.0
    p90_ms: float = 0.0
    max_ms: float = 0.0
    duration_s: float = 0.0  # the counted window
    concurrency: int = 0
    client_cpu_s: float = 0.0  # this process's CPU (user + system) in the counted window
    server_cpu_s: float = float("nan")  # cpu_probe()'s difference over the counted window
    error_kinds: dict[str, int] = field(default_factory=dict)
    stopped_by: str = "time"  # "time" or "max_requests"

    def line(self, label: str = "") -> str:
        head = f"{label:<28}" if label else ""
        return (
            f"{head}c={self.concurrency:<3} {self.req_s:9.1f} req/s {self.rows_s:10.0f} rows/s"
            f"  p50 {self.p50_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms  errors {self.errors}"
            f"  n {self.n}  cpu: client {self.client_cpu_pct:.0f}%"
            + (
                f" server {self.server_cpu_pct:.0f}%"
                if self.server_cpu_s == self.server_cpu_s
                else ""
            )
        )

    @property
    def server_cpu_pct(self) -> float:
        """The server's CPU (from ``cpu_probe``) as a share of one core over the window."""
        return 100.0 * self.server_cpu_s / self.duration_s if self.duration_s else float("nan")

    @property
    def client_cpu_pct(self) -> float:
        """The client's CPU as a share of one core over the counted window."""
        return 100.0 * self.client_cpu_s / self.duration_s if self.duration_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "client_cpu_pct": self.client_cpu_pct,
            "server_cpu_pct": self.server_cpu_pct,
        }


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of an ascending sequence."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


# --------------------------------------------------------------------------- HTTP client


class _HTTPError(Exception):
    pass


def _encode_request(
    host: str, port: int, path: str, body: bytes, headers: Mapping[str, str] | None
) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    merged = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
    lines += [f"{k}: {v}" for k, v in merged.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns (status, whether the server keeps the connection)."""
    head = await reader.readuntil(b"\r\n\r\n")
    first, _, rest = head.partition(b"\r\n")
    parts = first.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        msg = "bad status line"
        raise _HTTPError(msg)
    status = int(parts[1])
    length = None
    chunked = False
    keep = parts[0] != b"HTTP/1.0"
    for raw in rest.split(b"\r\n"):
        name, _, value = raw.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection":
            keep = b"close" not in value.lower()
    if chunked:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    elif status not in (204, 304):
        await reader.read()  # body to EOF
        keep = False
    return status, keep


def _split_url(url: str) -> tuple[str, int, str]:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "http" or not parsed.hostname:
        msg = f"only http:// URLs: {url!r}"
        raise ValueError(msg)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1") and not parsed.hostname.startswith(
        "127."
    ):
        msg = f"load goes to loopback only, not {parsed.hostname!r}"
        raise ValueError(msg)
    path = parsed.path or "/"
    if parsed.query:
        path += "?" + parsed.query
    return parsed.hostname, parsed.port or 80, path


async def _load(
    url: str,
    payloads: Sequence[bytes],
    concurrency: int,
    duration_s: float,
    headers: Mapping[str, str] | None,
    max_requests: int,
    timeout_s: float,
    warmup_s: float,
    rows_per_request: int,
    cpu_probe: Callable[[], float] | None,
) -> Result:
    host, port, path = _split_url(url)
    requests = [_encode_request(host, port, path, body, headers) for body in payloads]
    latencies: list[float] = []
    error_kinds: dict[str, int] = {}
    counted = 0
    next_index = 0
    loop = asyncio.get_running_loop()
    t_start = loop.time()
    t_count = t_start + warmup_s
    t_end = t_count + duration_s
    stop = False
    stopped_by = "time"

    def error(kind: str, t_sent: float) -> None:
        nonlocal counted
        if t_sent >= t_count:
            error_kinds[kind] = error_kinds.get(kind, 0) + 1
            counted += 1

    async def worker() -> None:
        nonlocal next_index, counted, stop, stopped_by
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while not stop:
            now = loop.time()
            if now >= t_end:
                return
            if now >= t_count and counted >= max_requests:
                stop, stopped_by = True, "max_requests"
                return
            request = requests[next_index % len(requests)]
            next_index += 1
            t_sent = loop.time()
            try:
                if writer is None or reader is None:
                    reader, writer = await _connect(host, port, timeout_s)
                writer.write(request)
                status, keep = await asyncio.wait_for(_read_response(reader), timeout_s)
            except TimeoutError:
                error("timeout", t_sent)
                status, keep = -1, False
            except (
                OSError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                _HTTPError,
                ValueError,
            ) as exc:
                error(type(exc).__name__, t_sent)
                status, keep = -1, False
                await asyncio.sleep(0.01)  # no tight loop on a refused or broken connection
            else:
                t_done = loop.time()
                if t_sent >= t_count:
                    counted += 1
                    if 200 <= status < 300:
                        latencies.append(t_done - t_sent)
                    else:
                        error_kinds[f"http {status}"] = error_kinds.get(f"http {status}", 0) + 1
            if not keep and writer is not None:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
                reader = writer = None
        if writer is not None:
            writer.close()

    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    while loop.time() < t_count and not all(t.done() for t in tasks):
        await asyncio.sleep(0.005)
    probe0 = cpu_probe() if cpu_probe else float("nan")
    cpu0 = _cpu_s()
    t0 = loop.time()
    done, pending = await asyncio.wait(tasks, timeout=duration_s + timeout_s + 1.0)
    for task in pending:
        task.cancel()
    # The window ends when the last counted request finished, at most at the deadline + grace.
    t1 = min(loop.time(), t_end + timeout_s + 1.0) if stopped_by == "time" else loop.time()
    cpu1 = _cpu_s()
    probe1 = cpu_probe() if cpu_probe else float("nan")
    for task in done:
        exc = task.exception()
        if exc is not None:
            raise exc  # a bug in the client, not the server
    window = max(t1 - t0, 1e-9)
    latencies.sort()
    ok = len(latencies)
    errors = sum(error_kinds.values())
    ms = [
        x * 1e3
        for x in (
            _percentile(latencies, 50),
            _percentile(latencies, 90),
            _percentile(latencies, 99),
        )
    ]
    return Result(
        req_s=counted / window,
        p50_ms=ms[0],
        p99_ms=ms[2],
        errors=errors,
        n=counted,
        ok=ok,
        rows_per_request=rows_per_request,
        rows_s=ok * rows_per_request / window,
        mean_ms=(sum(latencies) / ok * 1e3) if ok else float("nan"),
        p90_ms=ms[1],
        max_ms=(latencies[-1] * 1e3) if ok else float("nan"),
        duration_s=window,
        concurrency=concurrency,
        client_cpu_s=cpu1 - cpu0,
        server_cpu_s=probe1 - probe0,
        error_kinds=error_kinds,
        stopped_by=stopped_by,
    )


async def _connect(
    host: str, port: int, timeout_s: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_s)
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def run_load(
    url: str,
    payloads: Sequence[bytes | str | Any],
    concurrency: int,
    duration_s: float,
    headers: Mapping[str, str] | None = None,
    *,
    max_requests: int = 1_000_000,
    timeout_s: float = 10.0,
    warmup_s: float = 1.0,
    rows_per_request: int = 1,
    cpus: set[int] | None = None,
    cpu_probe: Callable[[], float] | None = None,
) -> Result:
    """Closed-loop load on ``url`` (POST, loopback only) from ``concurrency`` connections.

    ``payloads``: request bodies, used in turn; ``bytes``/``str`` as they are, anything else
    JSON-encoded. ``headers`` are added to (or replace) ``Content-Type: application/json``.
    Counts ``duration_s`` seconds after ``warmup_s`` (or ``max_requests`` requests, whichever
    first); ``timeout_s`` bounds each request. ``rows_per_request`` only scales ``rows_s``.
    ``cpus`` pins this process (the client) to those cores for the call, then restores.
    ``cpu_probe`` (e.g. ``server.cpu_s``), read at the counted window's start and end, gives
    ``Result.server_cpu_s``.
    """
    if not payloads:
        msg = "no payloads"
        raise ValueError(msg)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        msg = f"concurrency must be 1..{MAX_CONCURRENCY}"
        raise ValueError(msg)
    duration_s = min(float(duration_s), MAX_DURATION_CAP_S)
    max_requests = max(1, min(int(max_requests), MAX_REQUESTS_CAP))
    bodies = [
        p
        if isinstance(p, bytes)
        else p.encode()
        if isinstance(p, str)
        else json.dumps(p, separators=(",", ":")).encode()
        for p in payloads
    ]
    previous = os.sched_getaffinity(0) if cpus else None
    if cpus:
        os.sched_setaffinity(0, cpus)
    try:
        return asyncio.run(
            _load(
                url,
                bodies,
                concurrency,
                duration_s,
                headers,
                max_requests,
                timeout_s,
                warmup_s,
                rows_per_request,
                cpu_probe,
            )
        )
    finally:
        if previous:
            os.sched_setaffinity(0, previous)


def post_once(url: str, body: bytes | str | Any, timeout_s: float = 30.0) -> tuple[int, bytes]:
    """One POST (JSON), for checking a server's answer before the load; returns (status, body)."""
    import http.client

    host, port, path = _split_url(url)
    data = (
        body
        if isinstance(body, bytes)
        else body.encode()
        if isinstance(body, str)
        else json.dumps(body).encode()
    )
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# --------------------------------------------------------------------------- request formats


@dataclass(frozen=True)
class Format:
    """How one server wants a batch of records: its predict path, health path and body."""

    name: str
    predict_path: str
    health_path: str
    body: Callable[[Sequence[Mapping[str, Any]]], bytes]


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _mlflow_body(records: Sequence[Mapping[str, Any]]) -> bytes:
    # dataframe_split is MLflow's cheapest JSON input (one column list, rows as lists).
    columns = list(records[0])
    return _dumps(
        {
            "dataframe_split": {
                "columns": columns,
                "data": [[r[c] for c in columns] for r in records],
            }
        }
    )


def _mlflow_records_body(records: Sequence[Mapping[str, Any]]) -> bytes:
    return _dumps({"dataframe_records": list(records)})


def _records_body(records: Sequence[Mapping[str, Any]]) -> bytes:
    return _dumps({"records": list(records)})


MLFLOW = Format("mlflow", "/invocations", "/health", _mlflow_body)
MLFLOW_RECORDS = Format("mlflow", "/invocations", "/health", _mlflow_records_body)
BENTOML = Format("bentoml", "/predict", "/readyz", _records_body)
MLWRIGHT = Format("mlwright", "/predict", "/ready", _records_body)  # /health: liveness


def single_row_bodies(fmt: Format, records: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """One body per record, each a 1-row request."""
    return [fmt.body([r]) for r in records]


def load_records(path: Path = OUT_DIR / "request.json") -> list[dict[str, Any]]:
    """The 1,000 request rows that ``make_model.py`` wrote, as records."""
    records: list[dict[str, Any]] = json.loads(Path(path).read_text())
    return records


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get_ok(url: str, timeout_s: float) -> bool:
    import http.client

    host, port, path = _split_url(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return 200 <= resp.status < 300
    except OSError:
        return False
    finally:
        conn.close()


@dataclass
class Server:
    """A server subprocess started by :func:`start_server` (its own process group)."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    cold_start_s: float = float("nan")  # spawn -> first 2xx answer on the health URL
    log_path: Path | None = None
    host: str = "127.0.0.1"

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def cpu_s(self) -> float:
        """User + system CPU seconds of the server's process tree so far (from /proc)."""
        return _tree_cpu_s(self.proc.pid)

    def stop(self, grace_s: float = 10.0) -> int | None:
        """SIGTERM to the server's process group, then SIGKILL after ``grace_s``."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        # Workers that outlived their parent still carry the group id: end them too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.returncode

    def tail(self, n: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])


def _tree_cpu_s(root: int) -> float:
    """CPU seconds of ``root`` and its descendants (Linux /proc; 0 for gone processes)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for path in Path("/proc").iterdir():
        entry = path.name
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        stats[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


@contextlib.contextmanager
def start_server(
    cmd: Sequence[str],
    *,
    port: int,
    health_path: str,
    name: str = "server",
    env: Mapping[str, str] | None = None,
    cwd: Path | str = REPO,
    ready_timeout_s: float = 120.0,
    cpus: set[int] | None = None,
    log_path: Path | None = None,
    poll_s: float = 0.02,
) -> Iterator[Server]:
    """Start ``cmd`` (which must bind 127.0.0.1:``port``), wait until ``health_path`` answers
    2xx, yield the :class:`Server`, and stop it (SIGTERM, then SIGKILL) on the way out.

    ``env`` is added to this process's environment. ``cpus`` pins the server (and every process
    it starts) to those cores. Output goes to ``log_path`` (default
    ``benchmarks/out/serving/logs/NAME-PORT.log``). Raises ``RuntimeError`` (with the log's
    tail) if the server exits or is not ready within ``ready_timeout_s``.
    """
    if log_path is None:
        log_path = OUT_DIR / "logs" / f"{name}-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, **(env or {})}

    def preexec() -> None:
        if cpus:
            os.sched_setaffinity(0, cpus)

    with log_path.open("wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=str(cwd),
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=preexec if cpus else None,
        )
    server = Server(name=name, port=port, proc=proc, log_path=log_path)
    try:
        health = server.url(health_path)
        deadline = t0 + ready_timeout_s
        while True:
            if proc.poll() is not None:
                msg = f"{name} exited with {proc.returncode} before it was ready:\n{server.tail()}"
                raise RuntimeError(msg)
            if _get_ok(health, timeout_s=1.0):
                server.cold_start_s = time.perf_counter() - t0
                break
            if time.perf_counter() > deadline:
                msg = f"{name} not ready after {ready_timeout_s} s:\n{server.tail()}"
                raise RuntimeError(msg)
            time.sleep(poll_s)
        yield server
    finally:
        server.stop()


def peer_command(
    peer: str, port: int, *, workers: int = 1
) -> tuple[list[str], str, dict[str, str]]:
    """``(cmd, health_path, env)`` that serve the peer's model on 127.0.0.1:``port``.

    ``peer``: ``"mlflow"`` or ``"bentoml"``; each runs from its venv under ``benchmarks/``,
    with the model that ``make_model.py`` wrote; run it with ``cwd`` = the repository root.
    ``env`` pins native thread pools to one thread per worker.
    """
    threads = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if peer == "mlflow":
        exe = BENCHMARKS / ".venv-mlflow" / "bin" / "mlflow"
        cmd = [
            str(exe),
            "models",
            "serve",
            "-m",
            str(OUT_DIR / "mlflow_model"),
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-w",
            str(workers),
        ]
        # ``mlflow models serve`` runs ``bash -c "exec uvicorn ..."``: the venv's bin must
        # come first on PATH, or it finds no uvicorn (or another venv's).
        env = {
            **threads,
            "PATH": f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "MLFLOW_TRACKING_URI": (OUT_DIR / "mlruns").as_uri(),
        }
        return cmd, "/health", env
    if peer == "bentoml":
        exe = BENCHMARKS / ".venv-bentoml" / "bin" / "bentoml"
        cmd = [
            str(exe),
            "serve",
            "bento_service:Svc",
            "--working-dir",
            str(HERE),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        env = {
            **threads,
            "BENCH_BENTO_WORKERS": str(workers),
            "BENTOML_HOME": str(OUT_DIR / "bentoml_home"),
            "BENTOML_DO_NOT_TRACK": "True",
        }
        env["PATH"] = f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        return cmd, "/readyz", env
    msg = f"unknown peer {peer!r}"
    raise ValueError(msg)


# --------------------------------------------------------------------------- trivial server


class _Trivial(asyncio.Protocol):
    """Answers every complete request with a fixed 2-byte JSON body (keep-alive)."""

    RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].lower()
            length = 0
            i = head.find(b"content-length:")
            if i >= 0:
                length = int(head[i + 15 :].split(b"\r\n", 1)[0])
            total = end + 4 + length
            if len(self.buf) < total:
                return
            self.buf = self.buf[total:]
            self.transport.write(self.RESPONSE)  # type: ignore[attr-defined]


def serve_trivial(port: int, seconds: float = 600.0) -> None:
    """A trivial HTTP server on 127.0.0.1 (for the client's ceiling); exits after ``seconds``."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Trivial, "127.0.0.1", port)
        async with server:
            await asyncio.sleep(seconds)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


def selftest(
    seconds: float = 3.0, levels: Sequence[int] = (1, 16, 64), body_bytes: int = 800
) -> list[Result]:
    """The client's own ceiling: load on a trivial server in a child process.

    With two cores, client and server are pinned to different cores when possible.
    """
    port = free_port()
    ncpu = len(os.sched_getaffinity(0))
    server_cpus, client_cpus = ({1}, {0}) if ncpu >= 2 else (None, None)
    cmd = [
        sys.executable,
        __file__,
        "trivial-server",
        "--port",
        str(port),
        "--seconds",
        str(seconds * len(levels) * 2 + 30),
    ]
    # The trivial server answers GET too, so its health URL is "/".
    results = []
    with start_server(
        cmd, port=port, health_path="/", name="trivial", cpus=server_cpus, ready_timeout_s=20
    ) as server:
        body = b'{"records":[' + b"x" * max(0, body_bytes - 14) + b"]}"
        for c in levels:
            r = run_load(server.url("/"), [body], c, seconds, warmup_s=0.5, cpus=client_cpus)
            results.append(r)
            print(
                r.line("trivial server") + f"  ({1e6 * r.client_cpu_s / max(r.n, 1):.0f} us "
                "client cpu / request)"
            )
    return results


# --------------------------------------------------------------------------- CLI


def _trial(
    seconds: float,
    peers: Sequence[str],
    batch_seconds: float,
    pin: bool,
    workers: int,
    levels: Sequence[int] = (1, 16),
) -> dict[str, Any]:
    """MLflow and BentoML end to end: single rows at c=1 and 16, 1,000-row batches at c=1."""
    records = load_records()
    report: dict[str, Any] = {"load_avg_before": os.getloadavg()}
    ncpu = len(os.sched_getaffinity(0))
    server_cpus, client_cpus = ({1}, {0}) if pin and ncpu >= 2 else (None, None)
    for peer in peers:
        fmt = {"mlflow": MLFLOW, "bentoml": BENTOML}[peer]
        port = free_port()
        cmd, health, env = peer_command(peer, port, workers=workers)
        with start_server(
            cmd, port=port, health_path=health, name=peer, env=env, cpus=server_cpus
        ) as server:
            print(f"{peer}: cold start {server.cold_start_s:.2f} s (pid {server.proc.pid})")
            url = server.url(fmt.predict_path)
            status, answer = post_once(url, fmt.body(records[:2]))
            print(f"{peer}: 2-row answer {status}: {answer[:200]!r}")
            singles = single_row_bodies(fmt, records)
            out: dict[str, Any] = {"cold_start_s": server.cold_start_s}
            for c in levels:
                r = run_load(url, singles, c, seconds, cpus=client_cpus, cpu_probe=server.cpu_s)
                out[f"single_c{c}"] = r.as_dict()
                print(r.line(f"{peer} single row"))
            batch = [fmt.body(records)]
            r = run_load(
                url,
                batch,
                1,
                batch_seconds,
                rows_per_request=len(records),
                timeout_s=60,
                cpus=client_cpus,
                cpu_probe=server.cpu_s,
            )
            out["batch_1000"] = r.as_dict()
            print(r.line(f"{peer} 1,000-row batch"))
            report[peer] = out
    report["load_avg_after"] = os.getloadavg()
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="bounded HTTP load generator (loopback only)")
    sub = parser.add_subparsers(dest="command", required=True)

    load = sub.add_parser("load", help="POST load on one URL")
    load.add_argument("url")
    load.add_argument(
        "--body-file",
        type=Path,
        required=True,
        help="a JSON file: one body, or with --many a JSON list of bodies",
    )
    load.add_argument("--many", action="store_true")
    load.add_argument("-c", "--concurrency", type=int, default=1)
    load.add_argument("-d", "--duration", type=float, default=10.0)
    load.add_argument("-n", "--max-requests", type=int, default=1_000_000)
    load.add_argument("--warmup", type=float, default=1.0)
    load.add_argument("--timeout", type=float, default=10.0)
    load.add_argument("--rows", type=int, default=1, help="rows per request (for rows/s)")
    load.add_argument("--cpu", type=int, action="append", help="pin the client to this core")
    load.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")

    trivial = sub.add_parser("trivial-server")
    trivial.add_argument("--port", type=int, required=True)
    trivial.add_argument("--seconds", type=float, default=600.0)

    st = sub.add_parser("selftest", help="the client's ceiling against a trivial server")
    st.add_argument("--seconds", type=float, default=3.0)

    trial = sub.add_parser("trial", help="MLflow and BentoML end to end, short")
    trial.add_argument("--seconds", type=float, default=5.0)
    trial.add_argument("--batch-seconds", type=float, default=5.0)
    trial.add_argument("--peer", action="append", choices=["mlflow", "bentoml"])
    trial.add_argument("--no-pin", action="store_true")
    trial.add_argument("--workers", type=int, default=1)
    trial.add_argument(
        "-c",
        "--concurrency",
        type=int,
        action="append",
        help="single-row levels (default 1 and 16)",
    )
    trial.add_argument("--json", type=Path, help="write the results here")

    args = parser.parse_args(argv)
    if args.command == "load":
        data = json.loads(args.body_file.read_text())
        bodies = data if args.many else [data]
        headers = dict(h.split(":", 1) for h in args.header)
        headers = {k.strip(): v.strip() for k, v in headers.items()}
        r = run_load(
            args.url,
            bodies,
            args.concurrency,
            args.duration,
            headers,
            max_requests=args.max_requests,
            timeout_s=args.timeout,
            warmup_s=args.warmup,
            rows_per_request=args.rows,
            cpus=set(args.cpu) if args.cpu else None,
        )
        print(json.dumps(r.as_dict(), indent=2))
    elif args.command == "trivial-server":
        serve_trivial(args.port, args.seconds)
    elif args.command == "selftest":
        selftest(args.seconds)
    elif args.command == "trial":
        report = _trial(
            args.seconds,
            args.peer or ["mlflow", "bentoml"],
            args.batch_seconds,
            pin=not args.no_pin,
            workers=args.workers,
            levels=args.concurrency or [1, 16],
        )
        if args.json:
            args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
