"""SinkReader: reads handed to the session inside the transport's callback, nothing lost
before the sink is set, the end and errors reported once a sink is there; and the read
throttle that replaced drain-after-each-read."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fixgw.transport import SessionConnection
from fixgw.transport.streams import SinkReader, open_connection, start_server


class Collect:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.ended: list[BaseException | None] = []
        self.in_task: list[bool] = []
        self.got = asyncio.Event()
        self.done = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.in_task.append(asyncio.current_task() is not None)
        self.got.set()

    def connection_ended(self, exc: BaseException | None) -> None:
        self.ended.append(exc)
        self.done.set()


async def _server(handler: Any) -> tuple[asyncio.Server, int]:
    server = await start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_data_before_the_sink_is_kept_then_delivered_in_order_then_the_end() -> None:
    sent = asyncio.Event()

    async def handler(reader: SinkReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"8=FIXT.1.1\x01")
        writer.write(b"9=5\x01")
        await writer.drain()
        sent.set()
        writer.close()

    server, port = await _server(handler)
    async with server:
        reader, writer = await open_connection("127.0.0.1", port)
        await sent.wait()
        # read() only learns of the end: the chunks are kept aside for the sink, not buffered
        assert await reader.read(100) == b""
        sink = Collect()
        reader.set_sink(sink)
        assert b"".join(sink.chunks) == b"8=FIXT.1.1\x019=5\x01"
        assert sink.ended and sink.ended[0] is None
        writer.close()


async def test_chunks_go_to_the_sink_from_the_transport_callback_not_a_task() -> None:
    go = asyncio.Event()

    async def handler(reader: SinkReader, writer: asyncio.StreamWriter) -> None:
        await go.wait()
        writer.write(b"35=0\x01")
        await writer.drain()
        writer.close()

    server, port = await _server(handler)
    async with server:
        reader, writer = await open_connection("127.0.0.1", port)
        sink = Collect()
        reader.set_sink(sink)
        go.set()
        await sink.done.wait()
        assert b"".join(sink.chunks) == b"35=0\x01"
        assert sink.in_task and not any(sink.in_task)  # no reading task was woken
        writer.close()


async def test_server_side_reader_is_a_sink_reader_and_an_error_ends_the_stream() -> None:
    seen: list[Any] = []
    ended = asyncio.Event()

    async def handler(reader: SinkReader, writer: asyncio.StreamWriter) -> None:
        seen.append(reader)
        sink = Collect()
        reader.set_sink(sink)
        await sink.done.wait()
        seen.append(sink)
        ended.set()

    server, port = await _server(handler)
    async with server:
        _, writer = await open_connection("127.0.0.1", port)
        writer.write(b"hello")
        await writer.drain()
        writer.transport.abort()  # RST, not FIN
        await ended.wait()
    assert isinstance(seen[0], SinkReader)
    sink = seen[1]
    assert sink.ended, "the end of the stream was reported"


async def test_set_exception_before_the_sink_is_reported_when_it_is_set() -> None:
    reader = SinkReader()
    reader.feed_data(b"abc")
    err = ConnectionResetError("reset by peer")
    reader.set_exception(err)
    sink = Collect()
    reader.set_sink(sink)
    assert sink.chunks == [b"abc"]
    assert sink.ended == [err]


# ---- the read throttle ------------------------------------------------------------------------


class FakeTransport:
    def __init__(self) -> None:
        self.size = 0
        self.paused = 0
        self.resumed = 0
        self.closing = False

    def get_write_buffer_size(self) -> int:
        return self.size

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (16384, 65536)

    def is_closing(self) -> bool:
        return self.closing

    def pause_reading(self) -> None:
        self.paused += 1

    def resume_reading(self) -> None:
        self.resumed += 1


class FakeWriter:
    def __init__(self) -> None:
        self.transport = FakeTransport()
        self.drained = asyncio.Event()
        self.draining = asyncio.Event()

    def is_closing(self) -> bool:
        return self.transport.closing

    async def drain(self) -> None:
        self.draining.set()
        await self.drained.wait()


def _conn(writer: FakeWriter) -> SessionConnection:
    return SessionConnection(object(), object(), writer)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, 65536])
async def test_reading_goes_on_while_the_write_buffer_is_within_its_limit(size: int) -> None:
    writer = FakeWriter()
    writer.transport.size = size
    conn = _conn(writer)
    conn._throttle()
    assert writer.transport.paused == 0 and conn._resume is None


async def test_a_peer_not_reading_pauses_our_reads_until_the_buffer_drains() -> None:
    writer = FakeWriter()
    writer.transport.size = 65537
    conn = _conn(writer)
    conn._throttle()
    conn._throttle()  # a second read while paused starts no second waiter
    assert writer.transport.paused == 1
    resume = conn._resume
    assert resume is not None
    await writer.draining.wait()
    assert writer.transport.resumed == 0  # still waiting for the drain
    writer.drained.set()
    await resume
    assert writer.transport.resumed == 1 and conn._resume is None


async def test_a_connection_closed_while_paused_is_not_resumed() -> None:
    writer = FakeWriter()
    writer.transport.size = 10**6
    conn = _conn(writer)
    conn._throttle()
    resume = conn._resume
    assert resume is not None
    conn._closed("peer went away")
    writer.drained.set()
    await resume
    assert writer.transport.paused == 1 and writer.transport.resumed == 0


# ---- a failing on_bytes hook (e.g. the journal's tap) ---------------------------------------


async def test_a_failing_inbound_hook_ends_the_connection_as_an_internal_error(kalshi_sim, kalshi_keys) -> None:
    from fixgw.messages import OrderMassCancelRequest, default_encoder, enums
    from fixgw.session import LoggedOn
    from fixgw.testing import sim_client

    async with sim_client(kalshi_sim, kalshi_keys, "KalshiNR", reconnect=False) as client:
        await client.wait_for(LoggedOn)
        conn = client.initiator.connection
        assert conn is not None

        def broken(direction: str, data: bytes) -> None:
            if direction == "in":
                raise OSError("journal disk full")

        conn.on_bytes = broken
        cancel_all = OrderMassCancelRequest(
            cl_ord_id="mc-1", mass_cancel_request_type=enums.MassCancelRequestType.CANCEL_FOR_SESSION
        ).encode_body(default_encoder())
        await client.initiator.send("q", cancel_all)  # the exchange answers it
        reason = await client.wait_ended()
    assert reason == "internal error: OSError: journal disk full"
