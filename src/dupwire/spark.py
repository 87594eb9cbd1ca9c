"""Clustering on Apache Spark: the parallel steps of the pipeline run as Spark jobs.

:class:`SparkEngine` is an :class:`dupwire.cluster.engine.Engine`.  Its three steps run the
local engine's own code on Spark partitions:

* ``scan``: the texts are written to Parquet, cut into contiguous ranges of rows, and every
  range is scanned by :func:`dupwire.cluster.scan.scan_texts` inside ``mapInPandas``.  The
  driver merges the parts in row order, renumbering types as they arrive exactly as
  :func:`dupwire.cluster.scan.scan_corpus` does, so the arrays are identical.
* ``signatures``: the shingle sets are written to Parquet and signed by
  :func:`dupwire.sketch.signatures` inside ``mapInPandas``; the signature rows are a stage.
* ``band_pairs``: each row's key in every band (:func:`dupwire.index.band_keys`) is written
  to Parquet as an array and exploded by Spark (``posexplode``) into ``(band, key, row)``;
  Spark counts the buckets and marks those over ``max_bucket`` (a broadcast join), whose rows
  alone carry the keys of their refining bands (a slice of the same array).  Shuffled by
  ``(band, key)``, each partition pairs every band's rows with
  :func:`dupwire.index._band_pairs`, refining with :func:`dupwire.index._refiner` on those
  keys, in ``mapInArrow``; the pair codes are shuffled by code and counted by
  :func:`dupwire.index._count` (at least ``min_bands`` shared bands).
* ``passages``: the sentence bags of the articles to verify are written to Parquet, one row
  per article (:meth:`dupwire.align.bags.SentenceBags.take`), the chosen pairs are joined to
  the bags of both their articles, and each pair is related by
  :meth:`~dupwire.align.bags.SentenceBags.relate` inside ``mapInPandas`` on the two-article
  bags of its row: the passage score the local engine computes, bit for bit.

Every other step (furniture, vectors, pair similarities, agglomeration, representatives and
their members' relations) runs on the driver on the arrays these return, so the clusters,
ids and representatives are those of the local engine.  The four steps write their results
under ``stages`` (Parquet, with a small JSON manifest naming what they were computed from),
and so does the driver's furniture step (:meth:`SparkEngine.kept`); a rerun with the same
inputs reads them instead of recomputing, so a run that failed later resumes after the last
finished stage.

:func:`connected_components` is the iterative large-star / small-star loop, for edge sets
too large to collect on the driver (see the README, "Beyond one machine: Spark").
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from dupwire._numeric import F64, I64, U64
from dupwire.align.bags import SentenceBags
from dupwire.cluster.engine import Ahead, Chunk
from dupwire.cluster.scan import CorpusText, Progress, ScanPart, merge_parts, scan_texts
from dupwire.cluster.verify import PAIR_ALIGN, relations
from dupwire.errors import InputError, ParamsError
from dupwire.index import (
    Candidates,
    LshLayout,
    _band_pairs,
    _count,
    _pairs_of_codes,
    _refiner,
    band_keys,
    checked_signatures,
    refine_bands,
)
from dupwire.io import DEFAULT_MAX_BYTES, Corpus, load_corpus, surrogates_escaped
from dupwire.model import Clustering, Verdict
from dupwire.params import ClusterParams
from dupwire.sketch import EMPTY_VALUE, signatures
from dupwire.spark_files import (
    Files,
    LocalFiles,
    Location,
    fetch_inputs,
    files,
    is_uri,
    join,
    location,
)

T = TypeVar("T")

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "SparkEngine",
    "check_spark_usage",
    "cluster_spark",
    "connected_components",
    "spark_engine",
    "spark_session",
    "write_records",
]

#: Strong edges (pair score at least ``min_score``) up to which agglomeration runs once on
#: the driver; above, connected components run on Spark and each is agglomerated alone.
EDGE_BOUND = 2_000_000
_SCAN_CHUNK = 500  # articles per scan_texts call (the smallest task of scan_corpus)
_EMPTY = np.uint64(EMPTY_VALUE)


def spark_session(master: str = "local[2]", app_name: str = "dupwire") -> SparkSession:
    """A Spark session for dupwire (Arrow on, quiet logs); an active one is reused."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        msg = "the Spark engine needs PySpark; install it with pip install 'dupwire[spark]'"
        raise ParamsError(msg) from exc
    spark = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _digest(*chunks: Chunk) -> str:
    h = hashlib.blake2b(digest_size=16)
    for chunk in chunks:
        # An array is hashed in place, as its bytes.
        data = memoryview(chunk) if isinstance(chunk, bytes) else np.ascontiguousarray(chunk).data
        h.update(data.nbytes.to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class _Stage:
    """A stage directory under ``root``: Parquet data plus a manifest with its key."""

    def __init__(self, fs: Files, root: Location, name: str, key: str) -> None:
        self.fs = fs
        self.path = join(root, name)
        self.manifest = join(root, f"{name}.json")
        self.key = key

    def done(self) -> bool:
        if not self.fs.is_file(self.manifest):
            return False
        try:
            return bool(self.info()["key"] == self.key)
        except (ValueError, KeyError):
            return False

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = json.loads(self.fs.read_text(self.manifest))
        return info

    def start(self) -> Location:
        self.fs.remove(self.manifest)
        self.fs.remove(self.path)
        return self.path

    def finish(self, **info: Any) -> None:
        self.fs.write_text(self.manifest, json.dumps({"key": self.key, **info}))


def _write_parts(
    fs: Files, path: Location, n: int, step: int, table: Callable[[int, int], Any]
) -> Location:
    """A fresh directory ``path`` of Parquet files, one per ``step`` rows of ``n``: the
    pyarrow table ``table(lo, hi)`` of rows ``lo:hi`` each (written by the driver, read by
    Spark)."""
    import pyarrow.parquet as pq

    with fs.writing(path) as local:
        local.mkdir()
        for k, lo in enumerate(range(0, n, step)):
            pq.write_table(table(lo, min(n, lo + step)), local / f"part-{k:05d}.parquet")
    return path


def _write_table(fs: Files, path: Location, table: Any, **options: Any) -> Location:
    """The pyarrow ``table`` as the Parquet file ``path`` (written by the driver)."""
    import pyarrow.parquet as pq

    with fs.writing(path) as local:
        pq.write_table(table, local, **options)
    return path


def _read_table(path: Location, fs: Files | None = None) -> Any:
    """The Parquet file or directory ``path`` as one pyarrow table (read by the driver)."""
    import pyarrow.parquet as pq

    with (fs or LocalFiles()).local_copy(path) as local:
        return pq.read_table(local)


# --- scanning ---------------------------------------------------------------------------


def _part_row(start: int, part: ScanPart) -> dict[str, Any]:
    return {
        "start": start,
        "n_docs": len(part.doc_sents),
        "type_words": [w for w, _ in part.types],
        "type_weights": [float(x) for _, x in part.types],
        "tokens": part.tokens.tobytes(),
        "sent_tokens": part.sent_tokens.tobytes(),
        "sent_chars": part.sent_chars.tobytes(),
        "doc_sents": part.doc_sents.tobytes(),
        "failed_docs": [k for k, _ in part.failed],
        "failed_reasons": [reason for _, reason in part.failed],
    }


_PART_SCHEMA = (
    "start long, n_docs long, type_words array<string>, type_weights array<double>, "
    "tokens binary, sent_tokens binary, sent_chars binary, doc_sents binary, "
    "failed_docs array<long>, failed_reasons array<string>"
)


def _scan_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """mapInPandas: every run of consecutive rows, in chunks, through ``scan_texts``."""
    import pandas as pd

    frames = list(batches)
    if not frames:
        return
    frame = pd.concat(frames).sort_values("idx")
    idx = frame["idx"].to_numpy()
    texts = frame["text"].tolist()
    cuts = np.flatnonzero(np.diff(idx) != 1) + 1
    rows = []
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(idx)], strict=True):
        for k in range(int(lo), int(hi), _SCAN_CHUNK):
            end = min(int(hi), k + _SCAN_CHUNK)
            rows.append(_part_row(int(idx[k]), scan_texts(texts[k:end])))
    yield pd.DataFrame(rows)


