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
from operator import itemgetter
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from dupwire._numeric import I64, ranges
from dupwire.archive.keys import PREFIX_BITS

__all__ = [
    "BIG_KEY",
    "LOW_BITS",
    "ROW_HEAD",
    "Docs",
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

#: Article numbers as a query reads them from the blocks.
Docs = npt.NDArray[np.uint32]
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
# A big key's pairs are sorted as one 64-bit number each: its key (numbered from 0 in a
# call, under 2**24), its band (8 bits) and its doc (32 bits).
_KEY_BITS = 24
_KEY_SHIFT = 40
_DOC_MASK = np.uint64(0xFFFFFFFF)
#: A key with at least this many entries in a block is stored band by band.  Its table of
#: band starts (1 KB) is then at most a sixth of its docs (about 3 bands an entry, 4 bytes
#: each); at a million synthetic articles such keys hold 29% of the entries.  256 gave
#: queries 4-5% faster (within noise) for 20 MB more; 2,048 made matching 1.5 times slower.
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
        """The entries of ``parts``, sorted by ``(h, doc)``: a stable sort by hash, so each
        part must hold a key's entries together, docs ascending (sorted by ``(h, doc)``, or
        as :func:`decode` gives them), and be of older articles than the next."""
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


class _Layout(NamedTuple):
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
        """The layout of ``blob``; a ``ValueError`` when it is too short for what its header
        says it holds (a damaged file)."""
        if len(blob) < _HEADER.size:
            msg = f"a block of {len(blob)} bytes, shorter than its header"
            raise ValueError(msg)
        m, s, k = _HEADER.unpack_from(blob)
        at = _HEADER.size
        klow = at + 7 * m + s
        table = klow + 2 * k
        docs = table + 4 * (_BANDS * k + 1) if k else table
        if docs > len(blob):
            msg = f"a block of {len(blob)} bytes whose header says it holds {docs} or more"
            raise ValueError(msg)
        return cls(m, k, at, at + 2 * m, at + 6 * m, at + 7 * m, klow, table, docs)


def encode(entries: Entries, ptr: I64, big: int | None = None) -> list[bytes]:
    """Block ``i`` holding the entries ``ptr[i]:ptr[i + 1]``, in each of which a key's entries
    are together, docs ascending (as :func:`decode` gives them); a key with at least ``big``
    entries (:data:`BIG_KEY`) is stored band by band."""
    _check_docs(entries)
    entries = _in_block_order(entries, ptr)
    n = len(entries)
    change = np.r_[True, entries.h[1:] != entries.h[:-1]] if n else np.zeros(0, dtype=bool)
    change[ptr[:-1][ptr[:-1] < n]] = True  # a block starts a key
    first: I64 = np.flatnonzero(change)
    size = np.diff(np.r_[first, n])
    is_big = size >= (BIG_KEY if big is None else big)
    sections: list[tuple[int, bytes]] = [(0, b"")] * (len(ptr) - 1)
    small = entries
    small_at = ptr
    if is_big.any():
        # A key's entries, and so their bands, are a run: the big keys' runs and the runs
        # between them are cut out as slices.
        lo, sizes = first[is_big], size[is_big]
        # 0, then the start and end of each big key's run, then n: the small runs are
        # bounds[0:1], bounds[2:3], ...; the big ones bounds[1:2], bounds[3:4], ...
        bounds = np.r_[0, np.c_[lo, lo + sizes].ravel(), n].tolist()
        band = entries.ptr[bounds].tolist()  # where their bands start
        small = _runs(entries, bounds[0::2], bounds[1::2], band[0::2], band[1::2])
        large = _runs(entries, bounds[1:-1:2], bounds[2:-1:2], band[1:-1:2], band[2:-1:2])
        before = np.searchsorted(lo, ptr)  # big keys before each block's end
        small_at = ptr - (np.r_[0, np.cumsum(sizes)][before])
        sections = _big_sections(
            entries.h[lo].astype(_LOW), sizes, large.doc, large.count, large.bands, before.tolist()
        )
    low = small.h.astype(_LOW).tobytes()
    doc = small.doc.astype(_DOC).tobytes()
    more = (small.count - 1).astype(_U8).tobytes()
    bands = small.bands.tobytes()
    at = small_at.tolist()
    band_at = small.ptr[small_at].tolist()
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


def _runs(
    entries: Entries, lo: list[int], hi: list[int], band_lo: list[int], band_hi: list[int]
) -> Entries:
    """The entries ``lo[i]:hi[i]`` (whose bands are ``band_lo[i]:band_hi[i]``) of every ``i``,
    one run after another."""

    def cut(column: npt.NDArray[Any], at: list[int], to: list[int]) -> npt.NDArray[Any]:
        return np.concatenate([column[a:b] for a, b in zip(at, to, strict=True)])

    return Entries.of(
        cut(entries.h, lo, hi),
        cut(entries.doc, lo, hi),
        cut(entries.count, lo, hi),
        cut(entries.bands, band_lo, band_hi),
    )


def _in_block_order(entries: Entries, ptr: I64) -> Entries:
    """The entries with each block's (``ptr``) sorted by hash, stably: a key's entries are
    together already, so only its place changes (that of a big key that became small)."""
    down = np.flatnonzero(entries.h[1:] < entries.h[:-1]) + 1
    if not np.setdiff1d(down, ptr, assume_unique=True).size:
        return entries
    block = np.repeat(np.arange(len(ptr) - 1, dtype=np.int64), np.diff(ptr))
    return entries.take(np.argsort(block << 32 | entries.h, kind="stable"))


def _big_sections(
    klow: npt.NDArray[np.uint16],
    sizes: I64,
    doc: I64,
    count: I64,
    bands: npt.NDArray[np.uint8],
    key_at: list[int],
) -> list[tuple[int, bytes]]:
    """For each block its big keys' section and their number: the big keys (their low bits
    ``klow``, ``key_at[i]:key_at[i + 1]`` those of block ``i``) have ``sizes`` entries each,
    whose docs, counts of bands and bands are ``doc``, ``count`` and ``bands``."""
    keys = len(sizes)
    if keys >= 1 << _KEY_BITS:
        msg = f"{keys} big keys in one call: encode fewer blocks at a time"
        raise ValueError(msg)
    start = np.r_[0, np.cumsum(sizes)[:-1]]
    pair_key = np.repeat(np.arange(keys, dtype=np.uint64), np.add.reduceat(count, start))
    # Each (key, band, doc) as one number, sorted: a sort of values (which numpy does with
    # vector instructions), not an argsort and a gather.
    pair_doc = np.repeat(doc, count).astype(np.uint64)
    code = np.sort(pair_key << _KEY_SHIFT | bands.astype(np.uint64) << 32 | pair_doc)
    docs = (code & _DOC_MASK).astype(_DOC)
    table = np.r_[0, np.cumsum(np.bincount((code >> 32).astype(np.int64), minlength=keys * _BANDS))]
    out: list[tuple[int, bytes]] = []
    for a, b in itertools.pairwise(key_at):
        if a == b:
            out.append((0, b""))
            continue
        p, q = table[_BANDS * a], table[_BANDS * b]
        section = (
            klow[a:b].tobytes(),
            (table[_BANDS * a : _BANDS * b + 1] - p).astype(_DOC).tobytes(),
            docs[p:q].tobytes(),
        )
        out.append((b - a, b"".join(section)))
    return out


def decode(blobs: Sequence[bytes], ns: Iterable[int], buckets: Iterable[int]) -> Entries:
    """The entries of blocks (``ns[i]`` entries of bucket ``buckets[i]`` in ``blobs[i]``), one
    block after another: in each, its small keys' entries sorted by ``(h, doc)``, then its
    big keys' sorted by ``(h, doc)`` (so a key's entries are together, docs ascending, as
    :meth:`Entries.merged` and :func:`encode` take them)."""
    low: list[bytes] = []
    doc: list[bytes] = []
    more: list[bytes] = []
    bands: list[bytes] = []
    sizes: list[int] = []
    high: list[int] = []
    for blob, n, bucket in zip(blobs, ns, buckets, strict=True):
        at = _Layout.of(blob)
        low.append(blob[at.low : at.doc])
        doc.append(blob[at.doc : at.more])
        more.append(blob[at.more : at.bands])
        bands.append(blob[at.bands : at.klow])
        sizes.append(n)
        high.append(bucket << LOW_BITS)
        if at.keys:
            big = _big_entries(blob, at, n - at.small)
            low.append(big.h.astype(_LOW).tobytes())
            doc.append(big.doc.astype(_DOC).tobytes())
            more.append((big.count - 1).astype(_U8).tobytes())
            bands.append(big.bands.tobytes())
    h = np.frombuffer(b"".join(low), dtype=_LOW).astype(np.int64)
    h |= np.repeat(np.asarray(high, dtype=np.int64), sizes)
    return Entries.of(
        h,
        np.frombuffer(b"".join(doc), dtype=_DOC).astype(np.int64),
        np.frombuffer(b"".join(more), dtype=_U8).astype(np.int64) + 1,
        np.frombuffer(b"".join(bands), dtype=_U8),
    )


def _big_entries(blob: bytes, at: _Layout, n: int) -> Entries:
    """The ``n`` entries of a block's big keys, sorted by ``(h, doc)``, ``h`` its low bits
    only (the block's bucket is the rest)."""
    k = at.keys
    table: I64 = np.frombuffer(blob, dtype=_DOC, count=_BANDS * k + 1, offset=at.table).astype(
        np.int64
    )
    slot = np.repeat(np.arange(_BANDS * k, dtype=np.uint64), np.diff(table))
    docs = np.frombuffer(blob, dtype=_DOC, count=len(slot), offset=at.docs).astype(np.uint64)
    # Each (key, doc, band) as one number, sorted: by key, then doc, each entry's bands
    # ascending.
    code = np.sort((slot >> 8) << _KEY_SHIFT | docs << 8 | (slot & 0xFF))
    entry = code >> 8  # key and doc
    first = np.flatnonzero(np.r_[True, entry[1:] != entry[:-1]])
    if len(first) != n:
        msg = f"a block holds {len(first)} entries of big keys where its size says {n}"
        raise ValueError(msg)
    klow = np.frombuffer(blob, dtype=_LOW, count=k, offset=at.klow).astype(np.int64)
    return Entries.of(
        klow[(code[first] >> _KEY_SHIFT).astype(np.int64)],
        (entry[first] & _DOC_MASK).astype(np.int64),
        np.diff(np.r_[first, len(code)]),
        (code & 0xFF).astype(_U8),
    )


def doc_column(blobs: Sequence[bytes], ns: Sequence[int]) -> I64:
    """The docs of blocks' entries (``ns[i]`` in ``blobs[i]``), ``ns[i]`` a block, one block
    after another (within a block, in no particular order)."""
    parts: list[I64] = []
    for blob, n in zip(blobs, ns, strict=True):
        at = _Layout.of(blob)
        parts.append(np.frombuffer(blob, dtype=_DOC, count=at.small, offset=at.doc))
        if at.keys:
            parts.append(_big_entries(blob, at, n - at.small).doc)
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
    buckets: Iterable[tuple[Iterable[tuple[int, bytes]], Sequence[int]]],
    q_keys: I64,
    newest: Entries | None = None,
) -> dict[int, Docs]:
    """The bucket of each band a query shares with stored entries: the docs whose entry of
    the query's key for that band (``q_keys[band]``) wins that band too, ascending.
    ``buckets`` gives, for each bucket of the query's keys, its blocks (``(n, blob)``, oldest
    first, so the docs of a key ascend block after block) and those keys (sorted);
    ``newest``, entries of the query's keys sorted by ``(h, doc)`` and of articles newer
    than any in the blocks (the staged ones), is read as one more block of them all.

    A big key's docs of a band are a slice of its block, read in place.  A small key's
    entries are found by binary search on the hash column, and their columns are cut out
    of the block; then the band bytes of every small key found, in every block, are tested
    at once (:func:`_small_match`).  (Looking up every small key in one column made of all
    the blocks' was slower: it reads the whole of each block's small entries.)"""
    q = np.asarray(q_keys, dtype=np.int64)
    wins: dict[int, list[int]] = {}  # each key of the query: the bands it wins
    for band, key in enumerate(q.tolist()):
        wins.setdefault(key, []).append(band)
    parts: dict[int, list[tuple[int, Docs]]] = {}  # (block, docs)
    docs: list[bytes] = []  # the small keys found: their entries' columns
    more: list[bytes] = []
    bands: list[bytes] = []
    found: list[tuple[int, int, int]] = []  # and (key, entries, block) of each
    seq = 0  # blocks in the order given: a key's docs ascend with it
    for rows, keys in buckets:
        lows = [key & _LOW_MASK for key in keys]
        for _, blob in rows:
            at = _Layout.of(blob)
            column = _column(blob, at.low, at.small, "H")
            big = _column(blob, at.klow, at.keys, "H") if at.keys else ()
            counts = None
            for key, low in zip(keys, lows, strict=True):
                i = bisect.bisect_left(big, low)
                if i < at.keys and big[i] == low:
                    _big_match(blob, at, i, seq, wins.get(key, []), parts)
                    continue
                lo = bisect.bisect_left(column, low)
                if lo == at.small or column[lo] != low:
                    continue
                hi = bisect.bisect_right(column, low, lo)
                if counts is None:
                    counts = np.frombuffer(blob, dtype=_U8, count=at.small, offset=at.more)
                start = at.bands + lo + int(np.add.reduce(counts[:lo], dtype=np.int64))
                end = start + hi - lo + sum(blob[at.more + lo : at.more + hi])
                docs.append(blob[at.doc + 4 * lo : at.doc + 4 * hi])
                more.append(blob[at.more + lo : at.more + hi])
                bands.append(blob[start:end])
                found.append((key, hi - lo, seq))
            seq += 1
    if newest is not None and len(newest):
        keys_of, sizes = np.unique(newest.h, return_counts=True)
        docs.append(newest.doc.astype(_DOC).tobytes())
        more.append((newest.count - 1).astype(_U8).tobytes())
        bands.append(newest.bands.tobytes())
        found += [(k, n, seq) for k, n in zip(keys_of.tolist(), sizes.tolist(), strict=True)]
    if found:
        _small_match(q, docs, more, bands, found, parts)
    out: dict[int, Docs] = {}
    for band, chunks in sorted(parts.items()):
        if len(chunks) > 1:
            chunks.sort(key=itemgetter(0))
            out[band] = np.concatenate([chunk for _, chunk in chunks])
        else:
            out[band] = chunks[0][1]
    return out


