"""Percentiles, throughput and the `BENCH key=value` summary line of `make bench`."""

from __future__ import annotations

import math

import pytest

from tools.bench_stats import (
    LatencyStats,
    find_summary_line,
    format_summary_line,
    parse_summary_line,
    percentile,
    ratio,
    throughput,
)


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0, 1.0), (25, 1.75), (50, 2.5), (75, 3.25), (100, 4.0)],
)
def test_percentile_interpolates_between_ranks(q: float, expected: float) -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], q) == pytest.approx(expected)


def test_percentile_matches_numpy_linear_method() -> None:
    numpy = pytest.importorskip("numpy")
    values = [12.0, 480.0, 33.5, 7.25, 101.0, 99.0, 250.0, 3.0, 64.0, 18.0, 5.5]
    for q in (1, 50, 90, 95, 99):
        assert percentile(values, q) == pytest.approx(float(numpy.percentile(values, q)))


def test_percentile_of_one_value_is_that_value() -> None:
    assert percentile([42.0], 99) == 42.0


def test_percentile_rejects_empty_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)


@pytest.mark.parametrize("q", [-1, 100.5])
def test_percentile_rejects_out_of_range_q(q: float) -> None:
    with pytest.raises(ValueError, match="0..100"):
        percentile([1.0, 2.0], q)


def test_latency_stats_from_samples() -> None:
    stats = LatencyStats.from_samples([float(value) for value in range(1, 101)])
    assert stats.count == 100
    assert stats.p50_ms == pytest.approx(50.5)
    assert stats.p95_ms == pytest.approx(95.05)
    assert stats.p99_ms == pytest.approx(99.01)
    assert stats.max_ms == 100.0
    assert stats.mean_ms == pytest.approx(50.5)


def test_latency_stats_of_no_samples_are_nan() -> None:
    stats = LatencyStats.from_samples([])
    assert stats.count == 0
    assert math.isnan(stats.p50_ms)
    assert math.isnan(stats.p99_ms)


def test_throughput_and_ratio() -> None:
    assert throughput(300, 60.0) == 5.0
    assert throughput(10, 0.0) == 0.0
    assert ratio(90.0, 30.0) == 3.0
    assert math.isnan(ratio(90.0, 0.0))


def test_summary_line_round_trips() -> None:
    values = {
        "chassie_msgs_per_s": 84.125,
        "plain_msgs_per_s": 28.0,
        "ratio": 3.0044,
        "p95_ms": 1234.6,
        "errors": 0,
        "rss_mb": None,
        "load1": float("nan"),
    }
    line = format_summary_line(values)
    assert line == (
        "BENCH chassie_msgs_per_s=84.12 plain_msgs_per_s=28.00 ratio=3.00 p95_ms=1235 rss_mb=na errors=0 load1=na"
    )
    parsed = parse_summary_line(line)
    assert parsed["chassie_msgs_per_s"] == pytest.approx(84.12)
    assert parsed["p95_ms"] == 1235
    assert parsed["errors"] == 0
    assert isinstance(parsed["errors"], int)
    assert parsed["rss_mb"] is None
    assert parsed["load1"] is None


def test_summary_line_puts_unknown_fields_last() -> None:
    line = format_summary_line({"custom_field": 1, "ratio": 2.5})
    assert line == "BENCH ratio=2.50 custom_field=1"


def test_summary_line_rejects_bad_field_name() -> None:
    with pytest.raises(ValueError, match="invalid summary field name"):
        format_summary_line({"Bad-Name": 1.0})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("RESULT ratio=1", "must start with"),
        ("BENCH ratio", "expected key=value"),
        ("BENCH ratio=fast", "invalid number"),
    ],
)
def test_parse_summary_line_rejects_malformed_lines(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_summary_line(line)


def test_find_summary_line_takes_the_last_one() -> None:
    output = "BENCH ratio=1.00\nsome log line\nBENCH ratio=3.50 errors=2\ntrailing text\n"
    assert find_summary_line(output) == {"ratio": 3.5, "errors": 2}


def test_find_summary_line_without_one_raises() -> None:
    with pytest.raises(ValueError, match="no line"):
        find_summary_line("BENCHMARK done\n")
