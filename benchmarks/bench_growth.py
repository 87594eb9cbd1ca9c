"""Batch candidates (``dupwire.index.candidate_pairs``) as the corpus grows to 1M articles,
next to datasketch's ``MinHashLSH`` on the same signatures.

Articles are the synthetic shingle sets of ``bench_index.synthetic_corpus`` (texts at 1M
would take hours to generate and segment here): about 90 shingles each, two thirds drawn
from a long-tailed vocabulary (``P(rank) ~ 1/rank`` over ranks ``--first-rank`` to
``--last-rank``), one third unique; 20% of the articles after the first ``--chunk`` are
versions of a recent one (each shingle kept with probability 0.7, the rest replaced by new
ones, so a planted pair has a Jaccard similarity of about 0.7 / 1.3 = 0.54, where the 8-band
rule finds a pair with probability above 0.9999).  *Recall* is the share of those planted
(version, original) pairs among the candidate pairs.

**Narrowness.**  A vocabulary shingle of rank ``r`` lands in a share of about
``1 - (1 - ln(1 + 1/r) / ln(last/first)) ** 60`` of the articles.  With the defaults
(ranks 100 to 2,000,000, a broad news stream) the commonest is in 5.9% of the articles, the
median draw (rank 14,142) in 0.043%.  ``--last-rank 20000`` (a vocabulary 100 times
smaller: a focused beat, where every word an article has is one that many others have) puts
the commonest in 11% and the median draw (rank 1,414) in 0.80% of the articles: at 100k
articles, 800 of them, and every vocabulary shingle in at least 57.  The table prints both
shares for each corpus (``top word``, ``median word``).

**Systems.**

* ``dupwire``: ``candidate_pairs(signatures)`` with the defaults (256 one-row bands of 256
  permutations, 8 shared bands, buckets over 50 refined by the following bands).
* ``datasketch 256x1``: ``MinHashLSH(num_perm=256, params=(256, 1))``, the same bands;
  every article inserted as a ``LeanMinHash`` (``dupwire.sketch.to_minhash``), then queried.
  datasketch has no shared-band count, so a candidate is any pair sharing one band
  (``any band``); the row ``+ 8-band filter`` keeps those sharing 8 (counted on the
  signatures, as ``dupwire.index.DupIndex`` does): the dupwire rule with no bucket cap.
* ``datasketch t=0.5``: ``MinHashLSH(threshold=0.5, num_perm=256)``, datasketch's own
  banding for its default threshold (no threshold gives one-row bands: its optimiser picks
  ``(b, r)`` for a threshold, and 8 of 256 bands is not such a rule).

datasketch holds Python sets and bytes per article and band, so it runs only up to
``--datasketch-max`` articles.  Every article is inserted (``candidates (insert) s``), then
``--queries`` planted versions are queried for recall and ``--queries`` random articles for
candidates per article (half the partners of a queried article): a 256x1 query returns every
article sharing one band, thousands of them at 100k, and querying every article would take
hours here.  dupwire's numbers are over all articles and all planted pairs.

Each (system, size, vocabulary) runs in a fresh process.  Peak RSS per stage is the
process's high-water mark (``VmHWM``), reset before each stage where Linux allows it
(``/proc/self/clear_refs``); generation and signatures run chunk by chunk, so they share one
peak.  Before running a size above the largest measured one, the peak of candidate_pairs is
extrapolated linearly from it; a size whose estimate exceeds ``--max-gb`` is reported with
the estimate and not run, and each worker's address space is limited to 1.5 times
``--max-gb``.  The load average at the start and end of each run is reported: the machine
is shared, so compare ratios within one run.

    nice python benchmarks/bench_growth.py --sizes 10000 100000 1000000 --json growth.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from bench_index import synthetic_corpus  # noqa: E402

VOCAB_DRAWS = 60  # vocabulary shingles drawn per article (bench_index.synthetic_corpus)
CHUNK = 1_000  # articles per generated chunk: versions are of the last 10,000 or so


# --- memory -------------------------------------------------------------------------------


def _status_mb(field: str) -> float | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else None


def _reset_peak() -> bool:
    """Reset the high-water mark of RSS (Linux); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mb() -> float:
    peak = _status_mb("VmHWM")
    if peak is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return peak


def _rss_mb() -> float:
    return _status_mb("VmRSS") or _peak_mb()


