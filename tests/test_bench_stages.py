"""bench/stages.py lines up stamps from two processes into round trips; the stages of a trip
add up to the trip, and a stamp of the other process that comes before the sender's write
call has returned (loopback is that fast) still belongs to this trip, not the next."""

from __future__ import annotations

from bench.stages import ECHO, OURS, _chain, _stage_medians, _trips


def _stamps(trip_starts: list[int], offsets: dict[str, int]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    client, server = [], []
    for t0 in trip_starts:
        for label, dt in offsets.items():
            side, name = label.split(":")
            (client if side == "c" else server).append((name, t0 + dt))
    return sorted(client, key=lambda e: e[1]), sorted(server, key=lambda e: e[1])


# one trip, in ns from its start; the server's feed (30,000) comes before the client's TLS
# write call returns (35,000)
ECHO_TRIP = {"c:start": 0, "c:tls<": 1_000, "s:feed": 30_000, "c:tls>": 35_000, "s:tls<": 40_000,
             "s:tls>": 50_000, "c:feed": 70_000, "c:end": 75_000}  # fmt: skip


def test_echo_trips_line_up_and_the_stages_add_up_to_the_trip() -> None:
    starts = [0, 1_000_000, 2_000_000]
    client, server = _stamps(starts, ECHO_TRIP)
    server.insert(0, ("feed", 500_000))  # a stray stamp between trips (a heartbeat) is skipped
    server.sort(key=lambda e: e[1])
    trips = _trips(client, server, _chain(ECHO))
    assert len(trips) == 3
    for t0, trip in zip(starts, trips, strict=True):
        assert trip["s:feed"] == t0 + 30_000
        assert trip["c:feed"] == t0 + 70_000
    med = _stage_medians(trips, ECHO)
    assert med["NewOrderSingle: TLS write -> delivered to the simulator"] == 29.0
    assert med["echo server: wake its task, read, on to the TLS write"] == 10.0
    assert sum(med.values()) == 75.0  # == the trip: c:start -> c:end


def test_our_chain_covers_start_to_end_without_gaps() -> None:
    for stages in (OURS, ECHO):
        assert stages[0][1] == "c:start" and stages[-1][2] == "c:end"
        for (_, _, b), (_, a, _) in zip(stages, stages[1:], strict=False):
            assert a == b


def test_a_trip_missing_a_server_stamp_keeps_what_it_has() -> None:
    client, server = _stamps([0], ECHO_TRIP)
    server = [e for e in server if e[0] != "tls<"]
    (trip,) = _trips(client, server, _chain(ECHO))
    assert "s:tls<" not in trip and "c:feed" not in trip
    med = _stage_medians([trip], ECHO)
    assert "ExecutionReport: TLS write -> delivered to the client" not in med
