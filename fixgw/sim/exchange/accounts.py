"""Accounts, subaccounts, FCM parties, cash ledgers and positions.

An *account* is an API key.  Each account has subaccounts 0-32 (0 = primary; fix__order-entry.md
tag 79) and, for FCMs, customer parties (tag 448).  Money and positions are held per
:class:`AccountRef` = (account, subaccount, party): each has its own ledger starting at the
configured balance.

Kalshi is fully collateralised: buying yes at P costs P per contract, buying no costs 1 - P.
Positions are a single signed number per market (+ = net yes, - = net no); buying the opposite
side of a held position nets the pair and pays $1 per netted contract
(getting_started__market_settlement.md: "Only net positions are settled (after netting)").
ExecutionReports show it as LongQty 704 = net yes, ShortQty 705 = net no.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from . import reject_reasons as rr

__all__ = [
    "MAX_SUBACCOUNT",
    "DEFAULT_BALANCE",
    "AccountRef",
    "AccountConfig",
    "Ledger",
    "BalanceView",
    "Accounts",
]

MAX_SUBACCOUNT = 32
DEFAULT_BALANCE = Decimal("1000000.00")
_ZERO = Decimal(0)
_ALL_SUBACCOUNTS = frozenset(range(MAX_SUBACCOUNT + 1))


@dataclass(frozen=True)
class AccountRef:
    """Who owns an order, a ledger and positions.

    The hash (the dataclass one: of the field tuple) is computed once and kept: every ledger
    and position lookup hashes the ref, several times per fill; equality checks identity
    first (the engine shares one ref per owner, see :meth:`Accounts.resolve`)."""

    account: str
    subaccount: int = 0
    party_id: str | None = None

    def __eq__(self, other: object) -> bool:
        # the dataclass comparison (field tuples), with a shortcut for the shared refs
        if self is other:
            return True
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.account, self.subaccount, self.party_id) == (
            other.account,  # type: ignore[attr-defined]
            other.subaccount,  # type: ignore[attr-defined]
            other.party_id,  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        try:
            return self._hash  # type: ignore[attr-defined, no-any-return]
        except AttributeError:
            h = hash((self.account, self.subaccount, self.party_id))
            object.__setattr__(self, "_hash", h)
            return h


@dataclass(frozen=True)
class AccountConfig:
    """Per-API-key settings.  ``subaccounts`` None means all of 0-32 exist."""

    balance: Decimal = DEFAULT_BALANCE
    subaccounts: frozenset[int] | None = None
    parties: frozenset[str] = frozenset()
    sell_position_floor: Decimal | None = None
    """Default floor for orders that reduce a position (EXCEEDED_SELL_POSITION_FLOOR)."""


@dataclass
class Ledger:
    """Cash and the part of it reserved by open orders."""

    cash: Decimal
    reserved: Decimal = _ZERO

    @property
    def available(self) -> Decimal:
        return self.cash - self.reserved


@dataclass(frozen=True)
class BalanceView:
    cash: Decimal
    reserved: Decimal
    available: Decimal


@dataclass
class _AccountState:
    config: AccountConfig
    subaccounts: set[int] = field(default_factory=set)


class Accounts:
    """Account registry, ledgers and positions."""

    def __init__(
        self,
        configs: Mapping[str, AccountConfig] | None = None,
        *,
        default: AccountConfig | None = None,
        auto_create: bool = True,
        auto_register_parties: bool = True,
    ) -> None:
        self._default = default or AccountConfig()
        self._auto_create = auto_create
        self._auto_register_parties = auto_register_parties
        self._accounts: dict[str, _AccountState] = {}
        self._party_owner: dict[str, str] = {}
        self._ledgers: dict[AccountRef, Ledger] = {}
        self._positions: dict[tuple[AccountRef, str], Decimal] = {}
        self._refs: dict[tuple[str, int, str | None], AccountRef] = {}
        for name, cfg in (configs or {}).items():
            self._create(name, cfg)

    def _create(self, name: str, cfg: AccountConfig) -> _AccountState:
        subs = set(_ALL_SUBACCOUNTS if cfg.subaccounts is None else cfg.subaccounts)
        bad = [s for s in subs if not 0 <= s <= MAX_SUBACCOUNT]
        if bad:
            raise ValueError(f"account {name!r}: subaccounts {bad} outside 0-{MAX_SUBACCOUNT}")
        subs.add(0)
        state = _AccountState(cfg, subs)
        self._accounts[name] = state
        for party in cfg.parties:
            owner = self._party_owner.setdefault(party, name)
            if owner != name:
                raise ValueError(f"party {party!r} configured for both {owner!r} and {name!r}")
        return state

    def config(self, account: str) -> AccountConfig | None:
        state = self._accounts.get(account)
        return state.config if state else None

    def resolve(
        self, account: str, subaccount: int = 0, party_id: str | None = None
    ) -> AccountRef | rr.OrderReject:
        """The AccountRef for an order, or the reject explaining why it has none."""
        state = self._accounts.get(account)
        if state is None:
            if not self._auto_create:
                return rr.CUSTOMER_ACCOUNT_NOT_FOUND
            state = self._create(account, self._default)
        if subaccount not in state.subaccounts:
            return rr.CUSTOMER_ACCOUNT_NOT_FOUND
        if party_id is not None:
            owner = self._party_owner.get(party_id)
            if owner is None:
                if not self._auto_register_parties:
                    return rr.CUSTOMER_ACCOUNT_NOT_FOUND
                self._party_owner[party_id] = account
            elif owner != account:
                return rr.PERMISSION_DENIED_FOR_CUSTOMER_ACCOUNT
        if type(subaccount) is not int:  # keep what was passed (True == 1, yet prints as Y)
            return AccountRef(account, subaccount, party_id)
        key = (account, subaccount, party_id)
        ref = self._refs.get(key)
        if ref is None:  # one ref per owner, not one per order
            ref = self._refs[key] = AccountRef(account, subaccount, party_id)
        return ref

    def create_subaccount(self, account: str, subaccount: int) -> None:
        if not 0 <= subaccount <= MAX_SUBACCOUNT:
            raise ValueError(f"subaccount {subaccount} outside 0-{MAX_SUBACCOUNT}")
        state = self._accounts.get(account) or self._create(account, self._default)
        state.subaccounts.add(subaccount)

    def ledger(self, ref: AccountRef) -> Ledger:
        led = self._ledgers.get(ref)
        if led is None:
            state = self._accounts.get(ref.account)
            balance = state.config.balance if state else self._default.balance
            led = self._ledgers[ref] = Ledger(balance)
        return led

    def balance(self, ref: AccountRef) -> BalanceView:
        led = self.ledger(ref)
        return BalanceView(led.cash, led.reserved, led.available)

    def position(self, ref: AccountRef, ticker: str) -> Decimal:
        """Signed net position: > 0 net yes, < 0 net no."""
        return self._positions.get((ref, ticker), _ZERO)

    def set_position(self, ref: AccountRef, ticker: str, value: Decimal) -> None:
        if value == 0:
            self._positions.pop((ref, ticker), None)
        else:
            self._positions[(ref, ticker)] = value

    def positions_in(self, ticker: str) -> Iterator[tuple[AccountRef, Decimal]]:
        """Non-zero positions in a market (a snapshot, safe to mutate while iterating)."""
        return iter([(ref, qty) for (ref, t), qty in self._positions.items() if t == ticker])
