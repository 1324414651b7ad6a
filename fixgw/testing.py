"""pytest plugin: a running Kalshi simulator with fresh API keys, one fixture away.

>>> async def test_my_strategy(kalshi_sim, kalshi_keys):
...     session = client_session(kalshi_keys, "KalshiRT")
...     initiator = Initiator(session, sim_endpoint(kalshi_sim, "KalshiRT"))

Registered as the ``fixgw`` pytest11 entry point, so the fixtures are there as soon as fixgw
is installed.  Heavy imports happen inside the fixtures: loading this plugin must never slow
down or break an unrelated test run.  The ``raw_*`` helpers build wire messages by hand, for
tests that need to send what our own client would refuse to.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

try:
    import pytest_asyncio

    _async_fixture: Any = pytest_asyncio.fixture
except ImportError:  # pragma: no cover - the async fixture then needs another asyncio plugin
    _async_fixture = pytest.fixture

if TYPE_CHECKING:
    from fixgw.codec import FixMessage
    from fixgw.crypto.keys import PrivateKey
    from fixgw.session import Action, Clock, LogonFlags, Session, SessionConfig
    from fixgw.sim.server import Simulator
    from fixgw.transport import Backoff, Endpoint, Initiator

__all__ = [
    "ActionLog",
    "KalshiKeys",
    "RawClient",
    "SimClient",
    "WireLog",
    "client_config",
    "client_session",
    "kalshi_keys",
    "kalshi_sim",
    "make_keys",
    "raw_logon",
    "raw_message",
    "sim_client",
    "sim_endpoint",
]


class KalshiKeys(NamedTuple):
    """A fresh API key: ``uuid, key_path, private_key = kalshi_keys``."""

    uuid: str
    key_path: Path
    private_key: PrivateKey

    @property
    def pub_path(self) -> Path:
        return self.key_path.with_suffix(".pub")

    @property
    def dir(self) -> Path:
        return self.key_path.parent

    def signer(self) -> Callable[[bytes], str]:
        """prehash -> base64 RawData, for ``SessionConfig.signer``."""
        from fixgw.crypto.signature import sign_logon

        key = self.private_key
        return lambda prehash: sign_logon(key, prehash)


def make_keys(directory: str | Path) -> KalshiKeys:
    """A new key pair in ``directory`` (``<uuid>.key`` 0600 and ``<uuid>.pub``)."""
    from fixgw.crypto.keys import PrivateKey, generate_key_pair

    uuid = generate_key_pair(directory)
    key_path = Path(directory) / f"{uuid}.key"
    return KalshiKeys(uuid, key_path, PrivateKey.from_file(key_path))


def sim_endpoint(sim: Simulator, session_type: str) -> Endpoint:
    """Where to reach ``session_type`` on ``sim``, pinned to its certificate."""
    return sim.endpoint(session_type)


def client_config(
    keys: KalshiKeys,
    session_type: str,
    *,
    heartbeat_interval: int = 30,
    flags: LogonFlags | None = None,
    **config: Any,
) -> SessionConfig:
    """The SessionConfig a Kalshi client uses for ``session_type`` with ``keys``."""
    from fixgw.session import LogonFlags, SessionConfig, profile

    config.setdefault("signer", keys.signer())
    return SessionConfig(
        profile(session_type),
        sender_comp_id=keys.uuid,
        target_comp_id=session_type,
        heartbeat_interval=heartbeat_interval,
        flags=flags or LogonFlags(),
        **config,
    )


def client_session(
    keys: KalshiKeys,
    session_type: str,
    *,
    store: Any = None,
    clock: Clock | None = None,
    heartbeat_interval: int = 30,
    flags: LogonFlags | None = None,
    **config: Any,
) -> Session:
    """A client (initiator) Session for ``session_type``; a MemoryStore unless ``store`` is given."""
    from fixgw.session import Role, Session
    from fixgw.store import MemoryStore

    cfg = client_config(
        keys, session_type, heartbeat_interval=heartbeat_interval, flags=flags, **config
    )
    return Session(
        cfg,
        store=store if store is not None else MemoryStore(f"{session_type}:{keys.uuid}"),
        clock=clock,
        role=Role.INITIATOR,
    )


def raw_message(
    msg_type: str,
    sender: str,
    target: str,
    seq: int,
    fields: Iterable[tuple[int, Any]] = (),
    *,
    sending_time: datetime | bytes | None = None,
) -> bytes:
    """One framed message, fields encoded exactly as given (no validation)."""
    from datetime import UTC

    from fixgw.codec import build_frame, format_timestamp
    from fixgw.dictionary import Dictionary
    from fixgw.messages import default_encoder

    if sending_time is None:
        sending_time = datetime.now(UTC)
    st = sending_time if isinstance(sending_time, bytes) else format_timestamp(sending_time)
    header = b"49=%s\x0156=%s\x0134=%d\x0152=%s\x01" % (sender.encode(), target.encode(), seq, st)
    body = default_encoder().fields(list(fields))
    return build_frame(Dictionary.default().begin_string.encode(), msg_type.encode(), header, body)


def raw_logon(
    keys: KalshiKeys,
    target: str,
    *,
    seq: int = 1,
    sending_time: datetime | bytes | None = None,
    heartbeat_interval: int = 30,
    flags: LogonFlags | None = None,
    signature: str | None = None,
    sender: str | None = None,
) -> bytes:
    """A signed Logon carrying exactly ``flags`` (default 141=Y), nothing forced or checked."""
    from datetime import UTC

    from fixgw.codec import format_timestamp
    from fixgw.crypto.signature import logon_prehash, sign_logon
    from fixgw.session import LogonFlags

    sender = sender or keys.uuid
    if sending_time is None:
        sending_time = datetime.now(UTC)
    st = sending_time if isinstance(sending_time, bytes) else format_timestamp(sending_time)
    if signature is None:
        signature = sign_logon(
            keys.private_key, logon_prehash(st.decode(), "A", seq, sender, target)
        )
    flags = flags if flags is not None else LogonFlags(reset_seq_num=True)
    items: list[tuple[int, Any]] = [(98, 0), (108, heartbeat_interval), (96, signature.encode())]
    if flags.reset_seq_num is not None:
        items.append((141, flags.reset_seq_num))
    items.append((1137, "9"))
    for name, tag in LogonFlags.TAGS.items():
        value = getattr(flags, name)
        if tag != 141 and value is not None:
            items.append((tag, value))
    return raw_message("A", sender, target, seq, items, sending_time=st)


# ---- driving a client against the simulator --------------------------------------------------


class ActionLog:
    """Records a session's actions (pass it as ``on_action``); tests await the one they expect."""

    def __init__(self) -> None:
        self.actions: list[Action] = []
        self._change = asyncio.Event()

    def __call__(self, action: Action) -> None:
        self.actions.append(action)
        self._change.set()
        self._change = asyncio.Event()

    def mark(self) -> int:
        """Index to pass as ``since`` to wait only for actions recorded from now on."""
        return len(self.actions)

    def of(self, kind: type, since: int = 0) -> list[Any]:
        return [a for a in self.actions[since:] if isinstance(a, kind)]

    async def wait_for(
        self, match: type | Callable[[Action], bool], *, since: int = 0, timeout: float = 5.0
    ) -> Any:
        """The first action from ``since`` on that is of type ``match`` (or satisfies it)."""
        pred = (lambda a: isinstance(a, match)) if isinstance(match, type) else match

        async def wait() -> Any:
            i = since
            while True:
                change = self._change
                while i < len(self.actions):
                    if pred(self.actions[i]):
                        return self.actions[i]
                    i += 1
                await change.wait()

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            kinds = ", ".join(type(a).__name__ for a in self.actions[since:]) or "nothing"
            raise AssertionError(f"no matching action within {timeout:g} s; saw: {kinds}") from None


