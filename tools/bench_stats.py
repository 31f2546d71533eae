"""Statistics and the one-line summary of `make bench`, kept free of I/O so they test alone."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Dict, Mapping, Sequence, Union

SUMMARY_PREFIX = "BENCH"

# Order of the fields in the summary line; a script may rely on the names, not the order.
SUMMARY_FIELDS = (
    "chassie_msgs_per_s",
    "plain_msgs_per_s",
    "ratio",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "webhook_p50_ms",
    "webhook_p99_ms",
    "plain_p50_ms",
    "plain_p95_ms",
    "train_s",
    "plain_train_s",
    "train_cpu_s",
    "rss_mb",
    "plain_rss_mb",
    "nlu_parses_per_s",
    "plain_nlu_parses_per_s",
    "errors",
    "conversations",
    "load1",
)

# A field value is a number, or "na" when that part of the run was skipped or failed.
MISSING_VALUE = "na"
_FIELD = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)=(?P<value>\S+)$")

SummaryValue = Union[float, int, None]


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0..100) with linear interpolation between ranks, as numpy's default."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile must be within 0..100, got {q}")

    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    lower = math.floor(rank)
    upper = math.ceil(rank)
    if lower == upper:
        return float(ordered[lower])
    weight = rank - lower
    return float(ordered[lower] * (1.0 - weight) + ordered[upper] * weight)


@dataclass(frozen=True)
class LatencyStats:
    """Percentiles of a set of latencies, in milliseconds."""

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    @classmethod
    def from_samples(cls, samples_ms: Sequence[float]) -> LatencyStats:
        """Summarise latencies in milliseconds; an empty list gives NaN percentiles and count 0."""
        if not samples_ms:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan, nan)
        return cls(
            count=len(samples_ms),
            p50_ms=percentile(samples_ms, 50),
            p95_ms=percentile(samples_ms, 95),
            p99_ms=percentile(samples_ms, 99),
            max_ms=float(max(samples_ms)),
            mean_ms=float(sum(samples_ms) / len(samples_ms)),
        )


def throughput(messages: int, seconds: float) -> float:
    """Return messages per second; 0 when no time passed."""
    return messages / seconds if seconds > 0 else 0.0


def ratio(numerator: float, denominator: float) -> float:
    """Return numerator / denominator, NaN when the denominator is not positive."""
    return numerator / denominator if denominator > 0 else float("nan")


def _format_value(value: SummaryValue) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_VALUE
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}" if abs(value) < 1000 else f"{value:.0f}"


def format_summary_line(values: Mapping[str, SummaryValue]) -> str:
    """Build `BENCH key=value ...` with the known fields first, then any others in the given order."""
    keys = [key for key in SUMMARY_FIELDS if key in values]
    keys += [key for key in values if key not in SUMMARY_FIELDS]
    for key in keys:
        if not _FIELD.match(f"{key}=x"):
            raise ValueError(f"invalid summary field name {key!r}: use lower case letters, digits and _")
    return " ".join([SUMMARY_PREFIX] + [f"{key}={_format_value(values[key])}" for key in keys])


def parse_summary_line(line: str) -> Dict[str, SummaryValue]:
    """Read a `BENCH key=value ...` line back; "na" becomes None, whole numbers become int."""
    parts = line.strip().split()
    if not parts or parts[0] != SUMMARY_PREFIX:
        raise ValueError(f"not a summary line: it must start with {SUMMARY_PREFIX!r}")

    values: Dict[str, SummaryValue] = {}
    for part in parts[1:]:
        match = _FIELD.match(part)
        if match is None:
            raise ValueError(f"invalid summary field {part!r}: expected key=value")
        raw = match.group("value")
        if raw == MISSING_VALUE:
            values[match.group("key")] = None
        elif re.fullmatch(r"-?\d+", raw):
            values[match.group("key")] = int(raw)
        else:
            try:
                values[match.group("key")] = float(raw)
            except ValueError:
                raise ValueError(f"invalid number in summary field {part!r}") from None
    return values


def find_summary_line(output: str) -> Dict[str, SummaryValue]:
    """Parse the last summary line in a run's output; raise ValueError when there is none."""
    for line in reversed(output.splitlines()):
        if line.startswith(SUMMARY_PREFIX + " "):
            return parse_summary_line(line)
    raise ValueError(f"no line starting with {SUMMARY_PREFIX!r} in the output")
