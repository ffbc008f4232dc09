"""Multinomial logistic regression with an elastic-net penalty, for `yibang learn` (numpy only).

Why this model: its weights are per category and per word, so they can be written out as a keyword
lexicon and read back by a plain sum (classifier/linear_scorer.py); its scores turn into probabilities
that mean what they say, which is what the confidence thresholds need; and the L1 part of the penalty
sets most weights to exactly zero, so each category keeps only the words that separate it from the
others (a few hundred to a few thousand, not every word ever seen), while the L2 part keeps correlated
words (小区, 业主, 物业) sharing the weight instead of one of them taking it all.

It minimises  mean cross-entropy + l2/2 * |W|^2 + l1 * |W|_1  (the biases are not penalised) by
accelerated proximal gradient descent (FISTA, Beck & Teboulle 2009) with a backtracking step size:
a gradient step on the smooth part, then soft-thresholding for the L1 part, which is where the exact
zeros come from. Messages are sparse rows (a message holds ~100 of ~30,000 words), kept as index arrays
so that a product with the weights is one gather and one segmented sum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


class SparseRows:
    """A sparse matrix of rows (messages) by columns (words), with fast products both ways."""

    def __init__(self, rows: Sequence[dict[int, float]], n_columns: int) -> None:
        self.n_rows = len(rows)
        self.n_columns = n_columns
        lengths = np.array([len(row) for row in rows], dtype=np.int64)
        self._row_ptr = np.concatenate([[0], np.cumsum(lengths)])
        nnz = int(self._row_ptr[-1])
        self._columns = np.fromiter((c for row in rows for c in row), np.int64, nnz)
        self._values = np.fromiter((v for row in rows for v in row.values()), np.float64, nnz)
        row_of = np.repeat(np.arange(self.n_rows), lengths)
        self._rows_nonempty = lengths > 0
        # the same entries ordered by column, for products with the transpose
        order = np.argsort(self._columns, kind="stable")
        self._t_rows = row_of[order]
        self._t_values = self._values[order]
        self._col_ptr = np.searchsorted(self._columns[order], np.arange(n_columns + 1))
        self._columns_nonempty = np.diff(self._col_ptr) > 0

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """rows x weights: (n_rows, k) for weights of shape (n_columns, k)."""
        out = np.zeros((self.n_rows, weights.shape[1]))
        if self._values.size:
            products = self._values[:, None] * weights[self._columns]
            out[self._rows_nonempty] = np.add.reduceat(
                products, self._row_ptr[:-1][self._rows_nonempty], axis=0
            )
        return out

    def t_dot(self, per_row: np.ndarray) -> np.ndarray:
        """transpose(rows) x per_row: (n_columns, k) for per_row of shape (n_rows, k)."""
        out = np.zeros((self.n_columns, per_row.shape[1]))
        if self._t_values.size:
            products = self._t_values[:, None] * per_row[self._t_rows]
            starts = self._col_ptr[:-1][self._columns_nonempty]
            out[self._columns_nonempty] = np.add.reduceat(products, starts, axis=0)
        return out


@dataclass
class Model:
    weights: np.ndarray  # (n_columns, n_classes)
    bias: np.ndarray  # (n_classes,)

    def scores(self, rows: SparseRows) -> np.ndarray:
        return rows.dot(self.weights) + self.bias


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def fit(
    rows: SparseRows,
    labels: Sequence[int],
    n_classes: int,
    *,
    l1: float,
    l2: float,
    max_iterations: int = 500,
    tolerance: float = 1e-6,
    start: Model | None = None,
    on_iteration: Callable[[int], None] | None = None,
) -> Model:
    """The penalised maximum-likelihood model; `start` warm-starts it (same columns)."""
    y = np.asarray(labels, dtype=np.int64)
    n = float(rows.n_rows)
    one_hot = np.zeros((rows.n_rows, n_classes))
    one_hot[np.arange(rows.n_rows), y] = 1.0

    def smooth(model: Model) -> tuple[float, np.ndarray]:
        """The smooth part of the objective, and the log-probabilities it came from."""
        log_p = _log_softmax(model.scores(rows))
        loss = -float((log_p * one_hot).sum()) / n + 0.5 * l2 * float((model.weights**2).sum())
        return loss, log_p

    def penalty(model: Model) -> float:
        return l1 * float(np.abs(model.weights).sum())

    current = start or Model(np.zeros((rows.n_columns, n_classes)), np.zeros(n_classes))
    momentum_point = Model(current.weights.copy(), current.bias.copy())
    t = 1.0
    step = 1.0
    previous = smooth(current)[0] + penalty(current)
    for iteration in range(max_iterations):
        loss, log_p = smooth(momentum_point)
        residual = (np.exp(log_p) - one_hot) / n
        grad_w = rows.t_dot(residual) + l2 * momentum_point.weights
        grad_b = residual.sum(axis=0)
        while True:
            moved = momentum_point.weights - step * grad_w
            candidate = Model(
                np.sign(moved) * np.maximum(np.abs(moved) - step * l1, 0.0),
                momentum_point.bias - step * grad_b,
            )
            d_w = candidate.weights - momentum_point.weights
            d_b = candidate.bias - momentum_point.bias
            bound = loss + float((grad_w * d_w).sum() + (grad_b * d_b).sum())
            bound += float((d_w**2).sum() + (d_b**2).sum()) / (2 * step)
            new_loss = smooth(candidate)[0]
            if new_loss <= bound + 1e-12:
                break
            step /= 2
        objective = new_loss + penalty(candidate)
        if objective > previous:
            # momentum overshot: restart it from the last point (O'Donoghue & Candès 2015)
            t, momentum_point = 1.0, Model(current.weights.copy(), current.bias.copy())
        else:
            t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
            factor = (t - 1) / t_next
            momentum_point = Model(
                candidate.weights + factor * (candidate.weights - current.weights),
                candidate.bias + factor * (candidate.bias - current.bias),
            )
            t = t_next
            converged = previous - objective < tolerance * max(1.0, objective)
            current, previous = candidate, objective
            if converged:
                break
        if on_iteration is not None:
            on_iteration(iteration + 1)
        # try a longer step again next time: backtracking only ever shortens it
        step *= 1.25
    return current
