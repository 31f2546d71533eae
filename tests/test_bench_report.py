"""The benchmarks page and the settings of `make bench`: pure parts, no servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.bench import DEFAULT_REPORT, BenchSettings
from tools.bench_report import (
    BEGIN_MARKER,
    END_MARKER,
    BenchReport,
    Target,
    fmt,
    merge_into_document,
    render_section,
)


def test_merge_replaces_only_the_measured_section() -> None:
    existing = f"# Benchmarks\n\nIntro.\n\n{BEGIN_MARKER}\nold figures\n{END_MARKER}\n\n## Analysis\n\nKept.\n"
    merged = merge_into_document(existing, "new figures")
    assert "old figures" not in merged
    assert f"{BEGIN_MARKER}\nnew figures\n{END_MARKER}" in merged
    assert merged.startswith("# Benchmarks\n\nIntro.")
    assert merged.endswith("## Analysis\n\nKept.\n")


def test_merge_creates_document_when_missing() -> None:
    merged = merge_into_document(None, "figures")
    assert merged.startswith("# Benchmarks")
    assert f"{BEGIN_MARKER}\nfigures\n{END_MARKER}" in merged


def test_merge_keeps_text_of_a_page_without_markers() -> None:
    merged = merge_into_document("Hand-written notes.\n", "figures")
    assert "Hand-written notes." in merged
    assert merged.index(END_MARKER) < merged.index("Hand-written notes.")


@pytest.mark.parametrize(
    ("target", "verdict"),
    [
        (Target("p95", 250.0, 300.0, "ms"), "met"),
        (Target("p95", 301.0, 300.0, "ms"), "not met"),
        (Target("ratio", 3.2, 3.0, "×", at_least=True), "met"),
        (Target("ratio", 2.9, 3.0, "×", at_least=True), "not met"),
        (Target("ratio", None, 3.0, "×", at_least=True), "not measured"),
        (Target("p95", float("nan"), 300.0, "ms"), "not measured"),
    ],
)
def test_target_verdict(target: Target, verdict: str) -> None:
    assert target.verdict == verdict


def test_fmt_handles_missing_values() -> None:
    assert fmt(None) == "–"
    assert fmt(float("nan")) == "–"
    assert fmt(12.345, 2, "ms") == "12.35 ms"


def test_render_section_lists_targets_and_summary() -> None:
    report = BenchReport(
        date="2024-01-01 10:00 WITA",
        commands=["make bench"],
        machine={"CPUs (nproc)": "2", "memory (free -h)": "Mem: 23Gi\nSwap: 0B"},
        settings={"BENCH_CONVERSATIONS": 20},
        rows=[["messages per second", "90.0", "28.0"]],
        targets=[Target("webhook response p99", 12.0, 50.0, "ms")],
        summary_line="BENCH ratio=3.21",
    )
    text = render_section(report)
    assert "- CPUs (nproc): 2" in text
    assert "Mem: 23Gi\nSwap: 0B" in text
    assert "| messages per second | 90.0 | 28.0 |" in text
    assert "| webhook response p99 | 12.00 ms | ≤ 50.00 ms | met |" in text
    assert "BENCH ratio=3.21" in text


def test_settings_defaults() -> None:
    settings = BenchSettings.from_env({})
    assert settings.conversations == 20
    assert settings.seconds == 60.0
    assert settings.rounds is None
    assert settings.statuses == ("sent", "delivered", "read")
    assert settings.train and settings.plain
    assert settings.report == DEFAULT_REPORT


def test_settings_from_environment() -> None:
    settings = BenchSettings.from_env(
        {
            "BENCH_CONVERSATIONS": "5",
            "BENCH_SECONDS": "12.5",
            "BENCH_ROUNDS": "2",
            "BENCH_STATUSES": "sent, delivered",
            "BENCH_TRAIN": "0",
            "BENCH_PLAIN": "0",
            "BENCH_REPORT": "",
        }
    )
    assert settings.conversations == 5
    assert settings.seconds == 12.5
    assert settings.rounds == 2
    assert settings.statuses == ("sent", "delivered")
    assert not settings.train
    assert not settings.plain
    assert settings.report is None
    assert settings.shape.rounds == 2


def test_settings_report_path(tmp_path: Path) -> None:
    settings = BenchSettings.from_env({"BENCH_REPORT": str(tmp_path / "bench.md")})
    assert settings.report == tmp_path / "bench.md"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BENCH_SECONDS": "soon"}, "BENCH_SECONDS must be a number"),
        ({"BENCH_SECONDS": "-1"}, "must not be negative"),
        ({"BENCH_CONVERSATIONS": "0"}, "at least 1"),
    ],
)
def test_settings_reject_invalid_values(env: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BenchSettings.from_env(env)
