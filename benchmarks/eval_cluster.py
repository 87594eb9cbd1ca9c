"""Cluster a labelled JSONL file with dupwire and three baselines; print one table.

Methods, all run here on the same articles:

* **dupwire**: :func:`dupwire.cluster.cluster` with default parameters.
* **minhash-5**: datasketch ``MinHashLSH`` (128 permutations) over word 5-shingles,
  threshold 0.5, then connected components of the candidate pairs (classic near-duplicate
  detection).
* **minhash-1**: the same over single words, threshold 0.3.
* **tfidf-0.275**: tf-idf cosine (sublinear term frequency ``1 + ln(count)``, smooth idf
  ``ln((1 + n) / (1 + df)) + 1``, L2-normalised rows, numpy only; no stop list) of at least
  0.275, then connected components (refused when its dense matrix would pass
  ``max_bytes``).  With raw counts instead, function words dominate every cosine and
  everything ends up in one component.

Baselines read words as lower-cased ``\\w+`` runs.  Columns: pair precision/recall/F1, adjusted
Rand index, B-cubed precision/recall/F1, number of clusters (singletons included), largest
cluster, seconds.  A record's text is ``title + "\\n" + text`` when it has a non-empty title.

    python benchmarks/eval_cluster.py                       # ECB+ dev, label field "event"
    python benchmarks/eval_cluster.py path/to/allsides_neus/dev.jsonl --label-field story
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from dupwire.cluster import cluster
from dupwire.metrics import ClusterScores, score_clustering
from dupwire.model import Article

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "fixtures" / "ecbplus" / "dev.jsonl"
_WORD = re.compile(r"\w+")
_NUM_PERM = 128


def load(
    path: Path, label_field: str, id_field: str, title_field: str
) -> tuple[list[Article], dict[str, str]]:
    articles, truth = [], {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        text = rec.get("text") or ""
        title = rec.get(title_field)
        if isinstance(title, str) and title.strip():
            text = f"{title}\n{text}"
        art_id = str(rec[id_field])
        articles.append(Article(art_id, text))
        truth[art_id] = str(rec[label_field])
    return articles, truth


class UnionFind:
    """Disjoint sets over ``0..n-1``, joined one pair at a time (no pair list is held)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def labels(self) -> list[int]:
        return [self.find(i) for i in range(len(self.parent))]