def _read_parts(path: Location, n: int, fs: Files | None = None) -> list[ScanPart]:
    table = _read_table(path, fs).sort_by("start").to_pylist()
    parts, expected = [], 0
    for row in table:
        if row["start"] != expected:
            msg = f"scan stage {path} misses articles {expected}-{row['start'] - 1}; delete it"
            raise InputError(msg)
        expected += row["n_docs"]
        parts.append(
            ScanPart(
                list(zip(row["type_words"], row["type_weights"], strict=True)),
                np.frombuffer(row["tokens"], dtype=np.int32),
                np.frombuffer(row["sent_tokens"], dtype=np.int32),
                np.frombuffer(row["sent_chars"], dtype=np.int32),
                np.frombuffer(row["doc_sents"], dtype=np.int32),
                list(zip(row["failed_docs"], row["failed_reasons"], strict=True)),
            )
        )
    if expected != n:
        msg = f"scan stage {path} holds {expected} articles, not {n}; delete it"
        raise InputError(msg)
    return parts


# --- signatures -------------------------------------------------------------------------


def _sketch(num_perm: int, seed: int) -> Any:
    def sketch(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        for frame in batches:
            sets = [np.frombuffer(b, dtype=np.uint64) for b in frame["set"]]
            sig = signatures(sets, num_perm=num_perm, seed=seed)
            yield pd.DataFrame({"row": frame["row"].to_numpy(), "sig": [r.tobytes() for r in sig]})

    return sketch


def _read_signatures(path: Location, n: int, num_perm: int, fs: Files | None = None) -> U64:
    table = _read_table(path, fs).sort_by("row")
    rows = table.column("row").to_numpy()
    if len(rows) != n or not np.array_equal(rows, np.arange(n)):
        msg = f"signature stage {path} holds {len(rows)} of {n} articles; delete it"
        raise InputError(msg)
    blob = b"".join(table.column("sig").to_pylist())
    sig: U64 = np.frombuffer(blob, dtype=np.uint64).reshape(n, num_perm).copy()
    return sig


# --- banding ----------------------------------------------------------------------------


def _band_key_rows(sig: U64, rows: I64, layout: LshLayout) -> Any:
    """The pyarrow table ``(row, keys)`` of the signature ``rows``: each row's key in every
    band (:func:`dupwire.index.band_keys`), the values Spark explodes and groups."""
    import pyarrow as pa

    keys = np.empty((len(rows), layout.bands), dtype=np.uint64)
    for band in range(layout.bands):
        keys[:, band] = band_keys(sig[rows, band * layout.rows : (band + 1) * layout.rows])
    flat = pa.array(keys.ravel().view(np.int64))
    offsets = pa.array(np.arange(0, keys.size + 1, layout.bands, dtype=np.int32))
    return pa.table({"row": rows, "keys": pa.ListArray.from_arrays(offsets, flat)})


def _following(layout: LshLayout) -> Any:
    """The keys of a row's refining bands (:func:`dupwire.index.refine_bands` of its bucket's
    band, in order), cut from its keys by Spark: the bands that follow, wrapping round."""
    from pyspark.sql import functions as F

    depth = len(refine_bands(layout.bands, 0))
    return F.slice(F.concat("keys", "keys"), F.col("band") + 2, depth)


#: The code a refined bucket emits once, among the pair codes (which are ``i * n + j >= 1``).
_REFINED = -1


def _bucket_pairs(n: int, layout: LshLayout, max_bucket: int) -> Any:
    """mapInArrow over whole buckets (rows ``band, key, row, following``; ``following`` only
    for the rows of buckets over ``max_bucket``): every band's pairs by
    :func:`dupwire.index._band_pairs`, refined with :func:`dupwire.index._refiner` on the
    following keys, as the local engine does; out, a pair's code for every band it shares,
    and ``_REFINED`` for every bucket refined."""
    depth = len(refine_bands(layout.bands, 0))

    def pairs(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        bands = table.column("band").to_numpy()
        order = np.lexsort((table.column("row").to_numpy(), bands))  # by band, then row
        table, bands = table.take(pa.array(order)), bands[order]
        ids = table.column("row").to_numpy()
        keys = table.column("key").to_numpy().view(np.uint64)
        following = table.column("following").combine_chunks()
        refining = following.is_valid().to_numpy(zero_copy_only=False)
        values = following.flatten().to_numpy().view(np.uint64).reshape(-1, depth)
        at = np.cumsum(refining) - 1  # row k's following keys are values[at[k]]
        out, refined = [], 0
        cuts = np.flatnonzero(np.diff(bands)) + 1
        for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(bands)], strict=True):
            rows = ids[lo:hi]  # sorted: ranks keep the order of the rows
            m = len(rows)
            follow = np.zeros((m, depth), dtype=np.uint64)
            follow[refining[lo:hi]] = values[at[lo:hi][refining[lo:hi]]]
            local = np.arange(m, dtype=np.int64)
            codes, count = _band_pairs(
                keys[lo:hi], local, m, max_bucket, _refiner(follow, 1, range(depth))
            )
            out.append(rows[codes // m] * n + rows[codes % m])
            refined += count
        out.append(np.full(refined, _REFINED, dtype=np.int64))
        yield pa.RecordBatch.from_arrays([pa.array(np.concatenate(out))], ["code"])

    return pairs


def _counted(min_bands: int) -> Any:
    """mapInArrow over all the rows of each code: the codes seen at least ``min_bands``
    times, with their counts, by :func:`dupwire.index._count`; and ``_REFINED`` with its
    count (the refined buckets), if any."""

    def count(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        codes = np.concatenate([b.column(0).to_numpy() for b in batches] or [np.empty(0, np.int64)])
        refined = np.count_nonzero(codes == _REFINED)
        kept, counts = _count([codes[codes != _REFINED]], min_bands)
        if refined:
            kept, counts = np.r_[kept, _REFINED], np.r_[counts, refined]
        yield pa.RecordBatch.from_arrays([pa.array(kept), pa.array(counts)], ["code", "count"])

    return count


# --- verification -----------------------------------------------------------------------

#: One article's sentence bags as a row: its entry arrays (``entry``) and sentence arrays
#: (``sent``) as bytes.
_BAG_ARRAYS = (
    ("words", np.int32, "entry"),
    ("sents", np.int32, "entry"),
    ("counts", np.int32, "entry"),
    ("weights", np.float64, "entry"),
    ("totals", np.float64, "sent"),
    ("chars", np.int64, "sent"),
    ("light", np.uint64, "sent"),
)
_BAG_SCHEMA = "doc long, " + ", ".join(f"{name} binary" for name, _, _ in _BAG_ARRAYS)
_PASSAGES_PER_PART = 20_000  # pairs per Spark partition, about


def _bag_rows(bags: SentenceBags, docs: I64) -> dict[str, Any]:
    """Columns of one row per article of ``bags`` (its ``doc`` number from ``docs``)."""
    columns: dict[str, Any] = {"doc": docs}
    for name, _, per in _BAG_ARRAYS:
        array = getattr(bags, name)
        ptr = (bags.entry_ptr if per == "entry" else bags.sent_ptr).tolist()
        columns[name] = [array[ptr[k] : ptr[k + 1]].tobytes() for k in range(len(docs))]
    return columns


def _pair_bags(row: dict[str, bytes]) -> SentenceBags:
    """The two-article bags of a joined row (columns ``a_*`` and ``b_*``)."""
    arrays, ptrs = {}, {}
    for name, kind, per in _BAG_ARRAYS:
        a, b = np.frombuffer(row[f"a_{name}"], kind), np.frombuffer(row[f"b_{name}"], kind)
        arrays[name] = np.concatenate((a, b))
        ptrs[per] = np.array([0, len(a), len(a) + len(b)], dtype=np.int64)
    return SentenceBags(entry_ptr=ptrs["entry"], sent_ptr=ptrs["sent"], **arrays)


def _relate_pairs(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """mapInPandas: the passage score of every joined pair row."""
    import pandas as pd

    names = [f"{side}_{name}" for side in "ab" for name, _, _ in _BAG_ARRAYS]
    for frame in batches:
        columns = [frame[name].tolist() for name in names]
        scores = [
            _pair_bags(dict(zip(names, values, strict=True))).relate(0, 1, PAIR_ALIGN)[0]
            for values in zip(*columns, strict=True)
        ]
        yield pd.DataFrame({"k": frame["k"].to_numpy(), "score": np.asarray(scores, np.float64)})


# --- the engine -------------------------------------------------------------------------


class SparkEngine:
    """The scan, signature, banding and verification steps of clustering as Spark jobs (see
    the module docstring).

    ``stages`` is the directory the stages write to, a path or a URI such as
    ``hdfs://namenode/out/_stages`` (:func:`dupwire.spark_files.location`; a temporary local
    directory when None, deleted at :meth:`close`); ``partitions`` the number of Spark
    partitions (default: twice the session's parallelism).
    """

    def __init__(
        self,
        spark: SparkSession,
        *,
        stages: str | Path | None = None,
        partitions: int | None = None,
        edge_bound: int = EDGE_BOUND,
    ) -> None:
        self.spark = spark
        self._own = stages is None
        self.stages: Location = (
            Path(tempfile.mkdtemp(prefix="dupwire-stages-")) if stages is None else location(stages)
        )
        self.files = files(self.stages, spark)
        self.files.mkdirs(self.stages)
        self.partitions = partitions or 2 * spark.sparkContext.defaultParallelism
        self.resumed: list[str] = []  # the stages read from an earlier run
        self.edge_bound = edge_bound

    def close(self) -> None:
        """Delete the stage directory if this engine made it."""
        if self._own:
            self.files.remove(self.stages)

    def scan(self, texts: list[str], workers: int, progress: Progress | None) -> CorpusText:
        key = _digest(b"scan/2", *(t.encode("utf-8", "surrogatepass") for t in texts))
        stage = _Stage(self.files, self.stages, "scan", key)
        if stage.done():
            self.resumed.append("scan")
        else:
            self._scan(texts, stage)
        parts = _read_parts(stage.path, len(texts), self.files)
        return merge_parts(parts, len(texts), progress)

    def _scan(self, texts: list[str], stage: _Stage) -> None:
        import pyarrow as pa

        out = stage.start()
        table = pa.table({"idx": np.arange(len(texts), dtype=np.int64), "text": texts})
        source = join(self.stages, "texts.parquet")
        _write_table(self.files, source, table, row_group_size=_SCAN_CHUNK * 4)
        frame = self.spark.read.parquet(str(source))
        parts = max(1, min(self.partitions, -(-len(texts) // _SCAN_CHUNK)))
        frame = frame.repartitionByRange(parts, "idx")
        frame.mapInPandas(_scan_batches, _PART_SCHEMA).write.parquet(str(out))
        self.files.remove(source)
        stage.finish(articles=len(texts))

    def signatures(self, sets: list[U64], num_perm: int, seed: int) -> U64:
        if not sets:
            return signatures(sets, num_perm=num_perm, seed=seed)
        chunks = (np.ascontiguousarray(x, dtype=np.uint64).tobytes() for x in sets)
        key = _digest(b"signatures/1", f"{num_perm},{seed}".encode(), *chunks)
        stage = _Stage(self.files, self.stages, "signatures", key)
        if stage.done():
            self.resumed.append("signatures")
        else:
            self._sign(sets, num_perm, seed, stage)
        return _read_signatures(stage.path, len(sets), num_perm, self.files)

    def _sign(self, sets: list[U64], num_perm: int, seed: int, stage: _Stage) -> None:
        import pyarrow as pa

        out = stage.start()

        def table(lo: int, hi: int) -> Any:
            blobs = [np.ascontiguousarray(x, dtype=np.uint64).tobytes() for x in sets[lo:hi]]
            rows = np.arange(lo, hi, dtype=np.int64)
            return pa.table({"row": rows, "set": pa.array(blobs, pa.binary())})

        source = _write_parts(self.files, join(self.stages, "sets"), len(sets), 1 << 14, table)
        frame = self.spark.read.schema("row long, set binary").parquet(str(source))
        frame = frame.repartition(max(1, min(self.partitions, -(-len(sets) // 1000))))
        frame.mapInPandas(_sketch(num_perm, seed), "row long, sig binary").write.parquet(str(out))
        self.files.remove(source)
        stage.finish(articles=len(sets), num_perm=num_perm, seed=seed)

    def band_pairs(self, sigs: U64, layout: LshLayout, max_bucket: int, workers: int) -> Candidates:
        # Spark runs the banding on its executors; ``workers`` (the driver's threads) is unused.
        sig = checked_signatures(sigs, layout, max_bucket)
        n = sig.shape[0]
        params = f"{layout.bands},{layout.rows},{layout.min_bands},{max_bucket}".encode()
        stage = _Stage(
            self.files, self.stages, "candidates", _digest(b"bands/2", params, sig.tobytes())
        )
        if stage.done():
            self.resumed.append("candidates")
        else:
            self._band(sig, layout, max_bucket, stage)
        return self._read_candidates(stage, n, layout, max_bucket)

    def _band(self, sig: U64, layout: LshLayout, max_bucket: int, stage: _Stage) -> None:
        from pyspark.sql import functions as F

        out = stage.start()
        n = sig.shape[0]
        rows = np.flatnonzero(~np.all(sig == _EMPTY, axis=1)).astype(np.int64)  # not empty

        def table(lo: int, hi: int) -> Any:
            return _band_key_rows(sig, rows[lo:hi], layout)

        keys_path = _write_parts(
            self.files, join(self.stages, "band-keys"), len(rows), 1 << 14, table
        )
        stored = self.spark.read.schema("row long, keys array<long>").parquet(str(keys_path))
        exploded = stored.select("row", "keys", F.posexplode("keys").alias("band", "key"))
        # The buckets over max_bucket, by Spark's own count: only their rows carry the keys
        # of the refining bands.  At most rows * bands / max_bucket of them, so broadcast.
        large = (
            exploded.groupBy("band", "key")
            .count()
            .where(F.col("count") > max_bucket)
            .select("band", "key", F.lit(True).alias("large"))
        )
        marked = exploded.join(F.broadcast(large), ["band", "key"], "left").select(
            "band", "key", "row", F.when(F.col("large"), _following(layout)).alias("following")
        )
        p = self.partitions
        pairs = marked.repartition(p, "band", "key").mapInArrow(
            _bucket_pairs(n, layout, max_bucket), "code long"
        )
        # The shared bands of each pair: its codes shuffled together and counted.
        counted = pairs.repartition(p, "code").mapInArrow(
            _counted(layout.min_bands), "code long, count long"
        )
        counted.write.parquet(str(out))
        self.files.remove(keys_path)
        stage.finish()

    def components(self, pairs: I64, n: int) -> I64 | None:
        """None (one agglomeration on the driver) up to ``edge_bound`` pairs; above it, the
        components by :func:`connected_components`, a stage like the others."""
        if len(pairs) <= self.edge_bound:
            return None
        import pyarrow as pa

        pairs = np.ascontiguousarray(pairs, dtype=np.int64)
        stage = _Stage(
            self.files, self.stages, "components", _digest(b"components/1", pairs.tobytes())
        )
        if stage.done():
            self.resumed.append("components")
        else:
            out = stage.start()
            source = join(self.stages, "edges.parquet")
            edges = pa.table({"src": pairs[:, 0], "dst": pairs[:, 1]})
            _write_table(self.files, source, edges)
            connected_components(self.spark, self.spark.read.parquet(str(source))).write.parquet(
                str(out)
            )
            self.files.remove(source)
            stage.finish(edges=len(pairs))
        table = _read_table(stage.path, self.files)
        labels = np.full(n, -1, dtype=np.int64)
        labels[table.column("node").to_numpy()] = table.column("component").to_numpy()
        return labels

    def kept(
        self, name: str, inputs: Iterable[Chunk], compute: Callable[[], npt.NDArray[Any]]
    ) -> npt.NDArray[Any]:
        """A step of the driver as a stage like the others: its array in NumPy's format."""
        stage = _Stage(self.files, self.stages, name, _digest(f"{name}/1".encode(), *inputs))
        if stage.done():
            self.resumed.append(name)
            with self.files.local_copy(stage.path) as local:
                kept: npt.NDArray[Any] = np.load(local, allow_pickle=False)
            return kept
        array = np.asarray(compute())
        stage.start()
        with self.files.writing(stage.path) as local, local.open("wb") as out:
            np.save(out, array, allow_pickle=False)
        stage.finish(shape=list(array.shape), dtype=str(array.dtype))
        return array

    def ahead(self, compute: Callable[[], T], workers: int) -> Ahead[T]:
        """``compute()`` when asked for: the Spark jobs it starts need no second thread."""
        return Ahead(compute, thread=False)

    def passages(
        self,
        bags: SentenceBags,
        chosen: Sequence[tuple[int, int]],
        workers: int,
        progress: Progress | None,
    ) -> dict[tuple[int, int], float]:
        pairs = np.asarray(chosen, dtype=np.int64).reshape(-1, 2)
        if len(pairs) == 0:
            return {}
        docs = np.unique(pairs)
        own = bags.take(docs.tolist())
        arrays = (getattr(own, name).tobytes() for name, _, _ in _BAG_ARRAYS)
        key = _digest(b"passages/1", pairs.tobytes(), docs.tobytes(), *arrays)
        stage = _Stage(self.files, self.stages, "passages", key)
        if stage.done():
            self.resumed.append("passages")
        else:
            self._relate(own, docs, pairs, stage)
        scores = self._read_passages(stage, len(pairs))
        if progress:
            progress("verify", len(pairs), len(pairs))
        return {(i, j): s for (i, j), s in zip(pairs.tolist(), scores.tolist(), strict=True)}

    def relations(
        self,
        bags: SentenceBags,
        pairs: Sequence[tuple[int, int]],
        workers: int,
        progress: Progress | None,
    ) -> list[tuple[float, Verdict]]:
        """On the driver, as the local engine does in one process: one pair per cluster
        member, far fewer than the verified pairs."""
        return relations(bags, pairs, 1, progress, "relations")

    def _relate(self, own: SentenceBags, docs: I64, pairs: I64, stage: _Stage) -> None:
        import pyarrow as pa
        from pyspark.sql import functions as F

        out = stage.start()

        def table(lo: int, hi: int) -> Any:
            columns = _bag_rows(own.take(range(lo, hi)), docs[lo:hi])
            return pa.table(
                {
                    name: pa.array(values, pa.int64() if name == "doc" else pa.binary())
                    for name, values in columns.items()
                }
            )

        source = _write_parts(self.files, join(self.stages, "bags"), len(docs), 1 << 14, table)
        pairs_path = join(self.stages, "verify-pairs.parquet")
        ks = np.arange(len(pairs), dtype=np.int64)
        _write_table(
            self.files, pairs_path, pa.table({"k": ks, "i": pairs[:, 0], "j": pairs[:, 1]})
        )
        stored = self.spark.read.schema(_BAG_SCHEMA).parquet(str(source))

        def side(prefix: str) -> DataFrame:
            return stored.select(*(F.col(c).alias(f"{prefix}{c}") for c in stored.columns))

        joined = (
            self.spark.read.parquet(str(pairs_path))
            .join(side("a_"), F.col("i") == F.col("a_doc"))
            .join(side("b_"), F.col("j") == F.col("b_doc"))
            .drop("a_doc", "b_doc", "i", "j")
        )
        parts = max(1, min(4 * self.partitions, -(-len(pairs) // _PASSAGES_PER_PART)))
        joined = joined.repartition(max(parts, self.partitions))
        joined.mapInPandas(_relate_pairs, "k long, score double").write.parquet(str(out))
        self.files.remove(source)
        self.files.remove(pairs_path)
        stage.finish(pairs=len(pairs))

    def _read_passages(self, stage: _Stage, n_pairs: int) -> F64:
        table = _read_table(stage.path, self.files).sort_by("k")
        ks = table.column("k").to_numpy()
        if len(ks) != n_pairs or not np.array_equal(ks, np.arange(n_pairs)):
            msg = f"passage stage {stage.path} holds {len(ks)} of {n_pairs} pairs; delete it"
            raise InputError(msg)
        scores: F64 = table.column("score").to_numpy()
        return scores

    def _read_candidates(
        self, stage: _Stage, n: int, layout: LshLayout, max_bucket: int
    ) -> Candidates:
        table = _read_table(stage.path, self.files)
        codes = table.column("code").to_numpy().astype(np.int64)
        counts = table.column("count").to_numpy().astype(np.int64)
        order = np.argsort(codes, kind="stable")
        codes, counts = codes[order], counts[order]
        refined = int(counts[0]) if len(codes) and codes[0] == _REFINED else 0
        codes, counts = codes[codes != _REFINED], counts[codes != _REFINED]
        return Candidates(
            pairs=_pairs_of_codes(codes, n),
            shared_bands=counts,
            n_articles=n,
            layout=layout,
            max_bucket=max_bucket,
            capped_buckets=refined,
        )


# --- connected components ---------------------------------------------------------------


def connected_components(
    spark: SparkSession, edges: DataFrame, *, max_rounds: int = 100
) -> DataFrame:
    """Connected components of an undirected edge list ``edges(src long, dst long)``.

    The large-star / small-star loop (Kiveris et al., "Connected components in MapReduce and
    beyond", 2014): large-star links every node's larger neighbours to the smallest node of
    its neighbourhood, small-star links every node and its smaller neighbours to the smallest
    of them; repeated until an iteration changes no edge.  Returns ``(node, component)`` where
    ``component`` is the smallest node of the component; isolated nodes never appear.
    """
    from pyspark.sql import functions as F

    def canonical(df: DataFrame) -> DataFrame:
        return df.select(
            F.least("src", "dst").alias("src"), F.greatest("src", "dst").alias("dst")
        ).distinct()

    def star(df: DataFrame, *, large: bool) -> DataFrame:
        both = df.select("src", "dst").unionByName(
            df.select(F.col("dst").alias("src"), F.col("src").alias("dst"))
        )
        if not large:
            both = both.where(F.col("dst") < F.col("src"))
        lowest = both.groupBy("src").agg(F.min("dst").alias("low"))
        lowest = lowest.withColumn("low", F.least("low", "src"))
        joined = both.join(lowest, "src")
        if large:
            linked = joined.where(F.col("dst") > F.col("src")).select(
                F.col("dst").alias("src"), F.col("low").alias("dst")
            )
        else:
            linked = joined.select(
                F.col("dst").alias("src"), F.col("low").alias("dst")
            ).unionByName(lowest.select(F.col("src"), F.col("low").alias("dst")))
        return linked.where(F.col("src") != F.col("dst")).distinct()

    current = canonical(edges).localCheckpoint()
    for _ in range(max_rounds):
        nxt = star(star(current, large=True), large=False)
        nxt = canonical(nxt).localCheckpoint()
        if nxt.exceptAll(current).isEmpty() and current.exceptAll(nxt).isEmpty():
            break
        current = nxt
    else:
        msg = f"connected components did not converge in {max_rounds} rounds"
        raise ParamsError(msg)
    roots = current.select(F.col("src").alias("node"), F.col("src").alias("component"))
    members = current.select(F.col("dst").alias("node"), F.col("src").alias("component"))
    return members.unionByName(roots).groupBy("node").agg(F.min("component").alias("component"))


# --- the command ------------------------------------------------------------------------


def spark_engine(
    output: str | Path, *, master: str = "local[2]", spark: SparkSession | None = None
) -> SparkEngine:
    """A :class:`SparkEngine` whose stages live under ``output/_stages`` (kept, so a rerun
    after a failure resumes from them), on ``spark`` or a new session on ``master``.
    ``output`` is a path or a URI (:func:`dupwire.spark_files.location`)."""
    out = location(output)
    session = spark or spark_session(master)
    files(out, session).mkdirs(out)
    return SparkEngine(session, stages=join(out, "_stages"))


def cluster_spark(
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    master: str = "local[2]",
    params: ClusterParams = ClusterParams(),  # noqa: B008 - frozen
    spark: SparkSession | None = None,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    date_field: str = "date",
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    fields: Sequence[str] = (),
) -> tuple[Clustering, Corpus]:
    """Cluster ``inputs`` with the Spark engine and write ``output/clusters.parquet`` and
    ``output/clusters.jsonl`` (the records of :class:`dupwire.report.ClusterReport`, with
    the input ``fields`` added, as ``dupwire cluster --jsonl --fields``).

    The inputs are read by :func:`dupwire.io.load_corpus` with the same options as the local
    engine (JSONL, CSV, Parquet, text files).  Inputs and ``output`` are local (or mounted)
    paths or URIs of any file system the session's Hadoop configuration handles, given as
    strings (``"hdfs://namenode/data/articles.parquet"``, ``"s3a://bucket/out"``); input URIs
    are copied to the driver to be read.  Stages are kept under ``output/_stages``: a rerun
    after a failure resumes from them.
    """
    from dupwire.cluster.pipeline import cluster
    from dupwire.report import ClusterReport

    out = location(output)
    if spark is None and (is_uri(out) or any(is_uri(item) for item in inputs)):
        spark = spark_session(master)  # its file systems read the inputs or hold the output
    # An output URI that cannot be used stops the run before the inputs are read.
    engine = spark_engine(out, spark=spark) if is_uri(out) else None
    with fetch_inputs(inputs, spark) as local_inputs:
        corpus = load_corpus(
            local_inputs,
            id_field=id_field,
            text_field=text_field,
            title_field=title_field,
            date_field=date_field,
            encoding=encoding,
            max_bytes=max_bytes,
            check=False,  # the scan stage lists the articles it cannot prepare
        )
    engine = engine or spark_engine(out, master=master, spark=spark)
    result = cluster(corpus.articles, params=params, engine=engine)
    report = ClusterReport(result, corpus, fields=tuple(fields))
    write_records(report.records(), out, engine.files)
    return result, report.corpus


def check_spark_usage(output: str | Path | None) -> Location:
    """The usage checks of ``dupwire cluster --engine spark``, made before any input is read
    or a Spark session starts: the ``--output`` directory (a path or a URI), and Java."""
    if output is None:
        msg = "--engine spark writes its results to a directory: pass --output DIR"
        raise ParamsError(msg)
    if shutil.which("java") is None:
        msg = "--engine spark needs Java 17 or later: apt-get install default-jre-headless"
        raise ParamsError(msg)
    return location(output)


def write_records(
    records: list[dict[str, Any]], output: str | Path, fs: Files | None = None
) -> None:
    """``records`` as ``output/clusters.jsonl`` and ``output/clusters.parquet``: the record
    fields, then any ``--fields`` the records carry (a column of mixed types as JSON text).
    ``fs`` reaches ``output`` (:attr:`SparkEngine.files`; local files when None)."""
    import pyarrow as pa

    from dupwire.report import RECORD_FIELDS

    out = location(output)
    fs = fs or files(out)
    # An id from a file name that is not valid UTF-8 holds lone surrogates: JSON escapes
    # them, and Parquet, whose strings are UTF-8, stores that escaped spelling.
    lines = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records)
    lines = surrogates_escaped(lines)
    fs.write_text(join(out, "clusters.jsonl"), lines)
    names = list(records[0]) if records else list(RECORD_FIELDS)
    table = pa.table({f: _arrow_column(f, [r[f] for r in records]) for f in names})
    _write_table(fs, join(out, "clusters.parquet"), table)


def _arrow_column(field: str, values: list[Any]) -> Any:
    import pyarrow as pa

    if field == "cluster_id":
        return pa.array(values, pa.int64())
    if field == "score":
        return pa.array(values, pa.float64())
    if all(v is None or isinstance(v, str) for v in values):
        return pa.array([v if v is None else surrogates_escaped(v) for v in values], pa.string())
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else json.dumps(v, default=str) for v in values])
