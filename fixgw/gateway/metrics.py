"""A tiny metrics registry with Prometheus text exposition (format 0.0.4), no dependency.

Counters, gauges and histograms with labels; ``Registry.render()`` gives the text a
Prometheus scrape expects.  `GatewayMetrics` is the gateway's own set.  Not thread-safe
beyond what the GIL gives: update from the event loop.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .journal import msg_type_of

__all__ = [
    "CONTENT_TYPE",
    "LATENCY_BUCKETS",
    "Counter",
    "Gauge",
    "GatewayMetrics",
    "Histogram",
    "Registry",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Seconds: a FIX round trip to Kalshi is milliseconds; the tail goes to seconds under load.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _fmt(v: float) -> str:
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _escape_label(v: str) -> str:
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(v: str) -> str:
    return v.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape_label(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


class _Metric:
    kind = ""

    def __init__(self, name: str, help: str, labelnames: Sequence[str] = ()) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"metric name {name!r} is not valid ([a-zA-Z_:][a-zA-Z0-9_:]*)")
        for ln in labelnames:
            if not _LABEL.fullmatch(ln) or ln.startswith("__") or ln == "le":
                raise ValueError(f"metric {name}: label name {ln!r} is not valid or is reserved")
        self.name = name
        self.help = help
        self.labelnames = tuple(labelnames)
        self._children: dict[tuple[str, ...], Any] = {}
        if not self.labelnames:
            self._children[()] = self._new()

    def _new(self) -> Any:
        raise NotImplementedError

    def _key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, ...]:
        if args and kwargs:
            raise ValueError(f"metric {self.name}: give label values by position or by name, not both")
        if kwargs:
            if set(kwargs) != set(self.labelnames):
                raise ValueError(f"metric {self.name}: labels are {self.labelnames}, got {tuple(kwargs)}")
            args = tuple(kwargs[n] for n in self.labelnames)
        if len(args) != len(self.labelnames):
            raise ValueError(f"metric {self.name}: labels are {self.labelnames}, got {len(args)} value(s)")
        return tuple(str(a) for a in args)

    def labels(self, *args: Any, **kwargs: Any) -> Any:
        key = self._key(args, kwargs)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._new()
        return child

    def _only(self) -> Any:
        if self.labelnames:
            raise ValueError(f"metric {self.name} has labels {self.labelnames}: use .labels(...)")
        return self._children[()]

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {_escape_help(self.help)}", f"# TYPE {self.name} {self.kind}"]
        for key in sorted(self._children):
            lines.extend(self._samples(key, self._children[key]))
        return lines

    def _samples(self, key: tuple[str, ...], child: Any) -> Iterable[str]:
        yield f"{self.name}{_labels(self.labelnames, key)} {_fmt(child.value)}"


class _Value:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: float = 0

    def inc(self, amount: float = 1) -> None:
        self.value += amount


class _CounterValue(_Value):
    __slots__ = ()

    def inc(self, amount: float = 1) -> None:
        if amount < 0:
            raise ValueError(f"a counter only goes up; inc({amount})")
        self.value += amount


class _GaugeValue(_Value):
    __slots__ = ()

    def set(self, value: float) -> None:
        self.value = value

    def dec(self, amount: float = 1) -> None:
        self.value -= amount


class Counter(_Metric):
    kind = "counter"

    def _new(self) -> _Value:  # a _CounterValue; Gauge's override makes a _GaugeValue
        return _CounterValue()

    def inc(self, amount: float = 1) -> None:
        self._only().inc(amount)

    def value(self, *args: Any, **kwargs: Any) -> float:
        child = self._children.get(self._key(args, kwargs))
        return child.value if child is not None else 0


class Gauge(Counter):
    kind = "gauge"

    def _new(self) -> _GaugeValue:
        return _GaugeValue()

    def set(self, value: float) -> None:
        self._only().set(value)

    def dec(self, amount: float = 1) -> None:
        self._only().dec(amount)


class _HistogramValue:
    __slots__ = ("bounds", "counts", "sum", "count")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * len(bounds)  # per bucket, not cumulative
        self.sum: float = 0
        self.count = 0

    def observe(self, value: float) -> None:
        for i, b in enumerate(self.bounds):
            if value <= b:
                self.counts[i] += 1
                break
        self.sum += value
        self.count += 1


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, help: str, labelnames: Sequence[str] = (), buckets: Sequence[float] = LATENCY_BUCKETS) -> None:
        bounds = tuple(float(b) for b in buckets)
        if not bounds or list(bounds) != sorted(set(bounds)) or math.isinf(bounds[-1]):
            raise ValueError(f"histogram {name}: buckets must be finite, strictly increasing, non-empty: {buckets!r}")
        self.bounds = bounds
        super().__init__(name, help, labelnames)

    def _new(self) -> _HistogramValue:
        return _HistogramValue(self.bounds)

    def observe(self, value: float) -> None:
        self._only().observe(value)

    def _samples(self, key: tuple[str, ...], child: _HistogramValue) -> Iterable[str]:
        cum = 0
        for b, n in zip(child.bounds, child.counts, strict=True):
            cum += n
            le = 'le="' + _fmt(b) + '"'
            yield f"{self.name}_bucket{_labels(self.labelnames, key, le)} {cum}"
        le = 'le="+Inf"'
        yield f"{self.name}_bucket{_labels(self.labelnames, key, le)} {child.count}"
        yield f"{self.name}_sum{_labels(self.labelnames, key)} {_fmt(child.sum)}"
        yield f"{self.name}_count{_labels(self.labelnames, key)} {child.count}"


class Registry:
    """Named metrics, rendered in registration order.  Collectors run before each render
    (to refresh gauges read from elsewhere, e.g. queue depth)."""

    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}
        self._collectors: list[Callable[[], None]] = []

    def register(self, metric: _Metric) -> Any:
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name!r} is already registered")
        self._metrics[metric.name] = metric
        return metric

    def counter(self, name: str, help: str, labelnames: Sequence[str] = ()) -> Counter:
        return self.register(Counter(name, help, labelnames))

    def gauge(self, name: str, help: str, labelnames: Sequence[str] = ()) -> Gauge:
        return self.register(Gauge(name, help, labelnames))

    def histogram(
        self, name: str, help: str, labelnames: Sequence[str] = (), buckets: Sequence[float] = LATENCY_BUCKETS
    ) -> Histogram:
        return self.register(Histogram(name, help, labelnames, buckets))

    def add_collector(self, fn: Callable[[], None]) -> None:
        self._collectors.append(fn)

    def get(self, name: str) -> _Metric:
        return self._metrics[name]

    def render(self) -> str:
        for fn in self._collectors:
            fn()
        lines: list[str] = []
        for m in self._metrics.values():
            lines.extend(m.render())
        return "\n".join(lines) + "\n"


class GatewayMetrics:
    """The gateway's metrics, all prefixed ``fixgw_``."""

    def __init__(self, registry: Registry | None = None) -> None:
        r = self.registry = registry or Registry()
        self.messages_in = r.counter("fixgw_messages_in_total", "FIX messages received.", ("session", "msg_type"))
        self.messages_out = r.counter("fixgw_messages_out_total", "FIX messages sent.", ("session", "msg_type"))
        self.rejects = r.counter(
            "fixgw_rejects_total",
            "Refusals by kind: order, cancel, business, session (from the exchange); risk, rate_limit (local).",
            ("kind",),
        )
        self.reconnects = r.counter("fixgw_reconnects_total", "Reconnection attempts.", ("session",))
        self.roundtrip = r.histogram(
            "fixgw_roundtrip_latency_seconds",
            "Request sent to first exchange answer (e.g. NewOrderSingle to ExecutionReport).",
            ("session",),
        )
        self.logged_on = r.gauge("fixgw_session_logged_on", "1 when the session is logged on.", ("session",))
        self.kill_switch = r.gauge("fixgw_kill_switch_engaged", "1 while the kill switch is engaged.")

    def count_message(self, session: str, direction: str, msg_type: str) -> None:
        (self.messages_in if direction == "in" else self.messages_out).labels(session, msg_type).inc()

    def frame_counter(self, session: str) -> Callable[[str, bytes], None]:
        """A ``(direction, whole_message)`` callback, e.g. for ``journal_tap(..., also=[...])``."""

        def count(direction: str, frame: bytes) -> None:
            self.count_message(session, direction, msg_type_of(frame) or "?")

        return count

    def render(self) -> str:
        return self.registry.render()
