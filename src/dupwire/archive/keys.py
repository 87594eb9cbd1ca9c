"""Band keys of articles, computed by the candidate rules of batch clustering.

An article's shingle set is what :mod:`dupwire.cluster.candidates` builds (story sentences
only, content-word shingles of :class:`dupwire.shingle.Shingler` over the word keys of
:mod:`dupwire.cluster.scan`), its signature is :func:`dupwire.sketch.signatures`, and two
articles are candidates when at least ``min_bands`` of the one-row bands of
:data:`dupwire.index.DEFAULT_LAYOUT` are equal.  The one difference from a batch: corpus
furniture (lines recurring across otherwise different articles) depends on the whole
collection, so an index sets aside only what :func:`dupwire.segment.split_units` marks as
furniture in the article itself.

**Stored form.**  With one-row bands, band ``i`` of an article is ``a_i * h + b_i mod 2**32``
for the shingle hash ``h`` (MurmurHash3-finalised, ``"affine32"``) that is smallest under
permutation ``i``.  The map is a bijection (``a_i`` is odd), so the band value gives ``h``
back, and two articles share band ``i`` exactly when the same shingle wins band ``i`` in
both.  An article of ``m`` shingles has at most ``m`` distinct winners (about 85 for 90
shingles with 256 bands), so the index stores one entry per winner: ``(h, doc, bands it
wins)`` instead of one per band, with the same candidates (entries are grouped into blocks
by the top bits of ``h``: :mod:`dupwire.archive.blocks`).  The winners and their bands are the
signature, losslessly: :func:`signature_of` rebuilds it.

>>> batch = article_keys(["Turkish troops resumed joint patrols in northern Syria."])
>>> rows = batch.rows_of(0)
>>> sum(len(bands) for _, bands in rows)  # every band is won by one shingle
256
>>> sig = signatures(shingle_sets(["Turkish troops resumed joint patrols in northern Syria."]))
>>> bool(np.array_equal(signature_of(rows), sig[0]))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from dupwire._numeric import U64
from dupwire.cluster.candidates import article_shingles
from dupwire.cluster.scan import scan_corpus
from dupwire.errors import ParamsError
from dupwire.index import DEFAULT_LAYOUT, DEFAULT_MAX_BUCKET, LshLayout
from dupwire.params import ClusterParams
from dupwire.sketch import permutations, signatures

__all__ = [
    "PREFIX_BITS",
    "KeyBatch",
    "KeySettings",
    "article_keys",
    "keys_of_signatures",
    "pack_prefix_rows",
    "pack_prefixes",
    "shingle_sets",
    "signature_of",
    "unpack_prefixes",
]

#: An article lists the top 16 bits of its shingle hashes, not the hashes (packed in about 11
#: bits each, not 32).
PREFIX_BITS = 16
_MASK32 = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True, slots=True)
class KeySettings:
    """The candidate settings an index is built with (the batch-clustering defaults)."""

    num_perm: int = ClusterParams().num_perm
    seed: int = ClusterParams().seed
    bands: int = DEFAULT_LAYOUT.bands
    min_bands: int = DEFAULT_LAYOUT.min_bands
    max_bucket: int = DEFAULT_MAX_BUCKET

    def __post_init__(self) -> None:
        layout = LshLayout(bands=self.bands, rows=1, min_bands=self.min_bands)
        layout.check(self.num_perm)
        if self.bands > 256:
            msg = f"an index stores at most 256 one-row bands, got bands={self.bands}"
            raise ParamsError(msg)
        if self.max_bucket < 2:
            msg = f"max_bucket must be at least 2, got {self.max_bucket}"
            raise ParamsError(msg)

    def to_dict(self) -> dict[str, int]:
        return {
            "num_perm": self.num_perm,
            "seed": self.seed,
            "bands": self.bands,
            "rows": 1,
            "min_bands": self.min_bands,
            "max_bucket": self.max_bucket,
            "scheme": 0,  # affine32
        }


def shingle_sets(texts: Sequence[str], *, workers: int = 1) -> list[U64]:
    """The shingle set of each text, as batch clustering builds it (without corpus furniture)."""
    return _scanned_shingles(texts, workers)[0]


def _scanned_shingles(
    texts: Sequence[str], workers: int, pool: Executor | None = None
) -> tuple[list[U64], tuple[tuple[int, str], ...]]:
    """:func:`shingle_sets`, and the texts the scan could not read (with the reason)."""
    text = scan_corpus(list(texts), workers, pool=pool)
    return article_shingles(text, np.ones(text.n_sents, dtype=bool)), tuple(text.failed)


def _inverse_odd(a: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The inverse of each odd ``a`` modulo ``2**32`` (Newton's iteration)."""
    x: npt.NDArray[np.uint64] = a.copy()
    with np.errstate(over="ignore"):
        for _ in range(5):
            x = (x * (np.uint64(2) - a * x)) & _MASK32
    return x


