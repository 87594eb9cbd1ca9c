"""Throughput, peak memory and candidate recall of dupwire's clustering next to plain datasketch.

For each corpus size, a corpus is generated with ``corpus_gen`` (ECB+ sentences recombined,
with planted rewrite clusters: see that module) and written as JSON Lines to a temporary
directory.  Then two pipelines run on it, each in a fresh Python process:

* **dupwire**: ``dupwire.io.load_corpus`` (``check=False``, as ``dupwire cluster`` reads)
  and ``dupwire.cluster.cluster`` with default parameters, end to end (verification
  included).  Stage boundaries come from the progress callback and from wrapping
  ``ranked_candidates`` in the pipeline, which also gives the LSH and the kept candidate
  pairs for recall (shingles, signatures and banding run beside the word vectors, in a
  thread with more than one worker, so they are one stage here); the clustering's
  own ``stats["seconds"]`` are printed too.
* **datasketch**: the plain pipeline: the JSON Lines records read with ``json``; word
  5-shingles (lower-cased ``\\w+`` tokens, UTF-8 bytes) and
  ``MinHash(num_perm, seed).update_batch`` per article (datasketch's default SHA-1 hashing)
  in one streaming pass, timed apart; ``MinHashLSH(threshold)``
  insert and query; candidates kept when the MinHash Jaccard estimate reaches the
  threshold; union-find.  ``--baseline-max N`` runs it on the first N articles (by id)
  only and scales its times linearly to the corpus: those rows are marked as extrapolated.

Peak memory per stage is the kernel's high-water mark (``VmHWM``), reset at every stage
boundary by writing 5 to ``/proc/self/clear_refs``, so each stage's peak is its own.  While
worker processes run, the process tree's summed PSS counts when it is larger.  Reading a
process's PSS walks its page tables (about 10 ms per GB of small pages), on a core the
workers need: the tree is sampled every 100 ms, or less often so that sampling takes at
most 2% of the time (each wait at least 50 times the last sample's cost), and the seconds
it took are printed.  Where the kernel refuses the reset, ``VmRSS`` is sampled every 5 ms
instead, and the table says so.  Work the benchmark does for itself (recall bookkeeping)
counts in neither times nor peaks.  A pipeline whose memory passes ``--max-rss-mb``
(default 12 GB; the machine is shared) is stopped and reported as such.

A same-input check times ``dupwire.sketch.signatures`` against datasketch on identical
integer shingles (``hashfunc=dupwire.sketch.hashfunc32``) and checks that the signatures
are equal.

    python benchmarks/bench_cluster.py --sizes 10000 100000 [--baseline-max 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import corpus_gen  # noqa: E402
from eval_cluster import components  # noqa: E402

MB = 1024.0
GOAL_SIGNATURE_SPEEDUP = 10.0
GOAL_SECONDS_100K = 120.0
GOAL_RSS_100K_MB = 4096.0
GOAL_COST_RATIO = 12.0


class SetupError(RuntimeError):
    """The pipeline under test is missing or broken; the message says what is needed."""


# --- memory ---------------------------------------------------------------------------------


def _status() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in KiB."""
    with open("/proc/self/status", encoding="ascii") as f:
        text = f.read()
    return {k: int(v) for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M)}


def _descendants(root: int) -> list[int]:
    """Process ids of every descendant of ``root`` (worker processes), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, frontier = [], [root]
    while frontier:
        kids = children.get(frontier.pop(), [])
        found += kids
        frontier += kids
    return found


def _pss_kb(pid: int | str) -> int:
    """Proportional set size of a process in KiB (shared pages split between sharers)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            found = re.search(r"^Pss:\s+(\d+) kB", f.read(), re.M)
    except OSError:
        return 0
    return int(found.group(1)) if found else 0


_TREE_DUTY = 50  # the tree sampler waits this many times its last sample's cost


