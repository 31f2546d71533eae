"""Markdown for docs/benchmarks.md: each run replaces the measured part and keeps the analysis around it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List

from tools.bench_stats import LatencyStats

BEGIN_MARKER = "<!-- bench:begin (written by `make bench`; edit outside these markers) -->"
END_MARKER = "<!-- bench:end -->"

DEFAULT_DOCUMENT = f"""# Benchmarks

`make bench` measures Chassie end to end through the signed WhatsApp webhook
and, in the same run, a plain `rasa init` assistant through Rasa's REST
channel. The section between the markers below is rewritten by each run.

{BEGIN_MARKER}
{END_MARKER}
"""


@dataclass(frozen=True)
class Target:
    """A goal the run is compared with: `value <= limit` (or `>=` when `at_least`)."""

    name: str
    value: float | None
    limit: float
    unit: str
    at_least: bool = False

    @property
    def verdict(self) -> str:
        """Return `met`, `not met` or `not measured`."""
        if self.value is None or math.isnan(self.value):
            return "not measured"
        met = self.value >= self.limit if self.at_least else self.value <= self.limit
        return "met" if met else "not met"


@dataclass
class BenchReport:
    """Everything one `make bench` run found, ready to render."""

    date: str
    commands: List[str]
    machine: Dict[str, str]
    settings: Dict[str, Any]
    rows: List[List[str]] = field(default_factory=list)
    targets: List[Target] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    summary_line: str = ""


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    """Format a number for a table cell; None and NaN become an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.{digits}f}"
    return f"{text} {unit}".rstrip()


def latency_cells(stats: LatencyStats) -> str:
    """Return `p50 / p95 / p99 / max` in milliseconds for one table cell."""
    if stats.count == 0:
        return "–"
    return " / ".join(fmt(value, 0) for value in (stats.p50_ms, stats.p95_ms, stats.p99_ms, stats.max_ms))


def _table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_section(report: BenchReport) -> str:
    """Render the measured section (without markers)."""
    lines = [f"## Last run: {report.date}", "", "### Machine", ""]
    lines += [f"- {key}: {value}" for key, value in report.machine.items() if "\n" not in value]
    for key, value in report.machine.items():
        if "\n" in value:
            lines += ["", f"{key}:", "", "```", value, "```"]
    lines += ["", "### Commands", "", "```"] + report.commands + ["```", "", "Settings of this run:", ""]
    lines += [f"- {key} = {value}" for key, value in report.settings.items()]
    lines += ["", "### Results", ""]
    lines += _table(["measure", "Chassie (WhatsApp webhook)", "plain rasa init (REST)"], report.rows)
    lines += ["", "### Targets", ""]
    lines += _table(
        ["target", "measured", "limit", "verdict"],
        [
            [
                target.name,
                fmt(target.value, 2, target.unit),
                ("≥ " if target.at_least else "≤ ") + fmt(target.limit, 2, target.unit),
                target.verdict,
            ]
            for target in report.targets
        ],
    )
    if report.notes:
        lines += ["", "### Notes on this run", ""] + [f"- {note}" for note in report.notes]
    lines += ["", "Summary line:", "", "```", report.summary_line, "```"]
    return "\n".join(lines)


def merge_into_document(existing: str | None, section: str) -> str:
    """Put `section` between the markers of `existing`, creating the document when it has none."""
    document = existing if existing and BEGIN_MARKER in existing and END_MARKER in existing else DEFAULT_DOCUMENT
    if existing and document is DEFAULT_DOCUMENT and existing.strip():
        # Text written before the markers existed is kept below the new section.
        document = DEFAULT_DOCUMENT + "\n" + existing
    head, rest = document.split(BEGIN_MARKER, 1)
    _, tail = rest.split(END_MARKER, 1)
    return f"{head}{BEGIN_MARKER}\n{section}\n{END_MARKER}{tail}"