class Stage:
    """Wall time and peak RSS of one stage, into ``out[name + '_s']`` / ``[name + '_mb']``."""

    def __init__(self, out: dict[str, Any], name: str) -> None:
        self.out, self.name = out, name

    def __enter__(self) -> Stage:
        self.reset = _reset_peak()
        self.start_mb = _rss_mb()
        self.t = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.out[self.name + "_s"] = time.perf_counter() - self.t
        self.out[self.name + "_mb"] = _peak_mb()
        self.out[self.name + "_start_mb"] = self.start_mb
        self.out["peak_reset"] = self.reset


# --- the corpus ---------------------------------------------------------------------------


def vocabulary_shares(first_rank: float, last_rank: float) -> tuple[float, float]:
    """Expected share of articles holding the commonest and the median vocabulary shingle."""
    log_span = math.log(last_rank / first_rank)

    def share(rank: float) -> float:
        return 1.0 - (1.0 - math.log1p(1.0 / rank) / log_span) ** VOCAB_DRAWS

    return share(first_rank), share(math.sqrt(first_rank * last_rank))


def corpus(
    n: int, *, seed: int, first_rank: float, last_rank: float, chunk: int, out: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Signatures (uint64, ``n x 256``) and origins of the synthetic corpus, timed."""
    from dupwire.sketch import signatures

    sigs: np.ndarray | None = None
    origins = np.empty(n, dtype=np.int64)
    gen_s = sig_s = 0.0
    with Stage(out, "corpus"):
        t = time.perf_counter()
        stream = synthetic_corpus(n, seed, first_rank=first_rank, last_rank=last_rank, chunk=chunk)
        lo = 0
        for sets, orig in stream:
            gen_s += time.perf_counter() - t
            t = time.perf_counter()
            part = signatures(sets)
            if sigs is None:
                sigs = np.empty((n, part.shape[1]), dtype=np.uint64)
            sigs[lo : lo + len(sets)] = part
            origins[lo : lo + len(sets)] = orig
            lo += len(sets)
            sig_s += time.perf_counter() - t
            t = time.perf_counter()
    out["generate_s"], out["signatures_s"] = gen_s, sig_s
    assert sigs is not None
    return sigs, origins


def planted_pairs(origins: np.ndarray) -> np.ndarray:
    """``(origin, version)`` rows of the planted pairs (origin < version)."""
    versions = np.flatnonzero(origins >= 0)
    return np.stack((origins[versions], versions), axis=1)


def _base(n: int, system: str, args: argparse.Namespace) -> dict[str, Any]:
    top, median = vocabulary_shares(args.first_rank, args.last_rank)
    return {
        "system": system,
        "n": n,
        "first_rank": args.first_rank,
        "last_rank": args.last_rank,
        "top_word_share": top,
        "median_word_share": median,
        "load_start": os.getloadavg()[0],
    }


# --- workers ------------------------------------------------------------------------------


def measure_dupwire(
    n: int,
    *,
    seed: int = 0,
    first_rank: float = 100.0,
    last_rank: float = 2_000_000.0,
    chunk: int = CHUNK,
) -> dict[str, Any]:
    """Generate, sign and run ``candidate_pairs`` on ``n`` synthetic articles; the measures."""
    from dupwire.index import candidate_pairs

    args = argparse.Namespace(first_rank=first_rank, last_rank=last_rank)
    out = _base(n, "dupwire", args)
    sigs, origins = corpus(
        n, seed=seed, first_rank=first_rank, last_rank=last_rank, chunk=chunk, out=out
    )
    with Stage(out, "candidates"):
        found = candidate_pairs(sigs)
    out["pairs"] = len(found)
    out["pairs_per_article"] = found.pairs_per_article
    out["capped_buckets"] = found.capped_buckets
    planted = planted_pairs(origins)
    codes = found.pairs[:, 0] * n + found.pairs[:, 1]  # sorted: pairs come out sorted
    wanted = planted[:, 0] * n + planted[:, 1]
    at = np.minimum(np.searchsorted(codes, wanted), max(len(codes) - 1, 0))
    hit = codes[at] == wanted if len(codes) else np.zeros(len(wanted), dtype=bool)
    out["planted"] = len(planted)
    out["recall"] = float(hit.mean()) if len(planted) else float("nan")
    out["load_end"] = os.getloadavg()[0]
    return out


def measure_datasketch(
    n: int,
    *,
    banding: str = "256x1",
    seed: int = 0,
    first_rank: float = 100.0,
    last_rank: float = 2_000_000.0,
    chunk: int = CHUNK,
    min_bands: int = 8,
    queries: int = 2_000,
) -> list[dict[str, Any]]:
    """The same corpus in ``MinHashLSH``: ``banding`` "256x1" (two rows: any band, and the
    ``min_bands`` filter) or "t0.5" (datasketch's banding for threshold 0.5).

    Every article is inserted; ``queries`` planted versions are queried for recall and
    ``queries`` random articles for candidates per article (a query at 256x1 returns every
    article sharing a band, thousands at 100k, so querying them all would take hours).
    """
    from datasketch import MinHashLSH

    from dupwire.sketch import to_minhash

    args = argparse.Namespace(first_rank=first_rank, last_rank=last_rank)
    out = _base(n, f"datasketch {banding}", args)
    sigs, origins = corpus(
        n, seed=seed, first_rank=first_rank, last_rank=last_rank, chunk=chunk, out=out
    )
    if banding == "256x1":
        lsh = MinHashLSH(num_perm=sigs.shape[1], params=(256, 1))
    else:
        lsh = MinHashLSH(threshold=0.5, num_perm=sigs.shape[1])
    out["bands_rows"] = [lsh.b, lsh.r]
    with Stage(out, "insert"), lsh.insertion_session(buffer_size=50_000) as session:
        for i in range(n):
            session.insert(i, to_minhash(sigs[i]))
    sig32 = sigs.astype(np.uint32)
    del sigs
    planted = planted_pairs(origins)
    rng = np.random.default_rng(seed + 2)
    picks = {
        "versions": rng.permutation(planted)[:queries],
        "articles": rng.choice(n, min(queries, n), replace=False),
    }
    one_row = banding == "256x1"
    degree = [0, 0]  # partners per sampled article: any band, min_bands shared
    hits = [0, 0]  # planted pairs found from the version's query
    times = []
    with Stage(out, "query"):
        for j, i in picks["versions"]:
            t = time.perf_counter()
            found = np.fromiter(lsh.query(to_minhash(sig32[i])), dtype=np.int64)
            times.append(time.perf_counter() - t)
            if np.any(found == j):
                hits[0] += 1
                hits[1] += int(np.count_nonzero(sig32[j] == sig32[i]) >= min_bands)
        for i in picks["articles"]:
            t = time.perf_counter()
            found = np.fromiter(lsh.query(to_minhash(sig32[i])), dtype=np.int64)
            times.append(time.perf_counter() - t)
            found = found[found != i]
            degree[0] += len(found)
            if one_row:
                shared = np.count_nonzero(sig32[found] == sig32[i], axis=1)
                degree[1] += int(np.count_nonzero(shared >= min_bands))
    out["query_ms_p50"] = float(np.median(times)) * 1e3
    out["queried"] = [len(picks["versions"]), len(picks["articles"])]
    out["load_end"] = os.getloadavg()[0]
    out["planted"] = len(planted)
    rows = [out]
    sampled = max(1, len(picks["articles"]))
    versions = max(1, len(picks["versions"]))
    out["pairs_per_article"] = degree[0] / sampled / 2  # each pair has two ends
    out["recall"] = hits[0] / versions if len(planted) else float("nan")
    if one_row:
        out["system"] = "datasketch 256x1, any band"
        filtered = dict(out, system=f"datasketch 256x1 + {min_bands}-band filter")
        filtered["pairs_per_article"] = degree[1] / sampled / 2
        filtered["recall"] = hits[1] / versions if len(planted) else float("nan")
        rows.append(filtered)
    else:
        out["system"] = f"datasketch t=0.5 ({lsh.b}x{lsh.r})"
    return rows


# --- the orchestrating process ------------------------------------------------------------


def _run(system: str, n: int, last_rank: float, args: argparse.Namespace) -> list[dict[str, Any]]:
    cmd = [sys.executable, __file__, "--worker", system, "--n", str(n), "--seed", str(args.seed)]
    cmd += ["--first-rank", str(args.first_rank), "--last-ranks", str(last_rank)]
    cmd += ["--chunk", str(args.chunk), "--max-gb", str(args.max_gb)]
    cmd += ["--queries", str(args.queries)]
    print(f"running {system} at {n:,}, ranks to {last_rank:,.0f} ...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return [
            {
                "system": system,
                "n": n,
                "first_rank": args.first_rank,
                "last_rank": last_rank,
                "error": why,
            }
        ]
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    for row in rows:
        row["wall_s"] = time.perf_counter() - t
        print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def _cell(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return "-"
    if key == "n":
        return f"{value:,}"
    if key == "recall":
        return f"{value:.4f}"
    if key.endswith("_share"):
        return f"{100 * value:.3g}%"
    if key == "pairs_per_article":
        return f"{value:,.2f}"
    if key == "query_ms_p50":
        return f"{value:,.1f}"
    if key.endswith("_s"):
        return f"{value:,.1f}"
    if key.endswith("_mb"):
        return f"{value:,.0f}"
    return str(value)


COLUMNS = [
    ("system", "system"),
    ("n", "articles"),
    ("vocab", "vocabulary ranks"),
    ("top_word_share", "top word"),
    ("median_word_share", "median word"),
    ("planted", "planted pairs"),
    ("recall", "recall"),
    ("pairs_per_article", "candidates/article"),
    ("generate_s", "generate s"),
    ("signatures_s", "signatures s"),
    ("corpus_mb", "peak MB"),
    ("stage_s", "candidates (insert) s"),
    ("stage_mb", "peak MB "),
    ("query_ms_p50", "query ms p50"),
    ("load", "load start-end"),
]


def table(results: list[dict[str, Any]]) -> str:
    """The results as a markdown table (one row per system, size and vocabulary)."""
    lines = ["| " + " | ".join(c[1].strip() for c in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in results:
        vocab = f"{r.get('first_rank', 100):,.0f}-{r.get('last_rank', 0):,.0f}"
        head = f"| {r['system']} | {r['n']:,} | {vocab} |"
        if "error" in r:
            lines.append(f"{head} failed: {r['error']} |")
            continue
        if "skipped" in r:
            lines.append(f"{head} not run: {r['skipped']} |")
            continue
        row = dict(r)
        row["vocab"] = vocab
        if r["system"] == "dupwire":
            row["stage_s"], row["stage_mb"] = r["candidates_s"], r["candidates_mb"]
        else:
            row["stage_s"] = r["insert_s"]
            row["stage_mb"] = max(r["insert_mb"], r["query_mb"])
        row["load"] = f"{r['load_start']:.1f}-{r['load_end']:.1f}"
        lines.append("| " + " | ".join(_cell(row, key) for key, _ in COLUMNS) + " |")
    return "\n".join(lines)


def _worker(args: argparse.Namespace) -> list[dict[str, Any]]:
    limit = int(args.max_gb * 1.5 * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    options = {
        "seed": args.seed,
        "first_rank": args.first_rank,
        "last_rank": args.last_ranks[0],
        "chunk": args.chunk,
    }
    if args.worker == "dupwire":
        return [measure_dupwire(args.n, **options)]
    banding = args.worker.split()[-1]
    return measure_datasketch(args.n, banding=banding, queries=args.queries, **options)


def _skip_reason(
    system: str, n: int, args: argparse.Namespace, measured: tuple[int, float] | None
) -> str | None:
    """Why ``system`` is not run at ``n`` articles (None: it is run).  ``measured`` is the
    largest size run so far with its candidate-stage peak MB, to extrapolate from."""
    if system != "dupwire" and n > args.datasketch_max:
        return f"above --datasketch-max {args.datasketch_max:,}"
    if system == "dupwire" and measured is not None:
        estimate = measured[1] * n / measured[0] / 1024
        if estimate > args.max_gb:
            return f"needs about {estimate:.1f} GB (from {measured[0]:,}), over --max-gb"
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--first-rank", type=float, default=100.0)
    parser.add_argument(
        "--last-ranks",
        type=float,
        nargs="+",
        default=[2_000_000.0],
        help="vocabulary sizes to run (20000: a focused beat)",
    )
    parser.add_argument("--chunk", type=int, default=CHUNK, help=argparse.SUPPRESS)
    parser.add_argument("--datasketch-max", type=int, default=100_000)
    parser.add_argument(
        "--systems", nargs="+", default=["dupwire", "datasketch 256x1", "datasketch t0.5"]
    )
    parser.add_argument(
        "--queries", type=int, default=2_000, help="datasketch: versions and articles queried"
    )
    parser.add_argument("--max-gb", type=float, default=8.0, help="peak RSS allowed per run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(args)))
        return
    results: list[dict[str, Any]] = []
    for last_rank in args.last_ranks:
        measured: tuple[int, float] | None = None  # (size, candidates peak MB)
        for n in sorted(args.sizes):
            for system in args.systems:
                reason = _skip_reason(system, n, args, measured)
                if reason is not None:
                    results.append(
                        {
                            "system": system,
                            "n": n,
                            "first_rank": args.first_rank,
                            "last_rank": last_rank,
                            "skipped": reason,
                        }
                    )
                    continue
                rows = _run(system, n, last_rank, args)
                if system == "dupwire" and "candidates_mb" in rows[0]:
                    measured = (n, rows[0]["candidates_mb"])
                results.extend(rows)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