class WireLog:
    """Records whole messages seen on a connection (pass it as ``on_bytes``): ``(direction, FixMessage)``."""

    def __init__(self) -> None:
        from fixgw.codec import Decoder, FrameReader
        from fixgw.dictionary import Dictionary

        d = Dictionary.default()
        self._readers = {
            "in": FrameReader(d.begin_string.encode()),
            "out": FrameReader(d.begin_string.encode()),
        }
        self._decoder = Decoder(d, allow_unknown_tags=True, verify=False)
        self.messages: list[tuple[str, FixMessage]] = []
        self._change = asyncio.Event()

    def __call__(self, direction: str, data: bytes) -> None:
        from fixgw.codec import CodecError

        reader = self._readers[direction]
        reader.feed(data)
        for frame in reader.frames():
            if isinstance(frame, Exception):
                continue
            try:
                self.messages.append((direction, self._decoder.decode(frame)))
            except CodecError:
                continue
        self._change.set()
        self._change = asyncio.Event()

    def of(self, direction: str, msg_type: str) -> list[FixMessage]:
        return [m for d, m in self.messages if d == direction and m.msg_type == msg_type]

    async def wait_for(
        self, direction: str, msg_type: str, *, count: int = 1, timeout: float = 5.0
    ) -> list[FixMessage]:
        """Wait until ``count`` messages of ``msg_type`` went ``direction`` ('in' or 'out')."""

        async def wait() -> list[FixMessage]:
            while True:
                change = self._change
                found = self.of(direction, msg_type)
                if len(found) >= count:
                    return found
                await change.wait()

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            got = len(self.of(direction, msg_type))
            raise AssertionError(
                f"saw {got} of {count} {direction!r} {msg_type} messages within {timeout:g} s"
            ) from None


