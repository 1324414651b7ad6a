"""Streams whose reads go straight to the session, inside the protocol's ``data_received``.

With a plain ``StreamReader`` every TLS record takes two steps: the protocol buffers it and
wakes the reading task, and only in a later event-loop turn does that task copy it out and
hand it to the session.  A round trip pays that twice (about 6-9 µs a side measured on the
order round trip, ``bench/README.md``).  A ``SinkReader`` hands each chunk, the end of the
stream and a connection error to its sink at once instead (whatever arrived before the sink
was set is handed over when it is).

``open_connection`` and ``start_server`` are asyncio's, with this reader (asyncio's own
docs suggest copying them to change the reader class).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol, SupportsIndex, cast

__all__ = ["Sink", "SinkReader", "open_connection", "start_server"]


class Sink(Protocol):
    """Where a ``SinkReader`` delivers; called from the transport's callbacks, so none of
    them may block (and an exception escaping them is the transport's problem: catch it)."""

    def data_received(self, data: bytes) -> None: ...

    def connection_ended(self, exc: BaseException | None) -> None: ...


class SinkReader(asyncio.StreamReader):
    """A ``StreamReader`` that delivers to a ``Sink`` (never to its own buffer: use it with
    ``set_sink``, not ``read``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(loop=loop)
        self._sink: Sink | None = None
        self._early: list[bytes] = []  # what arrived before the sink was set
        self._ended: list[BaseException | None] = []  # ... and how the stream ended, if it did

    def set_sink(self, sink: Sink) -> None:
        """Deliver from now on to ``sink``, starting with anything that came before."""
        self._sink = sink
        early, self._early = self._early, []
        for data in early:
            sink.data_received(data)
        for exc in self._ended:
            sink.connection_ended(exc)

    def feed_data(self, data: Iterable[SupportsIndex]) -> None:
        chunk = cast(bytes, data)  # the protocol hands over bytes
        sink = self._sink
        if sink is not None:
            sink.data_received(chunk)
        elif chunk:
            self._early.append(chunk)

    def feed_eof(self) -> None:
        super().feed_eof()
        self._ended_with(None)

    def set_exception(self, exc: Exception) -> None:
        super().set_exception(exc)
        self._ended_with(exc)

    def _ended_with(self, exc: BaseException | None) -> None:
        if self._sink is not None:
            self._sink.connection_ended(exc)
        else:
            self._ended.append(exc)


async def open_connection(
    host: str, port: int, **kwds: Any
) -> tuple[SinkReader, asyncio.StreamWriter]:
    """``asyncio.open_connection`` with a ``SinkReader``."""
    loop = asyncio.get_running_loop()
    reader = SinkReader(loop=loop)
    protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
    transport, _ = await loop.create_connection(lambda: protocol, host, port, **kwds)
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    return reader, writer


async def start_server(
    client_connected_cb: Callable[[SinkReader, asyncio.StreamWriter], Awaitable[None]],
    host: str,
    port: int,
    **kwds: Any,
) -> asyncio.Server:
    """``asyncio.start_server`` with a ``SinkReader`` for each connection."""
    loop = asyncio.get_running_loop()

    def factory() -> asyncio.StreamReaderProtocol:
        return asyncio.StreamReaderProtocol(SinkReader(loop=loop), client_connected_cb, loop=loop)  # type: ignore[arg-type]

    return await loop.create_server(factory, host, port, **kwds)