def _small_match(
    q_keys: I64,
    docs: list[bytes],
    more: list[bytes],
    bands: list[bytes],
    found: list[tuple[int, int, int]],
    parts: dict[int, list[tuple[int, Docs]]],
) -> None:
    """Add the docs of the small keys found (their entries' columns, and ``(key, entries,
    block)`` of each) to ``parts``: those of the entries that win a band the query's key
    for which is theirs, a chunk for each band and block."""
    key, size, block = (np.asarray(column, dtype=np.int64) for column in zip(*found, strict=True))
    doc = np.frombuffer(b"".join(docs), dtype=_DOC)
    band = np.frombuffer(b"".join(bands), dtype=_U8)
    wins = np.frombuffer(b"".join(more), dtype=_U8).astype(np.int64) + 1  # 1 to 256 bands
    entry = np.repeat(np.arange(len(doc)), wins)
    owner = np.repeat(np.arange(len(found)), size)[entry]
    hit = np.flatnonzero(q_keys[band] == key[owner])
    if not len(hit):
        return
    # The entries found are in the order of the blocks given, and the docs of a band come
    # from the blocks of its key's bucket, so within a band they ascend block after block:
    # a stable sort by band (a radix sort of bytes) keeps that.
    order = hit[np.argsort(band[hit], kind="stable")]
    picked, band_of, block_of = doc[entry[order]], band[order], block[owner[order]]
    cut = np.flatnonzero((band_of[1:] != band_of[:-1]) | (block_of[1:] != block_of[:-1])) + 1
    at = [0, *cut.tolist()]
    ends = [*at[1:], len(order)]
    for b, blk, lo, hi in zip(band_of[at].tolist(), block_of[at].tolist(), at, ends, strict=True):
        parts.setdefault(b, []).append((blk, picked[lo:hi]))


def _big_match(
    blob: bytes,
    at: _Layout,
    i: int,
    block: int,
    bands: list[int],
    parts: dict[int, list[tuple[int, Docs]]],
) -> None:
    """Add the docs of big key ``i`` of a block (``block``-th given) winning each of
    ``bands`` to ``parts``."""
    table = _column(blob, at.table + 4 * _BANDS * i, _BANDS + 1, "I")
    for band in bands:
        lo, hi = table[band], table[band + 1]
        if lo < hi:
            docs = np.frombuffer(blob, dtype=_DOC, count=hi - lo, offset=at.docs + 4 * lo)
            parts.setdefault(band, []).append((block, docs))
