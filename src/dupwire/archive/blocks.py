"""Bucket blocks: the stored form of an index's entries (see :mod:`dupwire.archive.store`).

An *entry* is one winning shingle of one article: its hash ``h`` (32 bits), the article's
``doc`` and the bands ``h`` wins in it (:class:`dupwire.archive.keys.KeyBatch` rows).  The
hashes are split by their top :data:`dupwire.archive.keys.PREFIX_BITS` bits into buckets;
a *block* holds entries of one bucket (a key's entries are all in one block of a run).
After a header (three ``uint32``: ``m``, ``s``, ``k`` below), the entries of its *small*
keys, sorted by ``(h, doc)``, are four columns one after another (little-endian)::

    low   uint16 x m    the low 16 bits of h
    doc   uint32 x m
    more  uint8 x m     bands won, minus one (an entry wins 1 to 256 bands)
    bands uint8 x s     s = sum(more + 1)

so that a query finds its key among ``m`` entries by binary search on ``low`` and decodes
only the entries of that key.  A *big* key, one with at least :data:`BIG_KEY` entries in
the block, is stored band by band instead::

    klow  uint16 x k              the low 16 bits of each big key, ascending
    table uint32 x (256 k + 1)    where the docs of (key i, band b) start: 256 i + b
    docs  uint32 x ...            the docs of each key and band, ascending

A common shingle is the minimum of many articles' bands, so its key holds thousands of
entries, and a query wins a few of its 256 bands; stored band by band, the docs of a band
are one slice read in place, where entry by entry every band byte of the key had to be
tested (:func:`matching`).  A big key takes 4 bytes a band it wins where a small one takes
7 bytes an entry and 1 a band (at a million synthetic articles, about 3 bands an entry:
12 bytes against 10), and 1 KB for its table.

>>> e = Entries.of(np.array([0x00010005, 0x00010002]), np.array([7, 9]),
...                np.array([2, 1]), np.array([4, 200, 13], dtype=np.uint8))
>>> e = e.take(np.argsort(e.h, kind="stable"))
>>> (blob,) = encode(e, np.array([0, 2]))
>>> len(blob), decode([blob], [2], [1]).h.tolist()
(29, [65538, 65541])
>>> found = matching([([(2, blob)], [0x00010005])], np.full(256, 0x00010005))
>>> {band: docs.tolist() for band, docs in found.items()}
{4: [7], 200: [7]}
>>> (blob,) = encode(e, np.array([0, 2]), big=1)  # both keys band by band
>>> len(blob), decode([blob], [2], [1]).bands.tolist()
(2080, [13, 4, 200])
>>> found = matching([([(2, blob)], [0x00010005])], np.full(256, 0x00010005))
>>> {band: docs.tolist() for band, docs in found.items()}
{4: [7], 200: [7]}
"""

from __future__ import annotations

import bisect
import itertools
import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from dupwire._numeric import I64, ranges
from dupwire.archive.keys import PREFIX_BITS
from dupwire.errors import IndexFileError

