"""LSH banding: candidate pairs for a batch with numpy, and an incremental ``DupIndex``.

A signature of ``num_perm`` MinHash values is cut into ``bands`` bands of ``rows`` values
(the first ``bands * rows`` values; the rest are unused).  Two articles are candidates when
at least ``min_bands`` of their bands are equal.  For Jaccard similarity ``s`` that happens
with probability ``P(Binomial(bands, s**rows) >= min_bands)``, which for ``min_bands=1`` is
the classic ``1 - (1 - s**rows)**bands``.

:func:`candidate_pairs` does this for a whole batch by sorting each band's values and
grouping equal ones (no Python loop per article).  A band value shared by more than
``max_bucket`` articles says little about which story they tell (with one-row bands it is
one word that many articles use), and would cost ``max_bucket**2 / 2`` pairs, so such a
bucket gives no pairs; :class:`Candidates` reports how many buckets were dropped that way.

:class:`DupIndex` wraps datasketch's ``MinHashLSH`` with the same layout, for adding
articles one at a time and keeping the index between runs (it pickles).

The defaults (``DEFAULT_LAYOUT``, ``DEFAULT_MAX_BUCKET``) were chosen by
``benchmarks/tune_candidates.py`` on the ECB+ development topics.

>>> print(LshLayout(bands=32, rows=1).table(similarities=(0.02, 0.1)))
similarity  P(candidate)
      0.02        0.4761
      0.10        0.9657
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from dupwire._numeric import combine, threaded
from dupwire.errors import ParamsError
from dupwire.sketch import DEFAULT_NUM_PERM, DEFAULT_SCHEME, DEFAULT_SEED, EMPTY_VALUE, Scheme

if TYPE_CHECKING:
    from datasketch import MinHash

__all__ = [
    "DEFAULT_LAYOUT",
    "DEFAULT_MAX_BUCKET",
    "Candidates",
    "DupIndex",
    "LshLayout",
    "band_keys",
    "candidate_pairs",
    "candidate_probability",
    "checked_signatures",
    "optimal_layout",
]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_EMPTY = np.uint64(EMPTY_VALUE)
_TABLE_SIMILARITIES = (0.0, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.9)


def candidate_probability(
    similarity: float | npt.ArrayLike, *, bands: int, rows: int, min_bands: int = 1
) -> npt.NDArray[np.float64]:
    """Probability that two sets of Jaccard ``similarity`` share ``min_bands`` or more bands.

    >>> round(float(candidate_probability(0.5, bands=20, rows=5)), 4)
    0.4701
    >>> round(float(candidate_probability(0.05, bands=128, rows=1, min_bands=3)), 4)
    0.9574
    """
    s = np.asarray(similarity, dtype=np.float64)
    p = s**rows
    if min_bands == 1:
        return np.asarray(1.0 - (1.0 - p) ** bands)
    miss = sum(math.comb(bands, k) * p**k * (1.0 - p) ** (bands - k) for k in range(min_bands))
    return np.asarray(np.clip(1.0 - miss, 0.0, 1.0))


@dataclass(frozen=True, slots=True)
class LshLayout:
    """``bands`` bands of ``rows`` values; candidates share at least ``min_bands`` bands."""

    bands: int
    rows: int
    min_bands: int = 1

    def __post_init__(self) -> None:
        if self.bands < 2:
            msg = f"bands must be at least 2, got {self.bands}"
            raise ParamsError(msg)
        if self.rows < 1:
            msg = f"rows must be at least 1, got {self.rows}"
            raise ParamsError(msg)
        if not 1 <= self.min_bands <= self.bands:
            msg = f"min_bands must be in [1, bands {self.bands}], got {self.min_bands}"
            raise ParamsError(msg)

    @property
    def width(self) -> int:
        """How many signature values the layout reads: ``bands * rows``."""
        return self.bands * self.rows

    def check(self, num_perm: int) -> None:
        """Raise ``ParamsError`` unless the layout fits signatures of ``num_perm`` values."""
        if self.width > num_perm:
            msg = (
                f"The product of bands and rows {self.bands} * {self.rows} = {self.width} "
                f"must be less than num_perm {num_perm}. Did you forget to specify num_perm?"
            )
            raise ParamsError(msg)

    def probability(self, similarity: float | npt.ArrayLike) -> npt.NDArray[np.float64]:
        """:func:`candidate_probability` for this layout."""
        return candidate_probability(
            similarity, bands=self.bands, rows=self.rows, min_bands=self.min_bands
        )

    def table(self, *, similarities: Iterable[float] = _TABLE_SIMILARITIES) -> str:
        """The candidate probability curve as a printable two-column table."""
        sims = list(similarities)
        probs = self.probability(sims)
        lines = ["similarity  P(candidate)"]
        lines += [f"{s:10.2f}  {float(p):12.4f}" for s, p in zip(sims, probs, strict=True)]
        return "\n".join(lines)


def _integral(
    rule: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    bands: int,
    rows: int,
    lo: float,
    hi: float,
    *,
    miss: bool,
) -> float:
    nodes, weights = rule
    s = (hi - lo) / 2.0 * nodes + (hi + lo) / 2.0
    p = candidate_probability(s, bands=bands, rows=rows)
    f = 1.0 - p if miss else p
    return float((hi - lo) / 2.0 * np.sum(weights * f))


def optimal_layout(
    threshold: float, num_perm: int = DEFAULT_NUM_PERM, *, weights: tuple[float, float] = (0.5, 0.5)
) -> LshLayout:
    """The ``bands x rows`` layout that ``datasketch.MinHashLSH(threshold, num_perm, weights)``
    picks: the one minimising ``weights[0]`` * (area under the curve below ``threshold``)
    + ``weights[1]`` * (area above the curve beyond it).

    >>> optimal_layout(0.5, 128)
    LshLayout(bands=25, rows=5, min_bands=1)
    """
    if not 0.0 <= threshold <= 1.0:
        msg = "threshold must be in [0.0, 1.0]"
        raise ParamsError(msg)
    if num_perm < 2:
        msg = f"num_perm must be at least 2, got {num_perm}"
        raise ParamsError(msg)
    if any(not 0.0 <= w <= 1.0 for w in weights):
        msg = "weights must be in [0.0, 1.0]"
        raise ParamsError(msg)
    if sum(weights) != 1.0:
        msg = "weights must sum to 1.0"
        raise ParamsError(msg)
    # Every integrand is a polynomial of degree bands * rows <= num_perm, so Gauss-Legendre
    # with num_perm // 2 + 1 nodes integrates them all exactly (up to rounding).
    rule = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    best, best_error = (0, 0), math.inf
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _integral(rule, b, r, 0.0, threshold, miss=False)
            fn = _integral(rule, b, r, threshold, 1.0, miss=True)
            error = fp * weights[0] + fn * weights[1]
            if error < best_error:
                best, best_error = (b, r), error
    if best[0] < 2:
        msg = (
            f"The number of bands is too small (b < 2) for threshold {threshold} and "
            f"num_perm {num_perm}; use more permutations or an explicit LshLayout"
        )
        raise ParamsError(msg)
    return LshLayout(bands=best[0], rows=best[1])


# Chosen with the default shingles and DEFAULT_NUM_PERM (256) by
# benchmarks/tune_candidates.py on fixtures/ecbplus/dev.jsonl: of the layouts measured
# (one-row bands of all 128 or 256 values, 64x2, 32x4, 128x2 and datasketch's optimum for
# thresholds 0.05-0.5, each needing 1 to 16 shared bands), the one reaching 98% candidate
# recall of same-event pairs (10th percentile over resampled topics) with the fewest
# candidate pairs per article.  It asks for an estimated Jaccard of 8/256 (about 0.03).
DEFAULT_LAYOUT = LshLayout(bands=256, rows=1, min_bands=8)
# A cost bound, not fitted to data: at most 50 * 49 / 2 = 1225 pairs per bucket and
# 256 * 49 partners per article.  With one-row bands a bucket this large is a word that
# is the minimum of more than 50 articles: evidence of a common topic, not of one story,
# so the bucket is split by the following bands' values (MAX_REFINE) instead of giving all
# its pairs: pairs per article stay flat as the corpus grows or narrows to one beat.
DEFAULT_MAX_BUCKET = 50
#: Further bands a bucket over ``max_bucket`` is split by before its rows are chained.
MAX_REFINE = 8


def band_keys(band: U64) -> U64:
    """One uint64 key per row of a ``(n, rows)`` band of signature values (< 2**32).

    One or two values are packed exactly; more are hashed (64-bit, so two different bands
    collide with probability about 2**-64).
    """
    if band.shape[1] == 1:
        single: U64 = band[:, 0].copy()
        return single
    key: U64 = (band[:, 0] << np.uint64(32)) | band[:, 1]
    for j in range(2, band.shape[1]):
        key = combine(key, band[:, j])
    return key


def _bucket_codes(sorted_ids: I64, starts: I64, sizes: I64, n: int) -> I64:
    """Codes ``i * n + j`` (``i < j``) of every pair inside the given buckets."""
    # Every member of a bucket, then each member once per later member of its bucket.
    first = np.repeat(np.cumsum(sizes) - sizes, sizes)
    member = np.repeat(starts, sizes) + (np.arange(int(sizes.sum())) - first)
    later = np.repeat(starts + sizes, sizes) - member - 1
    left = np.repeat(member, later)
    right = left + 1 + (np.arange(int(later.sum())) - np.repeat(np.cumsum(later) - later, later))
    a, b = sorted_ids[left], sorted_ids[right]
    codes: I64 = np.minimum(a, b) * n + np.maximum(a, b)
    return codes


def _band_pairs(
    keys: U64,
    ids: I64,
    n: int,
    max_bucket: int,
    refine: Callable[[I64, int], U64 | None] | None = None,
) -> tuple[I64, int]:
    """Codes ``i * n + j`` (``i < j``) of the pairs sharing a key, and the refined buckets.

    A bucket of more than ``max_bucket`` rows is not dropped but refined: its rows are split
    by ``refine(rows, depth)``, further MinHash values of those rows only, until every part
    fits (``depth`` counts the refinements so far).  When ``refine`` has no values left
    (None), the rows still together are chained (each paired with the next by id), so they
    stay connected at a cost linear in their number.
    """
    out: list[I64] = []
    refined = 0
    depth = 0
    while len(keys):
        # Only the buckets matter here, not the order inside them (a bucket's pairs are the
        # same in any order), so the sort need not be stable; the chaining below sorts the
        # few rows it chains by id.
        order = np.argsort(keys)
        sorted_keys, sorted_ids = keys[order], ids[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, len(sorted_keys)])
        fits = (sizes >= 2) & (sizes <= max_bucket)
        out.append(_bucket_codes(sorted_ids, starts[fits], sizes[fits], n))
        large = sizes > max_bucket
        if not large.any():
            break
        refined += int(large.sum())
        inside = np.repeat(large, sizes)
        ids, keys = sorted_ids[inside], sorted_keys[inside]
        extra = refine(ids, depth) if refine is not None else None
        if extra is None:
            by_id = np.lexsort((ids, keys))
            ids, keys = ids[by_id], keys[by_id]
            same = np.flatnonzero(keys[1:] == keys[:-1])
            a, b = ids[same], ids[same + 1]
            out.append(np.minimum(a, b) * n + np.maximum(a, b))
            break
        keys = combine(keys, extra)
        depth += 1
    return (np.concatenate(out) if out else np.empty(0, dtype=np.int64)), refined


def refine_bands(bands: int, band: int) -> list[int]:
    """The bands, in order, whose values split a bucket of ``band`` (of ``bands``) over
    ``max_bucket``: the following ones (wrapping round), at most ``MAX_REFINE``."""
    return [(band + 1 + depth) % bands for depth in range(min(MAX_REFINE, bands - 1))]


def _refiner(sig: U64, rows: int, bands: Sequence[int]) -> Callable[[I64, int], U64 | None]:
    """The refinement of one band's buckets: the keys of ``bands`` (``rows`` values each,
    columns of ``sig``), in turn; None once they are used up."""

    def refine(ids: I64, depth: int) -> U64 | None:
        if depth >= len(bands):
            return None
        other = bands[depth]
        return band_keys(sig[ids, other * rows : (other + 1) * rows])

    return refine


def _pairs_of_codes(codes: npt.NDArray[np.integer[Any]], n: int) -> I64:
    """The pairs ``(i, j)`` of pair codes ``i * n + j`` (``n`` articles), one row each."""
    width = max(n, 1)
    pairs: I64 = np.stack((codes // width, codes % width), axis=1).astype(np.int64)
    return pairs.reshape(-1, 2)


def _count(
    parts: list[npt.NDArray[np.integer[Any]]], min_bands: int, base: int = 0
) -> tuple[I64, I64]:
    """Distinct codes among ``parts`` (offsets from ``base``, of any integer type) seen at
    least ``min_bands`` times, and their counts; ``parts`` is emptied."""
    codes = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    parts.clear()
    if not len(codes):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    codes.sort()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    counts = np.diff(np.r_[starts, len(codes)])
    keep = counts >= min_bands
    return codes[starts[keep]].astype(np.int64) + base, counts[keep].astype(np.int64)


@dataclass(frozen=True, slots=True)
class Candidates:
    """Candidate pairs of a batch: ``pairs[k] = (i, j)`` with ``i < j``, sorted.

    ``shared_bands[k]`` is how many bands the pair shares (buckets over ``max_bucket`` not
    counted): with one-row bands, ``shared_bands / bands`` estimates their Jaccard similarity.
    """

    pairs: I64 = field(repr=False)
    shared_bands: I64 = field(repr=False)
    n_articles: int
    layout: LshLayout
    max_bucket: int
    capped_buckets: int  # buckets over max_bucket, refined

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def pairs_per_article(self) -> float:
        """Candidate pairs divided by articles (0 for an empty batch)."""
        return len(self.pairs) / self.n_articles if self.n_articles else 0.0


def checked_signatures(signatures: npt.ArrayLike, layout: LshLayout, max_bucket: int) -> U64:
    """``signatures`` as a 2-d ``uint64`` array, once the layout and cap are checked for it."""
    sig = np.asarray(signatures, dtype=np.uint64)
    if sig.ndim != 2:
        msg = f"signatures must be a 2-d array (articles x num_perm), got {sig.ndim} dimensions"
        raise ParamsError(msg)
    layout.check(sig.shape[1])
    if max_bucket < 2:
        msg = f"max_bucket must be at least 2, got {max_bucket}"
        raise ParamsError(msg)
    return sig


_CODE_SPAN = 1 << 32  # the pair codes of one range of first articles, less its first


def candidate_pairs(
    signatures: npt.ArrayLike,
    *,
    layout: LshLayout = DEFAULT_LAYOUT,
    max_bucket: int = DEFAULT_MAX_BUCKET,
    workers: int = 1,
) -> Candidates:
    """Pairs of rows of ``signatures`` that share at least ``layout.min_bands`` bands.

    Rows whose values are all ``EMPTY_VALUE`` (articles with no shingles) are never
    candidates.  A bucket with more than ``max_bucket`` rows is refined rather than dropped:
    its rows are split by the values of the next bands (up to ``MAX_REFINE`` of them, for
    those rows only) until every part holds at most ``max_bucket`` rows, so an article whose
    rare words are all common in this corpus still finds the articles that share its other
    values, and the work per article stays bounded.  Such buckets are counted in
    ``capped_buckets``.  Memory: 4 bytes for each pair and band it shares (before the
    ``min_bands`` filter), about 700 per article with the defaults on news.

    With ``workers`` above 1, that many threads band, then count, at once (a band or a
    range of pairs each): numpy's sorts, which are most of the work, let go of the
    interpreter lock.  The same pairs, whatever ``workers``.
    """
    sig = checked_signatures(signatures, layout, max_bucket)
    n = sig.shape[0]
    ids = np.flatnonzero(~np.all(sig == _EMPTY, axis=1)).astype(np.int64)
    everyone = len(ids) == n  # then no copy of the signatures is needed
    # Codes i * n + j of every (pair, shared band), kept apart by ranges of i so that each
    # range is sorted and counted on its own: the ranges come out in order.  Each range is
    # narrow enough that its codes, less its first, fit in 32 bits: half the memory of the
    # codes held until they are counted (about 800 MB at 100,000 articles of news).
    n_parts = max(min(64, max(1, n // 2048)), -(-n // max(1, _CODE_SPAN // max(n, 1))))
    first_row = -(-np.arange(n_parts + 1, dtype=np.int64) * n // n_parts)

    def band(b: int) -> tuple[list[tuple[int, npt.NDArray[np.uint32]]], int]:
        """The codes of band ``b``, as ``(range, offsets)`` pieces, and how many of its
        buckets were refined."""
        cols = slice(b * layout.rows, (b + 1) * layout.rows)
        keys = band_keys(sig[:, cols] if everyone else sig[ids, cols])
        band_codes, band_capped = _band_pairs(
            keys, ids, n, max_bucket, _refiner(sig, layout.rows, refine_bands(layout.bands, b))
        )
        which = (band_codes // n * n_parts // n).astype(np.uint16)
        order = np.argsort(which, kind="stable")  # a radix sort for 16-bit values
        bounds = np.cumsum(np.bincount(which, minlength=n_parts))
        pieces = []
        for part, (lo, hi) in enumerate(zip(np.r_[0, bounds[:-1]], bounds, strict=True)):
            if hi > lo:
                offsets = band_codes[order[lo:hi]] - first_row[part] * n
                pieces.append((part, offsets.astype(np.uint32)))
        return pieces, band_capped

    def count(k: int) -> tuple[I64, I64]:
        return _count(parts[k], layout.min_bands, int(first_row[k]) * n)

    # One band, or one range, per task: a task is short, so an interrupted run stops soon.
    parts: list[list[npt.NDArray[np.integer[Any]]]] = [[] for _ in range(n_parts)]
    capped = 0
    for pieces, band_capped in threaded(band, range(layout.bands), workers):
        capped += band_capped
        for part, offsets in pieces:
            parts[part].append(offsets)
    counted = list(threaded(count, range(n_parts), workers))
    codes = np.concatenate([c for c, _ in counted])
    counts = np.concatenate([k for _, k in counted])
    return Candidates(
        pairs=_pairs_of_codes(codes, n),
        shared_bands=counts.astype(np.int64),
        n_articles=n,
        layout=layout,
        max_bucket=max_bucket,
        capped_buckets=capped,
    )


class DupIndex:
    """An incremental LSH index of signatures under keys, on datasketch's ``MinHashLSH``.

    It uses the same layout as :func:`candidate_pairs`: ``query`` returns the keys that share
    at least ``layout.min_bands`` bands with the query (for ``min_bands > 1`` the index keeps
    each signature to count shared bands).  Unlike :func:`candidate_pairs` it caps no bucket:
    an index grows one article at a time, so the size of a bucket says nothing yet.  It
    pickles, so it can be kept between runs.  Signatures of empty shingle sets are stored but
    never returned.
    """

    def __init__(
        self,
        *,
        layout: LshLayout = DEFAULT_LAYOUT,
        num_perm: int = DEFAULT_NUM_PERM,
        seed: int = DEFAULT_SEED,
        scheme: Scheme = DEFAULT_SCHEME,
    ) -> None:
        from datasketch import MinHashLSH

        layout.check(num_perm)
        self.layout = layout
        self.num_perm = num_perm
        self.seed = seed
        self.scheme: Scheme = scheme
        self._lsh = MinHashLSH(num_perm=num_perm, params=(layout.bands, layout.rows))
        self._signatures: dict[Hashable, U64] = {}
        self._position: dict[Hashable, int] = {}

    @classmethod
    def from_signatures(
        cls, keys: Sequence[Hashable], signatures: npt.ArrayLike, **options: Any
    ) -> DupIndex:
        """An index holding ``signatures[i]`` under ``keys[i]``; options as for ``DupIndex``."""
        sig = np.asarray(signatures, dtype=np.uint64)
        if sig.ndim == 2:
            options.setdefault("num_perm", sig.shape[1])
        index = cls(**options)
        if len(keys) != len(sig):
            msg = f"got {len(keys)} keys for {len(sig)} signatures"
            raise ParamsError(msg)
        for key, row in zip(keys, sig, strict=True):
            index.insert(key, row)
        return index

    def __repr__(self) -> str:
        return (
            f"<DupIndex {len(self)} signatures, bands={self.layout.bands} "
            f"rows={self.layout.rows} min_bands={self.layout.min_bands}>"
        )

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._signatures

    def _row(self, signature: npt.ArrayLike | MinHash) -> U64:
        if hasattr(signature, "hashvalues"):
            for name in ("seed", "scheme"):
                theirs, ours = getattr(signature, name, None), getattr(self, name)
                if theirs != ours:
                    msg = (
                        f"{name} {theirs!r} of the MinHash does not match the index {name} {ours!r}"
                    )
                    raise ParamsError(msg)
            signature = signature.hashvalues
        row = np.asarray(signature).astype(np.uint64).ravel()
        if len(row) != self.num_perm:
            msg = f"Expecting a signature with length {self.num_perm}, got {len(row)}"
            raise ParamsError(msg)
        return row

    def _minhash(self, row: U64) -> MinHash:
        from dupwire.sketch import to_minhash

        return to_minhash(row, seed=self.seed, scheme=self.scheme)

    def insert(self, key: Hashable, signature: npt.ArrayLike | MinHash) -> None:
        """Add one signature (a row of :func:`dupwire.sketch.signatures` or a MinHash)."""
        row = self._row(signature)
        if key in self._signatures:
            msg = f"key {key!r} is already in the index"
            raise ParamsError(msg)
        self._signatures[key] = row
        self._position[key] = len(self._position)
        if not np.all(row == _EMPTY):
            self._lsh.insert(key, self._minhash(row))

    def query(self, signature: npt.ArrayLike | MinHash) -> list[Hashable]:
        """Keys of the stored signatures that are candidates for this one, in insertion order."""
        row = self._row(signature)
        if np.all(row == _EMPTY):
            return []
        keys = sorted(self._lsh.query(self._minhash(row)), key=self._position.__getitem__)
        if self.layout.min_bands == 1:
            return keys
        width, r = self.layout.width, self.layout.rows
        mine = row[:width].reshape(-1, r)
        return [
            key
            for key in keys
            if np.count_nonzero(
                np.all(self._signatures[key][:width].reshape(-1, r) == mine, axis=1)
            )
            >= self.layout.min_bands
        ]
