"""Summarise a `rasa test nlu` run: accuracy, macro F1, weak intents, confusions.

Run it after

    rasa test nlu --nlu tests/nlu/heldout.yml --out results/nlu

with the same output directory as its argument (default `results/nlu`). Rasa
writes `intent_report.json`, which is scikit-learn's classification report with
"accuracy", "macro avg" and a `confused_with` field per intent. It writes
`intent_errors.json` only when some prediction was wrong. The script exits with
status 2 when the report is missing. A low score is printed, not turned into a
failure.

`rasa test nlu` (Rasa 3.6) undoes the FallbackClassifier's verdict before
scoring, so a wrong intent predicted below the fallback threshold counts as an
error even though the assistant would give its fallback reply instead. The
script reads that threshold from config.yml and marks such errors, because a
confident wrong reply is worse than the fallback reply.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_RESULTS_DIR = Path("results/nlu")
DEFAULT_CONFIG = Path("config.yml")
REPORT_FILE = "intent_report.json"
ERRORS_FILE = "intent_errors.json"
FALLBACK_COMPONENT = "FallbackClassifier"
F1_THRESHOLD = 0.95
MAX_EXAMPLES_PER_CONFUSION = 3
EXIT_MISSING_REPORT = 2

# Keys of scikit-learn's classification report that are aggregates, not intents.
AGGREGATE_KEYS = frozenset({"accuracy", "macro avg", "weighted avg", "micro avg"})


@dataclass(frozen=True)
class IntentScore:
    """Precision, recall and F1 of one intent on the evaluation set."""

    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Misclassified:
    """One evaluation message and the confidence of the wrong intent predicted."""

    text: str
    confidence: float | None


@dataclass
class Confusion:
    """Messages of one expected intent that the model classified as another."""

    expected: str
    predicted: str
    examples: list[Misclassified] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Number of misclassified messages."""
        return len(self.examples)


@dataclass(frozen=True)
class Summary:
    """The figures printed for one evaluation run."""

    accuracy: float
    macro_f1: float
    example_count: int
    weak_intents: list[IntentScore]
    confusions: list[Confusion]
    fallback_threshold: float | None = None

    @property
    def error_count(self) -> int:
        """Number of misclassified messages."""
        return sum(confusion.count for confusion in self.confusions)

    @property
    def confident_error_count(self) -> int | None:
        """Number of errors at or above the fallback threshold, if it is known."""
        if self.fallback_threshold is None:
            return None
        return sum(
            1
            for confusion in self.confusions
            for example in confusion.examples
            if example.confidence is None or example.confidence >= self.fallback_threshold
        )


def load_json(path: Path) -> Any:
    """Load one JSON file written by Rasa."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def read_fallback_threshold(config_path: Path) -> float | None:
    """Return the FallbackClassifier threshold of a Rasa config, or None without one."""
    if not config_path.is_file():
        return None
    with config_path.open(encoding="utf-8") as handle:
        config = yaml.safe_load(handle) or {}

    for component in config.get("pipeline") or []:
        if str(component.get("name", "")).endswith(FALLBACK_COMPONENT):
            # Rasa's own default when the component is listed without a threshold.
            return float(component.get("threshold", 0.3))
    return None


def intent_scores(report: dict[str, Any]) -> list[IntentScore]:
    """Extract the per-intent rows of the report, skipping aggregate rows."""
    scores = []
    for name, row in report.items():
        if name in AGGREGATE_KEYS or not isinstance(row, dict):
            continue
        scores.append(
            IntentScore(
                intent=name,
                precision=float(row["precision"]),
                recall=float(row["recall"]),
                f1=float(row["f1-score"]),
                support=int(row["support"]),
            )
        )
    return scores


def group_confusions(errors: list[dict[str, Any]]) -> list[Confusion]:
    """Group wrong predictions by (expected, predicted), most frequent first."""
    groups: dict[tuple[str, str], Confusion] = {}
    for error in errors:
        prediction = error.get("intent_prediction") or {}
        expected = error["intent"]
        predicted = prediction.get("name") or "None"
        confidence = prediction.get("confidence")

        key = (expected, predicted)
        if key not in groups:
            groups[key] = Confusion(expected=expected, predicted=predicted)
        groups[key].examples.append(
            Misclassified(
                text=error["text"],
                confidence=None if confidence is None else float(confidence),
            )
        )

    return sorted(groups.values(), key=lambda c: (-c.count, c.expected, c.predicted))


def summarise(
    report: dict[str, Any],
    errors: list[dict[str, Any]],
    fallback_threshold: float | None = None,
) -> Summary:
    """Build the summary of one run from Rasa's report and error list."""
    # Rasa 3.6 lists only the intents of the evaluation set in the report, so a
    # label that was only predicted shows up in the errors alone.
    weak = sorted(
        (score for score in intent_scores(report) if score.f1 < F1_THRESHOLD),
        key=lambda score: score.f1,
    )
    return Summary(
        accuracy=float(report["accuracy"]),
        macro_f1=float(report["macro avg"]["f1-score"]),
        example_count=int(report["macro avg"]["support"]),
        weak_intents=weak,
        confusions=group_confusions(errors),
        fallback_threshold=fallback_threshold,
    )