__all__ = [
    "BIG_KEY",
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
_SIZE = {"H": 2, "I": 4}
_EMPTY = np.zeros(0, dtype=np.int64)
#: A block's first bytes: its entries of small keys, their band bytes and its big keys.
_HEADER = struct.Struct("<III")
#: Bands a block's table of a big key has a start for: a band is a byte.
_BANDS = 256
#: A key with at least this many entries in a block is stored band by band.
BIG_KEY = 512
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


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where the columns of a block start (see the module docstring)."""

    small: int  # entries of small keys
    keys: int  # big keys
    low: int
    doc: int
    more: int
    bands: int
    klow: int
    table: int
    docs: int

    @classmethod
    def of(cls, blob: bytes) -> _Layout:
        m, s, k = _HEADER.unpack_from(blob)
        at = _HEADER.size
        klow = at + 7 * m + s
        table = klow + 2 * k
        return cls(
            m, k, at, at + 2 * m, at + 6 * m, at + 7 * m, klow, table, table + 4 * (_BANDS * k + 1)
        )


def encode(entries: Entries, ptr: I64, big: int | None = None) -> list[bytes]:
    """Block ``i`` holding the entries ``ptr[i]:ptr[i + 1]`` (already in block order: a key's
    entries in one block); a key with at least ``big`` entries (:data:`BIG_KEY`) is stored
    band by band."""
    _check_docs(entries)
    n = len(entries)
    first: I64 = np.flatnonzero(np.r_[True, entries.h[1:] != entries.h[:-1]]) if n else _EMPTY
    size = np.diff(np.r_[first, n])
    is_big = size >= (BIG_KEY if big is None else big)
    in_big = np.repeat(is_big, size)
    small = entries.where(~in_big) if is_big.any() else entries
    small_at = np.r_[0, np.cumsum(~in_big)][ptr]  # small entries before each block's end
    low = small.h.astype(_LOW).tobytes()
    doc = small.doc.astype(_DOC).tobytes()
    more = (small.count - 1).astype(_U8).tobytes()
    bands = small.bands.tobytes()
    at = small_at.tolist()
    band_at = small.ptr[small_at].tolist()
    sections = _big_sections(entries.where(in_big), size[is_big], first[is_big], ptr)
    return [
        b"".join(
            (
                _HEADER.pack(b - a, q - p, keys),
                low[2 * a : 2 * b],
                doc[4 * a : 4 * b],
                more[a:b],
                bands[p:q],
                section,
            )
        )
        for a, b, p, q, (keys, section) in zip(
            at[:-1], at[1:], band_at[:-1], band_at[1:], sections, strict=True
        )
    ]


def _big_sections(large: Entries, sizes: I64, first: I64, ptr: I64) -> list[tuple[int, bytes]]:
    """For each block (``ptr``) its big keys' section and their number: ``large`` holds the
    entries of the big keys (``sizes`` entries each, the first of each at ``first`` among
    all the blocks' entries)."""
    key_at = np.searchsorted(first, ptr).tolist()  # big keys before each block's end
    if not len(sizes):
        return [(0, b"")] * (len(ptr) - 1)
    key_of = np.repeat(np.arange(len(sizes)), sizes)
    pair_entry = np.repeat(np.arange(len(large)), large.count)
    slot = key_of[pair_entry] * _BANDS + large.bands
    order = np.argsort(slot, kind="stable")  # by key, then band, then doc
    docs = large.doc[pair_entry[order]].astype(_DOC)
    table = np.r_[0, np.cumsum(np.bincount(slot, minlength=len(sizes) * _BANDS))]
    klow = large.h[np.r_[0, np.cumsum(sizes)[:-1]]].astype(_LOW)
    out: list[tuple[int, bytes]] = []
    for a, b in itertools.pairwise(key_at):
        p, q = table[_BANDS * a], table[_BANDS * b]
        section = (
            klow[a:b].tobytes(),
            (table[_BANDS * a : _BANDS * b + 1] - p).astype(_DOC).tobytes(),
            docs[p:q].tobytes(),
        )
        out.append((b - a, b"".join(section) if a < b else b""))
    return out


def decode(blobs: Sequence[bytes], ns: Iterable[int], buckets: Iterable[int]) -> Entries:
    """The entries of blocks (``ns[i]`` entries of bucket ``buckets[i]`` in ``blobs[i]``), one
    block after another, each sorted by ``(h, doc)``."""
    low: list[bytes] = []
    doc: list[bytes] = []
    more: list[bytes] = []
    bands: list[bytes] = []
    sizes: list[int] = []
    high: list[int] = []
    big: list[tuple[int, Entries]] = []
    for i, (blob, n, bucket) in enumerate(zip(blobs, ns, buckets, strict=True)):
        at = _Layout.of(blob)
        low.append(blob[at.low : at.doc])
        doc.append(blob[at.doc : at.more])
        more.append(blob[at.more : at.bands])
        bands.append(blob[at.bands : at.klow])
        sizes.append(at.small)
        high.append(bucket << LOW_BITS)
        if at.keys:
            big.append((i, _big_entries(blob, at, n - at.small, bucket << LOW_BITS)))
    h = np.frombuffer(b"".join(low), dtype=_LOW).astype(np.int64)
    h |= np.repeat(np.asarray(high, dtype=np.int64), sizes)
    small = Entries.of(
        h,
        np.frombuffer(b"".join(doc), dtype=_DOC).astype(np.int64),
        np.frombuffer(b"".join(more), dtype=_U8).astype(np.int64) + 1,
        np.frombuffer(b"".join(bands), dtype=_U8),
    )
    if not big:
        return small
    # A key is in one section of its block, so sorting by block, then hash (stably) puts
    # each block's entries in (h, doc) order.
    block = np.concatenate(
        [np.repeat(np.arange(len(sizes)), sizes), *(np.full(len(e), i) for i, e in big)]
    )
    both = Entries.concat([small, *(e for _, e in big)])
    return both.take(np.lexsort((both.h, block)))


def _big_entries(blob: bytes, at: _Layout, n: int, high: int) -> Entries:
    """The ``n`` entries of a block's big keys, sorted by ``(h, doc)``."""
    k = at.keys
    table: I64 = np.frombuffer(blob, dtype=_DOC, count=_BANDS * k + 1, offset=at.table).astype(
        np.int64
    )
    slot = np.repeat(np.arange(_BANDS * k), np.diff(table))
    docs = np.frombuffer(blob, dtype=_DOC, count=len(slot), offset=at.docs).astype(np.int64)
    key = slot // _BANDS
    order = np.argsort(key << 32 | docs, kind="stable")  # each entry's bands ascending
    key, docs = key[order], docs[order]
    first = np.flatnonzero(np.r_[True, (key[1:] != key[:-1]) | (docs[1:] != docs[:-1])])
    if len(first) != n:
        msg = (
            f"a block of the index holds {len(first)} entries of big keys where it says {n}: "
            "the file is damaged; rebuild it with dupwire index add"
        )
        raise IndexFileError(msg)
    klow = np.frombuffer(blob, dtype=_LOW, count=k, offset=at.klow).astype(np.int64)
    return Entries.of(
        high | klow[key[first]],
        docs[first],
        np.diff(np.r_[first, len(key)]),
        (slot[order] % _BANDS).astype(_U8),
    )


def doc_column(blobs: Sequence[bytes], ns: Sequence[int]) -> I64:
    """The docs of blocks' entries (``ns[i]`` in ``blobs[i]``), ``ns[i]`` a block, one block
    after another (within a block, in no particular order)."""
    parts: list[I64] = []
    for blob, n in zip(blobs, ns, strict=True):
        at = _Layout.of(blob)
        parts.append(np.frombuffer(blob, dtype=_DOC, count=at.small, offset=at.doc))
        if at.keys:
            parts.append(_big_entries(blob, at, n - at.small, 0).doc)
    return np.concatenate([_EMPTY, *parts]).astype(np.int64)


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


def _column(blob: bytes, offset: int, count: int, code: Literal["H", "I"]) -> Sequence[int]:
    """``count`` little-endian integers of ``code`` (``H``: 2 bytes, ``I``: 4) at ``offset``
    of a block, as a sequence :mod:`bisect` can search."""
    if _LITTLE:
        view: memoryview[int] = memoryview(blob)[offset : offset + count * _SIZE[code]]
        return view.cast(code)
    dtype = _LOW if code == "H" else _DOC  # pragma: no cover
    column: list[int] = np.frombuffer(blob, dtype, count, offset).tolist()  # pragma: no cover
    return column  # pragma: no cover


def matching(
    buckets: Iterable[tuple[Iterable[tuple[int, bytes]], Sequence[int]]], q_keys: I64
) -> dict[int, I64]:
    """The bucket of each band a query shares with stored entries: the docs whose entry of
    the query's key for that band (``q_keys[band]``) wins that band too, ascending.
    ``buckets`` gives, for each bucket of the query's keys, its blocks (``(n, blob)``, oldest
    first, so the docs of a key ascend block after block) and those keys (sorted).

    A big key's docs of a band are a slice of its band's entry numbers, read in place.  A
    small key's entries are found by binary search on the hash column; their docs and bands
    are read in place, and the entries that win one of the query's bands for the key are
    picked band by band (an entry of one band is its band byte; otherwise each band byte
    is traced to its entry)."""
    wins: dict[int, list[int]] = {}  # each key of the query: the bands it wins
    for band, key in enumerate(np.asarray(q_keys, dtype=np.int64).tolist()):
        wins.setdefault(key, []).append(band)
    parts: dict[int, list[npt.NDArray[np.uint32]]] = {}
    for rows, keys in buckets:
        lows = [key & _LOW_MASK for key in keys]
        for _, blob in rows:
            at = _Layout.of(blob)
            m = at.small
            column = _column(blob, at.low, m, "H")
            big = _column(blob, at.klow, at.keys, "H")
            more = None
            for key, low in zip(keys, lows, strict=True):
                i = bisect.bisect_left(big, low)
                if i < at.keys and big[i] == low:
                    _big_match(blob, at, i, wins.get(key, []), parts)
                    continue
                lo = bisect.bisect_left(column, low)
                hi = bisect.bisect_right(column, low, lo)
                if lo == hi:
                    continue
                if more is None:
                    more = np.frombuffer(blob, dtype=_U8, count=m, offset=at.more)
                extra = int(np.add.reduce(more[lo:hi], dtype=np.int64))
                start = at.bands + lo + int(np.add.reduce(more[:lo], dtype=np.int64))
                bands = np.frombuffer(blob, dtype=_U8, count=hi - lo + extra, offset=start)
                docs = np.frombuffer(blob, dtype=_DOC, count=hi - lo, offset=at.doc + 4 * lo)
                entry = None
                if extra:  # some entry wins several bands: each band byte's entry
                    entry = np.repeat(np.arange(hi - lo), more[lo:hi].astype(np.intp) + 1)
                for band in wins.get(key, []):
                    found = np.flatnonzero(bands == band)
                    if len(found):
                        parts.setdefault(band, []).append(
                            docs[found if entry is None else entry[found]]
                        )
    return {band: np.concatenate(found).astype(np.int64) for band, found in sorted(parts.items())}


def _big_match(
    blob: bytes,
    at: _Layout,
    i: int,
    bands: list[int],
    parts: dict[int, list[npt.NDArray[np.uint32]]],
) -> None:
    """Add the docs of big key ``i`` of a block winning each of ``bands`` to ``parts``."""
    table = _column(blob, at.table + 4 * _BANDS * i, _BANDS + 1, "I")
    for band in bands:
        lo, hi = table[band], table[band + 1]
        if lo < hi:
            parts.setdefault(band, []).append(
                np.frombuffer(blob, dtype=_DOC, count=hi - lo, offset=at.docs + 4 * lo)
            )
