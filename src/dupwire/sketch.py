"""Vectorised MinHash signatures, each row loadable as a datasketch ``LeanMinHash``.

:func:`signatures` turns a batch of shingle arrays (from :mod:`dupwire.shingle`) into an
``(n_articles, num_perm)`` ``uint64`` array with numpy, a chunk of articles at a time.  It
reproduces datasketch (2.0) bit for bit: for the same ``num_perm``, ``seed`` and ``scheme``,
``datasketch.MinHash(num_perm=..., seed=..., scheme=..., hashfunc=hashfunc32)`` updated with
the same shingles has the same ``hashvalues``, and :func:`to_minhash` gives a
``LeanMinHash`` whose ``jaccard()`` agrees with :func:`jaccard`.

Shingles are 64-bit; MinHash sees their low 32 bits (:func:`hashfunc32`).  Two schemes:

* ``"affine32"`` (datasketch's default since 2.0): ``h`` is pre-mixed with the 32-bit
  MurmurHash3 finaliser, then ``a * h + b mod 2**32`` with ``a`` odd.
* ``"legacy"`` (datasketch before 2.0): ``(a * h + b) mod (2**61 - 1)``, keeping the low
  32 bits.  As in datasketch, ``a * h + b`` is computed in ``uint64`` and wraps at
  ``2**64`` before the modulo; reproduced here exactly.

Either way values are below ``2**32``, and an empty shingle set has every value equal to
``EMPTY_VALUE`` (``2**32 - 1``), datasketch's initial state.

>>> sig = signatures([np.array([1, 2, 3], dtype=np.uint64), np.array([2, 3, 4], dtype=np.uint64)])
>>> sig.shape, sig.dtype
((2, 256), dtype('uint64'))
>>> to_minhash(sig[0]).jaccard(to_minhash(sig[1])) == jaccard(sig[0], sig[1])
True
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from dupwire.errors import ParamsError

if TYPE_CHECKING:
    from datasketch import LeanMinHash

__all__ = [
    "DEFAULT_NUM_PERM",
    "DEFAULT_SCHEME",
    "DEFAULT_SEED",
    "EMPTY_VALUE",
    "MERSENNE_PRIME",
    "Scheme",
    "hashfunc32",
    "jaccard",
    "permutations",
    "signatures",
    "to_minhash",
]

Scheme = Literal["affine32", "legacy"]
U64 = npt.NDArray[np.uint64]

# Chosen with the LSH layout by benchmarks/tune_candidates.py on the ECB+ development topics:
# with 256 permutations the recall target costs about 20% fewer candidate pairs than with
# 128 (finer steps of the similarity estimate), for twice the hashing work.
DEFAULT_NUM_PERM = 256
DEFAULT_SEED = 1  # datasketch's default seed
# datasketch's default since 2.0, so a MinHash built there with the same num_perm and seed
# compares with ours; "legacy" is the Mersenne-prime scheme of datasketch before 2.0.
DEFAULT_SCHEME: Scheme = "affine32"

MERSENNE_PRIME = (1 << 61) - 1
EMPTY_VALUE = (1 << 32) - 1
_P = np.uint64(MERSENNE_PRIME)
_MAX = np.uint64(EMPTY_VALUE)
_SCHEMES = ("affine32", "legacy")

# A chunk holds about this many permuted values (4 or 8 MiB): small enough to stay in
# cache, large enough that numpy's per-call overhead does not matter.
_CHUNK_VALUES = 1 << 20


def hashfunc32(value: int | np.integer) -> int:
    """The 32-bit hash MinHash sees for a shingle: its low 32 bits.

    Pass it as ``hashfunc`` to ``datasketch.MinHash`` to feed it our shingles directly.
    """
    return int(value) & EMPTY_VALUE


def _check(num_perm: int, scheme: str) -> None:
    if num_perm < 1:
        msg = f"num_perm must be at least 1, got {num_perm}"
        raise ParamsError(msg)
    if scheme not in _SCHEMES:
        msg = f"scheme must be one of affine32, legacy, got {scheme!r}"
        raise ParamsError(msg)


@lru_cache(maxsize=32)
def _permutations(num_perm: int, seed: int, scheme: str) -> tuple[U64, U64]:
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        # datasketch draws a, b alternately, one permutation at a time.
        ab = np.array(
            [
                (gen.randint(1, _P, dtype=np.uint64), gen.randint(0, _P, dtype=np.uint64))
                for _ in range(num_perm)
            ],
            dtype=np.uint64,
        )
        a, b = ab[:, 0].copy(), ab[:, 1].copy()
    else:
        a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        a, b = a.astype(np.uint64), b.astype(np.uint64)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def permutations(
    *, num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED, scheme: Scheme = DEFAULT_SCHEME
) -> tuple[U64, U64]:
    """The permutation parameters ``(a, b)`` of ``datasketch.MinHash(num_perm, seed, scheme)``.

    Returned as read-only ``uint64`` arrays of length ``num_perm``.
    """
    _check(num_perm, scheme)
    return _permutations(num_perm, seed, scheme)


def _fmix32(h: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    out: npt.NDArray[np.uint32] = h ^ (h >> np.uint32(16))
    return out


def _permute_into(
    buf: npt.NDArray[np.unsignedinteger],
    hashes: npt.NDArray[np.unsignedinteger],
    scheme: str,
    a: npt.NDArray[np.unsignedinteger],
    b: npt.NDArray[np.unsignedinteger],
) -> None:
    """Write the permuted values of ``hashes`` (one column each) into ``buf`` in place.

    ``hashes`` are already prepared for the scheme: the 32-bit values as ``uint64`` for
    "legacy", their 32-bit MurmurHash3 finaliser as ``uint32`` for "affine32".
    """
    np.multiply(a[:, None], hashes[None, :], out=buf)  # wraps at 2**64 or 2**32
    np.add(buf, b[:, None], out=buf)
    if scheme == "legacy":
        # buf mod (2**61 - 1) without a division: fold the top 3 bits onto the bottom 61,
        # which leaves a value below 2 * (2**61 - 1), then subtract once where needed.
        top = buf >> np.uint64(61)
        np.bitwise_and(buf, _P, out=buf)
        np.add(buf, top, out=buf)
        np.subtract(buf, _P, out=buf, where=buf >= _P)
        np.bitwise_and(buf, _MAX, out=buf)


def _prepared(
    arrays: list[npt.NDArray[Any]], rows: npt.NDArray[np.int64], scheme: str
) -> npt.NDArray[np.unsignedinteger]:
    """The shingles of the articles ``rows`` end to end, prepared for the scheme (see
    :func:`_permute_into`): one chunk at a time, so no copy of the whole batch is made."""
    flat: U64 = np.concatenate([arrays[i] for i in rows]).astype(np.uint64) & _MAX
    if scheme == "legacy":
        return flat
    return _fmix32(flat.astype(np.uint32))


def signatures(
    shingle_sets: Sequence[npt.ArrayLike],
    *,
    num_perm: int = DEFAULT_NUM_PERM,
    seed: int = DEFAULT_SEED,
    scheme: Scheme = DEFAULT_SCHEME,
) -> U64:
    """MinHash signatures of a batch of shingle arrays: shape ``(len(shingle_sets), num_perm)``.

    Each shingle set may hold repeats (they do not change a minimum).  Articles are
    permuted in chunks of about a million values (plus the largest article), so memory stays
    bounded whatever the batch size.
    """
    _check(num_perm, scheme)
    a64, b64 = _permutations(num_perm, seed, scheme)
    arrays = [np.asarray(s).ravel() for s in shingle_sets]
    sizes = np.fromiter((len(s) for s in arrays), dtype=np.int64, count=len(arrays))
    out = np.empty((len(arrays), num_perm), dtype=np.uint64)
    out[sizes == 0] = _MAX  # datasketch's value for an empty set
    rows = np.flatnonzero(sizes)
    if not len(rows):
        return out
    ends = np.cumsum(sizes[rows])
    starts = ends - sizes[rows]
    if scheme == "legacy":
        a, b, dtype = a64, b64, np.uint64
    else:
        a, b, dtype = a64.astype(np.uint32), b64.astype(np.uint32), np.uint32
    per_chunk = max(_CHUNK_VALUES // num_perm, 1)
    # One column per shingle: numpy reduces contiguous runs of a row much faster than runs
    # of rows.
    buf = np.empty((num_perm, per_chunk + int(sizes.max())), dtype=dtype)
    first = 0
    with np.errstate(over="ignore"):
        while first < len(rows):
            # Articles first..last-1 fill the chunk (always at least one article).
            last = int(np.searchsorted(ends, starts[first] + per_chunk, side="right"))
            last = max(last, first + 1)
            lo, hi = int(starts[first]), int(ends[last - 1])
            values = buf[:, : hi - lo]
            _permute_into(values, _prepared(arrays, rows[first:last], scheme), scheme, a, b)
            mins = np.minimum.reduceat(values, starts[first:last] - lo, axis=1)
            out[rows[first:last]] = mins.T
            first = last
    return out


def jaccard(sig_a: npt.ArrayLike, sig_b: npt.ArrayLike) -> float:
    """Estimated Jaccard similarity: the fraction of positions where two signatures agree."""
    a, b = np.asarray(sig_a), np.asarray(sig_b)
    if a.shape != b.shape:
        msg = f"signatures must have the same length, got {a.shape[-1]} and {b.shape[-1]}"
        raise ParamsError(msg)
    return float(np.count_nonzero(a == b)) / float(a.shape[-1])


def to_minhash(
    signature: npt.ArrayLike, *, seed: int = DEFAULT_SEED, scheme: Scheme = DEFAULT_SCHEME
) -> LeanMinHash:
    """One signature row as a datasketch ``LeanMinHash`` (for ``MinHashLSH`` and friends)."""
    from datasketch import LeanMinHash

    if scheme not in _SCHEMES:
        msg = f"scheme must be one of affine32, legacy, got {scheme!r}"
        raise ParamsError(msg)
    values = np.asarray(signature, dtype=np.uint64)
    if scheme == "affine32":
        values = values.astype(np.uint32)
    return LeanMinHash(seed=seed, hashvalues=values, scheme=scheme)
