"""The index file: one SQLite database (standard library) in WAL mode.

One process writes (``dupwire index add`` running all day) while any number read: every
query runs in one read transaction, so it sees the index as of one commit.  Each batch of
articles is one transaction, so a process killed mid-add leaves whole articles only.

Tables::

    meta(name PRIMARY KEY, value)                  schema version, settings, counters
    docs(doc INTEGER PRIMARY KEY, id UNIQUE, date, title, source, keys, text)
    blocks(block INTEGER PRIMARY KEY, bucket, n, data)
    bucket_blocks ON blocks(bucket, block, n)
    runs(run INTEGER PRIMARY KEY, first, entries)  the blocks each batch wrote (below)
    staged(k BLOB PRIMARY KEY) WITHOUT ROWID     k = h (4 bytes) + doc (4 bytes) + bands

``doc`` numbers articles in insertion order and is never reused.  The band keys are kept
in the compact form of :mod:`dupwire.archive.keys`: one *entry* per winning shingle of an
article, its hash ``h`` (32 bits), the article's ``doc`` and the bands it wins.  The
hashes are split by their top 16 bits into 65,536 buckets, and a row of ``blocks`` holds
``n`` entries of one bucket, sorted by ``(h, doc)``, as the columns of
:mod:`dupwire.archive.blocks` (the low 16 bits of ``h``, ``doc`` in 4 bytes, the number of
bands and the bands: about 10 bytes an entry, against about 15 for a row of its own; a key
with many entries in the block, band by band: the docs of each band).

*Staging.*  A batch of fewer than 100,000 entries (about 1,200 articles) is not written
into the blocks: its entries are rows of ``staged``, one each
(:func:`dupwire.archive.blocks.rows`: the hash and the doc big-endian, so the rows sort by
``(h, doc)`` and a bucket's rows are a range of ``k``, then the bands).  Such a batch
touches most buckets, and writing a block in each (often merging it) took about a third of
the time of adding 500 texts; rows of a small table that stays cached are cheap to insert.
A batch that would leave more than 200,000 entries staged, or that is not staged itself,
folds every staged entry into the blocks with its own, in one pass, as one batch (below);
so the staged entries are always the newest, and ``meta.staged`` counts them.

*Adding.*  A batch writes its entries as a new *run*: a block for each bucket it touches
(a batch of 10,000 articles touches nearly all of them: about 6.5 rows an article instead
of 85), numbered after every block there is, so a run's blocks are consecutive rows and
fill new pages one after another.  ``runs`` lists each run's first block and its number of
entries.  Before it is written, the batch merges with the newest runs while the newest left
is at most twice what is merged, or there would be more than four runs
(:func:`dupwire.archive.blocks.merge_plan` on run sizes): each bucket's blocks of those
runs and the batch's entries become one block, a range of buckets at a time, and the
merged runs' blocks are deleted.  Run sizes then fall geometrically from the oldest, a
bucket holds at most four blocks, and an entry is rewritten about log2(index size / batch
size) times.  Every bucket merges the same runs, so what a batch deletes are consecutive
rows too: merging bucket by bucket, each on its own schedule, deleted a row here and there
on most pages, and at a million articles a batch of 10,000 wrote about five times the
bytes it merged.  Within a bucket the block numbers grow with age, so the docs do too and
merging blocks is a stable sort by hash.  The index ``bucket_blocks`` gives a bucket's
blocks, oldest first, and their sizes without reading their data.  :meth:`Index.merge`
folds the staged entries and merges every run into one.

*Querying.*  A query reads the blocks of its keys' buckets (about 85 buckets, a few blocks
each, found by ``bucket_blocks``) and the staged rows of its keys (a range of ``k`` each),
which it reads as one more block, the newest; it finds each key's entries by binary search
on the hash column and reads their docs and bands in place, band by band, or a big key's
docs of each band as they are stored
(:func:`dupwire.archive.blocks.matching`: each band's bucket, docs ascending, with no
sort), so it sees the same entries wherever they are.  A read transaction maps the file
into memory (:data:`_MAP_BYTES`).
A staged entry is read as a row of its own (about 0.3 µs a row here), not as a slice of a
block, which is why the staging table is kept small (see :data:`_STAGE_MOST`).

*Removing.*  ``docs.keys`` lists the top 16 bits of an article's keys, that is its
buckets (sorted, distinct, packed by :func:`dupwire.archive.keys.pack_prefixes` in about
11 bits each); a removal rewrites the blocks of those buckets without the article's
entries, deletes a block left empty, and deletes its staged rows (a range of each of its
buckets, those of its doc).  ``docs.text`` is the zlib-compressed text
(absent when the index was created with ``store_text=False``).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
import json
import os
import sqlite3
import struct
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from dupwire._numeric import I64, ranges
from dupwire.archive.blocks import (
    LOW_BITS,
    ROW_HEAD,
    Docs,
    Entries,
    bucket_ptr,
    decode,
    doc_column,
    encode,
    matching,
    merge_plan,
    of_rows,
    rows,
)
from dupwire.archive.keys import (
    PREFIX_BITS,
    KeyBatch,
    KeySettings,
    article_keys,
    keys_of_signatures,
    unpack_prefixes,
)
from dupwire.archive.results import AddResult, IndexStats, Match, QueryResult
from dupwire.cluster.scan import drop_failed, scan_pool, scanned_in_parts
from dupwire.dates import iso_date
from dupwire.errors import (
    DuplicateIdError,
    DupwireError,
    IndexFileError,
    InputError,
    ParamsError,
    SegmentationError,
    listed,
)
from dupwire.index import refine_bands
from dupwire.io import (
    SURROGATE_RE,
    ArticleLike,
    as_articles,
    surrogates_escaped,
    without_surrogates,
)
from dupwire.model import Article, Failure
from dupwire.params import AlignParams

__all__ = ["SCHEMA_VERSION", "Index"]

# 2: keys of the story text (title line + text), as clustering reads;
# 3: docs.keys holds the 16-bit prefixes of the keys; 4: a key row is one blob;
# 5: the prefixes are Elias-Fano coded; 6: entries are stored in bucket blocks;
# 7: small batches are staged as rows before they are folded into the blocks;
# 8: blocks are merged a run (the blocks a batch wrote) at a time, not a bucket at a time;
# 9: a block stores its big keys band by band
SCHEMA_VERSION = 9
APPLICATION_ID = 0x64777831  # "dwx1": marks a dupwire index file
# A new run merges with the newest runs while the newest left is at most _MERGE_RATIO times
# what is merged, or there would be more than _MOST_BLOCKS runs (so blocks in a bucket)
# (:func:`dupwire.archive.blocks.merge_plan`).
_MERGE_RATIO = 2
_MOST_BLOCKS = 4
# Buckets written (or read back to merge or remove from) at a time: bounds the memory of a
# batch that merges whole buckets.
_BUCKETS_AT_ONCE = 4096
# Entries a merge reads back at a time (a range of buckets holding about as many): bounds
# the memory of merging the largest runs.
_MERGED_AT_ONCE = 2_000_000
# Touching more buckets than this, a batch reads the sizes of every block at once.
_SCAN_SIZES = 2048
# A batch of fewer entries than _STAGE_BELOW (about 1,200 articles: a stream's batch of
# 1,000 is one) is staged as rows when the staged entries stay at most _STAGE_MOST; else
# every staged entry is folded into the blocks with the batch's own, in one pass as one
# batch.  A query reads the staged entries of its keys a row each, so staging more costs
# queries time: adding 4,000 texts 500 at a time to 100,000 articles, with 20 queries after
# each batch, gave 485 texts/s and a 3.65 ms query (p50) staging nothing, 823 and 4.37 ms
# staging at most 100,000 entries, 920 and 4.33 ms at most 200,000, 1,001 and 5.38 ms at
# most 500,000; in bench_index, 2,000 texts staged (172,000 entries) put a text query at
# 6.2-6.5 ms against 3.2-4.0 with none, so at most 100,000 are staged: the 5 ms a query may
# take.  A stream of 20,000 articles in batches of 1,000 then takes 23.5-24.1 s, against
# 26.3-26.8 s when only batches under 50,000 entries are staged.
_STAGE_BELOW = 100_000
_STAGE_MOST = 100_000
_VERIFY = AlignParams(max_merge=1)
# Bytes of the file a read transaction maps into memory (SQLite's largest by default):
# a query then reads its blocks in place, with no system call and no copy into SQLite's
# page cache.  At a million synthetic articles the p50 of 300 signature queries went from
# 3.7-4.4 ms reading the file to 2.9-3.3 ms mapping it (a warm process, one run), and from
# 6.3 to 4.6-4.8 ms (a fresh process, four runs).  The pages a query touched count in the
# process's resident memory (as cached file pages: 940 MB after 620 queries of that
# index), so writes, whose merges read every block of the runs they merge, do not map it.
_MAP_BYTES = 0x7FFF0000
_SCHEMA = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(
    doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, date TEXT, title TEXT, source TEXT,
    keys BLOB NOT NULL, text BLOB);
CREATE TABLE blocks(
    block INTEGER PRIMARY KEY, bucket INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX bucket_blocks ON blocks(bucket, block, n);
CREATE TABLE staged(k BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE runs(run INTEGER PRIMARY KEY, first INTEGER NOT NULL, entries INTEGER NOT NULL);
"""
# Seconds SQLite waits at a time for another process's write lock, and in all a write of
# the index waits before it fails as busy (Index.write_wait): an index merge at a million
# articles holds the lock for about 20 s, and an ingest stream should outwait it.
_BUSY_SECONDS = 5.0
_WRITE_WAIT = 600.0
_BUCKET_BLOCKS = "SELECT bucket, block, n, data FROM blocks WHERE bucket"
_NONE = np.empty(0, dtype=np.uint32)  # an empty bucket
# The staged rows of some ranges of k, in one statement (a range search each).
_STAGED_IN = "WITH q(lo, hi) AS (VALUES {}) SELECT k FROM q, staged WHERE k >= lo AND k < hi"
_RUN_BLOCKS = (
    "SELECT block, bucket, n, data FROM blocks INDEXED BY bucket_blocks"
    " WHERE bucket >= ? AND bucket < ? AND block >= ? AND block <= ?"
)
_BUCKET_SIZES = (
    "SELECT bucket, block, n FROM blocks INDEXED BY bucket_blocks WHERE bucket >= ? AND bucket < ?"
)


