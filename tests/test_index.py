from __future__ import annotations

import doctest
import itertools
import math
import pickle
from collections import Counter
from typing import Any
from unittest import mock

import numpy as np
import pytest
from datasketch import MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

import dupwire.index
from dupwire import ParamsError
from dupwire.index import (
    DEFAULT_LAYOUT,
    DEFAULT_MAX_BUCKET,
    MAX_REFINE,
    DupIndex,
    LshLayout,
    candidate_pairs,
    candidate_probability,
    optimal_layout,
)
from dupwire.shingle import shingle_batch
from dupwire.sketch import DEFAULT_NUM_PERM, EMPTY_VALUE, signatures, to_minhash


def brute_force_pairs(
    sig: np.ndarray, layout: LshLayout, max_bucket: int
) -> tuple[list[tuple[int, int, int]], int]:
    """Every pair of non-empty rows with at least min_bands equal bands, and their count of
    equal bands.  A bucket with more than max_bucket rows is split by the next bands' values
    (counted as refined), up to MAX_REFINE times; then its rows are chained by id."""
    rows = [i for i in range(len(sig)) if not np.all(sig[i] == EMPTY_VALUE)]
    shared: Counter[tuple[int, int]] = Counter()
    refined = 0

    def values(i: int, band: int) -> tuple[int, ...]:
        return tuple(sig[i, band * layout.rows : (band + 1) * layout.rows].tolist())

    def split(members: list[int], band: int, depth: int) -> None:
        nonlocal refined
        if len(members) <= max_bucket:
            shared.update(itertools.combinations(members, 2))
            return
        refined += 1
        if depth >= min(MAX_REFINE, layout.bands - 1):
            shared.update(itertools.pairwise(members))
            return
        parts: dict[tuple[int, ...], list[int]] = {}
        for i in members:
            parts.setdefault(values(i, (band + 1 + depth) % layout.bands), []).append(i)
        for part in parts.values():
            split(part, band, depth + 1)

    for band in range(layout.bands):
        buckets: dict[tuple[int, ...], list[int]] = {}
        for i in rows:
            buckets.setdefault(values(i, band), []).append(i)
        for members in buckets.values():
            split(members, band, 0)
    return sorted((*p, k) for p, k in shared.items() if k >= layout.min_bands), refined


@st.composite
def banded(draw: st.DrawFn) -> tuple[np.ndarray, LshLayout, int]:
    bands = draw(st.integers(2, 6))
    rows = draw(st.integers(1, 4))
    layout = LshLayout(bands=bands, rows=rows, min_bands=draw(st.integers(1, bands)))
    n = draw(st.integers(0, 25))
    width = bands * rows + draw(st.integers(0, 3))
    # A tiny alphabet (plus the empty value) so that bands collide often.
    values = st.sampled_from([0, 1, 2, EMPTY_VALUE])
    sig = np.array(draw(st.lists(values, min_size=n * width, max_size=n * width)), dtype=np.uint64)
    sig = sig.reshape(n, width)
    if n and draw(st.booleans()):
        sig[draw(st.integers(0, n - 1))] = EMPTY_VALUE
    return sig, layout, draw(st.integers(2, 10))


def test_docstring_examples() -> None:
    assert doctest.testmod(dupwire.index).failed == 0


# --- the probability curve -----------------------------------------------------------------


@given(
    st.floats(0.0, 1.0),
    st.integers(2, 40),
    st.integers(1, 6),
    st.data(),
)
def test_probability_is_the_binomial_tail(s: float, bands: int, rows: int, data: Any) -> None:
    min_bands = data.draw(st.integers(1, bands))
    p = s**rows
    tail = sum(
        math.comb(bands, k) * p**k * (1 - p) ** (bands - k) for k in range(min_bands, bands + 1)
    )
    got = float(candidate_probability(s, bands=bands, rows=rows, min_bands=min_bands))
    assert got == pytest.approx(tail, abs=1e-9)
    if min_bands == 1:
        assert got == pytest.approx(1 - (1 - s**rows) ** bands, abs=1e-12)


