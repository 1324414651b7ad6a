"""The network benchmarks' setup: a simulator or an echo server in another process, clients here.

Both processes run on loopback over TLS; on a 2-core machine each gets a core.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fixgw.app import ClientConfig, KalshiClient
from fixgw.crypto.tls import client_context
from fixgw.session import LogonFlags
from fixgw.transport import Backoff, Endpoint

from .common import Child, Keys, make_key

__all__ = ["USE_UVLOOP", "SimProcess", "EchoProcess", "echo_round_trips", "echo_pipelined", "bench_flags"]

#: set by ``python -m bench --uvloop``: servers are started with uvloop too
USE_UVLOOP = False
TUNE_GC = False  # the server processes run fixgw.app.tune_gc() too


def bench_flags(**extra: Any) -> LogonFlags:
    """What a latency-minded client logs on with: dollars, no PendingNew reports."""
    return LogonFlags(use_dollars=True, skip_pending_exec_reports=True, **extra)


def _server_args(*args: str) -> list[str]:
    return (["--uvloop"] if USE_UVLOOP else []) + (["--tune-gc"] if TUNE_GC else []) + list(args)


class SimProcess:
    """``python -m bench.server sim`` with ``n_keys`` fresh API keys registered."""

    def __init__(self, n_keys: int = 1) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="fixgw-bench-")
        self.dir = Path(self._tmp.name)
        keydir = self.dir / "keys"
        keydir.mkdir()
        self.keys: list[Keys] = [make_key(keydir) for _ in range(n_keys)]
        self.child = Child(_server_args("sim", "--keys", str(keydir)))
        ready = self.child.ready
        self.host: str = ready["host"]
        self.ports: dict[str, int] = ready["ports"]
        self.cert: str = ready["cert"]

    def endpoint(self, session_type: str) -> Endpoint:
        return Endpoint(self.host, self.ports[session_type], pinned_cert=self.cert)

    def client(
        self,
        key: Keys,
        session_type: str = "KalshiNR",
        *,
        flags: LogonFlags | None = None,
        store: Any = None,
        on_bytes: Callable[[str, bytes], None] | None = None,
        reconnect: bool = False,
        request_timeout: float = 30.0,
    ) -> KalshiClient:
        return KalshiClient(
            ClientConfig(
                session_type=session_type,
                api_key=key.uuid,
                endpoint=self.endpoint(session_type),
                private_key=key.private_key(),
                flags=flags or bench_flags(),
                store=store,
                reconnect=reconnect,
                backoff=Backoff(base=0.01, cap=0.05),
                request_timeout=request_timeout,
                logon_timeout=30.0,
            ),
            on_bytes=on_bytes,
        )

    def call(self, cmd: str, **args: Any) -> dict[str, Any]:
        return self.child.call(cmd, **args)

    async def acall(self, cmd: str, **args: Any) -> dict[str, Any]:
        """``call`` without blocking the event loop (the client keeps reading meanwhile)."""
        return await asyncio.get_running_loop().run_in_executor(None, lambda: self.child.call(cmd, **args))

    def close(self) -> None:
        self.child.close()
        self._tmp.cleanup()

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EchoProcess:
    """``python -m bench.server echo``: answers every ``req`` bytes with ``resp`` bytes."""

    def __init__(self, req: int, resp: int) -> None:
        self.req, self.resp = req, resp
        self.child = Child(_server_args("echo", "--req", str(req), "--resp", str(resp)))
        self.host = self.child.ready["host"]
        self.port = self.child.ready["port"]
        self.cert = self.child.ready["cert"]

    def ssl_context(self) -> ssl.SSLContext:
        return client_context(pinned_cert=self.cert)

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(
            self.host, self.port, ssl=self.ssl_context(), server_hostname=self.host
        )

    def close(self) -> None:
        self.child.close()

    def __enter__(self) -> EchoProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def echo_round_trips(
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], req: int, resp: int, n: int
) -> list[float]:
    """``n`` sequential request/response round trips; latencies in microseconds."""
    reader, writer = conn
    payload = b"x" * req
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t0 = clock()
        writer.write(payload)
        await writer.drain()
        await reader.readexactly(resp)
        out.append((clock() - t0) / 1000)
    return out


async def echo_pipelined(
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], req: int, resp: int, n: int, window: int
) -> float:
    """Messages/s with up to ``window`` requests in flight (the transport's ceiling)."""
    reader, writer = conn
    payload = b"x" * req
    t0 = time.perf_counter()

    async def read_all() -> None:
        left = n * resp
        while left:
            data = await reader.read(min(left, 1 << 16))
            if not data:
                raise ConnectionError("echo server closed")
            left -= len(data)
            got[0] += len(data)
            wake.set()

    got = [0]
    wake = asyncio.Event()
    task = asyncio.ensure_future(read_all())
    sent = 0
    while sent < n:
        while sent - got[0] // resp >= window:
            wake.clear()
            await wake.wait()
        writer.write(payload)
        sent += 1
        if sent % 64 == 0:
            await writer.drain()
    await writer.drain()
    await task
    return n / (time.perf_counter() - t0)


async def close_quietly(client: KalshiClient) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.close(), 10)
