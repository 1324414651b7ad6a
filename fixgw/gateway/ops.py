"""The gateway's ops endpoint: a minimal HTTP/1.1 server on asyncio streams, loopback only.

Every route needs ``Authorization: Bearer <token>`` (compared in constant time); a missing
or wrong token gets 401 before the path is even looked at, so the route list does not leak.
One request per connection (``Connection: close``): scrapers and curl do not need more, and
the parser stays small.  What the routes show comes from callbacks the gateway passes in
(sync or async), so this module knows nothing of sessions or orders.

Routes::

    GET  /health    200 {"status": "ok", ...} or 503 when no session is logged on
    GET  /sessions  {"sessions": [...]}  one dict per session (see `OpsServer`)
    GET  /orders    {"orders": [...]}    open orders
    POST /kill      engages the kill switch; body (optional) {"reason": "..."}; answers
                    with what the kill callback did
    GET  /metrics   Prometheus text exposition
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hmac
import inspect
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from .metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE

__all__ = ["OpsServer", "Renderable", "Response", "session_logged_on", "start_ops_server"]

log = logging.getLogger("fixgw.gateway.ops")

_REASONS = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
    408: "Request Timeout", 413: "Content Too Large", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}  # fmt: skip

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 64 * 1024

_Maybe = Any  # a value, or an awaitable of it


class Renderable(Protocol):
    def render(self) -> str: ...


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def _json_default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return str(o)  # exact; JSON numbers would go through float
    if isinstance(o, datetime | date):
        return o.isoformat()
    if isinstance(o, enum.Enum):
        return o.value
    if isinstance(o, set | frozenset | tuple):
        return list(o)
    if hasattr(o, "to_dict"):
        return o.to_dict()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def _json(status: int, obj: Any, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    body = json.dumps(obj, default=_json_default).encode() + b"\n"
    return Response(status, body, "application/json", headers)


def _error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return _json(status, {"error": message}, headers)


async def _call(fn: Callable[..., _Maybe], *args: Any) -> Any:
    result = fn(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


def session_logged_on(info: Mapping[str, Any]) -> bool:
    """A /sessions entry counts as logged on if ``logged_on`` is true or its ``state`` is
    the session layer's ACTIVE (``"active"``)."""
    if info.get("logged_on"):
        return True
    state = info.get("state")
    state = state.value if isinstance(state, enum.Enum) else state
    return str(state).lower() in ("active", "logged_on")


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class OpsServer:
    """Serve the ops routes on ``host:port`` (port 0 picks a free one; see ``.port``).

    Callbacks (each may be sync or async):

    - ``sessions()`` -> list of dicts, one per session, e.g. ``name``, ``type``, ``state``,
      ``logged_on``, ``next_sender_seq``, ``next_target_seq``, ``last_heartbeat_sent``,
      ``last_received``, ``reconnects``.  Decimal, datetime and enums are encoded for JSON.
    - ``orders()`` -> list of open orders (dicts, or objects with ``to_dict()``).
    - ``kill(reason)`` -> dict saying what was done (engaged, cancels sent...).
    - ``healthy()`` (optional) -> bool; default: some session is logged on
      (`session_logged_on` over ``sessions()``).
    - ``metrics``: anything with ``render() -> str`` (a `Registry` or `GatewayMetrics`).
    """

    ROUTES: dict[str, tuple[str, ...]] = {
        "/health": ("GET",),
        "/sessions": ("GET",),
        "/orders": ("GET",),
        "/kill": ("POST",),
        "/metrics": ("GET",),
    }

    def __init__(
        self,
        *,
        token: str,
        sessions: Callable[[], _Maybe],
        orders: Callable[[], _Maybe],
        kill: Callable[[str], _Maybe],
        metrics: Renderable,
        healthy: Callable[[], _Maybe] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        read_timeout: float = 10.0,
    ) -> None:
        if not isinstance(token, str) or not token.strip():
            raise ValueError("the ops endpoint needs a non-empty bearer token")
        if any(c.isspace() for c in token) or not token.isascii():
            raise ValueError("the ops bearer token must be ASCII without whitespace")
        self._token = token.encode()
        self.sessions = sessions
        self.orders = orders
        self.kill = kill
        self.metrics = metrics
        self.healthy = healthy
        self.host = host
        self._port = port
        self.read_timeout = read_timeout
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.requests = 0
        self.unauthorized = 0

    def __repr__(self) -> str:  # never the token
        return f"OpsServer(host={self.host!r}, port={self.port})"

    # ---- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen; returns once the socket is bound (``.port`` is then the real port)."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._on_connection, self.host, self._port, limit=MAX_HEADER_BYTES)
        self._port = self._server.sockets[0].getsockname()[1]
        log.info("ops endpoint listening on %s:%d", self.host, self._port)

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(BaseException):
                await t
        await server.wait_closed()

    async def stop(self) -> None:
        """Same as ``close()``."""
        await self.close()

    async def __aenter__(self) -> OpsServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._port}"

    # ---- HTTP -------------------------------------------------------------------------------

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            try:
                # only reading is under the timeout: a kill must never be cut short
                req = await asyncio.wait_for(self._read_request(reader), self.read_timeout)
                resp = req if isinstance(req, Response | None) else await self._dispatch(*req)
            except TimeoutError:
                resp = _error(408, "request not received in time")
            except _HttpError as exc:
                resp = _error(exc.status, str(exc))
            if resp is not None:
                writer.write(self._encode(resp))
                await writer.drain()
                await self._linger(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    @staticmethod
    async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Half-close, then discard what the client still sends (a refused oversized request)
        until it closes: closing with unread input would reset the connection and the
        client could lose the response."""
        if not writer.can_write_eof():
            return
        writer.write_eof()
        left = 4 * MAX_BODY_BYTES
        with contextlib.suppress(TimeoutError, ConnectionError):
            while left > 0:
                chunk = await asyncio.wait_for(reader.read(65536), 2.0)
                if not chunk:
                    return
                left -= len(chunk)

    @staticmethod
    def _encode(resp: Response) -> bytes:
        head = [
            f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Unknown')}",
            f"Content-Type: {resp.content_type}",
            f"Content-Length: {len(resp.body)}",
            "Connection: close",
            "Cache-Control: no-store",
            *(f"{k}: {v}" for k, v in resp.headers),
        ]
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + resp.body

    async def _read_request(self, reader: asyncio.StreamReader) -> Response | None | tuple[str, str, bytes]:
        """(method, path, body) of an authorised request for a known route, else the
        Response that ends it (None: the peer sent nothing)."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise _HttpError(431, f"request line and headers exceed {MAX_HEADER_BYTES} bytes") from None
        except asyncio.IncompleteReadError as exc:
            if not exc.partial.strip():
                return None  # connected and left (a port probe)
            raise _HttpError(400, "request ended before the blank line after the headers") from None
        method, path, headers = self._parse_head(head)
        self.requests += 1
        if not self._authorized(headers.get("authorization", "")):
            self.unauthorized += 1
            return _error(401, "missing or wrong bearer token", (("WWW-Authenticate", 'Bearer realm="fixgw-ops"'),))
        allowed = self.ROUTES.get(path)
        if allowed is None:
            return _error(404, f"no route {path}; routes: {', '.join(self.ROUTES)}")
        if method not in allowed:
            return _error(405, f"{method} not allowed on {path}", (("Allow", ", ".join(allowed)),))
        return method, path, await self._read_body(reader, headers)

    async def _dispatch(self, method: str, path: str, body: bytes) -> Response:
        try:
            return await self._route(path, body)
        except _HttpError:
            raise
        except Exception as exc:
            log.exception("ops %s %s failed", method, path)
            return _error(500, f"{method} {path} failed: {type(exc).__name__}: {exc}")

    @staticmethod
    def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
        try:
            text = head.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            raise _HttpError(400, "undecodable request head") from None
        lines = text.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[0].isalpha() or not parts[1].startswith("/"):
            raise _HttpError(400, f"malformed request line {lines[0][:80]!r}")
        method, target, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            raise _HttpError(505, f"unsupported HTTP version {version[:16]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise _HttpError(400, f"malformed header line {line[:80]!r}")
            headers[name.lower()] = value.strip()
        return method, target.split("?", 1)[0], headers

    def _authorized(self, value: str) -> bool:
        scheme, _, given = value.partition(" ")
        ok_scheme = scheme.lower() == "bearer"
        # compare even when the scheme is wrong, so timing does not tell which part failed
        same = hmac.compare_digest(given.strip().encode("latin-1", "replace"), self._token)
        return ok_scheme and same

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, headers: Mapping[str, str]) -> bytes:
        if "transfer-encoding" in headers:
            raise _HttpError(501, "Transfer-Encoding is not supported; send Content-Length")
        raw = headers.get("content-length")
        if raw is None:
            return b""
        if not raw.isdigit():
            raise _HttpError(400, f"Content-Length is not a number: {raw[:20]!r}")
        n = int(raw)
        if n > MAX_BODY_BYTES:
            raise _HttpError(413, f"body of {n} bytes exceeds {MAX_BODY_BYTES}")
        return await reader.readexactly(n) if n else b""

    # ---- routes -----------------------------------------------------------------------------

    async def _route(self, path: str, body: bytes) -> Response:
        if path == "/health":
            return await self._health()
        if path == "/sessions":
            return _json(200, {"sessions": await self._list(self.sessions)})
        if path == "/orders":
            return _json(200, {"orders": await self._list(self.orders)})
        if path == "/kill":
            return await self._kill(body)
        text = self.metrics.render()
        return Response(200, text.encode(), METRICS_CONTENT_TYPE)

    @staticmethod
    async def _list(fn: Callable[[], _Maybe]) -> list[Any]:
        return list(await _call(fn))

    async def _health(self) -> Response:
        if self.healthy is not None:
            ok = bool(await _call(self.healthy))
            n = None
        else:
            sessions = await self._list(self.sessions)
            n = sum(1 for s in sessions if isinstance(s, Mapping) and session_logged_on(s))
            ok = n > 0
        if ok:
            return _json(200, {"status": "ok"} | ({"sessions_logged_on": n} if n is not None else {}))
        return _json(503, {"status": "unavailable", "reason": "no session logged on"})

    async def _kill(self, body: bytes) -> Response:
        reason = "POST /kill on the ops endpoint"
        if body.strip():
            try:
                data = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise _HttpError(400, f"body is not JSON: {exc}") from None
            if not isinstance(data, dict):
                raise _HttpError(400, 'body must be a JSON object like {"reason": "..."}')
            given = data.get("reason")
            if given is not None:
                if not isinstance(given, str) or not given.strip():
                    raise _HttpError(400, '"reason" must be a non-empty string')
                reason = given.strip()[:500]
        log.warning("kill switch requested through the ops endpoint: %s", reason)
        result = await _call(self.kill, reason)
        return _json(200, result if result is not None else {"engaged": True, "reason": reason})


async def start_ops_server(gateway: Any, ops_config: Any, *, metrics: Renderable | None = None) -> OpsServer:
    """Start the endpoint for a gateway object: ``gateway.status()`` serves /sessions (and
    /health), ``gateway.open_orders()`` /orders, ``gateway.kill(reason)`` /kill, and
    ``metrics`` (default ``gateway.metrics``) /metrics.  ``ops_config``: host, port, token
    (``fixgw.gateway.config.OpsConfig``)."""
    from .metrics import GatewayMetrics

    registry = metrics if metrics is not None else getattr(gateway, "metrics", None) or GatewayMetrics()
    server = OpsServer(
        token=ops_config.token,
        sessions=gateway.status,
        orders=gateway.open_orders,
        kill=gateway.kill,
        metrics=registry,
        host=ops_config.host,
        port=ops_config.port,
    )
    await server.start()
    return server