@dataclass(frozen=True, slots=True)
class KeyBatch:
    """The stored rows of a batch of articles.

    Row ``r`` is shingle hash ``key[r]`` (an unsigned 32-bit value) of article
    ``doc[r]`` (position in the batch), winning the bands ``bands[band_ptr[r]:band_ptr[r+1]]``.
    Rows are sorted by article, then key.
    """

    key: npt.NDArray[np.int64] = field(repr=False)
    doc: npt.NDArray[np.int64] = field(repr=False)
    bands: npt.NDArray[np.uint8] = field(repr=False)
    band_ptr: npt.NDArray[np.int64] = field(repr=False)
    doc_ptr: npt.NDArray[np.int64] = field(repr=False)  # rows of article d: doc_ptr[d:d+2]
    #: Articles that could not be cut into sentences and words (no rows), with the reason.
    failed: tuple[tuple[int, str], ...] = ()

    @property
    def n_docs(self) -> int:
        return len(self.doc_ptr) - 1

    def rows_of(self, d: int) -> list[tuple[int, bytes]]:
        """``(key, bands)`` of article ``d``."""
        lo, hi = int(self.doc_ptr[d]), int(self.doc_ptr[d + 1])
        raw = self.bands.tobytes()
        ptr = self.band_ptr
        return [(int(self.key[r]), raw[ptr[r] : ptr[r + 1]]) for r in range(lo, hi)]

    def key_prefixes(self) -> list[bytes]:
        """For each article, the distinct top :data:`PREFIX_BITS` bits of its shingle hashes,
        packed by :func:`pack_prefixes`: the buckets a removal rewrites (see
        :mod:`dupwire.archive.store`)."""
        prefix = self.key >> (32 - PREFIX_BITS)
        new = np.ones(len(prefix), dtype=bool)  # rows are sorted by article, then key
        new[1:] = (prefix[1:] != prefix[:-1]) | (self.doc[1:] != self.doc[:-1])
        at = np.flatnonzero(new)
        return pack_prefix_rows(prefix[at], np.searchsorted(at, self.doc_ptr))

    def band_key(self, d: int, bands: int) -> npt.NDArray[np.int64]:
        """The key winning each band of article ``d`` (``bands`` values)."""
        out = np.zeros(bands, dtype=np.int64)
        lo, hi = int(self.doc_ptr[d]), int(self.doc_ptr[d + 1])
        for r in range(lo, hi):
            out[self.bands[self.band_ptr[r] : self.band_ptr[r + 1]]] = self.key[r]
        return out


