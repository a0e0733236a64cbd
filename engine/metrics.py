"""A model's metrics on a dataset: the loss, and accuracy for classification or R² and the mean
absolute error for regression — over a whole set at once, or gathered batch by batch while training."""
from __future__ import annotations

import numpy as np

from .model import Model


def evaluate_metrics(model: Model, task: str, x, y, targets, prefix: str = "") -> dict[str, float]:
    """Metrics of ``model`` as it is now on (x, y), in evaluation mode (dropout off); keys start with ``prefix``."""
    out, loss = model.evaluate(x, targets)
    metrics = {prefix + "loss": loss}
    if task == "classification":
        metrics[prefix + "accuracy"] = float(np.mean(model.classes(out) == y))
    else:
        y = y.reshape(out.shape)
        residual = ((y - out) ** 2).sum(axis=0)
        total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        metrics[prefix + "r2"] = float(np.mean(1.0 - residual / np.where(total > 0, total, 1.0)))
        metrics[prefix + "mae"] = float(np.mean(np.abs(y - out)))
    return metrics


class RunningMetrics:
    """Training-set metrics over an epoch's batches, as they were computed while training
    (Keras reports the same): no second pass over the training data."""

    def __init__(self, model: Model, task: str) -> None:
        self.model = model
        self.classification = task == "classification"
        self.samples, self.loss, self.correct = 0, 0.0, 0
        self.abs_error = self.sq_error = self.y_sum = self.y_sq = 0.0

    def add(self, loss: float, out: np.ndarray, y: np.ndarray) -> None:
        n = len(out)
        self.samples += n
        self.loss += loss * n
        if self.classification:
            self.correct += int(np.count_nonzero(self.model.classes(out) == y))
            return
        y = y.reshape(out.shape)
        error = y - out
        self.abs_error += np.abs(error).sum(axis=0)
        self.sq_error += (error * error).sum(axis=0)
        self.y_sum += y.sum(axis=0)
        self.y_sq += (y * y).sum(axis=0)

    def result(self) -> dict[str, float]:
        n = max(self.samples, 1)
        metrics = {"loss": self.loss / n}
        if self.classification:
            metrics["accuracy"] = self.correct / n
            return metrics
        total = self.y_sq - self.y_sum * self.y_sum / n
        r2 = 1.0 - self.sq_error / np.where(total > 0, total, 1.0)
        metrics["r2"] = float(np.mean(r2))
        metrics["mae"] = float(np.mean(self.abs_error) / n)
        return metrics
