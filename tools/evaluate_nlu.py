"""Summarise a `rasa test nlu` run: accuracy, macro F1, weak intents, confusions.

Run it after

    rasa test nlu --nlu tests/nlu/heldout.yml --out results/nlu

with the same output directory as its argument (default `results/nlu`). Rasa
writes `intent_report.json` (scikit-learn's classification report with
"accuracy", "macro avg" and a `confused_with` field per intent) and, only when some prediction was wrong,
`intent_errors.json`. The script exits with status 2 when the report is
missing; a low score is printed, not turned into a failure.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_RESULTS_DIR = Path("results/nlu")
REPORT_FILE = "intent_report.json"
ERRORS_FILE = "intent_errors.json"
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


@dataclass
class Confusion:
    """Messages of one expected intent that the model classified as another."""

    expected: str
    predicted: str
    examples: list[str] = field(default_factory=list)

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


def load_json(path: Path) -> Any:
    """Load one JSON file written by Rasa."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


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
        expected = error["intent"]
        predicted = (error.get("intent_prediction") or {}).get("name") or "None"
        key = (expected, predicted)
        if key not in groups:
            groups[key] = Confusion(expected=expected, predicted=predicted)
        groups[key].examples.append(error["text"])

    return sorted(groups.values(), key=lambda c: (-c.count, c.expected, c.predicted))


def summarise(report: dict[str, Any], errors: list[dict[str, Any]]) -> Summary:
    """Build the summary of one run from Rasa's report and error list."""
    # Rasa 3.6 lists only the intents of the evaluation set in the report, so a
    # label that was only predicted (nlu_fallback) shows up in the errors alone.
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
    )


def format_summary(summary: Summary) -> str:
    """Render the summary as plain text for a terminal or a CI log."""
    lines = [
        f"Examples:  {summary.example_count}",
        f"Accuracy:  {summary.accuracy:.3f}",
        f"Macro F1:  {summary.macro_f1:.3f}",
        "",
    ]

    if summary.weak_intents:
        lines.append(f"Intents with F1 below {F1_THRESHOLD:.2f}:")
        for score in summary.weak_intents:
            lines.append(
                f"  {score.intent:<20} f1={score.f1:.3f} precision={score.precision:.3f} "
                f"recall={score.recall:.3f} support={score.support}"
            )
    else:
        lines.append(f"Every intent has F1 of at least {F1_THRESHOLD:.2f}.")
    lines.append("")

    if summary.confusions:
        lines.append("Confusions (expected -> predicted (count): examples):")
        for confusion in summary.confusions:
            shown = confusion.examples[:MAX_EXAMPLES_PER_CONFUSION]
            more = confusion.count - len(shown)
            examples = "; ".join(f'"{text}"' for text in shown)
            if more > 0:
                examples += f"; and {more} more"
            lines.append(
                f"  {confusion.expected} -> {confusion.predicted} ({confusion.count}): {examples}"
            )
    else:
        lines.append("No confusions: every example was classified correctly.")

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

    print(format_summary(summarise(report, errors)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