def components(n: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Connected-component label of each of ``n`` items joined by ``pairs``."""
    sets = UnionFind(n)
    for i, j in pairs:
        sets.union(i, j)
    return sets.labels()


class TooLarge(RuntimeError):
    """A baseline would need more memory than it is allowed; the message says how much."""


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def minhash_lsh(articles: Sequence[Article], n: int, threshold: float) -> list[int]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=_NUM_PERM)
    sketches = []
    for k, art in enumerate(articles):
        toks = words(art.text)
        grams = (
            {" ".join(toks[i : i + n]) for i in range(max(len(toks) - n + 1, 1))} if toks else set()
        )
        mh = MinHash(num_perm=_NUM_PERM)
        mh.update_batch([gram.encode("utf-8") for gram in grams])
        sketches.append((mh, bool(grams)))
        if grams:
            lsh.insert(k, mh)
    sets = UnionFind(len(articles))
    for k, (mh, nonempty) in enumerate(sketches):
        if nonempty:
            for j in lsh.query(mh):
                sets.union(k, j)
    return sets.labels()


def tfidf(
    articles: Sequence[Article],
    threshold: float,
    block: int = 1024,
    max_bytes: float = float("inf"),
) -> list[int]:
    docs = [words(a.text) for a in articles]
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for d, toks in enumerate(docs):
        counts: dict[int, int] = {}
        for tok in toks:
            idx = vocab.setdefault(tok, len(vocab))
            counts[idx] = counts.get(idx, 0) + 1
        for idx, count in counts.items():
            rows.append(d)
            cols.append(idx)
            vals.append(count)
    n = len(docs)
    r, c = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    v = 1.0 + np.log(np.array(vals, dtype=np.float64))
    df = np.bincount(c, minlength=len(vocab))
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    v = v * idf[c]
    norms = np.sqrt(np.bincount(r, weights=v * v, minlength=n))
    v = v / np.where(norms > 0, norms, 1.0)[r]
    # Words in one article only add nothing to any cosine between two articles.
    shared = df[c] >= 2
    r, c, v = r[shared], c[shared], v[shared]
    used = np.unique(c)
    if n * len(used) * 4 > max_bytes:
        msg = f"tf-idf needs a {n} x {len(used)} float32 matrix, over {max_bytes / 2**20:.0f} MB"
        raise TooLarge(msg)
    col = np.searchsorted(used, c)
    dense = np.zeros((n, len(used)), dtype=np.float32)
    dense[r, col] = v
    sets = UnionFind(n)
    for lo in range(0, n, block):
        sims = dense[lo : lo + block] @ dense.T
        ii, jj = np.nonzero(sims >= threshold)
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            if lo + i < j:
                sets.union(lo + i, j)
    return sets.labels()


def run_dupwire(articles: Sequence[Article]) -> dict[str, str]:
    return cluster(articles).labels()


def timed(
    fn: Callable[[], list[int] | dict[str, str]], ids: Sequence[str]
) -> tuple[dict[str, str], float]:
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    if isinstance(out, dict):
        return out, seconds
    return {i: str(label) for i, label in zip(ids, out, strict=True)}, seconds


def table(name: str, rows: list[tuple[str, ClusterScores, float]]) -> str:
    head = (
        f"{'method':<13} {'pair P':>7} {'pair R':>7} {'pair F1':>7} {'ARI':>7} "
        f"{'B3 P':>7} {'B3 R':>7} {'B3 F1':>7} {'clusters':>8} {'largest':>7} {'seconds':>8}"
    )
    lines = [name, head, "-" * len(head)]
    for method, s, sec in rows:
        lines.append(
            f"{method:<13} {s.pair_precision:7.3f} {s.pair_recall:7.3f} {s.pair_f1:7.3f} "
            f"{s.ari:7.3f} {s.bcubed_precision:7.3f} {s.bcubed_recall:7.3f} {s.bcubed_f1:7.3f} "
            f"{s.n_pred_clusters:8d} {s.largest_pred_cluster:7d} {sec:8.2f}"
        )
    return "\n".join(lines)


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The labelled file and its fields, as :func:`load` takes them."""
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--label-field", default="event")
    parser.add_argument("--id-field", default="id")
    parser.add_argument("--title-field", default="title")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arguments(parser)
    parser.add_argument(
        "--only", nargs="*", default=None, help="run only these methods (dupwire, minhash-5, ...)"
    )
    args = parser.parse_args(argv)
    articles, truth = load(args.path, args.label_field, args.id_field, args.title_field)
    ids = [a.id for a in articles]
    methods: list[tuple[str, Callable[[], list[int] | dict[str, str]]]] = [
        ("dupwire", lambda: run_dupwire(articles)),
        ("minhash-5", lambda: minhash_lsh(articles, 5, 0.5)),
        ("minhash-1", lambda: minhash_lsh(articles, 1, 0.3)),
        ("tfidf-0.275", lambda: tfidf(articles, 0.275)),
    ]
    rows = []
    for name, fn in methods:
        if args.only and name not in args.only:
            continue
        labels, seconds = timed(fn, ids)
        rows.append((name, score_clustering(truth, labels), seconds))
    sizes: dict[str, int] = {}
    for label in truth.values():
        sizes[label] = sizes.get(label, 0) + 1
    largest = max(sizes.values(), default=0)
    title = (
        f"{args.path} ({len(articles)} articles, {len(sizes)} true clusters, "
        f"largest {largest}; label field {args.label_field!r})"
    )
    print(table(title, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
