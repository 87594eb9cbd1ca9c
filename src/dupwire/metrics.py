"""Scores that compare a predicted clustering of articles with a gold one.

Both clusterings are given as a mapping from item id to cluster label; only which items
share a label matters, never the labels themselves.  Every score is computed from the
contingency table (how many items each pair of true and predicted clusters shares), so
the cost is O(n + cells), never O(n²) in the number of items.

>>> scores = score_clustering({"a": 1, "b": 1, "c": 2}, {"a": "x", "b": "x", "c": "x"})
>>> scores.pair_precision, scores.pair_recall, scores.ari
(0.3333333333333333, 1.0, 0.0)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray

from dupwire.errors import ParamsError

__all__ = ["ClusterScores", "score_clustering"]

_SHOWN_IDS = 3


@dataclass(frozen=True, slots=True)
class ClusterScores:
    """How well a predicted clustering matches the true one.

    ``pair_*`` count unordered pairs of items that share a cluster, ``ari`` is the adjusted
    Rand index and ``bcubed_*`` average per-item precision and recall.  Singletons count as
    clusters in ``n_true_clusters`` and ``n_pred_clusters``.
    """

    pair_precision: float
    pair_recall: float
    pair_f1: float
    ari: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    n_items: int
    n_true_clusters: int
    n_pred_clusters: int
    largest_true_cluster: int
    largest_pred_cluster: int

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Contingency:
    """Non-empty cells of the contingency table, and the cluster sizes on each side."""

    cells: NDArray[np.int64]  # items shared by one true and one predicted cluster
    cell_true: NDArray[np.intp]  # the true cluster of each cell
    cell_pred: NDArray[np.intp]  # the predicted cluster of each cell
    true_sizes: NDArray[np.int64]
    pred_sizes: NDArray[np.int64]


def score_clustering(
    truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]
) -> ClusterScores:
    """Score ``predicted`` against ``truth``; both map every item id to a cluster label.

    Pair scores look at the unordered pairs of items that share a cluster: precision is the
    share of predicted pairs that are true pairs, recall the share of true pairs that were
    predicted.  When a side has no pairs at all (only singletons), the score that would
    divide by its pair count is 1.0 if the other side has no pairs either, else 0.0.  So
    pair F1 is 1.0 exactly when the two partitions are the same.

    ``ari`` is the adjusted Rand index of Hubert and Arabie: 1.0 for identical partitions,
    about 0.0 for chance agreement, negative below chance.  Its formula divides by zero only
    when both partitions are the same trivial partition (all singletons, or one cluster
    holding everything, or at most one item); that case scores 1.0.

    B-cubed scores (Bagga and Baldwin) average over items: an item's precision is the share
    of its predicted cluster that is in its true cluster, its recall the share of its true
    cluster that is in its predicted cluster.  F1 is the harmonic mean of the two averages.

    Scoring two empty mappings gives 1.0 everywhere, since they are identical partitions.

    >>> truth = {"a": 1, "b": 1, "c": 2, "d": 2}
    >>> predicted = {"a": "x", "b": "x", "c": "x", "d": "y"}
    >>> scores = score_clustering(truth, predicted)
    >>> scores.pair_precision, scores.pair_recall, scores.pair_f1, scores.ari
    (0.3333333333333333, 0.5, 0.4, 0.0)
    >>> round(scores.bcubed_precision, 4), scores.bcubed_recall, round(scores.bcubed_f1, 4)
    (0.6667, 0.75, 0.7059)
    >>> scores.n_true_clusters, scores.n_pred_clusters, scores.largest_pred_cluster
    (2, 2, 3)
    >>> score_clustering({"a": 0, "b": 0}, {"a": 0, "c": 0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dupwire.errors.ParamsError: ... missing from predicted: 'b'; missing from truth: 'c'
    """
    _check_same_items(truth, predicted)
    table = _contingency(truth, predicted)
    n = len(truth)

    # Pair counts are exact integers; Python ints keep the ARI products from overflowing.
    both = int(_pairs(table.cells).sum())
    true_pairs = int(_pairs(table.true_sizes).sum())
    pred_pairs = int(_pairs(table.pred_sizes).sum())
    all_pairs = n * (n - 1) // 2

    # ARI = (index - expected) / (max - expected), with expected = true*pred / all and
    # max = (true + pred) / 2; both sides multiplied by 2 * all to stay in integers.
    ari_num = 2 * (all_pairs * both - true_pairs * pred_pairs)
    ari_den = all_pairs * (true_pairs + pred_pairs) - 2 * true_pairs * pred_pairs

    if n:
        # math.fsum is exactly rounded, so the result does not depend on cell order.
        overlap = table.cells.astype(np.float64) ** 2
        bcubed_precision = math.fsum(overlap / table.pred_sizes[table.cell_pred]) / n
        bcubed_recall = math.fsum(overlap / table.true_sizes[table.cell_true]) / n
    else:
        bcubed_precision = bcubed_recall = 1.0

    return ClusterScores(
        pair_precision=_ratio(both, pred_pairs, empty=float(true_pairs == 0)),
        pair_recall=_ratio(both, true_pairs, empty=float(pred_pairs == 0)),
        pair_f1=_ratio(2 * both, true_pairs + pred_pairs, empty=1.0),
        ari=_ratio(ari_num, ari_den, empty=1.0),
        bcubed_precision=bcubed_precision,
        bcubed_recall=bcubed_recall,
        bcubed_f1=2 * bcubed_precision * bcubed_recall / (bcubed_precision + bcubed_recall),
        n_items=n,
        n_true_clusters=len(table.true_sizes),
        n_pred_clusters=len(table.pred_sizes),
        largest_true_cluster=int(table.true_sizes.max(initial=0)),
        largest_pred_cluster=int(table.pred_sizes.max(initial=0)),
    )


def _check_same_items(truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> None:
    if truth.keys() == predicted.keys():
        return
    parts = []
    for side, ids in (
        ("predicted", truth.keys() - predicted.keys()),
        ("truth", predicted.keys() - truth.keys()),
    ):
        if ids:
            parts.append(f"missing from {side}: {_some_ids(ids)}")
    msg = f"truth and predicted must label the same items: {'; '.join(parts)}"
    raise ParamsError(msg)


def _some_ids(ids: Iterable[str]) -> str:
    ordered = sorted(ids, key=str)
    shown = ", ".join(repr(i) for i in ordered[:_SHOWN_IDS])
    rest = len(ordered) - _SHOWN_IDS
    return f"{shown} and {rest} more" if rest > 0 else shown


def _contingency(truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> _Contingency:
    true_codes: dict[Hashable, int] = {}
    pred_codes: dict[Hashable, int] = {}
    counts = Counter(
        (
            true_codes.setdefault(truth[item], len(true_codes)),
            pred_codes.setdefault(predicted[item], len(pred_codes)),
        )
        for item in truth
    )
    n_cells = len(counts)
    cells = np.fromiter(counts.values(), dtype=np.int64, count=n_cells)
    cell_true = np.fromiter((t for t, _ in counts), dtype=np.intp, count=n_cells)
    cell_pred = np.fromiter((p for _, p in counts), dtype=np.intp, count=n_cells)
    true_sizes = np.zeros(len(true_codes), dtype=np.int64)
    pred_sizes = np.zeros(len(pred_codes), dtype=np.int64)
    np.add.at(true_sizes, cell_true, cells)
    np.add.at(pred_sizes, cell_pred, cells)
    return _Contingency(cells, cell_true, cell_pred, true_sizes, pred_sizes)


def _pairs(sizes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Unordered pairs within groups of each size: size choose 2."""
    return sizes * (sizes - 1) // 2


def _ratio(num: int, den: int, *, empty: float) -> float:
    return num / den if den else empty