def _format_example(example: Misclassified) -> str:
    if example.confidence is None:
        return f'"{example.text}"'
    return f'"{example.text}" ({example.confidence:.2f})'


def _format_weak_intents(summary: Summary) -> list[str]:
    if not summary.weak_intents:
        return [f"Every intent has F1 of at least {F1_THRESHOLD:.2f}."]

    lines = [f"Intents with F1 below {F1_THRESHOLD:.2f}:"]
    for score in summary.weak_intents:
        lines.append(
            f"  {score.intent:<20} f1={score.f1:.3f} precision={score.precision:.3f} "
            f"recall={score.recall:.3f} support={score.support}"
        )
    return lines


def _format_confusions(summary: Summary) -> list[str]:
    if not summary.confusions:
        return ["No confusions: every example was classified correctly."]

    lines = ["Confusions (expected -> predicted (count): examples (confidence)):"]
    for confusion in summary.confusions:
        listed = confusion.examples[:MAX_EXAMPLES_PER_CONFUSION]
        examples = "; ".join(_format_example(example) for example in listed)
        hidden = confusion.count - len(listed)
        if hidden > 0:
            examples += f"; and {hidden} more"
        lines.append(f"  {confusion.expected} -> {confusion.predicted} ({confusion.count}): {examples}")
    return lines


def _format_fallback_note(summary: Summary) -> list[str]:
    confident = summary.confident_error_count
    if confident is None or not summary.confusions:
        return []
    caught = summary.error_count - confident
    # The ambiguity threshold can catch more errors, but the error file does not
    # carry the ranking needed to tell, so this is a lower bound.
    return [
        f"Errors below the fallback threshold {summary.fallback_threshold:.2f}: "
        f"{caught} of {summary.error_count}. The assistant sends its fallback reply to these.",
        f"Confident wrong replies: {confident}.",
    ]


def format_summary(summary: Summary) -> str:
    """Render the summary as plain text for a terminal or a CI log."""
    lines = [
        f"Examples:  {summary.example_count}",
        f"Accuracy:  {summary.accuracy:.3f}",
        f"Macro F1:  {summary.macro_f1:.3f}",
        "",
    ]
    lines += _format_weak_intents(summary)
    lines.append("")
    lines += _format_confusions(summary)
    fallback_note = _format_fallback_note(summary)
    if fallback_note:
        lines.append("")
        lines += fallback_note
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "results_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_RESULTS_DIR,
        help=f"output directory of `rasa test nlu --out` (default: {DEFAULT_RESULTS_DIR})",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help=f"Rasa config that sets the FallbackClassifier threshold (default: {DEFAULT_CONFIG})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Print the summary of the run in the given directory and return the exit status."""
    args = parse_args(argv)
    report_path = args.results_dir / REPORT_FILE
    errors_path = args.results_dir / ERRORS_FILE

    if not report_path.is_file():
        print(
            f"Intent report not found: {report_path}. Run "
            f"`rasa test nlu --nlu tests/nlu/heldout.yml --out {args.results_dir}` first.",
            file=sys.stderr,
        )
        return EXIT_MISSING_REPORT

    report = load_json(report_path)
    # Rasa writes no error file when every prediction was right.
    errors = load_json(errors_path) if errors_path.is_file() else []
    threshold = read_fallback_threshold(args.config)

    print(format_summary(summarise(report, errors, threshold)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