class Stages:
    """Time and peak memory of consecutive stages of one run.

    A stage's peak is this process's RSS high-water mark (``VmHWM``, reset at each stage
    boundary through ``/proc/self/clear_refs``).  While the process has children (worker
    processes), a thread also sums the PSS of the whole process tree at most every 100 ms,
    and the stage's peak is the larger of the two (``workers`` in the record says so).  Where the
    kernel refuses the reset, the thread samples ``VmRSS`` every 5 ms instead.  Summing the
    tree's PSS costs a page-table walk per process: the thread waits at least
    ``_TREE_DUTY`` times the last sum's cost before the next (``tree_seconds`` adds them).

    ``mark(name)`` ends the current stage.  ``pause()`` and ``resume()`` bracket the
    benchmark's own work, which counts in no stage: its time is taken out of the stage it
    interrupts, and the stage's peak is the larger of the peaks before and after it.
    """

    def __init__(self) -> None:
        self.exact = self._reset_peak()
        self.records: list[dict[str, Any]] = []
        self.overhead = 0.0
        self._carry = 0
        self._sampled = 0
        self._tree = 0  # largest process-tree PSS seen since the last reset, KiB
        self.tree_now = 0  # the latest process-tree PSS, KiB (0 without children)
        self.tree_seconds = 0.0  # time spent summing it
        self.tree_samples = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._paused_at = 0.0
        threading.Thread(target=self._sample, daemon=True).start()
        self._start = time.perf_counter()
        self._start_rss = _status()["VmRSS"]

    @staticmethod
    def _reset_peak() -> bool:
        """Reset this process's VmHWM to its VmRSS; False where the kernel refuses."""
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
                f.write("5")
        except OSError:
            return False
        status = _status()
        return status["VmHWM"] <= status["VmRSS"] + 1024

    def _sample(self) -> None:
        me = os.getpid()
        next_tree = 0.0
        while not self._stop.wait(0.005 if not self.exact else 0.1):
            rss = 0 if self.exact else _status()["VmRSS"]
            tree = 0
            now = time.perf_counter()
            if now >= next_tree:
                kids = _descendants(me)
                if kids:
                    tree = _pss_kb(me) + sum(_pss_kb(k) for k in kids)
                    cost = time.perf_counter() - now
                    self.tree_seconds += cost
                    self.tree_samples += 1
                    next_tree = now + max(0.1, _TREE_DUTY * cost)
                else:
                    next_tree = now + 0.1
                self.tree_now = tree
            with self._lock:
                self._sampled = max(self._sampled, rss)
                self._tree = max(self._tree, tree)

    def _peak_since_reset(self) -> tuple[int, int]:
        """(own peak, process-tree peak) since the last call, in KiB."""
        status = _status()
        with self._lock:
            tree, self._tree = self._tree, 0
            if self.exact:
                peak = status["VmHWM"]
            else:
                peak, self._sampled = max(self._sampled, status["VmRSS"]), status["VmRSS"]
        if self.exact:
            self._reset_peak()
        return peak, tree

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        rss = _status()["VmRSS"]
        own, tree = self._peak_since_reset()
        own, self._carry = max(self._carry, own), 0
        peak = max(own, tree)
        self.records.append(
            {
                "stage": name,
                "seconds": now - self._start,
                "peak_mb": peak / MB,
                "own_peak_mb": own / MB,
                "tree_peak_mb": tree / MB,
                "workers": tree > own,
                "start_mb": self._start_rss / MB,
                "end_mb": rss / MB,
            }
        )
        self._start, self._start_rss = time.perf_counter(), rss

    def split(self, name: str, parts: dict[str, float]) -> None:
        """Replace the record ``name`` by one record per part (its seconds; the same peak)."""
        k = next(i for i, r in enumerate(self.records) if r["stage"] == name)
        whole = self.records[k]
        rest = whole["seconds"] - sum(parts.values())
        first = next(iter(parts))
        self.records[k : k + 1] = [
            {**whole, "stage": part, "seconds": sec + (rest if part == first else 0.0)}
            for part, sec in parts.items()
        ]

    def pause(self) -> None:
        self._paused_at = time.perf_counter()
        self._carry = max(self._carry, *self._peak_since_reset())

    def resume(self) -> None:
        self._peak_since_reset()  # forget the bookkeeping's own peak
        elapsed = time.perf_counter() - self._paused_at
        self.overhead += elapsed
        self._start += elapsed

    def close(self) -> None:
        self._stop.set()


_RUN: dict[str, Any] = {}  # the worker's state, for the memory watchdog


def _watchdog(limit_mb: float, result: Path) -> None:
    """Stop the worker when its RSS passes ``limit_mb``, leaving a partial result behind.

    The machine is shared; a pipeline that would need more than the limit is reported as
    aborted (with the stage it was in) rather than allowed to exhaust memory.
    """

    def watch() -> None:
        while True:
            time.sleep(0.05)
            stages: Stages | None = _RUN.get("stages")
            rss = max(_status()["VmRSS"], stages.tree_now if stages else 0) / MB
            if rss <= limit_mb:
                continue
            done = stages.records if stages else []
            partial = {
                "aborted": {
                    "rss_mb": rss,
                    "limit_mb": limit_mb,
                    "after_stage": done[-1]["stage"] if done else None,
                    "last_progress": _RUN.get("progress"),
                    "seconds": time.perf_counter() - _RUN.get("t0", time.perf_counter()),
                },
                "n_articles": _RUN.get("n_articles", 0),
                "stages": done,
            }
            result.write_text(json.dumps(partial), encoding="utf-8")
            print(
                f"bench_cluster: RSS {rss:,.0f} MB passed the {limit_mb:,.0f} MB limit "
                f"(after stage {partial['aborted']['after_stage']!r}, progress "
                f"{_RUN.get('progress')}); stopped",
                file=sys.stderr,
                flush=True,
            )
            os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