class SimClient:
    """A client session kept connected to the simulator by an ``Initiator``, with its ActionLog.

    ``async with sim_client(sim, keys, "KalshiRT") as c: await c.wait_logged_on()``
    """

    def __init__(
        self,
        session: Session,
        initiator: Initiator,
        log: ActionLog,
        wire: WireLog,
        *,
        reconnect: bool,
    ) -> None:
        self.session = session
        self.initiator = initiator
        self.log = log
        self.wire = wire
        self.reconnect = reconnect
        self.task: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> SimClient:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def start(self) -> None:
        run = self.initiator.run() if self.reconnect else self.initiator.connect_once()
        self.task = asyncio.ensure_future(run)

    async def stop(self, timeout: float = 5.0) -> None:
        await self.initiator.stop()
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, timeout)
            except TimeoutError:
                self.task.cancel()
                raise

    async def wait_logged_on(self, timeout: float = 5.0) -> None:
        await self.initiator.wait_logged_on(timeout)

    async def wait_ended(self, timeout: float = 5.0) -> str:
        """For ``reconnect=False``: wait until the one connection is over; returns its reason."""
        assert self.task is not None
        return await asyncio.wait_for(asyncio.shield(self.task), timeout)

    async def wait_for(
        self, match: type | Callable[[Action], bool], *, since: int = 0, timeout: float = 5.0
    ) -> Any:
        return await self.log.wait_for(match, since=since, timeout=timeout)


def sim_client(
    sim: Simulator,
    keys: KalshiKeys,
    session_type: str,
    *,
    store: Any = None,
    clock: Clock | None = None,
    flags: LogonFlags | None = None,
    heartbeat_interval: int = 30,
    reconnect: bool = True,
    backoff: Backoff | None = None,
    session: Session | None = None,
    **config: Any,
) -> SimClient:
    """A client for ``session_type`` on ``sim`` (not started: use ``async with`` or ``start()``).

    Reconnects with millisecond backoff unless ``reconnect=False`` (one connection only).
    """
    from fixgw.transport import Backoff, Initiator

    if session is None:
        session = client_session(
            keys,
            session_type,
            store=store,
            clock=clock,
            flags=flags,
            heartbeat_interval=heartbeat_interval,
            **config,
        )
    log, wire = ActionLog(), WireLog()
    initiator = Initiator(
        session,
        sim.endpoint(session_type),
        on_action=log,
        on_bytes=wire,
        backoff=backoff or Backoff(base=0.01, cap=0.05),
        maintenance=None,
    )
    return SimClient(session, initiator, log, wire, reconnect=reconnect)


class RawClient:
    """Bytes over TLS to the simulator, for what our own client would never send."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        from fixgw.codec import Decoder, FrameReader
        from fixgw.dictionary import Dictionary

        self.reader = reader
        self.writer = writer
        d = Dictionary.default()
        self._frames = FrameReader(d.begin_string.encode())
        self._decoder = Decoder(d, allow_unknown_tags=True)

    @classmethod
    async def connect(cls, sim: Simulator, session_type: str) -> RawClient:
        ep = sim.endpoint(session_type)
        reader, writer = await asyncio.open_connection(
            ep.host, ep.port, ssl=ep.ssl_context(), server_hostname=ep.host
        )
        return cls(reader, writer)

    async def send(self, *chunks: bytes) -> None:
        """Write each chunk and drain before the next (separate TLS records)."""
        for chunk in chunks:
            self.writer.write(chunk)
            await self.writer.drain()

    async def recv(self, timeout: float = 5.0) -> FixMessage | None:
        """The next message, or None when the server closed the connection."""

        async def read() -> FixMessage | None:
            while True:
                frame = self._frames.next_frame()
                if frame is not None:
                    return self._decoder.decode(frame)
                data = await self.reader.read(65536)
                if not data:
                    return None
                self._frames.feed(data)

        return await asyncio.wait_for(read(), timeout)

    async def recv_until(
        self, msg_type: str, timeout: float = 5.0
    ) -> tuple[FixMessage | None, list[FixMessage]]:
        """Read until a ``msg_type`` message (returned) or EOF (None); also returns all read."""
        seen: list[FixMessage] = []
        while True:
            fm = await self.recv(timeout)
            if fm is None:
                return None, seen
            seen.append(fm)
            if fm.msg_type == msg_type:
                return fm, seen

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def kalshi_keys(tmp_path: Path) -> KalshiKeys:
    """A fresh RSA-2048 API key pair in a temporary directory."""
    return make_keys(tmp_path / "kalshi-keys")


@_async_fixture
async def kalshi_sim(kalshi_keys: KalshiKeys) -> AsyncIterator[Simulator]:
    """A running simulator on free 127.0.0.1 ports, ``kalshi_keys`` registered, with the whole
    exchange behind it (matching, order groups, drop copy, RFQ, settlement: ``sim.app``)."""
    from fixgw.sim.server import Simulator
    from fixgw.sim.stack import build_exchange

    async with Simulator(port_base=0, app=build_exchange()) as sim:
        sim.register_key(kalshi_keys.uuid, kalshi_keys.pub_path)
        yield sim
