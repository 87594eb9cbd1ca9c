"""benchmarks/bench_growth.py at a tiny size: planted versions are versions, and the batch
candidates find them (the benchmark's 1M point measures the same thing, larger)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_growth  # noqa: E402
import bench_index  # noqa: E402

FIELDS = {
    "system",
    "n",
    "planted",
    "recall",
    "pairs_per_article",
    "generate_s",
    "signatures_s",
    "corpus_mb",
    "load_start",
    "load_end",
    "top_word_share",
    "median_word_share",
}


def test_planted_pairs_are_versions_of_their_origin() -> None:
    sets: list[np.ndarray] = []
    origins: list[np.ndarray] = []
    for chunk, orig in bench_index.synthetic_corpus(3000, 5, chunk=1000):
        sets += chunk
        origins.append(orig)
    planted = bench_growth.planted_pairs(np.concatenate(origins))
    assert 300 < len(planted) < 600  # 20% of the 2,000 articles after the first chunk
    assert np.all(planted[:, 0] < planted[:, 1])
    assert np.all(planted[:, 0] < 1000 * (planted[:, 1] // 1000))  # from an earlier chunk
    jaccard = [
        len(np.intersect1d(sets[a], sets[b])) / len(np.union1d(sets[a], sets[b]))
        for a, b in planted
    ]
    assert 0.45 < np.mean(jaccard) < 0.62  # 0.7 kept: 0.7 / 1.3


def test_default_synthetic_sets_are_unchanged_by_the_origins() -> None:
    plain = [s for chunk in bench_index.synthetic_sets(200, 3) for s in chunk]
    with_origins = [s for chunk, _ in bench_index.synthetic_corpus(200, 3) for s in chunk]
    assert all(np.array_equal(a, b) for a, b in zip(plain, with_origins, strict=True))


@pytest.mark.parametrize(
    "last_rank",
    [pytest.param(2_000_000.0, id="broad"), pytest.param(20_000.0, id="focused-beat")],
)
def test_batch_candidates_find_the_planted_versions(last_rank: float) -> None:
    result = bench_growth.measure_dupwire(2000, seed=1, last_rank=last_rank)
    assert FIELDS | {"candidates_s", "candidates_mb", "pairs", "capped_buckets"} <= set(result)
    assert result["n"] == 2000
    assert result["planted"] > 150
    assert result["recall"] >= 0.95
    assert result["pairs"] >= result["recall"] * result["planted"]
    assert result["pairs_per_article"] < 5


def test_datasketch_rows_and_the_table() -> None:
    rows = bench_growth.measure_datasketch(2000, banding="256x1", seed=1, queries=100)
    assert [r["system"] for r in rows] == [
        "datasketch 256x1, any band",
        "datasketch 256x1 + 8-band filter",
    ]
    any_band, filtered = rows
    assert FIELDS | {"insert_s", "query_mb", "query_ms_p50"} <= set(any_band)
    assert filtered["recall"] >= 0.95
    assert any_band["recall"] >= filtered["recall"]
    assert any_band["pairs_per_article"] > filtered["pairs_per_article"]
    skipped = {"system": "dupwire", "n": 10**6, "last_rank": 2e6, "skipped": "needs 9 GB"}
    text = bench_growth.table([*rows, skipped])
    lines = text.splitlines()
    assert len(lines) == 5
    assert "| datasketch 256x1 + 8-band filter | 2,000 |" in lines[3]
    assert "not run: needs 9 GB" in lines[4]
