"""The persistent index (``dupwire.archive.Index``) next to datasketch's ``MinHashLSH``, in
memory and on its Redis storage, in one run.

Every system gets the same candidate rule (256 one-row bands of 256-permutation MinHash
signatures, a pair shares at least 8 bands) and the same signatures, and runs in a fresh
process so that its peak RSS (``ru_maxrss``) is its own.  dupwire's queries read the index
through a memory mapping, so the pages they touched count in its RSS (as shared page cache):
the table gives them too, as "mapped file" (``RssFile`` after the queries).

* **Signature ingest** (all systems, ``--sizes``): articles are *synthetic shingle sets*,
  not texts: generating and segmenting a million texts would take hours here (about 5 ms to
  generate and 5 ms to segment one article on this machine).  Each article has about 90
  shingles: two thirds drawn from a long-tailed vocabulary (``P(rank) ~ 1/rank`` over ranks
  100 to 2,000,000, so the commonest is in about 6% of articles, like a word of Zipf 5),
  one third unique to it; 20% of articles are versions of an earlier one (each shingle kept
  with probability 0.7, the rest replaced).  Signatures come from
  ``dupwire.sketch.signatures`` (timed apart); the ingest rate is for storing them, in
  batches of ``--batch`` articles, one transaction (dupwire) or one insertion session
  (datasketch) each.  Queries are new versions of random stored articles: the signature
  lookup with the 8-band rule (datasketch: ``MinHashLSH.query``, then the 8-band filter on
  the signatures it keeps in process memory, as ``dupwire.index.DupIndex`` does).
* **End to end** (dupwire only): ``--text`` generated articles (``corpus_gen.iter_corpus``)
  added as texts to the same index (segmentation, shingles, signatures, storage), then
  queries of held-out versions of their stories, without and with verification of the top 5
  by ``dupwire.align.relate``.  Bytes per article with text = without text + the measured
  growth per text article.

Redis is started on a loopback port by the benchmark and stopped at the end; without a
``redis-server`` binary or the ``redis`` package, that column is skipped with a message.
datasketch runs only up to ``--datasketch-max`` articles (in memory it holds 256 Python set
entries per article).

    python benchmarks/bench_index.py --sizes 100000 1000000 --text 3000
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

CHUNK = 10_000
SEGMENT = 100_000
_SAMPLE = 2_000  # stored shingle sets kept to make query versions from


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _file_mb() -> float:
    """The process's resident pages of mapped files now (Linux), in MB: the index's pages a
    query read through its mapping count in the resident size, as shared page cache."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def _version(rng: np.random.Generator, base: np.ndarray) -> np.ndarray:
    keep = base[rng.random(len(base)) < 0.7]
    fresh = rng.integers(1 << 40, 1 << 63, len(base) - len(keep), dtype=np.uint64)
    return np.unique(np.concatenate((keep, fresh)))


def synthetic_corpus(
    n: int,
    seed: int = 0,
    *,
    first_rank: float = 100.0,
    last_rank: float = 2_000_000.0,
    chunk: int = CHUNK,
) -> Iterator[tuple[list[np.ndarray], np.ndarray]]:
    """Chunks of synthetic shingle sets (see the module docstring) with their origins.

    ``origins[k]`` is the index (in the whole corpus) of the article that set ``k`` of the
    chunk is a version of, or -1 for an article of its own.  Vocabulary shingles have
    ``P(rank) ~ 1/rank`` over ranks ``first_rank`` to ``last_rank``.  Versions are made of
    the last 500 articles of each earlier chunk of ``chunk`` articles (the last 5,000 such),
    so the first chunk holds none.
    """
    rng = np.random.default_rng(seed)
    span = last_rank / first_rank
    ring: list[tuple[int, np.ndarray]] = []
    for lo in range(0, n, chunk):
        out: list[np.ndarray] = []
        origins = np.full(min(chunk, n - lo), -1, dtype=np.int64)
        for k in range(len(origins)):
            if ring and rng.random() < 0.2:
                origins[k], base = ring[int(rng.integers(len(ring)))]
                out.append(_version(rng, base))
                continue
            ranks = np.floor(first_rank * span ** rng.random(60)).astype(np.uint64)
            own = rng.integers(1 << 40, 1 << 63, 30, dtype=np.uint64)
            out.append(np.unique(np.concatenate((ranks * np.uint64(0x9E3779B97F4A7C15), own))))
        tail = max(0, len(out) - 500)
        ring = (ring + [(lo + k, out[k]) for k in range(tail, len(out))])[-5000:]
        yield out, origins


