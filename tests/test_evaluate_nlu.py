"""Tests for the NLU evaluation summary (tools/evaluate_nlu.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import evaluate_nlu

# Shaped like the intent_report.json that `rasa test nlu` 3.6 writes.
REPORT = {
    "greet": {
        "precision": 1.0,
        "recall": 1.0,
        "f1-score": 1.0,
        "support": 4,
        "confused_with": {},
    },
    "info_kontak": {
        "precision": 0.75,
        "recall": 1.0,
        "f1-score": 0.857,
        "support": 3,
        "confused_with": {},
    },
    "info_pengaduan": {
        "precision": 1.0,
        "recall": 0.5,
        "f1-score": 0.667,
        "support": 2,
        "confused_with": {"info_kontak": 1},
    },
    "out_of_scope": {
        "precision": 1.0,
        "recall": 0.5,
        "f1-score": 0.667,
        "support": 2,
        "confused_with": {"nlu_fallback": 1},
    },
    "accuracy": 0.818,
    "macro avg": {"precision": 0.75, "recall": 0.6, "f1-score": 0.638, "support": 11},
    "weighted avg": {
        "precision": 0.93,
        "recall": 0.82,
        "f1-score": 0.85,
        "support": 11,
    },
}

ERRORS = [
    {
        "text": "mau ngadu",
        "intent": "info_pengaduan",
        "intent_prediction": {"name": "info_kontak", "confidence": 0.61},
    },
    {
        "text": "zxcvb",
        "intent": "out_of_scope",
        "intent_prediction": {"name": "nlu_fallback", "confidence": 0.4},
    },
    {
        "text": "qwerty",
        "intent": "out_of_scope",
        "intent_prediction": {"name": "nlu_fallback", "confidence": 0.3},
    },
]


def write_results(directory: Path, errors: list | None) -> Path:
    """Write a report (and optionally an error list) as Rasa would."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / evaluate_nlu.REPORT_FILE).write_text(json.dumps(REPORT), encoding="utf-8")
    if errors is not None:
        (directory / evaluate_nlu.ERRORS_FILE).write_text(json.dumps(errors), encoding="utf-8")
    return directory


def test_summary_headline_figures() -> None:
    summary = evaluate_nlu.summarise(REPORT, ERRORS)

    assert summary.accuracy == pytest.approx(0.818)
    assert summary.macro_f1 == pytest.approx(0.638)
    assert summary.example_count == 11


def test_weak_intents_sorted_by_f1() -> None:
    summary = evaluate_nlu.summarise(REPORT, ERRORS)
    weak = [score.intent for score in summary.weak_intents]

    assert weak[-1] == "info_kontak"
    assert set(weak) == {"info_pengaduan", "out_of_scope", "info_kontak"}
    assert "greet" not in weak


def test_confusions_grouped_most_frequent_first() -> None:
    confusions = evaluate_nlu.summarise(REPORT, ERRORS).confusions

    assert [(c.expected, c.predicted, c.count) for c in confusions] == [
        ("out_of_scope", "nlu_fallback", 2),
        ("info_pengaduan", "info_kontak", 1),
    ]
    assert [example.text for example in confusions[0].examples] == ["zxcvb", "qwerty"]
    assert confusions[0].examples[0].confidence == pytest.approx(0.4)


def test_main_prints_confusion_list(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    results = write_results(tmp_path / "nlu", ERRORS)

    status = evaluate_nlu.main([str(results), "--config", str(tmp_path / "none.yml")])
    output = capsys.readouterr().out

    assert status == 0
    assert "fallback threshold" not in output
    assert "Accuracy:  0.818" in output
    assert "Macro F1:  0.638" in output
    assert 'out_of_scope -> nlu_fallback (2): "zxcvb" (0.40); "qwerty" (0.30)' in output
    assert 'info_pengaduan -> info_kontak (1): "mau ngadu" (0.61)' in output


def test_main_without_error_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    results = write_results(tmp_path / "nlu", errors=None)

    status = evaluate_nlu.main([str(results)])
    output = capsys.readouterr().out

    assert status == 0
    assert "No confusions" in output


def test_main_limits_examples_per_confusion(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    errors = [
        {
            "text": f"pesan {i}",
            "intent": "greet",
            "intent_prediction": {"name": "thank"},
        }
        for i in range(5)
    ]
    results = write_results(tmp_path / "nlu", errors)

    evaluate_nlu.main([str(results)])
    output = capsys.readouterr().out

    assert "greet -> thank (5)" in output
    assert '"pesan 2"; and 2 more' in output
    assert "pesan 3" not in output


def test_fallback_threshold_read_from_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(
        "pipeline:\n  - name: DIETClassifier\n  - name: FallbackClassifier\n    threshold: 0.55\n",
        encoding="utf-8",
    )

    assert evaluate_nlu.read_fallback_threshold(config) == pytest.approx(0.55)


def test_fallback_threshold_rasa_default(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: FallbackClassifier\n", encoding="utf-8")

    assert evaluate_nlu.read_fallback_threshold(config) == pytest.approx(0.3)


def test_fallback_threshold_absent(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: DIETClassifier\n", encoding="utf-8")

    assert evaluate_nlu.read_fallback_threshold(config) is None
    assert evaluate_nlu.read_fallback_threshold(tmp_path / "missing.yml") is None


def test_confident_errors_counted_against_threshold() -> None:
    summary = evaluate_nlu.summarise(REPORT, ERRORS, fallback_threshold=0.5)

    assert summary.error_count == 3
    assert summary.confident_error_count == 1


def test_main_prints_fallback_note(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    results = write_results(tmp_path / "nlu", ERRORS)
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: FallbackClassifier\n    threshold: 0.5\n")

    evaluate_nlu.main([str(results), "--config", str(config)])
    output = capsys.readouterr().out

    assert "Errors below the fallback threshold 0.50: 2 of 3" in output
    assert "Confident wrong replies: 1." in output


def test_main_missing_report_fails(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    status = evaluate_nlu.main([str(tmp_path / "absent")])

    assert status == evaluate_nlu.EXIT_MISSING_REPORT
    assert "Intent report not found" in capsys.readouterr().err
