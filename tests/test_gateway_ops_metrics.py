"""Metrics registry: names, labels, escaping, histogram buckets, collectors."""

from __future__ import annotations

import pytest

from fixgw.gateway.metrics import Counter, Gauge, Histogram, Registry


def test_counter_labels_and_rendering_order() -> None:
    r = Registry()
    c = r.counter("x_total", "Things.", ("a", "b"))
    c.labels("2", "y").inc()
    c.labels(a="1", b="z").inc(3)
    c.labels("2", "y").inc()
    assert c.value("2", "y") == 2 and c.value(a="9", b="9") == 0
    assert r.render() == '# HELP x_total Things.\n# TYPE x_total counter\nx_total{a="1",b="z"} 3\nx_total{a="2",b="y"} 2\n'
    with pytest.raises(ValueError, match="only goes up"):
        c.labels("1", "z").inc(-1)
    with pytest.raises(ValueError, match="labels are"):
        c.labels("1")
    with pytest.raises(ValueError, match="use .labels"):
        c.inc()


def test_unlabelled_metrics_start_at_zero_and_escape() -> None:
    r = Registry()
    g = r.gauge("depth", 'Queue "depth"\nsecond line \\ end')
    c = r.counter("odd_total", "Odd.", ("v",))
    c.labels('a"b\\c\nd').inc()
    assert r.render().splitlines() == [
        '# HELP depth Queue "depth"\\nsecond line \\\\ end',
        "# TYPE depth gauge",
        "depth 0",
        "# HELP odd_total Odd.",
        "# TYPE odd_total counter",
        'odd_total{v="a\\"b\\\\c\\nd"} 1',
    ]
    g.set(2.5)
    g.dec()
    assert "depth 1.5" in r.render().splitlines()


def test_histogram_is_cumulative_with_inf_sum_count() -> None:
    h = Histogram("lat_seconds", "Latency.", buckets=(0.1, 1))
    for v in (0.05, 0.1, 0.5, 3):
        h.observe(v)
    assert h.render()[2:] == [
        'lat_seconds_bucket{le="0.1"} 2',
        'lat_seconds_bucket{le="1"} 3',
        'lat_seconds_bucket{le="+Inf"} 4',
        "lat_seconds_sum 3.65",
        "lat_seconds_count 4",
    ]
    with pytest.raises(ValueError, match="strictly increasing"):
        Histogram("h", "x", buckets=(1, 0.5))


def test_names_are_validated_and_unique() -> None:
    r = Registry()
    r.counter("ok_total", "x")
    with pytest.raises(ValueError, match="already registered"):
        r.counter("ok_total", "x")
    with pytest.raises(ValueError, match="not valid"):
        Counter("bad-name", "x")
    with pytest.raises(ValueError, match="reserved"):
        Gauge("g", "x", ("le",))


def test_collectors_run_before_render() -> None:
    r = Registry()
    g = r.gauge("queued", "Rows waiting.")
    depth = iter([7, 9])
    r.add_collector(lambda: g.set(next(depth)))
    assert "queued 7" in r.render()
    assert "queued 9" in r.render()
