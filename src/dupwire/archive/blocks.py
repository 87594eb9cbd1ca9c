"""Bucket blocks: the stored form of an index's entries (see :mod:`dupwire.archive.store`).

An *entry* is one winning shingle of one article: its hash ``h`` (32 bits), the article's
``doc`` and the bands ``h`` wins in it (:class:`dupwire.archive.keys.KeyBatch` rows).  The
hashes are split by their top :data:`dupwire.archive.keys.PREFIX_BITS` bits into buckets;
a *block* holds entries of one bucket, sorted by ``(h, doc)``, as four columns one after
another (little-endian)::

    low   uint16 x n    the low 16 bits of h
    doc   uint32 x n
    more  uint8 x n     bands won, minus one (an entry wins 1 to 256 bands)
    bands uint8 x sum(more + 1)

so that a query finds its key among ``n`` entries by binary search on ``low``
(:func:`matching`) and decodes only the entries of that key.

>>> e = Entries.of(np.array([0x00010005, 0x00010002]), np.array([7, 9]),
...                np.array([2, 1]), np.array([4, 200, 13], dtype=np.uint8))
>>> e = e.take(np.argsort(e.h, kind="stable"))
>>> (blob,) = encode(e, np.array([0, 2]))
>>> len(blob), decode([blob], [2], [1]).h.tolist()
(17, [65538, 65541])
>>> found = matching([([(2, blob)], [0x00010005])], np.full(256, 0x00010005))
>>> {band: docs.tolist() for band, docs in found.items()}
{4: [7], 200: [7]}
"""

from __future__ import annotations

import bisect
import itertools
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dupwire._numeric import I64, ranges
from dupwire.archive.keys import PREFIX_BITS

__all__ = [
    "LOW_BITS",
    "ROW_HEAD",
    "Entries",
    "bucket_ptr",
    "decode",
    "doc_column",
    "encode",
    "matching",
    "merge_plan",
    "of_rows",
    "rows",
]

#: Bits of a hash kept in an entry; the rest are its bucket.
LOW_BITS = 32 - PREFIX_BITS
_LOW = np.dtype("<u2")
_DOC = np.dtype("<u4")
_U8 = np.dtype("u1")
_LOW_MASK = (1 << LOW_BITS) - 1
_LITTLE = sys.byteorder == "little"
_HEAD = np.dtype(">u4")
#: Bytes of an entry row (:func:`rows`) before its bands: ``h`` and ``doc``.
ROW_HEAD = 8


@dataclass(frozen=True, slots=True)
class Entries:
    """Entries as columns: entry ``i`` is hash ``h[i]`` of article ``doc[i]``, winning the
    ``count[i]`` bands ``bands[ptr[i]:ptr[i + 1]]``."""

    h: I64
    doc: I64
    count: I64
    bands: npt.NDArray[np.uint8]
    ptr: I64

    @classmethod
    def of(cls, h: I64, doc: I64, count: I64, bands: npt.NDArray[np.uint8]) -> Entries:
        ptr = np.zeros(len(count) + 1, dtype=np.int64)
        np.cumsum(count, out=ptr[1:])
        return cls(h, doc, count, bands, ptr)

    def __len__(self) -> int:
        return len(self.h)

    def take(self, rows: I64) -> Entries:
        """The entries ``rows``, in that order."""
        return Entries.of(
            self.h[rows], self.doc[rows], self.count[rows], self.bands[ranges(self.ptr, rows)]
        )

    def where(self, keep: npt.NDArray[np.bool_]) -> Entries:
        """The entries ``keep`` marks, in order."""
        return Entries.of(
            self.h[keep], self.doc[keep], self.count[keep], self.bands[np.repeat(keep, self.count)]
        )

    @staticmethod
    def concat(parts: Sequence[Entries]) -> Entries:
        return Entries.of(
            np.concatenate([p.h for p in parts]),
            np.concatenate([p.doc for p in parts]),
            np.concatenate([p.count for p in parts]),
            np.concatenate([p.bands for p in parts]),
        )

    @staticmethod
    def merged(parts: Sequence[Entries]) -> Entries:
        """The entries of ``parts``, each sorted by ``(h, doc)`` and of older articles than
        the next, sorted by ``(h, doc)``: a stable sort by hash."""
        both = Entries.concat(parts)
        return both.take(np.argsort(both.h, kind="stable"))