def test_probability_grows_with_similarity() -> None:
    curve = DEFAULT_LAYOUT.probability(np.linspace(0, 1, 101))
    assert np.all(np.diff(curve) >= -1e-12)
    assert curve[0] == 0.0
    assert curve[-1] == pytest.approx(1.0)


def test_table_lists_the_curve() -> None:
    table = LshLayout(bands=20, rows=5).table(similarities=(0.2, 0.5, 0.9))
    assert table.splitlines() == [
        "similarity  P(candidate)",
        "      0.20        0.0064",
        "      0.50        0.4701",
        "      0.90        1.0000",
    ]


@pytest.mark.parametrize(
    ("threshold", "num_perm"),
    [(0.1, 32), (0.3, 64), (0.5, 64), (0.8, 64), (0.9, 128), (0.5, 128)],
)
def test_optimal_layout_is_datasketchs(threshold: float, num_perm: int) -> None:
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    layout = optimal_layout(threshold, num_perm)
    assert (layout.bands, layout.rows) == (lsh.b, lsh.r)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: optimal_layout(1.5, 128), "threshold must be in [0.0, 1.0]", id="thr"),
        pytest.param(lambda: optimal_layout(0.5, 1), "num_perm must be at least 2, got 1", id="np"),
        pytest.param(
            lambda: optimal_layout(0.5, 128, weights=(0.6, 0.6)),
            "weights must sum to 1.0",
            id="weights",
        ),
        pytest.param(
            lambda: optimal_layout(0.95, 16),
            "The number of bands is too small (b < 2)",
            id="one-band",
        ),
        pytest.param(lambda: LshLayout(bands=1, rows=4), "bands must be at least 2", id="bands"),
        pytest.param(lambda: LshLayout(bands=4, rows=0), "rows must be at least 1", id="rows"),
        pytest.param(
            lambda: LshLayout(bands=4, rows=1, min_bands=5),
            "min_bands must be in [1, bands 4], got 5",
            id="min-bands",
        ),
        pytest.param(
            lambda: candidate_pairs(np.zeros((3, 128)), layout=LshLayout(bands=40, rows=4)),
            "The product of bands and rows 40 * 4 = 160 must be less than num_perm 128. "
            "Did you forget to specify num_perm?",
            id="too-wide",
        ),
        pytest.param(
            lambda: candidate_pairs(np.zeros((3, DEFAULT_NUM_PERM)), max_bucket=1),
            "max_bucket must be at least 2, got 1",
            id="bucket",
        ),
        pytest.param(
            lambda: candidate_pairs(np.zeros(128)),
            "signatures must be a 2-d array",
            id="1d",
        ),
    ],
)
def test_bad_options_are_refused(call: Any, message: str) -> None:
    with pytest.raises(ParamsError) as info:
        call()
    assert message in str(info.value)
    assert "\n" not in str(info.value)


# --- batch candidates ----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(banded())
def test_candidates_are_the_brute_force_pairs(case: tuple[np.ndarray, LshLayout, int]) -> None:
    sig, layout, max_bucket = case
    got = candidate_pairs(sig, layout=layout, max_bucket=max_bucket)
    expected, capped = brute_force_pairs(sig, layout, max_bucket)
    triples = [(i, j, k) for (i, j), k in zip(got.pairs.tolist(), got.shared_bands, strict=True)]
    assert triples == expected
    assert got.capped_buckets == capped
    assert got.pairs.dtype == np.int64
    assert got.pairs.shape == (len(expected), 2)
    # Codes are counted by ranges of first articles, as 32-bit offsets from each range's
    # first code: with ranges of one article each, the same pairs and counts.
    with mock.patch.object(dupwire.index, "_CODE_SPAN", max(1, len(sig))):
        narrow = candidate_pairs(sig, layout=layout, max_bucket=max_bucket)
    assert np.array_equal(narrow.pairs, got.pairs.reshape(-1, 2))
    assert np.array_equal(narrow.shared_bands, got.shared_bands)
    # Threads, each banding its share of the bands and counting its share of the ranges
    # (one range, or one per article).
    for span in (dupwire.index._CODE_SPAN, max(1, len(sig))):
        with mock.patch.object(dupwire.index, "_CODE_SPAN", span):
            for workers in (2, 3):
                threaded = candidate_pairs(
                    sig, layout=layout, max_bucket=max_bucket, workers=workers
                )
                assert np.array_equal(threaded.pairs, got.pairs.reshape(-1, 2))
                assert np.array_equal(threaded.shared_bands, got.shared_bands)
                assert threaded.capped_buckets == got.capped_buckets