def _dates(articles: Sequence[Article]) -> tuple[list[str | None], list[tuple[str, str]]]:
    """Each article's date as ISO text (:func:`dupwire.dates.iso_date`), and ``(id, reason)``
    for each given date that could not be read: that article is treated as undated, as
    batch clustering treats it."""
    dates: list[str | None] = []
    warnings: list[tuple[str, str]] = []
    for article in articles:
        try:
            dates.append(iso_date(article.meta.get("date")))
        except ParamsError as exc:
            dates.append(None)
            warnings.append((article.id, str(exc)))
    return dates, warnings


def _since(value: object) -> str | None:
    try:
        return iso_date(value)
    except ParamsError:
        msg = f"--since {value!r} is not an ISO 8601 date; give it as YYYY-MM-DD"
        raise ParamsError(msg) from None


def _before(a: tuple[str | None, float], b: tuple[str | None, float]) -> bool:
    """Whether version ``a`` (date, insertion order) came before ``b``: by date when both
    are dated (times compared when both have one), else by insertion order."""
    da, db = a[0], b[0]
    if da is not None and db is not None:
        if da[:10] != db[:10]:
            return da < db
        if len(da) > 10 and len(db) > 10 and da != db:
            return da < db
    return a[1] < b[1]


class Index:
    """A persistent, growing index of articles: add, query, remove.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "news.db"
    >>> with Index.open(path) as index:
    ...     _ = index.add([Article("a", "Turkish troops resumed joint patrols in Syria on Friday.",
    ...                            meta={"date": "2019-11-01"})])
    ...     hit = index.query(Article("b", "Turkish troops resumed patrols in Syria on Friday."))
    >>> [(m.id, m.verdict, m.earlier) for m in hit.matches], hit.earliest_id
    ([('a', 'same_story', True)], 'a')
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, settings: KeySettings) -> None:
        self._conn = conn
        self.path = path
        self.settings = settings
        self.store_text = self._meta("store_text") == "1"
        self._mapped = False  # whether the connection maps the file (reads do)
        # Processes that prepare added articles (add with workers > 1), kept from batch to
        # batch so that their word tables stay warm; stopped by close().
        self._scanners: tuple[int, ProcessPoolExecutor] | None = None
        #: Seconds a write waits for another process that is writing the index (an index
        #: merge, a large batch) before it fails as busy; ``on_wait()`` is called once when
        #: a write starts to wait, to say so.
        self.write_wait = _WRITE_WAIT
        self.on_wait: Callable[[], None] | None = None

    # --- opening ------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        store_text: bool = True,
        settings: KeySettings | None = None,
        read_only: bool = False,
    ) -> Index:
        """Open the index at ``path``, creating it when it does not exist (``create``).

        ``store_text`` and ``settings`` apply when the file is created; an existing file
        keeps its own and is refused when they differ from this build's (``settings``).
        ``read_only`` opens an existing index for queries only, which works where this
        process may not write the file or its directory (:func:`_readable`).
        Raises :class:`IndexFileError` (one line) for a missing, foreign or damaged file.
        """
        path = Path(path)
        expected = settings or KeySettings()
        exists = path.exists() and path.stat().st_size > 0
        if not exists and (read_only or not create):
            msg = f"no index at {path}; create one with: dupwire index add ARTICLES... --db {path}"
            raise IndexFileError(msg)
        if path.is_dir():
            msg = f"{path} is a directory; give the path of an index file, e.g. {path}/news.db"
            raise IndexFileError(msg)
        try:
            conn = _connect(path, "?mode=ro" if read_only else "")
        except sqlite3.Error as exc:
            msg = f"cannot open {path}: {exc}; check the path and its permissions"
            raise IndexFileError(msg) from None
        try:
            with _translated(path):
                if read_only:
                    conn = _readable(conn, path)
                if not read_only and create:
                    cls._create(conn, expected, store_text)
                found = cls._check(conn, path, expected)
                if not read_only:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA cache_size=-262144")
                conn.execute("PRAGMA temp_store=MEMORY")
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, found)

    @staticmethod
    def _create(conn: sqlite3.Connection, settings: KeySettings, store_text: bool) -> None:
        """Make the tables of an index in the database of ``conn`` when it has none.  Two
        processes may start a new index at once (two ``index add`` of one new file): each
        looks for tables once it holds the write lock, so the second finds the first's
        index and uses it, where it would have made the tables again and failed."""
        if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
            return
        conn.execute("PRAGMA page_size=8192")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
            conn.execute("ROLLBACK")  # made by another process meanwhile
            return
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        meta = {
            "format": "dupwire-index",
            "schema": str(SCHEMA_VERSION),
            "settings": json.dumps(settings.to_dict(), sort_keys=True),
            "store_text": "1" if store_text else "0",
            "next_doc": "1",
            "articles": "0",
            "staged": "0",
        }
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")

    @staticmethod
    def _check(conn: sqlite3.Connection, path: Path, expected: KeySettings) -> KeySettings:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            if not conn.execute("SELECT 1 FROM sqlite_master").fetchone():
                msg = (
                    f"{path} is an empty SQLite database, not an index yet (an index add may "
                    "be making it); add articles to it with: dupwire index add ARTICLES... "
                    f"--db {path}"
                )
                raise IndexFileError(msg)
            msg = (
                f"{path} is not a dupwire index (it is another SQLite database); "
                "give the path of an index made by dupwire index add, or a new file name"
            )
            raise IndexFileError(msg)
        rows = dict(conn.execute("SELECT name, value FROM meta").fetchall())
        schema = int(rows.get("schema", "0"))
        if schema != SCHEMA_VERSION:
            msg = (
                f"{path} has index schema {schema}, this dupwire reads schema {SCHEMA_VERSION}; "
                "rebuild it with dupwire index add from the source articles"
            )
            raise IndexFileError(msg)
        stored = json.loads(rows["settings"])
        wanted = expected.to_dict()
        diff = [
            f"{k}={stored.get(k)} (this build: {v})"
            for k, v in wanted.items()
            if stored.get(k) != v
        ]
        if diff:
            msg = (
                f"{path} was built with other candidate settings: {', '.join(diff)}; "
                "rebuild it with this dupwire (dupwire index add), or use the version that built it"
            )
            raise IndexFileError(msg)
        return expected

    def close(self) -> None:
        self._stop_scanners()
        self._conn.close()

    def _scan_pool(self, workers: int) -> ProcessPoolExecutor | None:
        """The processes that prepare articles for :meth:`add` (None: this one)."""
        if workers <= 1:
            return None
        if self._scanners is None or self._scanners[0] != workers:
            self._stop_scanners()
            self._scanners = (workers, scan_pool(workers))
        return self._scanners[1]

    def _stop_scanners(self) -> None:
        if self._scanners is not None:
            self._scanners[1].shutdown(wait=True, cancel_futures=True)
            self._scanners = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Index {self.path} ({len(self)} articles)>"

    def _meta(self, name: str) -> str:
        with _translated(self.path):
            row = self._conn.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return str(row[0]) if row else ""

    def __len__(self) -> int:
        with _translated(self.path):
            return int(self._meta("articles"))

    def __contains__(self, article_id: object) -> bool:
        return bool(self.existing([str(article_id)]))

    def existing(self, ids: Iterable[str]) -> list[str]:
        """Those of ``ids`` the index holds, sorted."""
        with _translated(self.path):
            held = [i for i in ids if _storable(i)]  # the others cannot be in the index
            return sorted(r[0] for r in self._select_in("SELECT id FROM docs WHERE id", held))

    def _select_in(self, query: str, values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """The rows of ``query IN (values)``, asked a few hundred values at a time (SQLite
        takes a bounded number of parameters).  Each chunk's rows are fetched at once, so a
        caller that stops early (a damaged row) leaves no cursor open for the generator's
        finalizer to close after the connection."""
        for lo in range(0, len(values), 500):
            chunk = values[lo : lo + 500]
            sql = f"{query} IN ({','.join('?' * len(chunk))})"
            yield from self._conn.execute(sql, chunk).fetchall()

    # --- writing ------------------------------------------------------------------------

    def add(
        self,
        articles: Iterable[ArticleLike] | Mapping[Any, str],
        *,
        replace: bool = False,
        workers: int = 1,
    ) -> AddResult:
        """Add ``articles`` in one transaction: all of them or, on any error, none.
        ``articles`` are :class:`Article` objects, or ``(id, text)`` pairs and records as
        :func:`dupwire.io.as_articles` reads them.

        An article the index holds as it is (the same text, title, date and source, in an
        index that keeps texts: an input read again) is not stored again and is listed in
        ``unchanged``.  Another version of an id already in the index is an error
        (:class:`DuplicateIdError`) unless ``replace``, which removes the stored version
        first (and stores even an unchanged one again).  An article that cannot be cut
        into sentences and words costs only itself: it is not stored and is listed in
        ``failures``.  With ``workers`` > 1 the articles of a large batch are prepared in
        that many processes, started by the first such batch and kept for the next until
        :meth:`close` (each remembers the words it has analysed); a small one (a stream's
        flush) is prepared in this process.
        """
        articles = as_articles(articles, numbered=False)
        ids = [a.id for a in articles]
        if len(set(ids)) != len(ids):
            counts = Counter(ids)
            dupes = listed(sorted(i for i, k in counts.items() if k > 1))
            msg = f"article ids must be unique; repeated in this batch: {dupes}"
            raise DuplicateIdError(msg)
        storable, refused = _storable_ids(articles)
        unchanged = set() if replace else self._stored_as_is(storable)
        as_is = tuple(i for i in ids if i in unchanged)  # in the order given
        done = self._add_new([a for a in storable if a.id not in unchanged], replace, workers)
        return dataclasses.replace(done, failures=refused + done.failures, unchanged=as_is)

    def _add_new(self, articles: list[Article], replace: bool, workers: int) -> AddResult:
        """Prepare and store ``articles`` (of storable ids, none stored as it is) in one
        transaction, as :meth:`add` describes."""
        if not articles:
            return AddResult((), (), len(self))
        # The processes start with the first batch large enough to be scanned in parts.
        pool = self._scan_pool(workers) if scanned_in_parts(len(articles)) else None
        texts = [a.story_text for a in articles]
        batch = article_keys(texts, self.settings, workers=workers, pool=pool)
        kept, failures = drop_failed(articles, batch.failed)
        if failures:  # rare: the batch again without them
            articles = kept
            texts = [a.story_text for a in articles]
            batch = article_keys(texts, self.settings, workers=workers, pool=pool)
        dates, warnings = _dates(articles)
        done = self._write(articles, dates, batch, replace, warnings=warnings)
        return dataclasses.replace(done, failures=failures)

    def _stored_as_is(self, articles: Sequence[Article]) -> set[str]:
        """The ids of ``articles`` that the index holds as they are: the same text, title,
        date and source (an input read again, as an ingest loop over a folder reads its
        files each time).  Only an index that keeps the texts can tell.  One query asks for
        them all; only the articles the index holds are compared (their dates read)."""
        if not self.store_text or not articles:
            return set()
        given = {a.id: a for a in articles}
        same: set[str] = set()
        sql = "SELECT id, date, title, source, text FROM docs WHERE id"
        with _translated(self.path):
            for id_, date, title, source, blob in self._select_in(sql, list(given)):
                article = given[id_]
                (new_date,), _ = _dates([article])
                new = (
                    new_date,
                    without_surrogates(article.title),
                    _text_or_none(article.meta.get("source")),
                )
                if blob is None or (date, title, source) != new:
                    continue
                if zlib.decompress(blob).decode("utf-8") == without_surrogates(article.text):
                    same.add(id_)
        return same

    def add_stream(
        self,
        records: Iterable[tuple[Article, str] | Failure | None],
        *,
        batch: int = 1000,
        replace: bool = False,
        workers: int = 1,
        keep_read: bool = True,
    ) -> Iterator[AddResult]:
        """Add a stream of records (:func:`dupwire.io.stream_records`) as they come, one
        transaction per ``batch`` records and one at each None (a flush mark), so another
        process sees them before the stream ends; yields what each transaction did.

        A record is ``(article, origin)``, origin such as ``"<stdin>:12"``.  A broken record
        costs only itself and is listed in ``failures`` with its origin and why: a
        :class:`Failure` of the reader, an id already stored (unless ``replace``) or already
        read from the stream before its batch was stored (with ``replace``, the later
        version is stored), an article that cannot be cut into sentences and words.  Memory
        holds one batch.  Interrupted (``KeyboardInterrupt``), it stores what it has read,
        yields that, then lets the interruption through; with ``keep_read`` False (records
        that can be read again, such as those of files), it stops at once and stores
        nothing more.
        """
        if batch < 1:
            msg = f"batch must be at least 1, got {batch}"
            raise ParamsError(msg)
        read = _Read()
        try:
            yield from self._stream(records, read, batch, replace, workers)
            if read:
                yield self._add_pending(read, replace, workers)
        except KeyboardInterrupt:  # stopping the loop stores what it has read, then stops
            if keep_read and read:
                yield self._add_pending(read, replace, workers)
            raise
        except DupwireError as exc:  # a commit failed: say which records it held
            if not read.order:
                raise
            origins = list(read.order)
            lost = origins[0] if len(origins) == 1 else f"{origins[0]} to {origins[-1]}"
            msg = f"{exc}; the records read since the last commit ({lost}) were not stored"
            raise type(exc)(msg) from None

    def _stream(
        self,
        records: Iterable[tuple[Article, str] | Failure | None],
        read: _Read,
        batch: int,
        replace: bool,
        workers: int,
    ) -> Iterator[AddResult]:
        pending, failed = read.pending, read.failed
        for item in records:
            if item is None:
                if read:
                    yield self._add_pending(read, replace, workers)
                continue
            if isinstance(item, Failure):
                read.note(item.origin or item.id)
                failed.append(item)
            else:
                article, origin = item
                if article.id in pending and replace:
                    yield self._add_pending(read, replace, workers)
                read.note(origin)
                if article.id in pending:
                    first = pending[article.id][1]
                    reason = (
                        f"{origin}: id {article.id!r} was already read at {first}; give every "
                        "record its own id, or pass --replace (replace=True) to store the later one"
                    )
                    failed.append(Failure(article.id, reason, origin))
                else:
                    pending[article.id] = item
            if len(pending) + len(failed) >= batch:
                yield self._add_pending(read, replace, workers)

    def _add_pending(self, read: _Read, replace: bool, workers: int) -> AddResult:
        """Store the articles ``read`` in one transaction, with its failures among the
        failures, in the order they were read; empties ``read``."""
        pending = read.pending
        stored = set() if replace else set(self.existing(pending))
        unchanged = self._stored_as_is([pending[i][0] for i in stored])
        failures = list(read.failed)
        in_order = sorted(stored, key=lambda i: read.order[pending[i][1]])
        for article_id in (i for i in in_order if i not in unchanged):
            origin = pending[article_id][1]
            reason = (
                f"{origin}: {article_id!r} is already in the index, in another version (its "
                "text, title, date or source differ, or the index keeps no texts); pass "
                "--replace (replace=True) to store the new version, or remove it first"
            )
            failures.append(Failure(article_id, reason, origin))
        # Those not stored: their ids are read already, unique, and none is held as it is.
        storable, refused = _storable_ids([a for i, (a, _) in pending.items() if i not in stored])
        done = self._add_new(storable, replace, workers)
        failures += [
            Failure(f.id, f"{pending[f.id][1]}: {f.reason}", pending[f.id][1])
            for f in (*refused, *done.failures)
        ]
        failures.sort(key=lambda f: read.order.get(f.origin or f.id, len(read.order)))
        read.clear()
        as_is = tuple(i for i in in_order if i in unchanged)
        return dataclasses.replace(done, failures=tuple(failures), unchanged=as_is)

    def add_signatures(
        self,
        ids: Sequence[str],
        signatures: Any,
        *,
        empty: Any = None,
        dates: Sequence[str | None] | None = None,
    ) -> AddResult:
        """Add articles by precomputed signatures (no text, title or verification data)."""
        sig = np.asarray(signatures, dtype=np.uint64)
        if empty is None:
            empty = np.zeros(len(sig), dtype=bool)
        batch = keys_of_signatures(sig, empty, self.settings)
        arts = [Article(i, "") for i in ids]
        return self._write(arts, list(dates or [None] * len(ids)), batch, False, keep_text=False)

    def _write(
        self,
        articles: Sequence[Article],
        dates: list[str | None],
        batch: KeyBatch,
        replace: bool,
        keep_text: bool = True,
        warnings: Sequence[tuple[str, str]] = (),
    ) -> AddResult:
        ids = [a.id for a in articles]
        conn = self._conn
        with _translated(self.path), self._transaction("BEGIN IMMEDIATE"):
            present = self.existing(ids)
            if present and not replace:
                msg = (
                    f"articles already in the index: {listed(present)}; "
                    "pass --replace (replace=True) to store the new versions"
                )
                raise DuplicateIdError(msg)
            if present:
                self._remove(present)
            first = int(self._meta_in_tx("next_doc"))
            store = self.store_text and keep_text
            prefixes = batch.key_prefixes()
            conn.executemany(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        first + d,
                        a.id,
                        dates[d],
                        without_surrogates(a.title) if keep_text else None,
                        _text_or_none(a.meta.get("source")),
                        prefixes[d],
                        zlib.compress(without_surrogates(a.text).encode("utf-8"), 6)
                        if store
                        else None,
                    )
                    for d, a in enumerate(articles)
                ),
            )
            if first + len(articles) > 1 << 32:
                msg = f"{self.path} has numbered 2**32 articles; rebuild it (dupwire index add)"
                raise IndexFileError(msg)
            self._stage(_entries(batch, first))
            total = int(self._meta_in_tx("articles")) + len(articles)
            self._set_meta(next_doc=first + len(articles), articles=total)
        return AddResult(tuple(ids), tuple(present), total, tuple(warnings))

    def _stage(self, new: Entries) -> None:
        """Write entries of new articles (sorted by hash, then doc): as rows of ``staged`` when
        they are few and the staged entries stay few, else into the blocks (:meth:`_store`)
        with every staged entry, which are older (the staged entries are always the newest)."""
        staged = int(self._meta_in_tx("staged"))
        if len(new) < _STAGE_BELOW and staged + len(new) <= _STAGE_MOST:
            self._conn.executemany("INSERT INTO staged VALUES (?)", ((r,) for r in rows(new)))
            self._set_meta(staged=staged + len(new))
        else:
            self._fold(new, staged)

    def _fold(
        self,
        new: Entries,
        staged: int,
        *,
        merge_all: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Write the ``staged`` staged entries and ``new`` entries of newer articles into the
        blocks in one pass, as one batch (:meth:`_store`), and empty ``staged``."""
        if staged:
            old = of_rows([k for (k,) in self._conn.execute("SELECT k FROM staged")])
            new = Entries.merged([old, new])
            self._conn.execute("DELETE FROM staged")
            self._set_meta(staged=0)
        self._store(new, merge_all=merge_all, progress=progress)

    def _store(
        self,
        new: Entries,
        *,
        merge_all: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Write entries of new articles (sorted by hash, then doc) as a new run: with the
        runs they merge with (the newest, by the rule of
        :func:`dupwire.archive.blocks.merge_plan` on run sizes; every run with
        ``merge_all``), a block a bucket, a range of buckets at a time."""
        conn = self._conn
        runs = conn.execute("SELECT run, first, entries FROM runs ORDER BY run").fetchall()
        sizes = [entries for _, _, entries in runs]
        k = len(runs) if merge_all else merge_plan(sizes, len(new), _MERGE_RATIO, _MOST_BLOCKS)
        if not len(new) and k <= 1:
            return  # nothing new, and a run alone is merged already
        (last,) = conn.execute("SELECT coalesce(max(block), 0) FROM blocks").fetchone()
        since = runs[len(runs) - k][1] if k else last + 1  # the first block of a merged run
        total = len(new) + sum(sizes[len(sizes) - k :])
        new_bucket = new.h >> LOW_BITS
        span = _BUCKETS_AT_ONCE  # about _MERGED_AT_ONCE entries a range, if they spread
        while span > 64 and total * span > _MERGED_AT_ONCE << PREFIX_BITS:
            span //= 2
        for lo in range(0, 1 << PREFIX_BITS, span):
            hi = lo + span
            at = np.searchsorted(new_bucket, [lo, hi])
            part = new.take(np.arange(at[0], at[1]))
            if k:
                # The runs merged are the newest, so their blocks are those from `since`
                # (up to `last`: this run's blocks come after); a bucket's, oldest first.
                old = sorted(conn.execute(_RUN_BLOCKS, (lo, hi, since, last)), key=itemgetter(0))
                if old:
                    part = Entries.merged([_decoded(old), part])
                    conn.executemany("DELETE FROM blocks WHERE block=?", [r[:1] for r in old])
            if len(part):
                touched = np.unique(part.h >> LOW_BITS)
                ptr = bucket_ptr(part, touched)
                self._append_blocks(touched.tolist(), np.diff(ptr).tolist(), encode(part, ptr))
            if progress is not None:
                progress(min(hi, 1 << PREFIX_BITS), 1 << PREFIX_BITS)
        if k:
            conn.execute("DELETE FROM runs WHERE run >= ?", (runs[len(runs) - k][0],))
        conn.execute("INSERT INTO runs(first, entries) VALUES (?, ?)", (last + 1, total))

    def _append_blocks(self, buckets: list[int], ns: list[int], blobs: list[bytes]) -> None:
        """New blocks, numbered after every block there is: a batch's blocks fill new pages
        one after another (numbered by bucket, they would go next to their buckets' blocks,
        a page each)."""
        (last,) = self._conn.execute("SELECT coalesce(max(block), 0) FROM blocks").fetchone()
        self._conn.executemany(
            "INSERT INTO blocks VALUES (?, ?, ?, ?)",
            zip(itertools.count(last + 1), buckets, ns, blobs),
        )

    def _block_sizes(self, buckets: list[int]) -> dict[int, list[tuple[int, int]]]:
        """``(block, entries)`` of each block of ``buckets``, oldest first."""
        out: dict[int, list[tuple[int, int]]] = {}
        if len(buckets) > _SCAN_SIZES:
            rows: Iterable[tuple[int, int, int]] = self._conn.execute(
                _BUCKET_SIZES, (buckets[0], buckets[-1] + 1)
            )
        else:
            rows = itertools.chain.from_iterable(
                self._conn.execute(_BUCKET_SIZES, (b, b + 1)) for b in buckets
            )
        for bucket, block, n in rows:
            out.setdefault(bucket, []).append((block, n))
        return out

    def _block_rows(self, blocks: list[int]) -> list[tuple[int, int, int, bytes]]:
        """``(block, bucket, n, data)`` of ``blocks`` (sorted), in that order."""
        sql = "SELECT block, bucket, n, data FROM blocks WHERE block"
        return sorted(self._select_in(sql, blocks), key=itemgetter(0))

    def merge(self, *, progress: Callable[[int, int], None] | None = None) -> None:
        """Fold the staged entries into the blocks and merge every run into one (queries
        then read one block a bucket); ``progress(done, total)`` is called as the buckets
        are merged, a range at a time."""
        with _translated(self.path), self._transaction("BEGIN IMMEDIATE"):
            staged = int(self._meta_in_tx("staged"))
            self._fold(of_rows([]), staged, merge_all=True, progress=progress)

    def remove(self, ids: Iterable[str]) -> int:
        """Remove the articles ``ids`` (all known, else nothing is removed); their number."""
        ids = sorted(set(ids))
        with _translated(self.path), self._transaction("BEGIN IMMEDIATE"):
            present = set(self.existing(ids))
            missing = [i for i in ids if i not in present]
            if missing:
                msg = (
                    f"ids not in the index: {listed(missing)}; nothing was removed "
                    "(dupwire index stats shows what it holds)"
                )
                raise InputError(msg)
            self._remove(ids)
        return len(ids)

    def _remove(self, ids: Sequence[str]) -> None:
        """Delete articles and their entries: the blocks of the buckets each article's
        ``docs.keys`` lists are rewritten without them (a block left empty is deleted), and
        its staged rows in those buckets are deleted."""
        conn = self._conn
        docs: list[int] = []
        buckets_of: list[list[int]] = []
        touched: set[int] = set()
        for article_id in ids:
            doc, blob = conn.execute(
                "SELECT doc, keys FROM docs WHERE id=?", (article_id,)
            ).fetchone()
            docs.append(doc)
            buckets_of.append(unpack_prefixes(blob).tolist())
            touched.update(buckets_of[-1])
        gone = np.asarray(docs, dtype=np.int64)
        buckets = sorted(touched)
        for lo in range(0, len(buckets), _BUCKETS_AT_ONCE):
            sizes = self._block_sizes(buckets[lo : lo + _BUCKETS_AT_ONCE])
            rows = self._block_rows(sorted(row[0] for b in sizes for row in sizes[b]))
            # Only the blocks holding a removed article's entries are decoded and rewritten.
            ns = [n for _, _, n, _ in rows]
            hit = np.isin(doc_column([data for _, _, _, data in rows], ns), gone)
            lost = np.bincount(np.repeat(np.arange(len(rows)), ns)[hit], minlength=len(rows))
            changed = [rows[i] for i in np.flatnonzero(lost).tolist()]
            left = [n - int(lost[i]) for i, n in enumerate(ns) if lost[i]]
            self._runs_lost([row[0] for row in changed], lost[lost > 0].tolist())
            emptied = [(row[0],) for row, n in zip(changed, left, strict=True) if not n]
            conn.executemany("DELETE FROM blocks WHERE block=?", emptied)
            rewrite = [(row, n) for row, n in zip(changed, left, strict=True) if n]
            if rewrite:
                old = _decoded([row for row, _ in rewrite])
                kept = old.where(~np.isin(old.doc, gone))
                counts = [n for _, n in rewrite]
                conn.executemany(
                    "UPDATE blocks SET n=?, data=? WHERE block=?",
                    zip(
                        counts,
                        encode(kept, np.r_[0, np.cumsum(counts)]),
                        [row[0] for row, _ in rewrite],
                        strict=True,
                    ),
                )
        staged = int(self._meta_in_tx("staged"))
        if staged:
            sql = "DELETE FROM staged WHERE k >= ? AND k < ? AND substr(k, 5, 4) = ?"
            width = PREFIX_BITS // 8
            before = conn.total_changes
            for doc, article_buckets in zip(docs, buckets_of, strict=True):
                own = doc.to_bytes(4, "big")  # as in dupwire.archive.blocks.rows
                ranges = [(*_staged_range(b, width), own) for b in article_buckets]
                conn.executemany(sql, ranges)
            self._set_meta(staged=staged - (conn.total_changes - before))
        conn.executemany("DELETE FROM docs WHERE doc=?", [(d,) for d in docs])
        self._set_meta(articles=int(self._meta_in_tx("articles")) - len(docs))

    def _runs_lost(self, blocks: list[int], lost: list[int]) -> None:
        """Take the ``lost[i]`` entries removed from block ``blocks[i]`` off its run's size."""
        runs = self._conn.execute("SELECT run, first FROM runs ORDER BY run").fetchall()
        firsts = [first for _, first in runs]
        per_run: dict[int, int] = {}
        for block, n in zip(blocks, lost, strict=True):
            run = runs[bisect.bisect_right(firsts, block) - 1][0]
            per_run[run] = per_run.get(run, 0) + n
        self._conn.executemany(
            "UPDATE runs SET entries = entries - ? WHERE run = ?",
            [(n, run) for run, n in per_run.items()],
        )

    def _meta_in_tx(self, name: str) -> str:
        return str(self._conn.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()[0])

    def _set_meta(self, **values: int) -> None:
        self._conn.executemany(
            "UPDATE meta SET value=? WHERE name=?", [(str(v), k) for k, v in values.items()]
        )

    @contextmanager
    def _transaction(self, begin: str = "BEGIN") -> Iterator[None]:
        """A transaction: a read (``BEGIN``) maps the file, a write does not (see
        :data:`_MAP_BYTES`)."""
        mapped = begin == "BEGIN"
        if mapped != self._mapped:
            self._conn.execute(f"PRAGMA mmap_size={_MAP_BYTES if mapped else 0}")
            self._mapped = mapped
        if mapped:
            self._conn.execute(begin)
        else:
            self._begin_write(begin)
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _begin_write(self, begin: str) -> None:
        """Begin a write, waiting up to ``write_wait`` seconds while another process writes
        (SQLite waits ``_BUSY_SECONDS`` at a time; ``on_wait`` is told once)."""
        deadline = time.monotonic() + self.write_wait
        told = False
        while True:
            try:
                self._conn.execute(begin)
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() >= deadline:
                    raise
                if not told and self.on_wait is not None:
                    self.on_wait()
                told = True

    # --- reading ------------------------------------------------------------------------

    def query(
        self,
        article: Article | str,
        *,
        top: int = 5,
        verify: bool = True,
        since: str | None = None,
        window: float | None = None,
        align: bool = False,
    ) -> QueryResult:
        """The stored versions of ``article``'s story, best first (at most ``top``).

        Candidates share at least ``min_bands`` bands under the bucket rule of batch
        clustering (:func:`dupwire.index.candidate_pairs`: a bucket of more than
        ``max_bucket`` articles is refined by the next bands' values, then chained by id).
        The ``top`` with the most shared bands are verified with :func:`dupwire.align.relate`
        (one-to-one links) when texts are stored and ``verify``; ``align`` adds the full
        :func:`dupwire.align.align` passage alignment to each.  ``since`` keeps matches
        dated on or after that ISO date; ``window`` keeps matches dated within that many
        days of the query's date.
        """
        if isinstance(article, str):
            article = Article("query", article)
        if top < 1:
            msg = f"top must be at least 1, got {top}"
            raise ParamsError(msg)
        (q_date,), warned = _dates([article])
        since_iso = _since(since) if since is not None else None
        if window is not None and q_date is None:
            why = f"its date is unusable: {warned[0][1]}" if warned else "it has no date field"
            msg = f"window needs a dated query; article {article.id!r} has none ({why})"
            raise ParamsError(msg)
        batch = article_keys([article.story_text], self.settings)
        if batch.failed:
            msg = f"{article.id}: {batch.failed[0][1]}"
            raise SegmentationError(msg)
        q_keys = batch.band_key(0, self.settings.bands)
        distinct = sorted({int(k) for k in batch.key.tolist()})
        with _translated(self.path), self._transaction("BEGIN"):
            n_articles = int(self._meta_in_tx("articles"))
            own = (
                self._conn.execute(
                    "SELECT doc, date FROM docs WHERE id=?", (article.id,)
                ).fetchone()
                if _storable(article.id)
                else None  # an id the index cannot hold
            )
            counts = self._shared_bands(q_keys, distinct, own[0] if own else None, article.id)
            cands = self._candidates(counts, own[0] if own else None)
            meta = self._docs(list(cands))
            texts = {}
            picked = []
            for doc, shared in sorted(cands.items(), key=lambda kv: (-kv[1], kv[0])):
                info = meta[doc]
                if since_iso is not None and (info[1] is None or info[1] < since_iso):
                    continue
                if window is not None and not _within(info[1], q_date, window):
                    continue
                picked.append((doc, shared))
                if len(picked) == top:
                    break
            do_verify = verify and self.store_text
            if do_verify:
                texts = self._texts([d for d, _ in picked])
        q_seq: float = own[0] if own else float("inf")
        if own and q_date is None:
            q_date = own[1]
        matches = self._matches(article, q_date, q_seq, picked, meta, texts, do_verify, align)
        tells = [m for m in matches if m.verdict in (None, "same_story", "partial_reuse")]
        earliest = (article.id, q_date, q_seq)
        for m in tells:
            if _before((m.date, m.seq), (earliest[1], earliest[2])):
                earliest = (m.id, m.date, m.seq)
        return QueryResult(
            query_id=article.id,
            query_date=q_date,
            matches=tuple(matches),
            earliest_id=earliest[0],
            n_candidates=len(cands),
            n_articles=n_articles,
            verified=do_verify,
            warning=warned[0][1] if warned else None,
        )

    def candidates(self, signature: Any, *, article_id: str = "\uffff") -> dict[str, int]:
        """The stored articles sharing at least ``min_bands`` bands with a signature (a row of
        :func:`dupwire.sketch.signatures` of a non-empty shingle set) of an article not in the
        index, with that count (``article_id`` places it among the ids where a bucket is
        chained; by default after all of them)."""
        sig = np.asarray(signature, dtype=np.uint64)[None, :]
        batch = keys_of_signatures(sig, [False], self.settings)
        q_keys = batch.band_key(0, self.settings.bands)
        distinct = sorted({int(k) for k in batch.key.tolist()})
        with _translated(self.path), self._transaction("BEGIN"):
            cands = self._candidates(self._shared_bands(q_keys, distinct, None, article_id), None)
            meta = self._docs(list(cands))
        return {meta[d][0]: c for d, c in cands.items()}

    def _shared_bands(
        self, q_keys: Any, distinct: list[int], own: int | None, query_id: str
    ) -> dict[int, int]:
        """The stored articles sharing at least ``min_bands`` bands with a query
        (``q_keys[i]``: the shingle winning band ``i``), by the bucket rule of
        :func:`dupwire.index.candidate_pairs`, with that count.

        The blocks of the query keys' buckets are read once and the entries of its keys
        found in them (:func:`dupwire.archive.blocks.matching`); a band's bucket is then the
        articles whose entry of the query's key for that band holds it, whole, so a bucket
        over the cap is refined in memory (:meth:`_refined`)."""
        if not distinct:
            return {}
        cap = self.settings.max_bucket - (0 if own is not None else 1)  # the query is in them
        groups = [(b, list(k)) for b, k in itertools.groupby(distinct, lambda k: k >> LOW_BITS)]
        blocks: dict[int, list[tuple[int, bytes]]] = {}
        for b, _, n, data in sorted(self._select_in(_BUCKET_BLOCKS, [b for b, _ in groups])):
            blocks.setdefault(b, []).append((n, data))
        # The members of each band's bucket: one key's entries, read block after block
        # (oldest first), then the staged ones, so the docs ascend.
        buckets = matching(
            ((blocks.get(b, []), keys) for b, keys in groups),
            np.asarray(q_keys, dtype=np.int64),
            self._staged_entries(distinct),
        )
        if not buckets:
            return {}
        counted: list[Docs] = []
        for b, bucket in buckets.items():
            if len(bucket) > cap:
                bucket = self._refined(bucket, b, buckets, cap, own, query_id)
            counted.append(bucket)
        docs, shared = np.unique(np.concatenate(counted), return_counts=True)
        found = shared >= self.settings.min_bands
        return dict(zip(docs[found].tolist(), shared[found].tolist(), strict=True))

    def _staged_entries(self, keys: list[int]) -> Entries | None:
        """The staged entries of ``keys`` (sorted), sorted by ``(h, doc)``; None when there
        are none."""
        if self._meta_in_tx("staged") == "0":
            return None
        bounds = [bound for key in keys for bound in _staged_range(key, 4)]
        sql = _STAGED_IN.format(",".join(["(?, ?)"] * len(keys)))
        found = sorted(k for (k,) in self._conn.execute(sql, bounds))
        return of_rows(found) if found else None

    def _refined(
        self,
        bucket: Docs,
        band: int,
        buckets: dict[int, Docs],
        cap: int,
        own: int | None,
        query_id: str,
    ) -> Docs:
        """The members of a bucket over the cap that count: it is refined by the buckets of
        the next bands (:func:`dupwire.index.refine_bands`; ``buckets[b]``, docs ascending,
        absent when empty) until it fits (a member stays while it is in the next band's
        bucket too), then cut to the query's neighbours by id."""
        for other in refine_bands(self.settings.bands, band):
            bucket = _common(bucket, buckets.get(other, _NONE))
            if len(bucket) <= cap:
                return bucket
        near = self._neighbours(bucket.tolist(), own, query_id)
        return bucket[np.isin(bucket, near)]

    def _neighbours(self, members: list[int], own: int | None, query_id: str) -> I64:
        """The query's neighbours by id among the members of a bucket that refining could
        not split (as :func:`dupwire.index.candidate_pairs` chains them)."""
        ids = self._docs(members)
        order = sorted(members, key=lambda d: ids[d][0])
        names = [ids[d][0] for d in order]
        if own is not None:
            at = names.index(query_id)
            near = [order[k] for k in (at - 1, at + 1) if 0 <= k < len(order)]
        else:
            at = bisect.bisect_left(names, query_id)
            near = [order[k] for k in (at - 1, at) if 0 <= k < len(order)]
        return np.asarray(near, dtype=np.int64)

    def _candidates(self, counts: dict[int, int], own: int | None) -> dict[int, int]:
        return {d: c for d, c in counts.items() if d != own}

    def _docs(self, docs: list[int]) -> dict[int, tuple[str, str | None, str, str | None]]:
        sql = "SELECT doc, id, date, title, source FROM docs WHERE doc"
        return {
            doc: (id_, date, title or "", source)
            for doc, id_, date, title, source in self._select_in(sql, docs)
        }

    def _texts(self, docs: list[int]) -> dict[int, str]:
        return {
            doc: zlib.decompress(blob).decode("utf-8")
            for doc, blob in self._select_in("SELECT doc, text FROM docs WHERE doc", docs)
            if blob is not None
        }

    def _matches(
        self,
        article: Article,
        q_date: str | None,
        q_seq: float,
        picked: list[tuple[int, int]],
        meta: dict[int, tuple[str, str | None, str, str | None]],
        texts: dict[int, str],
        verify: bool,
        align: bool,
    ) -> list[Match]:
        from dupwire.align import prepare, relate
        from dupwire.align.aligner import align_prepared

        prepared = prepare(article.text) if verify else None
        out: list[Match] = []
        bands = self.settings.bands
        for doc, shared in picked:
            id_, date, title, source = meta[doc]
            fields: dict[str, Any] = {}
            if prepared is not None and doc in texts:
                other = prepare(texts[doc])
                rel = relate(prepared, other, _VERIFY)
                fields = {
                    "score": rel.score,
                    "coverage_query": rel.coverage_a,
                    "coverage_match": rel.coverage_b,
                    "verdict": rel.verdict,
                }
                if align:
                    ids = (article.id, id_)
                    fields["alignment"] = align_prepared(prepared, other, AlignParams(), ids)
            out.append(
                Match(
                    id=id_,
                    seq=doc,
                    title=title,
                    date=date,
                    source=source,
                    shared_bands=shared,
                    estimate=shared / bands,
                    earlier=_before((date, doc), (q_date, q_seq)),
                    **fields,
                )
            )
        if verify:
            out.sort(key=lambda m: (-(m.score or 0.0), -m.shared_bands, m.seq))
        return out

    def articles(self) -> list[Article]:
        """Every stored article with its text, title, date and source, sorted by id."""
        if not self.store_text:
            msg = (
                f"{self.path} holds no article texts (it was created with store_text=False); "
                "cluster the source files instead"
            )
            raise IndexFileError(msg)
        out: list[Article] = []
        with _translated(self.path), self._transaction("BEGIN"):
            sql = "SELECT id, date, title, source, text FROM docs ORDER BY id"
            for id_, date, title, source, blob in self._conn.execute(sql):
                meta = {
                    k: v for k, v in (("title", title), ("date", date), ("source", source)) if v
                }
                out.append(Article(id_, zlib.decompress(blob).decode("utf-8"), meta=meta))
        return out

    def stats(self) -> IndexStats:
        """Counts, file size and settings."""
        conn = self._conn
        with _translated(self.path), self._transaction("BEGIN"):
            n = int(self._meta_in_tx("articles"))
            blocked = int(conn.execute("SELECT coalesce(sum(n), 0) FROM blocks").fetchone()[0])
            staged = int(conn.execute("SELECT count(*) FROM staged").fetchone()[0])
            key_rows = blocked + staged
            # n of each bucket's oldest block (SQLite takes a bare column from the min row)
            oldest = "SELECT n, min(block) FROM blocks GROUP BY bucket"
            sql = f"SELECT coalesce(sum(n), 0) FROM ({oldest})"
            delta_rows = key_rows - int(conn.execute(sql).fetchone()[0])
            lo, hi = conn.execute("SELECT min(date), max(date) FROM docs").fetchone()
            pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
            page = int(conn.execute("PRAGMA page_size").fetchone()[0])
        return IndexStats(
            path=str(self.path),
            n_articles=n,
            key_rows=key_rows,
            delta_rows=delta_rows,
            file_bytes=pages * page,
            store_text=self.store_text,
            earliest_date=lo,
            latest_date=hi,
            schema=SCHEMA_VERSION,
            params=self.settings.to_dict(),
        )


def _common(a: Docs, b: Docs) -> Docs:
    """The values in both ``a`` and ``b`` (each ascending, distinct), ascending: the
    shorter searched in the longer."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    both: Docs = a[b[at] == a]
    return both


def _staged_range(prefix: int, width: int) -> tuple[bytes, bytes]:
    """The staged rows whose ``k`` starts with the ``width`` bytes of ``prefix`` (those of a
    bucket, 2 bytes, or of a hash, 4): ``lo <= k < hi`` (:func:`dupwire.archive.blocks.rows`)."""
    if prefix + 1 < 1 << (8 * width):
        return prefix.to_bytes(width, "big"), (prefix + 1).to_bytes(width, "big")
    # The last prefix: a row is at most 8 + 256 bytes, so every row is below 0xFF * 265.
    return prefix.to_bytes(width, "big"), b"\xff" * (ROW_HEAD + 257)


def _decoded(rows: list[tuple[int, int, int, bytes]]) -> Entries:
    """The entries of blocks read as ``(block, bucket, n, data)``, one block after another."""
    return decode(
        [data for _, _, _, data in rows],
        [n for _, _, n, _ in rows],
        [bucket for _, bucket, _, _ in rows],
    )


def _entries(batch: KeyBatch, first: int) -> Entries:
    """The entries of a batch (docs numbered from ``first``), sorted by hash, then doc."""
    order = np.lexsort((batch.doc, batch.key))
    return Entries.of(
        batch.key[order],
        batch.doc[order] + first,
        np.diff(batch.band_ptr)[order],
        batch.bands[ranges(batch.band_ptr, order)],
    )


def _within(date: str | None, q_date: str | None, days: float) -> bool:
    if date is None or q_date is None:
        return False
    a = dt.date.fromisoformat(date[:10])
    b = dt.date.fromisoformat(q_date[:10])
    return abs((a - b).days) <= days


@dataclasses.dataclass
class _Read:
    """What a stream has read since its last commit: the articles to store (by id, with
    their origin), the records that failed, and the order in which each origin was read."""

    pending: dict[str, tuple[Article, str]] = dataclasses.field(default_factory=dict)
    failed: list[Failure] = dataclasses.field(default_factory=list)
    order: dict[str, int] = dataclasses.field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.pending or self.failed)

    def note(self, origin: str) -> None:
        self.order.setdefault(origin, len(self.order))

    def clear(self) -> None:
        self.pending.clear()
        self.failed.clear()
        self.order.clear()


def _text_or_none(value: object) -> str | None:
    return None if value is None or value == "" else without_surrogates(str(value))


def _storable(article_id: str) -> bool:
    """Whether the index can hold ``article_id`` as UTF-8 text: not with a lone surrogate (a
    file name in another encoding, or a ``\\udc80`` escape of JSON), which any other
    spelling would not be the id of."""
    return SURROGATE_RE.search(article_id) is None


def _storable_ids(articles: Sequence[Article]) -> tuple[list[Article], tuple[Failure, ...]]:
    """``articles`` whose ids the index can hold (:func:`_storable`), and the others as
    failures."""
    kept: list[Article] = []
    refused: list[Failure] = []
    for article in articles:
        if _storable(article.id):
            kept.append(article)
            continue
        reason = (
            f"id '{surrogates_escaped(article.id)}' is not valid UTF-8 (a file name in another "
            "encoding, or a lone surrogate escape); the index stores ids as UTF-8 text: rename "
            "the file, or give the record a UTF-8 id"
        )
        refused.append(Failure(article.id, reason))
    return kept, tuple(refused)


def _busy(exc: sqlite3.Error) -> bool:
    """Whether SQLite failed because another connection holds the lock it needs."""
    return "locked" in str(exc) or "busy" in str(exc)


def _connect(path: Path, query: str = "") -> sqlite3.Connection:
    uri = path.absolute().as_uri() + query
    return sqlite3.connect(uri, uri=True, isolation_level=None, timeout=_BUSY_SECONDS)


def _readable(conn: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """``conn``, a read-only connection to the index at ``path``, once it has read, or one
    that reads the file as it is on disk.

    A reader of an index in write-ahead-log mode shares the writer's ``-shm`` file, and
    creates it when no writer has the index open.  A process that may not write the file's
    directory (an index shared read-only with analysts) cannot, so it then reads the file as
    it is on disk (SQLite's ``immutable``): that is the whole index when no log is left
    beside it.  While a writer is at work its ``-shm`` file exists, and the reader shares it
    (it needs only to read it), seeing each committed batch as any reader does.
    """
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError as exc:
        log = path.with_name(path.name + "-wal")
        left = log.exists() and log.stat().st_size > 0
        if left or not ("readonly" in str(exc) or "unable to open" in str(exc)):
            raise
        conn.close()
        conn = _connect(path, "?mode=ro&immutable=1")
    return conn


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    """SQLite errors as one-line :class:`IndexFileError` messages."""
    try:
        yield
    except DupwireError:
        raise
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if _busy(exc):
            msg = f"{path} is busy (another process is writing it for too long): {text}; retry"
        elif "readonly" in text or "read-only" in text:
            msg = f"{path} cannot be written: {text}; check the file's permissions"
        else:
            msg = (
                f"{path} is not a usable dupwire index ({text}): it is not an index file or "
                "it is damaged or truncated; restore it from a backup or rebuild it"
            )
        raise IndexFileError(msg) from None
    except (KeyError, ValueError, TypeError, IndexError, struct.error, zlib.error) as exc:
        msg = (
            f"{path} is not a usable dupwire index (unexpected content: {exc}); it is damaged "
            "or was not made by dupwire; restore it from a backup or rebuild it"
        )
        raise IndexFileError(msg) from None
