"""Choose the default shingles and LSH layout of stage 1 by measurement.

Stage 1 proposes candidate pairs; it is tuned for recall of articles about the same story,
even when reworded.  On the ECB+ development topics (``fixtures/ecbplus/dev.jsonl``, the
only data used to choose the defaults), for each shingle scheme, number of permutations
(128, 256) and LSH layout of a grid, with three MinHash seeds, this measures:

* recall: the share of same-event pairs that are candidates (pooled over the seeds);
* p10: the 10th percentile of that recall when the 25 topics are resampled with replacement
  (2000 bootstrap samples).  The defaults will meet new topics, not these ones: requiring
  p10 >= 98% asks for the target with about 90% confidence on topics like these;
* worst seed: the lowest recall of a single seed;
* pairs/article: candidate pairs divided by articles (mean over the seeds);
* seed: whether the two seed articles (``seeds/*.txt``, added to the corpus) are a candidate
  pair with every seed.

A layout is ``bands x rows >= min_bands``: candidates share at least ``min_bands`` bands.
For each scheme the script prints the configuration with p10 >= 98% and the seed pair found
that has the fewest pairs per article; the winner is the fewest overall (within 5% counts as
a tie, which goes to the higher p10).  It prints the recall/pairs trade-off of the winner's
band layout, then how pairs/article grows with the corpus, for the winner (at several bucket
caps), the best 128-permutation configuration and the classic baseline, on the AllSides
excerpts (``shared/data/allsides_neus/dev.jsonl``, used only for this growth measurement) and
on the union of both files taken at 1/4, 1/2 and all of it (a 4x growth).

    python benchmarks/tune_candidates.py [--allsides PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dupwire.index import DEFAULT_MAX_BUCKET, LshLayout, candidate_pairs, optimal_layout
from dupwire.shingle import shingle_batch
from dupwire.sketch import signatures

REPO = Path(__file__).resolve().parent.parent
ECB = REPO / "fixtures" / "ecbplus" / "dev.jsonl"
ALLSIDES = REPO.parent / "shared" / "data" / "allsides_neus" / "dev.jsonl"
SEEDS = sorted((REPO / "seeds").glob("*.txt"))

MINHASH_SEEDS = (1, 2, 3)
TARGET = 0.98
BOOTSTRAP = 2000
MAX_MIN_BANDS = 16
MAX_BUCKET = DEFAULT_MAX_BUCKET

# name -> options of dupwire.shingle.shingles
SCHEMES: dict[str, dict[str, Any]] = {
    "word 5-grams": {"n": 5, "max_zipf": None, "lead": None},
    "all words": {"n": 1, "max_zipf": None, "lead": None},
    "rare-word pairs z<5": {"n": 2, "max_zipf": 5.0, "lead": None},
}
for _z in (4.5, 5.0, 5.5):
    for _lead in (None, 50, 75, 100, 150):
        _name = f"rare words z<{_z:g}" + (f" lead {_lead}" if _lead else "")
        SCHEMES[_name] = {"n": 1, "max_zipf": _z, "lead": _lead}
SCHEMES["rare words z<6"] = {"n": 1, "max_zipf": 6.0, "lead": None}


def band_layouts(num_perm: int) -> list[tuple[int, int]]:
    """(bands, rows) to try; every min_bands from 1 to 16 is measured for each."""
    if num_perm == 256:
        return [(256, 1), (128, 2)]
    found = {(128, 1), (64, 2), (32, 4)}
    for threshold in (0.05, 0.1, 0.2, 0.3, 0.5):
        layout = optimal_layout(threshold, num_perm)
        found.add((layout.bands, layout.rows))
    return sorted(found)


BASELINE = ("word 5-grams", 128, optimal_layout(0.5, 128))  # classic dedup at threshold 0.5


@dataclass(frozen=True)
class Result:
    scheme: str
    num_perm: int
    layout: LshLayout
    recall: float
    p10: float
    worst_seed: float
    pairs_per_article: float
    seed_pair: bool

    def row(self) -> str:
        return (
            f"{self.scheme:26s} {self.num_perm:4d} {fmt_layout(self.layout):>11s} "
            f"{self.recall:7.1%} {self.p10:7.1%} {self.worst_seed:7.1%} "
            f"{self.pairs_per_article:9.1f} {'yes' if self.seed_pair else 'no':>4s}"
        )


HEADER = (
    f"{'scheme':26s} {'perm':>4s} {'layout':>11s} {'recall':>7s} {'p10':>7s} {'worst':>7s} "
    f"{'pairs/art':>9s} {'seed':>4s}"
)


def fmt_layout(layout: LshLayout) -> str:
    return f"{layout.bands}x{layout.rows} >={layout.min_bands}"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def allsides_text(row: dict[str, Any]) -> str:
    return "\n".join(part for part in (row.get("title"), row.get("text")) if part)


def same_label_codes(labels: list[str]) -> np.ndarray:
    """Codes ``i * n + j`` (i < j) of the pairs with equal labels, sorted."""
    n = len(labels)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    codes = [
        i * n + j
        for members in by_label.values()
        for a, i in enumerate(members)
        for j in members[a + 1 :]
    ]
    return np.unique(np.asarray(codes, dtype=np.int64))


class Gold:
    """Same-event pairs of ECB+ (plus the seed pair), grouped by topic for the bootstrap."""

    def __init__(self, ecb: list[dict[str, Any]]) -> None:
        self.n_ecb = len(ecb)
        self.n = self.n_ecb + 2  # the two seed articles come last
        self.codes = same_label_codes([row["event"] for row in ecb])
        self.seed_code = self.n_ecb * self.n + self.n_ecb + 1
        # same_label_codes numbers pairs for n_ecb articles; renumber for n.
        i, j = self.codes // self.n_ecb, self.codes % self.n_ecb
        self.codes = i * self.n + j
        topics = np.array([row["topic"] for row in ecb])
        _, self.topic = np.unique(topics[i], return_inverse=True)
        self.n_topics = int(self.topic.max()) + 1
        self.totals = np.bincount(self.topic, minlength=self.n_topics)
        rng = np.random.default_rng(0)
        self.samples = rng.integers(0, self.n_topics, size=(BOOTSTRAP, self.n_topics))


def evaluate(scheme: str, num_perm: int, sigs: list[np.ndarray], gold: Gold) -> list[Result]:
    """Every (bands, rows) of the grid with every min_bands, from one run per seed."""
    results = []
    for bands, rows in band_layouts(num_perm):
        base = LshLayout(bands=bands, rows=rows)
        per_seed = []
        for sig in sigs:
            cand = candidate_pairs(sig, layout=base, max_bucket=MAX_BUCKET)
            codes = cand.pairs[:, 0] * gold.n + cand.pairs[:, 1]
            shared = np.zeros(len(gold.codes), dtype=np.int64)
            pos = np.searchsorted(codes, gold.codes)
            found = pos < len(codes)
            found[found] = codes[pos[found]] == gold.codes[found]
            shared[found] = cand.shared_bands[pos[found]]
            seed_shared = cand.shared_bands[codes == gold.seed_code]
            real = (cand.pairs < gold.n_ecb).all(axis=1)
            per_seed.append((shared, int(seed_shared[0]) if len(seed_shared) else 0, real, cand))
        for min_bands in range(1, min(MAX_MIN_BANDS, bands) + 1):
            hits = np.zeros(gold.n_topics)
            recalls, ppa, seed_ok = [], [], True
            for shared, seed_shared, real, cand in per_seed:
                hit = shared >= min_bands
                hits += np.bincount(gold.topic, weights=hit, minlength=gold.n_topics)
                recalls.append(hit.mean())
                ppa.append(int((real & (cand.shared_bands >= min_bands)).sum()) / gold.n_ecb)
                seed_ok &= seed_shared >= min_bands
            totals = gold.totals * len(per_seed)
            boot = hits[gold.samples].sum(axis=1) / totals[gold.samples].sum(axis=1)
            results.append(
                Result(
                    scheme=scheme,
                    num_perm=num_perm,
                    layout=LshLayout(bands=bands, rows=rows, min_bands=min_bands),
                    recall=float(hits.sum() / totals.sum()),
                    p10=float(np.quantile(boot, 0.1)),
                    worst_seed=float(min(recalls)),
                    pairs_per_article=float(np.mean(ppa)),
                    seed_pair=bool(seed_ok),
                )
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allsides", type=Path, default=ALLSIDES)
    args = parser.parse_args()
    started = time.perf_counter()

    ecb = read_jsonl(ECB)
    texts = [row["text"] for row in ecb] + [p.read_text(encoding="utf-8") for p in SEEDS]
    gold = Gold(ecb)
    print(
        f"ECB+ dev: {gold.n_ecb} articles, {len(gold.codes)} same-event pairs in "
        f"{gold.n_topics} topics; MinHash seeds {MINHASH_SEEDS}; max_bucket {MAX_BUCKET}"
    )
    print(f"best configuration of each scheme with p10 >= {TARGET:.0%} and the seed pair found:")
    print()
    print(HEADER)
    print("-" * len(HEADER))
    every: list[Result] = []
    best: dict[str, Result] = {}
    for name, options in SCHEMES.items():
        shingles = shingle_batch(texts, **options)
        for num_perm in (128, 256):
            sigs = [signatures(shingles, num_perm=num_perm, seed=s) for s in MINHASH_SEEDS]
            every += evaluate(name, num_perm, sigs, gold)
        ok = [r for r in every if r.scheme == name and r.p10 >= TARGET and r.seed_pair]
        if ok:
            best[name] = min(ok, key=lambda r: r.pairs_per_article)
            print(best[name].row())
        else:
            top = max((r for r in every if r.scheme == name), key=lambda r: r.p10)
            print(f"{top.row()}  (target not met; highest p10 shown)")
        print(f"  ({time.perf_counter() - started:.0f}s)", file=sys.stderr)
    baseline = next(r for r in every if (r.scheme, r.num_perm, r.layout) == BASELINE)
    print(f"{baseline.row()}  (classic dedup: threshold 0.5)")

    fewest = min(r.pairs_per_article for r in best.values())
    tied = [r for r in best.values() if r.pairs_per_article <= 1.05 * fewest]
    winner = max(tied, key=lambda r: (r.p10, -r.pairs_per_article))
    best_128 = min(
        (r for r in every if r.num_perm == 128 and r.p10 >= TARGET and r.seed_pair),
        key=lambda r: r.pairs_per_article,
    )
    print()
    print(
        f"chosen: {winner.scheme!r} {SCHEMES[winner.scheme]}, num_perm {winner.num_perm}, "
        f"layout {winner.layout}"
    )
    print(f"best with 128 permutations: {best_128.scheme!r}, layout {best_128.layout}")
    print()
    print(f"trade-off of the chosen shingles and band layout ({fmt_layout(winner.layout)}):")
    print(HEADER)
    print("-" * len(HEADER))
    for r in every:
        same = (r.scheme, r.num_perm, r.layout.bands, r.layout.rows) == (
            winner.scheme,
            winner.num_perm,
            winner.layout.bands,
            winner.layout.rows,
        )
        if same and r.recall > 0.95:
            print(r.row())
    print()
    print("candidate probability of the chosen layout:")
    print(winner.layout.table())
    print()

    if not args.allsides.exists():
        print(f"{args.allsides} not found: growth not measured")
        return
    no_cap = 10**9
    growth(
        args.allsides,
        ecb,
        [
            (winner, (no_cap, 200, 100, MAX_BUCKET, 25)),
            (best_128, (MAX_BUCKET,)),
            (baseline, (MAX_BUCKET,)),
        ],
    )
    print(f"\n({time.perf_counter() - started:.0f}s)")


def growth(
    path: Path, ecb: list[dict[str, Any]], configs: list[tuple[Result, tuple[int, ...]]]
) -> None:
    allsides = read_jsonl(path)
    texts = [row["text"] for row in ecb] + [allsides_text(row) for row in allsides]
    labels = [f"ecb:{row['event']}" for row in ecb] + [f"as:{row['story']}" for row in allsides]
    from_ecb = np.arange(len(texts)) < len(ecb)
    order = np.random.default_rng(0).permutation(len(texts))
    corpora: list[tuple[str, np.ndarray]] = [
        ("ECB+", np.arange(len(ecb))),
        ("AllSides", np.arange(len(ecb), len(texts))),
    ]
    for frac, label in ((4, "union 1/4"), (2, "union 1/2"), (1, "union")):
        corpora.append((label, np.sort(order[: len(order) // frac])))
    print("growth with corpus size: recall of same-event (ECB+) and same-story (AllSides) pairs")
    print("inside each corpus (MinHash seed 1), pairs/article, and buckets dropped for exceeding")
    print("the cap (max_bucket)")
    header = (
        f"{'scheme':26s} {'perm':>4s} {'layout':>11s} {'cap':>5s} {'corpus':>10s} "
        f"{'articles':>8s} {'rec ECB+':>8s} {'rec AllS':>8s} {'pairs/art':>9s} {'capped':>7s}"
    )
    print(header)
    print("-" * len(header))
    for config, caps in configs:
        shingles = shingle_batch(texts, **SCHEMES[config.scheme])
        sig_all = signatures(shingles, num_perm=config.num_perm, seed=MINHASH_SEEDS[0])
        for cap in caps:
            for label, idx in corpora:
                gold = same_label_codes([labels[i] for i in idx])
                cand = candidate_pairs(sig_all[idx], layout=config.layout, max_bucket=cap)
                codes = cand.pairs[:, 0] * len(idx) + cand.pairs[:, 1]
                hit = np.isin(gold, codes)
                gold_ecb = from_ecb[idx[gold // len(idx)]]
                rec = [
                    f"{hit[m].mean():8.1%}" if m.any() else f"{'-':>8s}"
                    for m in (gold_ecb, ~gold_ecb)
                ]
                cap_s = "none" if cap >= len(texts) else str(cap)
                print(
                    f"{config.scheme:26s} {config.num_perm:4d} {fmt_layout(config.layout):>11s} "
                    f"{cap_s:>5s} {label:>10s} {len(idx):8d} {rec[0]} {rec[1]} "
                    f"{cand.pairs_per_article:9.2f} {cand.capped_buckets:7d}"
                )


if __name__ == "__main__":
    main()
