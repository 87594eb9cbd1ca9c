from __future__ import annotations

import doctest
from typing import Literal

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

import dupwire.sketch
from dupwire import ParamsError
from dupwire.shingle import key_hashes
from dupwire.sketch import (
    EMPTY_VALUE,
    MERSENNE_PRIME,
    hashfunc32,
    jaccard,
    permutations,
    signatures,
    to_minhash,
)

SCHEMES: tuple[Literal["affine32", "legacy"], ...] = ("affine32", "legacy")
# A universe of realistic 64-bit shingle hashes.
UNIVERSE = [int(h) for h in key_hashes([f"word{i}" for i in range(400)])]

shingle_sets = st.lists(
    st.lists(st.sampled_from(UNIVERSE), max_size=40).map(lambda v: np.array(v, dtype=np.uint64)),
    max_size=6,
)


def datasketch_values(
    shingles: np.ndarray, *, num_perm: int, seed: int, scheme: Literal["affine32", "legacy"]
) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, scheme=scheme, hashfunc=hashfunc32)
    m.update_batch(shingles.tolist())
    return np.asarray(m.hashvalues, dtype=np.uint64)


def fmix32(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def reference_signature(shingles: list[int], a: list[int], b: list[int], scheme: str) -> list[int]:
    """The definition, one value at a time, in Python integers."""
    out = []
    for ak, bk in zip(a, b, strict=True):
        best = EMPTY_VALUE
        for s in shingles:
            h = s & 0xFFFFFFFF
            if scheme == "legacy":
                # datasketch computes a * h + b in uint64, which wraps at 2**64.
                v = (((ak * h + bk) % 2**64) % MERSENNE_PRIME) & EMPTY_VALUE
            else:
                v = (ak * fmix32(h) + bk) % 2**32
            best = min(best, v)
        out.append(best)
    return out


def test_docstring_examples() -> None:
    assert doctest.testmod(dupwire.sketch).failed == 0


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(("num_perm", "seed"), [(1, 1), (16, 0), (128, 1), (200, 42)])
def test_permutations_are_datasketch_permutations(
    scheme: Literal["affine32", "legacy"], num_perm: int, seed: int
) -> None:
    a, b = permutations(num_perm=num_perm, seed=seed, scheme=scheme)
    theirs = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    assert np.array_equal(a, np.asarray(theirs[0], dtype=np.uint64))
    assert np.array_equal(b, np.asarray(theirs[1], dtype=np.uint64))


@settings(max_examples=60, deadline=None)
@given(shingle_sets, st.sampled_from(SCHEMES), st.integers(0, 2**16), st.integers(1, 64))
def test_signatures_are_datasketch_hashvalues(
    sets: list[np.ndarray], scheme: Literal["affine32", "legacy"], seed: int, num_perm: int
) -> None:
    sig = signatures(sets, num_perm=num_perm, seed=seed, scheme=scheme)
    assert sig.shape == (len(sets), num_perm)
    assert sig.dtype == np.uint64
    for row, shingles in zip(sig, sets, strict=True):
        expected = datasketch_values(shingles, num_perm=num_perm, seed=seed, scheme=scheme)
        assert np.array_equal(row, expected)


@settings(max_examples=60, deadline=None)
@given(shingle_sets, st.sampled_from(SCHEMES), st.integers(0, 100))
def test_signatures_follow_the_definition(
    sets: list[np.ndarray], scheme: Literal["affine32", "legacy"], seed: int
) -> None:
    a, b = permutations(num_perm=8, seed=seed, scheme=scheme)
    sig = signatures(sets, num_perm=8, seed=seed, scheme=scheme)
    for row, shingles in zip(sig, sets, strict=True):
        expected = reference_signature(
            [int(s) for s in shingles], [int(x) for x in a], [int(x) for x in b], scheme
        )
        assert row.tolist() == expected


@pytest.mark.parametrize("scheme", SCHEMES)
def test_empty_set_has_datasketch_initial_values(scheme: Literal["affine32", "legacy"]) -> None:
    sig = signatures([np.empty(0, dtype=np.uint64)], num_perm=16, scheme=scheme)
    fresh = MinHash(num_perm=16, scheme=scheme).hashvalues
    assert np.array_equal(sig[0], np.asarray(fresh, dtype=np.uint64))
    assert set(sig[0].tolist()) == {EMPTY_VALUE}


def test_chunks_do_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    sets = [rng.choice(np.array(UNIVERSE, dtype=np.uint64), size=k) for k in range(0, 60, 3)]
    whole = signatures(sets, num_perm=32)
    monkeypatch.setattr(dupwire.sketch, "_CHUNK_VALUES", 32 * 10)  # 10 shingles per chunk
    assert np.array_equal(signatures(sets, num_perm=32), whole)


def test_repeated_shingles_do_not_matter() -> None:
    one = np.array(UNIVERSE[:5], dtype=np.uint64)
    assert np.array_equal(signatures([one]), signatures([np.concatenate([one, one[::-1]])]))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_to_minhash_round_trips_and_agrees_on_jaccard(
    scheme: Literal["affine32", "legacy"],
) -> None:
    sets = [np.array(UNIVERSE[:60], dtype=np.uint64), np.array(UNIVERSE[30:90], dtype=np.uint64)]
    sig = signatures(sets, num_perm=128, seed=7, scheme=scheme)
    m0, m1 = to_minhash(sig[0], seed=7, scheme=scheme), to_minhash(sig[1], seed=7, scheme=scheme)
    assert isinstance(m0, LeanMinHash)
    assert (m0.seed, m0.scheme) == (7, scheme)
    assert m0.jaccard(m1) == jaccard(sig[0], sig[1])
    # ... and it compares with a MinHash built by datasketch itself.
    theirs = MinHash(num_perm=128, seed=7, scheme=scheme, hashfunc=hashfunc32)
    theirs.update_batch(sets[1].tolist())
    assert m0.jaccard(theirs) == jaccard(sig[0], sig[1])


# The estimate counts agreeing positions out of num_perm; its standard deviation is
# sqrt(J (1 - J) / num_perm) <= 0.5 / sqrt(256) = 1/32.  A tolerance of 0.2 is 6.4 standard
# deviations: a correct implementation fails it about once in 10**10 examples, while a
# wrong one (a broken permutation or minimum) misses by far more on overlapping sets.
NUM_PERM_FOR_ESTIMATE = 256
TOLERANCE = 0.2


@settings(max_examples=50, deadline=None)
@given(
    st.sets(st.sampled_from(UNIVERSE), min_size=1, max_size=120),
    st.sets(st.sampled_from(UNIVERSE), min_size=1, max_size=120),
    st.sampled_from(SCHEMES),
    st.integers(0, 2**16),
)
def test_estimate_is_close_to_exact_jaccard(
    a: set[int], b: set[int], scheme: Literal["affine32", "legacy"], seed: int
) -> None:
    exact = len(a & b) / len(a | b)
    sets = [np.array(sorted(a), dtype=np.uint64), np.array(sorted(b), dtype=np.uint64)]
    sig = signatures(sets, num_perm=NUM_PERM_FOR_ESTIMATE, seed=seed, scheme=scheme)
    assert abs(jaccard(sig[0], sig[1]) - exact) <= TOLERANCE


def test_identical_and_disjoint_sets() -> None:
    sets = [
        np.array(UNIVERSE[:50], dtype=np.uint64),
        np.array(UNIVERSE[:50], dtype=np.uint64),
        np.array(UNIVERSE[50:100], dtype=np.uint64),
    ]
    sig = signatures(sets)
    assert jaccard(sig[0], sig[1]) == 1.0
    assert jaccard(sig[0], sig[2]) < 0.05


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: signatures([], num_perm=0), "num_perm must be at least 1", id="perm"),
        pytest.param(
            lambda: signatures([], scheme="affine64"),  # type: ignore[arg-type]
            "scheme must be one of affine32, legacy",
            id="scheme",
        ),
        pytest.param(
            lambda: jaccard(np.zeros(4), np.zeros(8)),
            "signatures must have the same length",
            id="length",
        ),
    ],
)
def test_bad_options_are_refused(call: object, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        call()  # type: ignore[operator]


def test_empty_batch() -> None:
    assert signatures([], num_perm=16).shape == (0, 16)