@contextmanager
def excluded(stages: Stages) -> Iterator[None]:
    stages.pause()
    try:
        yield
    finally:
        stages.resume()


# --- shared helpers -------------------------------------------------------------------------


def _planted_codes(truth_path: Path, ids: Sequence[str]) -> np.ndarray:
    """Planted pairs as sorted codes ``i * n + j`` over positions in ``ids`` (sorted)."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pos = {article_id: k for k, article_id in enumerate(ids)}
    n = len(ids)
    codes = [
        pos[a] * n + pos[b] for a, b in corpus_gen.planted_pairs(truth) if a in pos and b in pos
    ]
    return np.array(sorted(codes), dtype=np.int64)


def _found(planted: np.ndarray, pairs: np.ndarray, n: int) -> int:
    """How many planted codes are among ``pairs`` (rows ``(i, j)``, ``i < j``)."""
    if len(planted) == 0 or len(pairs) == 0:
        return 0
    codes = np.sort(pairs[:, 0].astype(np.int64) * n + pairs[:, 1].astype(np.int64))
    at = np.minimum(np.searchsorted(codes, planted), len(codes) - 1)
    return int(np.count_nonzero(codes[at] == planted))


def _scores(truth_path: Path, labels: dict[str, Any]) -> dict[str, float]:
    from dupwire.metrics import score_clustering

    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    truth = {k: v for k, v in truth.items() if k in labels}
    s = score_clustering(truth, labels)
    return {"pair_precision": s.pair_precision, "pair_recall": s.pair_recall, "ari": s.ari}


def _load(corpus: Path) -> Any:
    """The articles as ``dupwire cluster`` reads them: ``load_corpus`` leaves preparing each
    article (and listing those it cannot prepare) to the clustering."""
    try:
        from dupwire.io import load_corpus
    except ImportError as exc:
        msg = f"dupwire.io.load_corpus is needed to read the corpus ({exc})"
        raise SetupError(msg) from exc
    result = load_corpus([corpus], check=False)
    if result.failures:
        msg = f"{len(result.failures)} articles failed to load, e.g. {result.failures[0]}"
        raise SetupError(msg)
    return result.articles


class _Record(NamedTuple):
    id: str
    text: str


def _read_records(corpus: Path) -> list[_Record]:
    """The plain pipeline's reader: the JSON Lines records of ``corpus``, sorted by id."""
    with corpus.open(encoding="utf-8") as f:
        return sorted(_Record(str(r["id"]), r["text"]) for r in map(json.loads, f))


# --- the dupwire pipeline ---------------------------------------------------------------