def bucket_ptr(entries: Entries, buckets: Sequence[int] | I64) -> I64:
    """Where the entries (sorted by hash) of each of ``buckets`` (sorted, the only buckets
    they hold) start, and their end: the ``ptr`` of :func:`encode`, a block a bucket."""
    ptr: I64 = np.r_[np.searchsorted(entries.h >> LOW_BITS, buckets), len(entries)]
    return ptr.astype(np.int64)


def _check_docs(entries: Entries) -> None:
    if len(entries) and entries.doc.max() >= 1 << 32:
        msg = "an index numbers at most 2**32 articles"
        raise OverflowError(msg)


def encode(entries: Entries, ptr: I64) -> list[bytes]:
    """Block ``i`` holding the entries ``ptr[i]:ptr[i + 1]`` (already in block order)."""
    _check_docs(entries)
    low = entries.h.astype(_LOW).tobytes()
    doc = entries.doc.astype(_DOC).tobytes()
    more = (entries.count - 1).astype(_U8).tobytes()
    bands = entries.bands.tobytes()
    at = ptr.tolist()
    band_at = entries.ptr[ptr].tolist()
    return [
        b"".join((low[2 * a : 2 * b], doc[4 * a : 4 * b], more[a:b], bands[p:q]))
        for a, b, p, q in zip(at[:-1], at[1:], band_at[:-1], band_at[1:], strict=True)
    ]


def decode(blobs: Sequence[bytes], ns: Iterable[int], buckets: Iterable[int]) -> Entries:
    """The entries of blocks (``ns[i]`` entries of bucket ``buckets[i]`` in ``blobs[i]``), one
    block after another."""
    low: list[bytes] = []
    doc: list[bytes] = []
    more: list[bytes] = []
    bands: list[bytes] = []
    sizes: list[int] = []
    high: list[int] = []
    for blob, n, bucket in zip(blobs, ns, buckets, strict=True):
        low.append(blob[: 2 * n])
        doc.append(blob[2 * n : 6 * n])
        more.append(blob[6 * n : 7 * n])
        bands.append(blob[7 * n :])
        sizes.append(n)
        high.append(bucket << LOW_BITS)
    h = np.frombuffer(b"".join(low), dtype=_LOW).astype(np.int64)
    h |= np.repeat(np.asarray(high, dtype=np.int64), sizes)
    return Entries.of(
        h,
        np.frombuffer(b"".join(doc), dtype=_DOC).astype(np.int64),
        np.frombuffer(b"".join(more), dtype=_U8).astype(np.int64) + 1,
        np.frombuffer(b"".join(bands), dtype=_U8),
    )


def doc_column(blobs: Sequence[bytes], ns: Sequence[int]) -> I64:
    """The docs of blocks' entries (``ns[i]`` in ``blobs[i]``), one block after another."""
    raw = b"".join([blob[2 * n : 6 * n] for blob, n in zip(blobs, ns, strict=True)])
    return np.frombuffer(raw, dtype=_DOC).astype(np.int64)


def rows(entries: Entries) -> list[bytes]:
    """Each entry as one byte string: ``h`` and ``doc`` (4 bytes each, big-endian), then its
    bands (a byte each).  The strings sort as the entries do, by ``(h, doc)``, and the
    entries of a hash, or of a bucket, are those starting with its bytes.

    >>> e = Entries.of(np.array([0x00010005]), np.array([7]), np.array([2]),
    ...                np.array([4, 200], dtype=np.uint8))
    >>> rows(e), of_rows(rows(e)).bands.tolist()
    ([b'\\x00\\x01\\x00\\x05\\x00\\x00\\x00\\x07\\x04\\xc8'], [4, 200])
    """
    _check_docs(entries)
    head = np.stack([entries.h, entries.doc], axis=1).astype(_HEAD).tobytes()
    bands = entries.bands.tobytes()
    at = entries.ptr.tolist()
    return [
        head[ROW_HEAD * i : ROW_HEAD * (i + 1)] + bands[p:q]
        for i, (p, q) in enumerate(itertools.pairwise(at))
    ]