def _low_bits(n: int) -> int:
    """Bits of each prefix kept as they are when ``n`` prefixes are packed."""
    return max(0, (((1 << PREFIX_BITS) // n).bit_length() - 1))


def pack_prefixes(prefixes: npt.ArrayLike) -> bytes:
    """Sorted distinct values below ``2**PREFIX_BITS`` (at most 256 of them), Elias-Fano
    coded: a byte for their number ``n``, then the high part of each (all but the low
    :func:`_low_bits` ``L`` bits) in unary, a bit set at ``high + i`` among ``n + 2**(16 - L)``
    bits, then the ``L`` low bits of each.  About 11 bits a value for the 85 of a news
    article (16 as they are); :func:`unpack_prefixes` reads them back.

    >>> blob = pack_prefixes([3, 700, 701, 65535])
    >>> len(blob), unpack_prefixes(blob).tolist()
    (8, [3, 700, 701, 65535])
    """
    values = np.asarray(prefixes, dtype=np.int64)
    return pack_prefix_rows(values, np.array([0, len(values)]))[0]


def pack_prefix_rows(values: npt.NDArray[np.int64], ptr: npt.NDArray[np.int64]) -> list[bytes]:
    """:func:`pack_prefixes` of each ``values[ptr[i]:ptr[i + 1]]``: the rows of one length
    at once."""
    sizes = np.diff(ptr)
    if len(values) and (sizes.max() > 256 or values.min() < 0 or values.max() >= 1 << PREFIX_BITS):
        msg = f"pack_prefixes takes at most 256 values below 2**{PREFIX_BITS}, got {sizes.max()}"
        raise ParamsError(msg)
    out = [b""] * len(sizes)
    for n in np.unique(sizes[sizes > 0]).tolist():
        rows = np.flatnonzero(sizes == n)
        held = values[ptr[rows][:, None] + np.arange(n)]  # a row's values, one row each
        low_bits = _low_bits(n)
        high = np.zeros((len(rows), n + ((1 << PREFIX_BITS) >> low_bits)), dtype=np.uint8)
        high[np.arange(len(rows))[:, None], (held >> low_bits) + np.arange(n)] = 1
        low = (held[:, :, None] >> np.arange(low_bits - 1, -1, -1)) & 1
        bits = np.concatenate([high, low.astype(np.uint8).reshape(len(rows), -1)], axis=1)
        packed = np.packbits(bits, axis=1)
        blobs = np.concatenate([np.full((len(rows), 1), n - 1, np.uint8), packed], axis=1)
        for r, blob in zip(rows.tolist(), blobs, strict=True):
            out[r] = blob.tobytes()
    return out


def unpack_prefixes(blob: bytes) -> npt.NDArray[np.int64]:
    """The values :func:`pack_prefixes` packed into ``blob``."""
    if not blob:
        return np.empty(0, dtype=np.int64)
    n = blob[0] + 1
    low_bits = _low_bits(n)
    bits = np.unpackbits(np.frombuffer(blob, dtype=np.uint8, offset=1)).astype(np.int64)
    size = n + ((1 << PREFIX_BITS) >> low_bits)
    high = np.flatnonzero(bits[:size])[:n] - np.arange(n)
    low = bits[size : size + n * low_bits].reshape(n, low_bits) @ (
        1 << np.arange(low_bits - 1, -1, -1)
    )
    out: npt.NDArray[np.int64] = (high << low_bits) | low
    return out


def keys_of_signatures(
    sigs: npt.ArrayLike, empty: npt.ArrayLike, settings: KeySettings = KeySettings()
) -> KeyBatch:
    """Rows of signatures (``"affine32"``, ``settings``); ``empty`` marks articles without
    shingles, which get no rows (they are never candidates, as in batch clustering)."""
    sig = np.asarray(sigs, dtype=np.uint64)[:, : settings.bands]
    n, bands = sig.shape
    a, b = permutations(num_perm=settings.num_perm, seed=settings.seed)
    a_inv = _inverse_odd(np.asarray(a[:bands], dtype=np.uint64))
    with np.errstate(over="ignore"):
        h = ((sig - b[:bands]) & _MASK32) * a_inv & _MASK32
    keep = ~np.asarray(empty, dtype=bool)
    # Each article's (key, band) pairs sorted, as one number each (bands fit in 8 bits).
    code = np.sort(h[keep] << np.uint64(8) | np.arange(bands, dtype=np.uint64), axis=1).ravel()
    doc = np.repeat(np.flatnonzero(keep), bands)
    key = (code >> np.uint64(8)).astype(np.int64)
    band = (code & np.uint64(0xFF)).astype(np.uint8)
    new = np.r_[True, (doc[1:] != doc[:-1]) | (key[1:] != key[:-1])] if len(doc) else doc > 0
    starts = np.flatnonzero(new)
    band_ptr = np.r_[starts, len(doc)].astype(np.int64)
    row_doc = doc[starts]
    doc_ptr = np.searchsorted(row_doc, np.arange(n + 1)).astype(np.int64)
    return KeyBatch(key[starts], row_doc, band, band_ptr, doc_ptr)


def article_keys(
    texts: Sequence[str],
    settings: KeySettings = KeySettings(),
    *,
    workers: int = 1,
    pool: Executor | None = None,
) -> KeyBatch:
    """Shingles, signatures and stored rows of a batch of texts (``failed``: those the scan
    could not read), prepared in ``workers`` processes or in those of ``pool``
    (:func:`dupwire.cluster.scan.scan_pool`)."""
    sets, failed = _scanned_shingles(texts, workers, pool)
    sigs = signatures(sets, num_perm=settings.num_perm, seed=settings.seed)
    empty = np.fromiter((len(s) == 0 for s in sets), dtype=bool, count=len(sets))
    return replace(keys_of_signatures(sigs, empty, settings), failed=failed)


def signature_of(rows: Sequence[tuple[int, bytes]], settings: KeySettings = KeySettings()) -> U64:
    """The first ``settings.bands`` signature values of an article, from its stored rows."""
    a, b = permutations(num_perm=settings.num_perm, seed=settings.seed)
    out = np.zeros(settings.bands, dtype=np.uint64)
    for key, bands in rows:
        idx = np.frombuffer(bands, dtype=np.uint8).astype(np.int64)
        h = np.uint64(key)
        with np.errstate(over="ignore"):
            out[idx] = (a[idx] * h + b[idx]) & _MASK32
    return out