def run_dupwire(corpus: Path, truth: Path) -> dict[str, Any]:
    import dupwire.io  # noqa: F401  (imported before the clock starts)

    try:
        from dupwire import cluster as cluster_module
        from dupwire.cluster import pipeline as pipeline_module
    except ImportError as exc:
        msg = (
            f"cannot import dupwire.cluster ({exc}); the benchmark needs "
            "dupwire.cluster.cluster(articles, *, params=..., progress=...) -> Clustering "
            "with stats['seconds'] per stage"
        )
        raise SetupError(msg) from exc
    if not callable(getattr(cluster_module, "cluster", None)):
        msg = "dupwire.cluster has no cluster() function; the benchmark needs it"
        raise SetupError(msg)
    stages = Stages()
    _RUN.update(stages=stages, t0=time.perf_counter())
    articles = _load(corpus)
    _RUN["n_articles"] = len(articles)
    stages.mark("read")

    n = len(articles)
    with excluded(stages):
        planted = _planted_codes(truth, sorted(a.id for a in articles))
    info: dict[str, Any] = {"n_articles": n, "planted_pairs": len(planted)}
    marked: set[str] = set()

    def mark_once(name: str) -> None:
        if name not in marked:
            marked.add(name)
            stages.mark(name)

    def wrap(
        module: Any, name: str, before: str, after: str, note: Callable[[Any, Any], None]
    ) -> None:
        original = getattr(module, name, None)
        if original is None:
            info[f"{name}_wrapped"] = False
            return

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            mark_once(before)
            out = original(*args, **kwargs)
            mark_once(after)
            with excluded(stages):
                note(args, out)
            return out

        setattr(module, name, wrapper)
        info[f"{name}_wrapped"] = True

    def note_candidates(args: Any, out: Any) -> None:
        lsh = np.asarray(args[0])  # the LSH pairs, ranked here
        info["lsh_pairs"] = len(lsh)
        info["lsh_found"] = _found(planted, lsh, n)
        pairs = np.asarray(out.pairs)
        info["topk_pairs"] = len(pairs)
        info["topk_found"] = _found(planted, pairs, n)

    # Shingles, signatures and banding run beside the word vectors (in a thread with more
    # than one worker): one stage, up to the ranking of the LSH pairs.
    wrap(
        pipeline_module,
        "ranked_candidates",
        "boilerplate .. lsh",
        "top-k partners",
        note_candidates,
    )

    shown: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        _RUN["progress"] = f"{stage} {done}/{total}"
        step = max(total // 10, 1)
        if shown.get(stage, -step) + step <= done or (done == total and shown.get(stage) != done):
            shown[stage] = done
            elapsed = time.perf_counter() - _RUN["t0"]
            rss = _status()["VmRSS"] / MB
            print(
                f"  [{elapsed:7.1f} s, {rss:6,.0f} MB] {stage} {done:,}/{total:,}", file=sys.stderr
            )
        if stage == "prepare" and done == total:
            mark_once("prepare")
        elif stage == "candidates":
            mark_once("top-k partners")
        elif stage == "verify" and done == total:
            mark_once("similarity, verify")

    result = cluster_module.cluster(articles, progress=progress)
    stages.mark("cluster, relations")
    if result.failures:
        msg = f"{len(result.failures)} articles could not be prepared, e.g. {result.failures[0]}"
        raise SetupError(msg)
    stages.close()
    info["stats"] = {k: v for k, v in result.stats.items() if k != "seconds"}
    info["seconds"] = result.stats.get("seconds", {})
    info["stages"] = stages.records
    info["overhead_seconds"] = stages.overhead
    info["tree_samples"] = stages.tree_samples
    info["tree_seconds"] = stages.tree_seconds
    info["exact_peaks"] = stages.exact
    info["quality"] = _scores(truth, result.labels())
    return info


# --- the plain datasketch pipeline --------------------------------------------------------


_WORD = re.compile(r"\w+")


def five_shingles(text: str) -> list[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < 5:
        return [" ".join(words).encode("utf-8")]
    return [" ".join(words[i : i + 5]).encode("utf-8") for i in range(len(words) - 4)]


def run_datasketch(
    corpus: Path,
    truth: Path,
    *,
    limit: int | None,
    threshold: float,
    num_perm: int,
    seed: int,
    parity_docs: int,
) -> dict[str, Any]:
    from datasketch import MinHash, MinHashLSH

    stages = Stages()
    _RUN.update(stages=stages, t0=time.perf_counter())
    articles = _read_records(corpus)
    _RUN["n_articles"] = len(articles)
    stages.mark("read")
    total = len(articles)
    if limit is not None and limit < total:
        articles = articles[:limit]
    n = len(articles)
    with excluded(stages):
        planted = _planted_codes(truth, sorted(a.id for a in articles))
    # Shingles and signatures in one streaming pass, as a plain pipeline would run them (no
    # corpus of shingle sets held in memory); the two are timed apart inside the loop and
    # share one memory record.
    kept_sets: list[list[bytes]] = []
    sketches = []
    n_shingles = 0
    t_shingle = t_sign = 0.0
    clock = time.perf_counter
    for a in articles:
        t0 = clock()
        sh = five_shingles(a.text)
        t1 = clock()
        m = MinHash(num_perm=num_perm, seed=seed)
        m.update_batch(sh)
        sketches.append(m)
        t2 = clock()
        t_shingle += t1 - t0
        t_sign += t2 - t1
        n_shingles += len(sh)
        if len(kept_sets) < parity_docs:
            kept_sets.append(sh)
    stages.mark("segment + signatures")
    stages.split("segment + signatures", {"segment": t_shingle, "signatures": t_sign})
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for k, m in enumerate(sketches):
            session.insert(k, m)
    found_pairs: set[tuple[int, int]] = set()
    for k, m in enumerate(sketches):
        for other in lsh.query(m):
            if other != k:
                found_pairs.add((min(k, other), max(k, other)))
    pairs = np.array(sorted(found_pairs), dtype=np.int64).reshape(-1, 2)
    stages.mark("candidates")
    kept = [(i, j) for i, j in pairs.tolist() if sketches[i].jaccard(sketches[j]) >= threshold]
    stages.mark("verification")
    component = components(n, kept)
    labels = {a.id: component[k] for k, a in enumerate(articles)}
    stages.mark("clustering")
    stages.close()
    info: dict[str, Any] = {
        "n_articles": n,
        "corpus_articles": total,
        "planted_pairs": len(planted),
        "shingles": n_shingles,
        "lsh_pairs": len(pairs),
        "lsh_found": _found(planted, pairs, n),
        "verified_pairs": len(kept),
        "threshold": threshold,
        "lsh_params": [int(x) for x in (lsh.b, lsh.r)],
        "stages": stages.records,
        "overhead_seconds": stages.overhead,
        "exact_peaks": stages.exact,
        "quality": _scores(truth, labels),
    }
    del sketches, lsh
    info["parity"] = signature_parity(kept_sets, num_perm=num_perm, seed=seed)
    return info


def signature_parity(
    shingle_sets: list[list[bytes]], *, num_perm: int, seed: int
) -> dict[str, Any]:
    """datasketch and dupwire.sketch on the same integer shingles: times and equality."""
    from datasketch import MinHash

    try:
        from dupwire.sketch import hashfunc32, signatures
    except ImportError as exc:
        return {"error": f"dupwire.sketch is missing ({exc})"}
    start = time.perf_counter()
    ints = [
        np.unique(np.fromiter((hash(s) for s in sh), dtype=np.int64, count=len(sh)).view(np.uint64))
        for sh in shingle_sets
    ]
    hashing = time.perf_counter() - start
    warm = MinHash(num_perm=num_perm, seed=seed, hashfunc=hashfunc32)  # both sides warmed up
    warm.update_batch([1, 2, 3])
    signatures(ints[:10], num_perm=num_perm, seed=seed)
    start = time.perf_counter()
    theirs = []
    for arr in ints:
        m = MinHash(num_perm=num_perm, seed=seed, hashfunc=hashfunc32)
        m.update_batch(arr.tolist())
        theirs.append(m.hashvalues)
    t_theirs = time.perf_counter() - start
    start = time.perf_counter()
    ours = signatures(ints, num_perm=num_perm, seed=seed)
    t_ours = time.perf_counter() - start
    same = bool(np.array_equal(np.asarray(theirs, dtype=np.uint64), ours.astype(np.uint64)))
    return {
        "docs": len(ints),
        "shingles": int(sum(len(a) for a in ints)),
        "python_hash_seconds": hashing,
        "datasketch_seconds": t_theirs,
        "dupwire_seconds": t_ours,
        "equal": same,
    }


# --- the parent: corpora, subprocesses and tables -----------------------------------------


def _worker(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", choices=("dupwire", "datasketch"), required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parity-docs", type=int, default=2000)
    parser.add_argument("--max-rss-mb", type=float, default=12_288)
    args = parser.parse_args(argv)
    _watchdog(args.max_rss_mb, args.result)
    try:
        if args.worker == "dupwire":
            out = run_dupwire(args.corpus, args.truth)
        else:
            out = run_datasketch(
                args.corpus,
                args.truth,
                limit=args.limit,
                threshold=args.threshold,
                num_perm=args.num_perm,
                seed=args.seed,
                parity_docs=args.parity_docs,
            )
    except SetupError as exc:
        print(f"bench_cluster: {exc}", file=sys.stderr)
        sys.exit(2)
    args.result.write_text(json.dumps(out), encoding="utf-8")


def _spawn(args: list[str], result: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args, "--result", str(result)]
    proc = subprocess.run(cmd, check=False)
    if proc.returncode == 3 and result.exists():
        aborted: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
        return aborted
    if proc.returncode != 0:
        msg = f"worker {' '.join(args[:2])} failed with exit code {proc.returncode}"
        raise SetupError(msg)
    data: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return data


def _write_corpus(size: int, args: argparse.Namespace, workdir: Path) -> tuple[Path, Path, float]:
    corpus = workdir / f"corpus-{size}-seed{args.seed}.jsonl"
    truth_path = workdir / f"truth-{size}-seed{args.seed}.json"
    truth: dict[str, int] = {}

    def stream() -> Iterator[Any]:
        for article, label in corpus_gen.iter_corpus(
            size, seed=args.seed, cluster_share=args.cluster_share, words=args.words
        ):
            truth[article.id] = label
            yield article

    start = time.perf_counter()
    corpus_gen.write_jsonl(corpus, stream())
    elapsed = time.perf_counter() - start
    truth_path.write_text(json.dumps(truth), encoding="utf-8")
    return corpus, truth_path, elapsed


def _rows_dupwire(d: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(row, seconds, peak MB) for the table's stage rows; "+w" marks worker processes."""
    rec = {r["stage"]: r for r in d["stages"]}
    rows = []

    def add(row: str, *names: str) -> None:
        found = [rec[x] for x in names if x in rec]
        if not found:
            rows.append((row, float("nan"), float("nan")))
            return
        if any(r.get("tree_peak_mb", 0) > r.get("own_peak_mb", 0) for r in found):
            row += " +w"
        seconds = sum(r["seconds"] for r in found)
        rows.append((row, seconds, max(r["peak_mb"] for r in found)))

    add("read (load_corpus)", "read")
    add("segment (prepare)", "prepare")
    add("boilerplate .. candidates", "boilerplate .. lsh", "top-k partners")
    add("verification (similarity, relate)", "similarity, verify")
    add("clustering (+ relations)", "cluster, relations")
    return rows


def _rows_datasketch(d: dict[str, Any]) -> list[tuple[str, float, float]]:
    rec = {r["stage"]: r for r in d["stages"]}
    names = ("read", "segment", "signatures", "candidates", "verification", "clustering")
    return [(x, rec[x]["seconds"], rec[x]["peak_mb"]) for x in names]


def _fmt_rate(n: int, seconds: float) -> str:
    if not seconds or seconds != seconds:
        return "-"
    rate = n / seconds
    return f"{rate:,.0f}" if rate < 1e6 else f"{rate / 1e6:,.1f}M"


def _table(size: int, dw: dict[str, Any], ds: dict[str, Any] | None, gen_s: float) -> list[str]:
    lines = []
    n = size
    aborted = dw.get("aborted")
    lines.append(f"\n## {n:,} articles  (generated in {gen_s:.1f} s)")
    scale = 1.0
    label = "datasketch"
    if ds is not None and ds["n_articles"] < ds["corpus_articles"]:
        scale = ds["corpus_articles"] / ds["n_articles"]
        label = (
            f"datasketch (run on {ds['n_articles']:,}: times x{scale:.1f} extrapolated, "
            "peaks as measured)"
        )
    head = f"{'stage':<36}{'dupwire s':>10}{'docs/s':>10}{'peak MB':>9}  |  "
    head += f"{'stage':<14}{'s':>9}{'docs/s':>9}{'peak MB':>9}"
    lines.append(f"{'':<65}|  {label}")
    lines.append(head)
    lines.append("-" * len(head))
    rate_n = {}
    if aborted:
        left = [(r["stage"], r["seconds"], r["peak_mb"]) for r in dw["stages"]]
        stopped = aborted["seconds"] - sum(r["seconds"] for r in dw["stages"])
        stage, done = _progress(aborted.get("last_progress"))
        finished = {"prepare": "prepare", "verify": "similarity, verify"}.get(stage, "")
        if stage and done is not None and finished not in {r["stage"] for r in dw["stages"]}:
            row = f"{stage} STOPPED at {done:,}"
            rate_n[row] = done
        else:
            row = f"STOPPED after {dw['stages'][-1]['stage']}" if dw["stages"] else "STOPPED"
        left.append((row, stopped, aborted["rss_mb"]))
    else:
        left = _rows_dupwire(dw)
    right = _rows_datasketch(ds) if ds else []
    for k in range(max(len(left), len(right))):
        text = ""
        if k < len(left):
            name, sec, peak = left[k]
            rate = _fmt_rate(rate_n.get(name, n), sec)
            text += f"{name:<36}{sec:>10.2f}{rate:>10}{peak:>9,.0f}  |  "
        else:
            text += " " * 65 + "|  "
        if k < len(right) and ds:
            name, sec, peak = right[k]
            sec_full = sec if name == "read" else sec * scale
            mark = "*" if scale > 1 and name != "read" else " "
            rate = _fmt_rate(ds["n_articles"] if name != "read" else ds["corpus_articles"], sec)
            text += f"{name:<14}{sec_full:>8.2f}{mark}{rate:>9}{peak:>9,.0f}"
        lines.append(text.rstrip())
    lines.append("-" * len(head))
    if aborted:
        text = f"{'end to end: not reached':<65}|  "
    else:
        dw_total, dw_peak = _end_to_end(dw)
        text = f"{'end to end':<36}{dw_total:>10.2f}{_fmt_rate(n, dw_total):>10}"
        text += f"{dw_peak:>9,.0f}  |  "
    if ds:
        ds_total, ds_peak = _end_to_end(ds, scale)
        mark = "*" if scale > 1 else " "
        text += f"{'end to end':<14}{ds_total:>8.2f}{mark}{_fmt_rate(n, ds_total):>9}"
        text += f"{ds_peak:>9,.0f}"
    lines.append(text)

    def recall(d: dict[str, Any], key: str) -> str:
        if key not in d or not d["planted_pairs"]:
            return "n/a"
        return f"{d[key] / d['planted_pairs']:.4f}"

    lines.append("")
    if aborted:
        lines.append(
            f"dupwire    STOPPED: memory reached {aborted['rss_mb']:,.0f} MB (--max-rss-mb) "
            f"{aborted['seconds']:.0f} s into the run, during cluster() at progress "
            f"{aborted['last_progress']!r}"
        )
    else:
        st = dw["stats"]
        reported = ", ".join(f"{k} {v:.2f}" for k, v in dw.get("seconds", {}).items())
        lines.append(f"cluster() reports seconds: {reported}")
        lines.append(
            f"dupwire    planted pairs {dw['planted_pairs']:,}; candidate recall LSH "
            f"{recall(dw, 'lsh_found')}, after top-k {recall(dw, 'topk_found')}; pairs/article "
            f"LSH {st.get('candidate_pairs_lsh', 0) / n:.1f}, kept "
            f"{st.get('candidate_pairs', 0) / n:.1f}, aligned {st.get('verified_pairs', 0) / n:.1f}"
        )
        q = dw["quality"]
        lines.append(
            f"           clusters: pair precision {q['pair_precision']:.3f}, pair recall "
            f"{q['pair_recall']:.3f}, ARI {q['ari']:.3f}; shingles/article "
            f"{dw.get('shingles', 0) / n:.0f}"
        )
    if ds:
        m = ds["n_articles"]
        lines.append(
            f"datasketch planted pairs {ds['planted_pairs']:,} (within the {m:,} run); candidate "
            f"recall {recall(ds, 'lsh_found')} at threshold {ds['threshold']} "
            f"(b={ds['lsh_params'][0]}, r={ds['lsh_params'][1]}); pairs/article LSH "
            f"{ds['lsh_pairs'] / m:.2f}, kept {ds['verified_pairs'] / m:.2f}"
        )
        q = ds["quality"]
        lines.append(
            f"           clusters: pair precision {q['pair_precision']:.3f}, pair recall "
            f"{q['pair_recall']:.3f}, ARI {q['ari']:.3f}; shingles/article "
            f"{ds['shingles'] / m:.0f} (word 5-grams)"
        )
    trees = [
        f"{r['stage']} {r['tree_peak_mb']:,.0f} MB (this process alone {r['own_peak_mb']:,.0f})"
        for r in dw["stages"]
        if r.get("tree_peak_mb", 0) > r.get("own_peak_mb", 0)
    ]
    if trees:
        lines.append(
            "           with worker processes: "
            + "; ".join(trees)
            + f" (the tree's PSS summed {dw.get('tree_samples', 0):,} times in"
            + f" {dw.get('tree_seconds', 0.0):.2f} s)"
        )
    exact = dw.get("exact_peaks", True) and (ds is None or ds["exact_peaks"])
    lines.append(
        "           peak MB: "
        + ("kernel high-water mark per stage" if exact else "VmRSS sampled every 5 ms")
        + "; +w: the peak is the PSS summed over the process tree (sampled at most every"
        + " 100 ms and in at most 2% of the time),"
        + " larger than this process's own while worker processes ran; datasketch's segment"
        + " and signatures are one"
        + " streaming pass with one peak; * = extrapolated linearly from the subsample"
    )
    return lines


def _progress(text: str | None) -> tuple[str, int | None]:
    """``"prepare 88000/100000"`` -> ``("prepare", 88000)``."""
    found = re.fullmatch(r"(\S+) (\d+)/\d+", text or "")
    return (found.group(1), int(found.group(2))) if found else ("", None)


def _end_to_end(d: dict[str, Any], scale: float = 1.0) -> tuple[float, float]:
    """Total seconds (non-read stages scaled by ``scale``) and peak MB of a finished run."""
    total = sum(r["seconds"] * (1.0 if r["stage"] == "read" else scale) for r in d["stages"])
    return total, max(r["peak_mb"] for r in d["stages"])


def _signature_lines(dw: dict[str, Any], ds: dict[str, Any] | None) -> list[str]:
    lines: list[str] = []
    if ds is None:
        return lines
    p = ds.get("parity", {})
    if "error" in p:
        lines.append(f"same-input check: {p['error']}")
    elif p:
        lines.append(
            f"same-input check ({p['docs']:,} docs, {p['shingles'] / p['docs']:.0f} integer "
            f"shingles each): datasketch {p['docs'] / p['datasketch_seconds']:,.0f} docs/s, "
            f"dupwire.sketch {p['docs'] / p['dupwire_seconds']:,.0f} docs/s = "
            f"{p['datasketch_seconds'] / p['dupwire_seconds']:.1f}x; signatures identical: "
            f"{p['equal']}"
        )
    return lines


def _goals(results: dict[int, dict[str, Any]]) -> list[str]:
    lines = ["", "## Goals"]
    for size, res in sorted(results.items()):
        p = (res.get("datasketch") or {}).get("parity") or {}
        if p and "error" not in p:
            ratio = p["datasketch_seconds"] / p["dupwire_seconds"]
            ok = "met" if ratio >= GOAL_SIGNATURE_SPEEDUP else "NOT met"
            lines.append(
                f"signatures >= {GOAL_SIGNATURE_SPEEDUP:.0f}x datasketch (same shingles, "
                f"{size:,} corpus): {ratio:.1f}x, {ok}"
            )
    big = results.get(100_000)
    if big and big["dupwire"].get("aborted"):
        ab = big["dupwire"]["aborted"]
        lines.append(
            f"100k end to end < {GOAL_SECONDS_100K:.0f} s and < {GOAL_RSS_100K_MB / MB:.0f} GB: "
            f"NOT met (stopped at {ab['rss_mb']:,.0f} MB after {ab['seconds']:.0f} s, at "
            f"{ab['last_progress']!r})"
        )
    elif big:
        total, peak = _end_to_end(big["dupwire"])
        ok_t = "met" if total < GOAL_SECONDS_100K else "NOT met"
        ok_m = "met" if peak < GOAL_RSS_100K_MB else "NOT met"
        lines.append(f"100k end to end < {GOAL_SECONDS_100K:.0f} s: {total:.1f} s, {ok_t}")
        lines.append(f"100k peak RSS < {GOAL_RSS_100K_MB / MB:.0f} GB: {peak:,.0f} MB, {ok_m}")
    else:
        lines.append("100k goals: not measured (add 100000 to --sizes)")
    small = results.get(10_000)
    if small and big and not small["dupwire"].get("aborted") and not big["dupwire"].get("aborted"):
        ratio = _end_to_end(big["dupwire"])[0] / _end_to_end(small["dupwire"])[0]
        ok = "met" if ratio <= GOAL_COST_RATIO else "NOT met"
        lines.append(f"10k -> 100k cost ratio <= {GOAL_COST_RATIO:.0f}x: {ratio:.1f}x, {ok}")
    return lines


def _describe() -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        rev = "?"
    import datasketch

    return (
        f"dupwire {rev}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"datasketch {datasketch.__version__}, {os.cpu_count()} CPUs"
    )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if "--worker" in argv:
        _worker(argv)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument("--cluster-share", type=float, default=corpus_gen.DEFAULT_CLUSTER_SHARE)
    parser.add_argument("--words", type=int, default=corpus_gen.DEFAULT_WORDS)
    parser.add_argument(
        "--baseline-max",
        type=int,
        help="run datasketch on at most this many articles and extrapolate its times",
    )
    parser.add_argument("--baseline-threshold", type=float, default=0.5)
    parser.add_argument("--no-baseline", action="store_true", help="run dupwire only")
    parser.add_argument("--parity-docs", type=int, default=2000)
    parser.add_argument(
        "--max-rss-mb",
        type=float,
        default=12_288,
        help="stop a pipeline whose RSS passes this (the machine is shared); default 12 GB",
    )
    parser.add_argument("--workdir", type=Path, help="keep corpora here (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write all measurements here")
    args = parser.parse_args(argv)

    print(_describe())
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="dupwire-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            corpus, truth, gen_s = _write_corpus(size, args, workdir)
            common = ["--corpus", str(corpus), "--truth", str(truth)]
            common += ["--max-rss-mb", str(args.max_rss_mb)]
            try:
                dw = _spawn(["--worker", "dupwire", *common], workdir / f"dupwire-{size}.json")
                ds = None
                if not args.no_baseline:
                    extra = ["--threshold", str(args.baseline_threshold)]
                    extra += ["--parity-docs", str(args.parity_docs)]
                    if args.baseline_max:
                        extra += ["--limit", str(args.baseline_max)]
                    ds = _spawn(
                        ["--worker", "datasketch", *common, *extra],
                        workdir / f"datasketch-{size}.json",
                    )
            except SetupError as exc:
                print(f"bench_cluster: {exc}", file=sys.stderr)
                sys.exit(2)
            results[size] = {"dupwire": dw, "datasketch": ds, "generate_seconds": gen_s}
            print("\n".join(_table(size, dw, ds, gen_s)))
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"           load average after the runs (1, 5, 15 min): {load}")
            print("\n".join(_signature_lines(dw, ds)), flush=True)
    print("\n".join(_goals(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