def of_rows(strings: Sequence[bytes]) -> Entries:
    """The entries of rows made by :func:`rows`, in that order."""
    size = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    start = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(size, out=start[1:])
    raw = np.frombuffer(b"".join(strings), dtype=_U8)
    head = raw[start[:-1, None] + np.arange(ROW_HEAD)].copy().view(_HEAD).astype(np.int64)
    ptr = np.stack([start[:-1] + ROW_HEAD, start[1:]], axis=1).ravel()
    return Entries.of(
        head[:, 0].copy(),
        head[:, 1].copy(),
        size - ROW_HEAD,
        raw[ranges(ptr, np.arange(0, 2 * len(strings), 2))],
    )


def merge_plan(sizes: Sequence[int], new: int, ratio: int, most: int) -> int:
    """How many of the newest runs (``sizes`` in entries, oldest first) merge with a new
    run of ``new`` entries: while the newest left is at most ``ratio`` times what is merged,
    or there would be more than ``most`` runs.  Run sizes then fall geometrically from the
    oldest, so there are few runs (a bucket has a block in each) and an entry is rewritten a
    few times (about log of the index's size over a batch's).

    >>> merge_plan([900, 40, 10], 10, 2, 4), merge_plan([900, 40], 10, 2, 4)
    (2, 0)
    """
    total, k, m = new, 0, len(sizes)
    while k < m and (sizes[m - 1 - k] <= ratio * total or m - k >= most):
        total += sizes[m - 1 - k]
        k += 1
    return k


def _lows(blob: bytes, n: int) -> Sequence[int]:
    """The ``low`` column of a block, as a sequence :mod:`bisect` can search."""
    if _LITTLE:
        return memoryview(blob)[: 2 * n].cast("H")
    column: list[int] = np.frombuffer(blob, dtype=_LOW, count=n).tolist()  # pragma: no cover
    return column  # pragma: no cover


def matching(
    buckets: Iterable[tuple[Iterable[tuple[int, bytes]], Sequence[int]]], q_keys: I64
) -> dict[int, I64]:
    """The bucket of each band a query shares with stored entries: the docs whose entry of
    the query's key for that band (``q_keys[band]``) wins that band too, ascending.
    ``buckets`` gives, for each bucket of the query's keys, its blocks (``(n, blob)``, oldest
    first, so the docs of a key ascend block after block) and those keys (sorted).

    A key's entries are found by binary search on the hash column; their docs and bands
    are read in place, and the entries that win one of the query's bands for the key are
    picked band by band (an entry of one band is its band byte; otherwise each band byte
    is traced to its entry)."""
    wins: dict[int, list[int]] = {}  # each key of the query: the bands it wins
    for band, key in enumerate(np.asarray(q_keys, dtype=np.int64).tolist()):
        wins.setdefault(key, []).append(band)
    parts: dict[int, list[npt.NDArray[np.uint32]]] = {}
    for rows, keys in buckets:
        lows = [key & _LOW_MASK for key in keys]
        for n, blob in rows:
            column = _lows(blob, n)
            more = None
            for key, low in zip(keys, lows, strict=True):
                lo = bisect.bisect_left(column, low)
                hi = bisect.bisect_right(column, low, lo)
                if lo == hi:
                    continue
                if more is None:
                    more = np.frombuffer(blob, dtype=_U8, count=n, offset=6 * n)
                extra = int(np.add.reduce(more[lo:hi], dtype=np.int64))
                start = 7 * n + lo + int(np.add.reduce(more[:lo], dtype=np.int64))
                bands = np.frombuffer(blob, dtype=_U8, count=hi - lo + extra, offset=start)
                docs = np.frombuffer(blob, dtype=_DOC, count=hi - lo, offset=2 * n + 4 * lo)
                entry = None
                if extra:  # some entry wins several bands: each band byte's entry
                    entry = np.repeat(np.arange(hi - lo), more[lo:hi].astype(np.intp) + 1)
                for band in wins.get(key, ()):
                    at = np.flatnonzero(bands == band)
                    if len(at):
                        parts.setdefault(band, []).append(docs[at if entry is None else entry[at]])
    return {band: np.concatenate(found).astype(np.int64) for band, found in sorted(parts.items())}