def test_candidates_equal_minhashlsh_on_the_same_signatures() -> None:
    rng = np.random.default_rng(3)
    pool = [rng.choice(2000, size=60, replace=False).astype(np.uint64) for _ in range(20)]
    sets = [
        np.union1d(pool[i % 20], rng.choice(2000, size=30).astype(np.uint64)) for i in range(200)
    ]
    sig = signatures(sets, num_perm=128)
    layout = LshLayout(bands=16, rows=4)
    lsh = MinHashLSH(num_perm=128, params=(16, 4))
    for i, row in enumerate(sig):
        lsh.insert(i, to_minhash(row))
    theirs = {
        (min(i, j), max(i, j))
        for i, row in enumerate(sig)
        for j in lsh.query(to_minhash(row))
        if i != j
    }
    ours = candidate_pairs(sig, layout=layout, max_bucket=len(sig))
    assert {tuple(p) for p in ours.pairs.tolist()} == theirs
    assert len(theirs) > 100


def test_empty_batch_and_empty_articles() -> None:
    assert candidate_pairs(np.zeros((0, DEFAULT_NUM_PERM), dtype=np.uint64)).pairs.shape == (0, 2)
    empty = np.full((3, DEFAULT_NUM_PERM), EMPTY_VALUE, dtype=np.uint64)
    got = candidate_pairs(empty)
    assert len(got) == 0
    assert got.pairs_per_article == 0.0


def test_big_buckets_are_refined_not_dropped() -> None:
    # 60 articles share every value of band 0; the other bands tell three stories apart.
    story = np.repeat(np.arange(3), 20)
    sig = np.zeros((60, 8), dtype=np.uint64)
    sig[:, 1:] = (story[:, None] + 1) * 1000 + np.arange(1, 8)
    layout = LshLayout(bands=8, rows=1, min_bands=1)
    got = candidate_pairs(sig, layout=layout, max_bucket=30)
    assert got.capped_buckets == 1  # band 0, split by band 1 into three buckets of 20
    pairs = {tuple(p) for p in got.pairs.tolist()}
    assert pairs == {(i, j) for i in range(60) for j in range(i + 1, 60) if story[i] == story[j]}
    assert set(got.shared_bands.tolist()) == {8}


def test_identical_rows_beyond_refinement_are_chained() -> None:
    sig = np.zeros((60, 8), dtype=np.uint64)  # 60 identical articles
    layout = LshLayout(bands=8, rows=1)
    got = candidate_pairs(sig, layout=layout, max_bucket=59)
    chain = [(i, i + 1) for i in range(59)]
    assert got.pairs.tolist() == [list(p) for p in chain]  # linear, and still connected
    assert len(candidate_pairs(sig, layout=layout, max_bucket=60)) == 60 * 59 // 2


# --- the quality gate: defaults on the ECB+ development topics ---------------------------


@pytest.fixture(scope="module")
def ecb_with_seeds(ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str) -> Any:
    texts = [r["text"] for r in ecb_records] + [seed_a, seed_b]
    labels = [r["event"] for r in ecb_records] + ["seed-a", "seed-b"]
    return signatures(shingle_batch(texts)), labels