def synthetic_sets(n: int, seed: int = 0) -> Iterator[list[np.ndarray]]:
    """Chunks of synthetic shingle sets (see the module docstring)."""
    for sets, _ in synthetic_corpus(n, seed):
        yield sets


def _query_sets(samples: list[np.ndarray], q: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    return [_version(rng, samples[int(rng.integers(len(samples)))]) for _ in range(q)]


# --- workers, one per (system, size), each in its own process ----------------------------


def _ingest_stream(n: int, seed: int) -> Iterator[tuple[int, list[np.ndarray], np.ndarray, float]]:
    from dupwire.sketch import signatures

    start = 0
    for sets in synthetic_sets(n, seed):
        t = time.perf_counter()
        sigs = signatures(sets)
        yield start, sets, sigs, time.perf_counter() - t
        start += len(sets)


def worker_dupwire(args: argparse.Namespace) -> dict[str, Any]:
    import corpus_gen
    from dupwire.archive import Index
    from dupwire.sketch import signatures

    tmp = Path(tempfile.mkdtemp(prefix="bench-index-", dir=args.tmp))
    path = tmp / "news.db"
    out: dict[str, Any] = {"system": "dupwire", "n": args.n}
    try:
        index = Index.open(path)
        sig_seconds = ingest_seconds = 0.0
        segments: list[float] = []
        seg_t, seg_n = 0.0, 0
        samples: list[np.ndarray] = []
        for start, sets, sigs, sig_t in _ingest_stream(args.n, args.seed):
            sig_seconds += sig_t
            samples.extend(sets[:: max(1, args.n // _SAMPLE)][:50])
            ids = [f"s{start + k:07d}" for k in range(len(sets))]
            t = time.perf_counter()
            for lo in range(0, len(ids), args.batch):
                index.add_signatures(ids[lo : lo + args.batch], sigs[lo : lo + args.batch])
            dt = time.perf_counter() - t
            ingest_seconds += dt
            seg_t, seg_n = seg_t + dt, seg_n + len(ids)
            if seg_n >= min(SEGMENT, args.n):
                segments.append(seg_n / seg_t)
                seg_t, seg_n = 0.0, 0
            if args.progress:
                print(f"  dupwire {start + len(sets)} {ingest_seconds:.1f}s", file=sys.stderr)
        index.close()
        with __import__("sqlite3").connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        no_text_bytes = path.stat().st_size
        out["ingest_sig_per_s"] = args.n / ingest_seconds
        out["ingest_sig_segments"] = [round(s) for s in segments]
        out["signatures_per_s"] = args.n / sig_seconds
        out["bytes_per_article"] = no_text_bytes / args.n

        index = Index.open(path)
        queries = signatures(_query_sets(samples, args.queries, args.seed))
        times = []
        hits = 0
        for sig in queries:
            t = time.perf_counter()
            found = index.candidates(sig)
            times.append(time.perf_counter() - t)
            hits += bool(found)
        out["query_sig_ms"] = [_pct(times, 50) * 1e3, _pct(times, 99) * 1e3]
        out["query_sig_found_share"] = hits / len(queries)
        out["rss_file_mb"] = _file_mb()

        if args.text:
            texts = list(corpus_gen.iter_corpus(args.text + args.text_queries, seed=args.seed))
            labels = [label for _, label in texts]
            stored = [a for a, _ in texts[: args.text]]
            held = [a for a, label in texts[args.text :] if labels[: args.text].count(label) > 0][
                : args.text_queries
            ]
            index.query(held[0], top=1)  # load the word lists before timing
            t = time.perf_counter()
            for lo in range(0, len(stored), 500):
                index.add(stored[lo : lo + 500])
            out["ingest_text_per_s"] = len(stored) / (time.perf_counter() - t)
            with __import__("sqlite3").connect(path) as conn:
                sql = "SELECT avg(length(text) + length(title)) FROM docs WHERE text IS NOT NULL"
                (text_bytes,) = conn.execute(sql).fetchone()
            out["bytes_per_article_text"] = out["bytes_per_article"] + float(text_bytes)
            for key, verify in (("query_text_ms", False), ("query_verified_ms", True)):
                times, found = [], 0
                for art in held:
                    t = time.perf_counter()
                    hit = index.query(art, top=5, verify=verify)
                    times.append(time.perf_counter() - t)
                    found += any(m.verdict != "unrelated" for m in hit.matches)
                out[key] = [_pct(times, 50) * 1e3, _pct(times, 99) * 1e3]
                out[key + "_found"] = found / max(1, len(held))
            out["text_queries"] = len(held)
            out["rss_file_mb"] = max(out["rss_file_mb"], _file_mb())
            index.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["peak_rss_mb"] = _peak_mb()
    return out


def worker_datasketch(args: argparse.Namespace) -> dict[str, Any]:
    from datasketch import MinHashLSH

    from dupwire.sketch import signatures, to_minhash

    redis_port = args.redis_port
    config: dict[str, Any] = {"type": "dict"}
    if redis_port:
        config = {
            "type": "redis",
            "basename": b"bench",
            "redis": {"host": "127.0.0.1", "port": redis_port},
        }
    lsh = MinHashLSH(num_perm=256, params=(256, 1), storage_config=config)
    kept: dict[str, np.ndarray] = {}  # signatures for the 8-band filter
    ingest_seconds = 0.0
    samples: list[np.ndarray] = []
    segments: list[float] = []
    seg_t, seg_n = 0.0, 0
    for start, sets, sigs, _ in _ingest_stream(args.n, args.seed):
        samples.extend(sets[:: max(1, args.n // _SAMPLE)][:50])
        t = time.perf_counter()
        for lo in range(0, len(sets), args.batch):
            with lsh.insertion_session(buffer_size=50_000) as session:
                for k in range(lo, min(lo + args.batch, len(sets))):
                    key = f"s{start + k:07d}"
                    session.insert(key, to_minhash(sigs[k]))
                    kept[key] = sigs[k].astype(np.uint32)
        dt = time.perf_counter() - t
        ingest_seconds += dt
        seg_t, seg_n = seg_t + dt, seg_n + len(sets)
        if seg_n >= min(SEGMENT, args.n):
            segments.append(seg_n / seg_t)
            seg_t, seg_n = 0.0, 0
        if args.progress:
            print(f"  datasketch {start + len(sets)} {ingest_seconds:.1f}s", file=sys.stderr)
    out: dict[str, Any] = {
        "system": "datasketch-redis" if redis_port else "datasketch-memory",
        "n": args.n,
        "ingest_sig_per_s": args.n / ingest_seconds,
        "ingest_sig_segments": [round(s) for s in segments],
    }
    queries = signatures(_query_sets(samples, args.queries, args.seed))
    times = []
    for sig in queries:
        t = time.perf_counter()
        raw = lsh.query(to_minhash(sig))
        q32 = sig.astype(np.uint32)
        _ = [k for k in raw if np.count_nonzero(kept[k] == q32) >= 8]
        times.append(time.perf_counter() - t)
    out["query_sig_ms"] = [_pct(times, 50) * 1e3, _pct(times, 99) * 1e3]
    out["peak_rss_mb"] = _peak_mb()
    if redis_port:
        import redis

        info = redis.Redis(host="127.0.0.1", port=redis_port).info("memory")
        out["bytes_per_article"] = float(info["used_memory"]) / args.n
        out["redis_peak_mb"] = float(info["used_memory_peak"]) / 2**20
    else:
        out["bytes_per_article"] = out["peak_rss_mb"] * 2**20 / args.n  # upper bound
    return out


# --- the orchestrating process -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A throw-away redis-server on a loopback port (no persistence)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        cmd += ["--save", "", "--appendonly", "no", "--dir", self.dir]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        msg = "redis-server did not start"
        raise RuntimeError(msg)

    def flush(self) -> None:
        import redis

        redis.Redis(host="127.0.0.1", port=self.port).flushall()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _redis_unavailable() -> str | None:
    if shutil.which("redis-server") is None:
        return "no redis-server binary (apt-get install -y redis-server)"
    try:
        import redis  # noqa: F401
    except ImportError:
        return "the redis Python package is not installed (pip install redis)"
    return None


def _run(system: str, n: int, args: argparse.Namespace, redis_port: int = 0) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", system, "--n", str(n), "--seed", str(args.seed)]
    cmd += ["--batch", str(args.batch), "--queries", str(args.queries)]
    cmd += ["--text", str(args.text), "--text-queries", str(args.text_queries)]
    cmd += ["--redis-port", str(redis_port), "--tmp", args.tmp or tempfile.gettempdir()]
    if args.progress:
        cmd.append("--progress")
    print(f"running {system} at {n:,} ...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"system": system, "n": n, "error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(done.stdout)
    result["wall_s"] = time.perf_counter() - t
    print(json.dumps(result), file=sys.stderr, flush=True)
    return result


def _fmt(value: Any, spec: str = ",.0f") -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return " / ".join(format(v, ".2f") for v in value)
    return format(value, spec)


def table(results: list[dict[str, Any]]) -> str:
    cols = [
        ("system", "system", "s"),
        ("n", "articles", ",d"),
        ("ingest_sig_per_s", "ingest sigs/s", ",.0f"),
        ("ingest_sig_segments", "per 100k (first..last)", ""),
        ("ingest_text_per_s", "ingest texts/s", ",.0f"),
        ("query_sig_ms", "query ms p50/p99 (sig)", ""),
        ("query_text_ms", "query ms p50/p99 (text)", ""),
        ("query_verified_ms", "+verify top 5 p50/p99", ""),
        ("bytes_per_article", "bytes/article", ",.0f"),
        ("bytes_per_article_text", "with text", ",.0f"),
        ("peak_rss_mb", "peak RSS MB", ",.0f"),
    ]
    lines = ["| " + " | ".join(c[1] for c in cols) + " |", "|" + "---|" * len(cols)]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['system']} | {r['n']:,} | failed: {r['error']} |")
            continue
        if "skipped" in r:
            lines.append(f"| {r['system']} | {r['n']:,} | skipped: {r['skipped']} |")
            continue
        cells = []
        for key, _, spec in cols:
            value = r.get(key)
            if key == "ingest_sig_segments" and value:
                cells.append(
                    f"{value[0]:,} .. {value[-1]:,}" if len(value) > 1 else f"{value[0]:,}"
                )
            elif isinstance(value, str):
                cells.append(value)
            else:
                cells.append(_fmt(value, spec) if spec else _fmt(value))
        if r["system"] == "datasketch-redis" and "redis_peak_mb" in r:
            cells[-1] += f" (+ redis {r['redis_peak_mb']:,.0f})"
        if r.get("rss_file_mb", float("nan")) == r.get("rss_file_mb"):  # measured
            cells[-1] += f" (mapped file {r['rss_file_mb']:,.0f})"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--datasketch-max", type=int, default=20_000)
    parser.add_argument(
        "--systems", nargs="+", default=["dupwire", "datasketch-memory", "datasketch-redis"]
    )
    parser.add_argument("--batch", type=int, default=10_000, help="articles per transaction")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--text", type=int, default=3000, help="text articles, end to end")
    parser.add_argument("--text-queries", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tmp", default=None, help="directory for the index files (made if missing)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--redis-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tmp is not None:
        Path(args.tmp).mkdir(parents=True, exist_ok=True)  # the workers make files in it
    if args.worker:
        run = worker_dupwire if args.worker == "dupwire" else worker_datasketch
        print(json.dumps(run(args)))
        return
    results: list[dict[str, Any]] = []
    why_not = _redis_unavailable()
    server = None
    if "datasketch-redis" not in args.systems:
        why_not = "not asked for (--systems)"
    elif why_not is None:
        try:
            server = RedisServer()
        except (OSError, RuntimeError) as exc:
            why_not = f"redis-server could not be started: {exc}"
    if why_not:
        print(f"skipping datasketch on Redis: {why_not}", file=sys.stderr)
    try:
        for n in args.sizes:
            if "dupwire" in args.systems:
                results.append(_run("dupwire", n, args))
            if not {"datasketch-memory", "datasketch-redis"} & set(args.systems):
                continue
            if n > args.datasketch_max:
                reason = f"not run above --datasketch-max {args.datasketch_max:,}"
                for system in ("datasketch-memory", "datasketch-redis"):
                    results.append({"system": system, "n": n, "skipped": reason})
                continue
            if "datasketch-memory" in args.systems:
                results.append(_run("datasketch-memory", n, args))
            if "datasketch-redis" not in args.systems:
                continue
            if server is not None:
                server.flush()
                results.append(_run("datasketch-redis", n, args, redis_port=server.port))
                server.flush()
            else:
                results.append({"system": "datasketch-redis", "n": n, "skipped": why_not})
    finally:
        if server is not None:
            server.stop()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
