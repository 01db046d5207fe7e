"""Classification metrics on plain Python sequences (no dependencies)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfusionMatrix:
    """Counts of (true label, predicted label) pairs over a fixed, sorted label set."""

    labels: tuple[Hashable, ...]
    counts: tuple[tuple[int, ...], ...]  # counts[i][j]: true labels[i] predicted as labels[j]

    @property
    def total(self) -> int:
        """Number of samples."""
        return sum(map(sum, self.counts))

    def accuracy(self) -> float:
        """Share of correct predictions (0.0 for no samples)."""
        correct = sum(self.counts[i][i] for i in range(len(self.labels)))
        return correct / self.total if self.total else 0.0

    def precision_recall_f1(self, label: Hashable) -> tuple[float, float, float]:
        """Precision, recall and F1 of one label; 0.0 where undefined."""
        i = self.labels.index(label)
        tp = self.counts[i][i]
        predicted = sum(row[i] for row in self.counts)
        actual = sum(self.counts[i])
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


def confusion_matrix(
    y_true: Sequence[Hashable],
    y_pred: Sequence[Hashable],
    labels: Sequence[Hashable] | None = None,
) -> ConfusionMatrix:
    """Confusion matrix of predictions against ground truth.

    Args:
        y_true: true labels.
        y_pred: predicted labels, same length as y_true.
        labels: label order; by default the sorted union of both sequences.

    Raises:
        ValueError: lengths differ, or a label is missing from `labels`.
    """
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")
    order = tuple(labels) if labels is not None else tuple(sorted({*y_true, *y_pred}, key=str))
    if len(set(order)) != len(order):
        raise ValueError("labels must be unique")
    index = {label: i for i, label in enumerate(order)}
    counts = [[0] * len(order) for _ in order]
    for truth, guess in zip(y_true, y_pred, strict=True):
        try:
            counts[index[truth]][index[guess]] += 1
        except KeyError as exc:
            raise ValueError(f"label {exc.args[0]!r} is not in labels") from None
    return ConfusionMatrix(order, tuple(map(tuple, counts)))


def classification_report(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable]
) -> dict[str, dict[str, float]]:
    """Per-label precision/recall/F1/support plus overall accuracy and macro averages."""
    matrix = confusion_matrix(y_true, y_pred)
    report: dict[str, dict[str, float]] = {}
    for i, label in enumerate(matrix.labels):
        precision, recall, f1 = matrix.precision_recall_f1(label)
        report[str(label)] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": float(sum(matrix.counts[i])),
        }
    n = len(matrix.labels) or 1
    report["macro avg"] = {
        key: sum(r[key] for r in report.values()) / n for key in ("precision", "recall", "f1")
    }
    report["accuracy"] = {"value": matrix.accuracy()}
    return report