def test_defaults_find_the_seed_pair_among_ecb(ecb_with_seeds: Any) -> None:
    sig, _ = ecb_with_seeds
    got = candidate_pairs(sig)
    n = len(sig)
    assert [n - 2, n - 1] in got.pairs.tolist()


def test_defaults_reach_the_recall_target_on_ecb_dev(ecb_with_seeds: Any) -> None:
    sig, labels = ecb_with_seeds
    got = {tuple(p) for p in candidate_pairs(sig).pairs.tolist()}
    gold = [
        (i, j)
        for i, j in itertools.combinations(range(len(labels) - 2), 2)
        if labels[i] == labels[j]
    ]
    recall = sum(p in got for p in gold) / len(gold)
    assert recall >= 0.98
    assert len(got) / len(labels) < 25  # tuned: about 20 pairs per article
    layout = DEFAULT_LAYOUT
    assert (layout.bands, layout.rows, layout.min_bands) == (256, 1, 8)
    assert DEFAULT_MAX_BUCKET == 50


# --- the incremental index -----------------------------------------------------------------


@pytest.fixture(scope="module")
def clustered() -> np.ndarray:
    rng = np.random.default_rng(5)
    stories = [rng.choice(5000, size=40, replace=False).astype(np.uint64) for _ in range(10)]
    sets = [np.union1d(stories[i % 10][rng.random(40) < 0.7], [5000 + i]) for i in range(80)]
    sets[7] = np.empty(0, dtype=np.uint64)
    return signatures(sets)


@pytest.mark.parametrize(
    "layout",
    [LshLayout(bands=16, rows=4), LshLayout(bands=32, rows=2, min_bands=3), DEFAULT_LAYOUT],
)
def test_index_queries_give_the_batch_candidates(clustered: np.ndarray, layout: LshLayout) -> None:
    index = DupIndex.from_signatures(list(range(len(clustered))), clustered, layout=layout)
    from_queries = {
        (min(i, j), max(i, j))
        for i, row in enumerate(clustered)
        for j in index.query(row)
        if i != j
    }
    batch = candidate_pairs(clustered, layout=layout, max_bucket=len(clustered))
    assert from_queries == {tuple(p) for p in batch.pairs.tolist()}
    assert index.query(clustered[7]) == []


def test_index_pickles_and_keeps_working(clustered: np.ndarray) -> None:
    index = DupIndex.from_signatures([f"a{i}" for i in range(40)], clustered[:40])
    again = pickle.loads(pickle.dumps(index))
    assert len(again) == 40
    assert all(again.query(row) == index.query(row) for row in clustered[:40])
    # Article 50 tells the same story as article 10 (80 articles, 10 stories).
    again.insert("new", clustered[50])
    assert "new" in again
    assert "new" in again.query(clustered[10])
    assert again.query(clustered[10]) == [*index.query(clustered[10]), "new"]  # insertion order


def test_index_takes_minhashes_and_checks_them(clustered: np.ndarray) -> None:
    index = DupIndex()
    index.insert("a", to_minhash(clustered[0]))
    assert index.query(to_minhash(clustered[0])) == ["a"]
    with pytest.raises(ParamsError, match="seed 2 of the MinHash does not match the index seed 1"):
        index.query(to_minhash(clustered[0], seed=2))
    with pytest.raises(ParamsError, match="key 'a' is already in the index"):
        index.insert("a", clustered[1])
    with pytest.raises(ParamsError, match="Expecting a signature with length 256, got 64"):
        index.insert("b", clustered[1][:64])
    with pytest.raises(ParamsError, match="got 2 keys for 3 signatures"):
        DupIndex.from_signatures(["x", "y"], clustered[:3])
    assert repr(index) == "<DupIndex 1 signatures, bands=256 rows=1 min_bands=8>"
