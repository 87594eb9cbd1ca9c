from __future__ import annotations

import doctest
import itertools
import random
from collections.abc import Hashable, Mapping
from fractions import Fraction
from math import comb

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dupwire.metrics
from dupwire.errors import ParamsError
from dupwire.metrics import ClusterScores, score_clustering

Labels = dict[str, Hashable]

# --- slow, obvious reference code ------------------------------------------------------


def _pair_counts(
    truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]
) -> tuple[int, ...]:
    """(same in both, same in truth only, same in predicted only, same in neither)."""
    both = truth_only = pred_only = neither = 0
    for x, y in itertools.combinations(sorted(truth), 2):
        same_true = truth[x] == truth[y]
        same_pred = predicted[x] == predicted[y]
        if same_true and same_pred:
            both += 1
        elif same_true:
            truth_only += 1
        elif same_pred:
            pred_only += 1
        else:
            neither += 1
    return both, truth_only, pred_only, neither


def _harmonic(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _reference_pairs(truth: Labels, predicted: Labels) -> tuple[float, float, float]:
    both, truth_only, pred_only, _ = _pair_counts(truth, predicted)
    true_pairs = both + truth_only
    pred_pairs = both + pred_only
    # No pairs on the dividing side: 1.0 if the other side has none either, else 0.0.
    precision = both / pred_pairs if pred_pairs else float(true_pairs == 0)
    recall = both / true_pairs if true_pairs else float(pred_pairs == 0)
    return precision, recall, _harmonic(precision, recall)


def _reference_ari(truth: Labels, predicted: Labels) -> float:
    """Hubert and Arabie's index written with the four pair counts a, b, c, d."""
    a, b, c, d = _pair_counts(truth, predicted)
    den = (a + b) * (b + d) + (a + c) * (c + d)
    return 2 * (a * d - b * c) / den if den else 1.0


def _reference_bcubed(truth: Labels, predicted: Labels) -> tuple[float, float, float]:
    if not truth:
        return 1.0, 1.0, 1.0
    precisions = []
    recalls = []
    for item in truth:
        pred_cluster = [j for j in truth if predicted[j] == predicted[item]]
        true_cluster = [j for j in truth if truth[j] == truth[item]]
        correct = [j for j in pred_cluster if truth[j] == truth[item]]
        precisions.append(len(correct) / len(pred_cluster))
        recalls.append(len(correct) / len(true_cluster))
    precision = sum(precisions) / len(truth)
    recall = sum(recalls) / len(truth)
    return precision, recall, _harmonic(precision, recall)


def _close(expected: float) -> object:
    return pytest.approx(expected, rel=1e-12, abs=1e-12)


# --- strategies --------------------------------------------------------------------------


def _ids(n: int) -> list[str]:
    return [f"item{i:02d}" for i in range(n)]


@st.composite
def partitions(draw: st.DrawFn, n: int | None = None) -> Labels:
    """A random partition of ``n`` items (at most 40), as item id -> int label."""
    if n is None:
        n = draw(st.integers(0, 40))
    n_labels = draw(st.integers(1, max(n, 1)))
    labels = draw(st.lists(st.integers(0, n_labels - 1), min_size=n, max_size=n))
    return dict(zip(_ids(n), labels, strict=True))


@st.composite
def partition_pairs(draw: st.DrawFn) -> tuple[Labels, Labels]:
    """A true partition and a predicted one that is independent or a perturbed copy."""
    truth = draw(partitions())
    if draw(st.booleans()):
        return truth, draw(partitions(len(truth)))
    predicted: Labels = dict(truth)
    moved = draw(st.lists(st.sampled_from(sorted(truth)), unique=True)) if truth else []
    for item in moved:
        # Either join another item's cluster or start a new one.
        predicted[item] = draw(st.sampled_from([*dict.fromkeys(truth.values()), f"new-{item}"]))
    return truth, predicted


# --- properties against the reference ------------------------------------------------------


@given(partition_pairs())
def test_pair_scores_match_enumerated_pairs(pair: tuple[Labels, Labels]) -> None:
    truth, predicted = pair
    scores = score_clustering(truth, predicted)
    precision, recall, f1 = _reference_pairs(truth, predicted)
    assert scores.pair_precision == _close(precision)
    assert scores.pair_recall == _close(recall)
    assert scores.pair_f1 == _close(f1)


@given(partition_pairs())
def test_ari_matches_pair_count_formula(pair: tuple[Labels, Labels]) -> None:
    truth, predicted = pair
    assert score_clustering(truth, predicted).ari == _close(_reference_ari(truth, predicted))


@given(partition_pairs())
def test_bcubed_matches_per_item_definition(pair: tuple[Labels, Labels]) -> None:
    truth, predicted = pair
    scores = score_clustering(truth, predicted)
    precision, recall, f1 = _reference_bcubed(truth, predicted)
    assert scores.bcubed_precision == _close(precision)
    assert scores.bcubed_recall == _close(recall)
    assert scores.bcubed_f1 == _close(f1)


@given(partition_pairs())
def test_counts_match_partitions(pair: tuple[Labels, Labels]) -> None:
    truth, predicted = pair
    scores = score_clustering(truth, predicted)
    true_sizes = [list(truth.values()).count(label) for label in set(truth.values())]
    pred_sizes = [list(predicted.values()).count(label) for label in set(predicted.values())]
    assert scores.n_items == len(truth)
    assert scores.n_true_clusters == len(true_sizes)
    assert scores.n_pred_clusters == len(pred_sizes)
    assert scores.largest_true_cluster == max(true_sizes, default=0)
    assert scores.largest_pred_cluster == max(pred_sizes, default=0)


# --- invariances ---------------------------------------------------------------------------


@given(partition_pairs(), st.randoms(use_true_random=False))
def test_relabelling_and_item_order_change_nothing(
    pair: tuple[Labels, Labels], rnd: random.Random
) -> None:
    truth, predicted = pair
    true_names = list(set(truth.values()))
    rnd.shuffle(true_names)
    renamed_truth = {label: f"t{i}" for i, label in enumerate(true_names)}
    pred_names = list(set(predicted.values()))
    rnd.shuffle(pred_names)
    renamed_pred = {label: (i, "p") for i, label in enumerate(pred_names)}
    items = list(truth)
    rnd.shuffle(items)
    relabelled_truth = {item: renamed_truth[truth[item]] for item in items}
    relabelled_pred = {item: renamed_pred[predicted[item]] for item in reversed(items)}
    # Exact equality: the scores do not depend on labels or on the order of the items.
    assert score_clustering(relabelled_truth, relabelled_pred) == score_clustering(truth, predicted)


@given(partitions())
def test_identical_partitions_score_one(truth: Labels) -> None:
    scores = score_clustering(truth, dict(truth))
    for name, value in scores.to_dict().items():
        if not name.startswith(("n_", "largest_")):
            assert value == 1.0, name


@given(partition_pairs())
def test_swapping_sides_swaps_precision_and_recall(pair: tuple[Labels, Labels]) -> None:
    truth, predicted = pair
    forward = score_clustering(truth, predicted)
    backward = score_clustering(predicted, truth)
    assert backward.pair_precision == forward.pair_recall
    assert backward.pair_recall == forward.pair_precision
    assert backward.pair_f1 == forward.pair_f1
    assert backward.ari == forward.ari
    assert backward.bcubed_precision == forward.bcubed_recall
    assert backward.bcubed_recall == forward.bcubed_precision
    assert backward.bcubed_f1 == forward.bcubed_f1
    assert backward.n_true_clusters == forward.n_pred_clusters
    assert backward.largest_true_cluster == forward.largest_pred_cluster


@given(partition_pairs())
def test_scores_stay_in_range(pair: tuple[Labels, Labels]) -> None:
    scores = score_clustering(*pair)
    assert -1.0 <= scores.ari <= 1.0
    for name, value in scores.to_dict().items():
        if name.startswith(("pair_", "bcubed_")):
            assert 0.0 <= value <= 1.0, name


# --- hand-checked cases --------------------------------------------------------------------


def _labelled(truth: list[int], predicted: list[int]) -> tuple[Labels, Labels]:
    ids = _ids(len(truth))
    return dict(zip(ids, truth, strict=True)), dict(zip(ids, predicted, strict=True))


@pytest.mark.parametrize(
    ("truth", "predicted", "expected"),
    [
        # expected: pair P, R, F1, ARI, B-cubed P, R, F1
        pytest.param([0, 0, 1, 1], [0, 0, 1, 1], (1, 1, 1, 1, 1, 1, 1), id="identical"),
        pytest.param([0, 0, 1, 1], [1, 1, 0, 0], (1, 1, 1, 1, 1, 1, 1), id="relabelled"),
        # truth pairs {ab}, predicted {ab, cd}; ARI = (1 - 1*2/6) / (3/2 - 1*2/6) = 4/7
        pytest.param(
            [0, 0, 1, 2], [0, 0, 1, 1], (1 / 2, 1, 2 / 3, 4 / 7, 3 / 4, 1, 6 / 7), id="merged-two"
        ),
        pytest.param(
            [0, 0, 1, 1], [0, 0, 1, 2], (1, 1 / 2, 2 / 3, 4 / 7, 1, 3 / 4, 6 / 7), id="split-one"
        ),
        # six true pairs, no predicted pair: precision 0.0 by convention; B-cubed recall 1/4
        pytest.param(
            [0, 0, 0, 0], [0, 1, 2, 3], (0, 0, 0, 0, 1, 1 / 4, 2 / 5), id="one-vs-singletons"
        ),
        pytest.param([0, 1, 2], [0, 0, 0], (0, 0, 0, 0, 1 / 3, 1, 1 / 2), id="singletons-vs-one"),
        # no pair agrees: ARI = (0 - 2*2/6) / (2 - 2*2/6) = -1/2
        pytest.param(
            [0, 0, 1, 1], [0, 1, 0, 1], (0, 0, 0, -1 / 2, 1 / 2, 1 / 2, 1 / 2), id="crossed"
        ),
        pytest.param([0, 1, 2], [5, 6, 7], (1, 1, 1, 1, 1, 1, 1), id="both-singletons"),
        pytest.param([0, 0, 0], [1, 1, 1], (1, 1, 1, 1, 1, 1, 1), id="both-one-cluster"),
        pytest.param([0], [0], (1, 1, 1, 1, 1, 1, 1), id="single-item"),
        pytest.param([], [], (1, 1, 1, 1, 1, 1, 1), id="empty"),
        # pair P = 1/3, R = 1/2; ARI = (1 - 2*3/6) / (5/2 - 2*3/6) = 0
        pytest.param(
            [1, 1, 2, 2],
            [0, 0, 0, 1],
            (1 / 3, 1 / 2, 2 / 5, 0, 2 / 3, 3 / 4, 12 / 17),
            id="docstring-example",
        ),
    ],
)
def test_hand_checked(truth: list[int], predicted: list[int], expected: tuple[float, ...]) -> None:
    scores = score_clustering(*_labelled(truth, predicted))
    got = (
        scores.pair_precision,
        scores.pair_recall,
        scores.pair_f1,
        scores.ari,
        scores.bcubed_precision,
        scores.bcubed_recall,
        scores.bcubed_f1,
    )
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_counts_and_to_dict() -> None:
    scores = score_clustering(*_labelled([0, 0, 0, 1, 2], [0, 0, 1, 1, 1]))
    assert (scores.n_items, scores.n_true_clusters, scores.n_pred_clusters) == (5, 3, 2)
    assert (scores.largest_true_cluster, scores.largest_pred_cluster) == (3, 3)
    as_dict = scores.to_dict()
    assert list(as_dict) == [
        "pair_precision",
        "pair_recall",
        "pair_f1",
        "ari",
        "bcubed_precision",
        "bcubed_recall",
        "bcubed_f1",
        "n_items",
        "n_true_clusters",
        "n_pred_clusters",
        "largest_true_cluster",
        "largest_pred_cluster",
    ]
    assert ClusterScores(**as_dict) == scores  # type: ignore[arg-type]


def test_empty_counts() -> None:
    scores = score_clustering({}, {})
    assert (scores.n_items, scores.n_true_clusters, scores.largest_pred_cluster) == (0, 0, 0)


def test_large_input_does_not_overflow() -> None:
    # 200k items: n_pairs * both is about 2e20, past int64, so it must stay a Python int.
    n = 200_000
    truth = {f"i{k}": k % 2 for k in range(n)}
    predicted = {f"i{k}": k % 2 if k else 1 for k in range(n)}  # i0 moves to the odd cluster
    both = comb(n // 2 - 1, 2) + comb(n // 2, 2)
    true_pairs = 2 * comb(n // 2, 2)
    pred_pairs = comb(n // 2 - 1, 2) + comb(n // 2 + 1, 2)
    expected_index = Fraction(true_pairs * pred_pairs, comb(n, 2))
    ari = (both - expected_index) / (Fraction(true_pairs + pred_pairs, 2) - expected_index)
    scores = score_clustering(truth, predicted)
    assert scores.pair_recall == _close(both / true_pairs)
    assert scores.pair_precision == _close(both / pred_pairs)
    assert scores.ari == _close(float(ari))
    assert 0.9999 < scores.ari < 1.0


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("truth", "predicted", "match"),
    [
        pytest.param({"a": 0, "b": 0}, {"a": 0}, r"missing from predicted: 'b'$", id="pred-short"),
        pytest.param({"a": 0}, {"a": 0, "z": 1}, r"missing from truth: 'z'$", id="truth-short"),
        pytest.param(
            {"a": 0, "b": 0},
            {"a": 0, "c": 0},
            r"missing from predicted: 'b'; missing from truth: 'c'$",
            id="both-short",
        ),
        pytest.param({}, {"a": 0}, r"missing from truth: 'a'$", id="empty-truth"),
    ],
)
def test_mismatched_items_raise(
    truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable], match: str
) -> None:
    with pytest.raises(ParamsError, match=match):
        score_clustering(truth, predicted)


def test_mismatch_message_names_a_few_ids_on_one_line() -> None:
    truth = {f"id{k:02d}": 0 for k in range(10)}
    with pytest.raises(ParamsError) as info:
        score_clustering(truth, {"id00": 0})
    message = str(info.value)
    assert "\n" not in message
    assert message.endswith("missing from predicted: 'id01', 'id02', 'id03' and 6 more")


def test_doctests() -> None:
    results = doctest.testmod(dupwire.metrics)
    assert results.attempted > 0
    assert results.failed == 0
