"""Drive ``KalshiExchangeApp`` without sockets: fake sessions that round-trip every message
through the real encoder and decoder (so a report the dictionary or the price format refuses
fails here, as it would on the wire)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fixgw.messages import (
    Message,
    default_decoder,
    enums,
    from_fix_message,
    wire_price_format,
)
from fixgw.session import PROFILES, LogonFlags, NotAllowedError
from fixgw.session.state import SessionStateError
from fixgw.sim.app import business_reject_for, maybe_await
from fixgw.sim.exchange import EngineConfig, Exchange, ManualClock, MarketRegistry, sequential_ids
from fixgw.sim.exchange.testkit import T0
from fixgw.sim.exchange_app import ExchangeAppConfig, KalshiExchangeApp

D = Decimal


class FakeSession:
    """What ``KalshiExchangeApp`` uses of ``SimSession``, recording what it is sent."""

    def __init__(
        self, api_key: str, session_type: str = "KalshiNR", flags: LogonFlags | None = None
    ) -> None:
        self.api_key = api_key
        self.profile = PROFILES[session_type]
        self.peer_flags = flags or LogonFlags()
        self.sent: list[Message] = []
        self.raw: list[bytes] = []
        self.active = True
        self._seq = itertools.count(1)
        self._in_seq = itertools.count(2)

    def __repr__(self) -> str:
        return f"FakeSession({self.session_type}, {self.api_key})"

    @property
    def session_type(self) -> str:
        return self.profile.name

    @property
    def use_dollars(self) -> bool:
        return bool(self.peer_flags.use_dollars)

    @property
    def is_listener(self) -> bool:
        return bool(self.peer_flags.listener_session)

    def send_message(self, msg: Message) -> int:
        if not self.active:
            raise SessionStateError(f"{self.api_key} not logged on")
        if msg.MSG_TYPE not in self.profile.server_sends:
            raise NotAllowedError(f"MsgType {msg.MSG_TYPE} cannot be sent on {self.session_type}")
        fmt = wire_price_format(msg.MSG_TYPE, from_exchange=True, use_dollars=self.use_dollars)
        seq = next(self._seq)
        raw = msg.to_fix(
            sender_comp_id=self.session_type,
            target_comp_id=self.api_key,
            msg_seq_num=seq,
            sending_time=datetime.now(UTC),
            price_format=fmt,
        )
        self.raw.append(raw)
        self.sent.append(from_fix_message(default_decoder().decode(raw), fmt))
        return seq

    def business_reject(
        self,
        fm: Any,
        reason: Any,
        text: str,
        *,
        ref_tag: int | None = None,
        ref_id: str | None = None,
    ) -> int:
        return self.send_message(business_reject_for(fm, reason, text, ref_tag=ref_tag, ref_id=ref_id))

    async def drain(self) -> None:
        return None

    def inbound(self, msg: Message) -> Any:
        """``msg`` as the app would receive it from this client (a decoded FixMessage)."""
        fmt = wire_price_format(msg.MSG_TYPE, from_exchange=False, use_dollars=self.use_dollars)
        raw = msg.to_fix(
            sender_comp_id=self.api_key,
            target_comp_id=self.session_type,
            msg_seq_num=next(self._in_seq),
            sending_time=datetime.now(UTC),
            price_format=fmt,
        )
        return default_decoder().decode(raw)

    def take(self) -> list[Message]:
        out, self.sent = self.sent, []
        return out


def make_app(
    config: ExchangeAppConfig | None = None, **engine_cfg: Any
) -> tuple[KalshiExchangeApp, ManualClock]:
    clock = ManualClock(T0)
    engine = Exchange(
        MarketRegistry(auto_list=True),
        clock=clock,
        config=EngineConfig(exec_id_epoch=1, **engine_cfg),
        ids=sequential_ids(),
    )
    return KalshiExchangeApp(engine, config=config), clock


async def deliver(app: KalshiExchangeApp, ctx: FakeSession, msg: Message) -> Any:
    """Hand ``msg`` to the app as ``ctx`` sent it; returns the inbound FixMessage."""
    fm = ctx.inbound(msg)
    await maybe_await(app.on_message(ctx, fm))  # type: ignore[arg-type]
    return fm


def logon(
    app: KalshiExchangeApp, api_key: str, session_type: str = "KalshiNR", **flags: Any
) -> FakeSession:
    ctx = FakeSession(api_key, session_type, LogonFlags(**flags))
    app.on_logon(ctx)  # type: ignore[arg-type]
    return ctx


def kinds(msgs: list[Message]) -> list[str]:
    """``"8:0/0"`` (ExecType/OrdStatus) for reports, the MsgType for the rest."""
    out = []
    for m in msgs:
        if m.MSG_TYPE == "8":
            out.append(f"8:{m.exec_type.value}/{m.ord_status.value}")  # type: ignore[attr-defined]
        else:
            out.append(m.MSG_TYPE)
    return out


SKIP = {"skip_pending_exec_reports": True}
BUY = enums.Side.BUY
SELL = enums.Side.SELL
