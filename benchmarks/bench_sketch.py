"""Speed of stage 1 against plain datasketch, on the same shingles in the same run.

1. Signatures per second: ``dupwire.sketch.signatures`` (numpy, whole batch) against
   ``datasketch.MinHash.update_batch`` one article at a time, and whether the values agree.
2. Candidate generation: ``dupwire.index.candidate_pairs`` (sort-based banding) against
   ``datasketch.MinHashLSH`` insert + query of every signature, and whether both give the
   same candidate pairs.  For the comparison our bucket cap is off (datasketch has none) and
   one shared band is enough (MinHashLSH cannot ask for more); the default layout, which
   needs eight shared bands and caps buckets at 50 articles, is timed on its own.

Corpora: the 575 ECB+ development articles (default shingles), and a synthetic scale-up
to 10k and 100k articles made of copies of ECB+: each copy rehashes every shingle with its
own salt and drops 10% of them at random, so the copies are unrelated corpora with the
structure of ECB+ (story sizes, overlap within a story).  datasketch is timed on at most
``--datasketch-max`` articles (a slice of the corpus) to keep the run short; its rate is
per article, so the ratio stays comparable.

    python benchmarks/bench_sketch.py [--datasketch-max 20000]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from datasketch import MinHash, MinHashLSH

from dupwire._numeric import mix64
from dupwire.index import DEFAULT_LAYOUT, LshLayout, candidate_pairs
from dupwire.shingle import shingle_batch
from dupwire.sketch import DEFAULT_NUM_PERM, EMPTY_VALUE, hashfunc32, signatures, to_minhash

REPO = Path(__file__).resolve().parent.parent
ECB = REPO / "fixtures" / "ecbplus" / "dev.jsonl"
NUM_PERM = DEFAULT_NUM_PERM


def timed(fn: Callable[[], Any], *, repeat: int = 1) -> tuple[Any, float]:
    """The result of ``fn()`` and its fastest run time out of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def scale_up(base: list[np.ndarray], size: int, rng: np.random.Generator) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    copy = 0
    while len(out) < size:
        salt = np.uint64((0x9E3779B97F4A7C15 * (copy + 1)) % 2**64)
        for shingles in base[: size - len(out)]:
            kept = shingles[rng.random(len(shingles)) >= 0.1] if copy else shingles
            out.append(np.unique(mix64(kept ^ salt)) if copy else kept)
        copy += 1
    return out


def datasketch_signatures(
    sets: list[np.ndarray], scheme: Literal["affine32", "legacy"], *, shared: bool
) -> np.ndarray:
    """One ``MinHash`` per article; ``shared`` passes the permutations instead of drawing
    them again for every article (datasketch's own advice for many sketches)."""
    perms = MinHash(num_perm=NUM_PERM, seed=1, scheme=scheme).permutations if shared else None
    rows = []
    for shingles in sets:
        m = MinHash(
            num_perm=NUM_PERM, seed=1, scheme=scheme, hashfunc=hashfunc32, permutations=perms
        )
        m.update_batch(shingles.tolist())
        rows.append(m.hashvalues)
    return np.asarray(rows, dtype=np.uint64).reshape(len(sets), NUM_PERM)


def datasketch_pairs(sig: np.ndarray, layout: LshLayout) -> set[tuple[int, int]]:
    lsh = MinHashLSH(num_perm=NUM_PERM, params=(layout.bands, layout.rows))
    minhashes = [to_minhash(row) for row in sig]
    for i, m in enumerate(minhashes):
        lsh.insert(i, m)
    pairs = set()
    for i, m in enumerate(minhashes):
        pairs.update((min(i, j), max(i, j)) for j in lsh.query(m) if j != i)
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasketch-max", type=int, default=20_000)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()
    started = time.perf_counter()

    with ECB.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    base, shingle_time = timed(lambda: shingle_batch(texts))
    print(
        f"ECB+ dev: {len(base)} articles, {np.mean([len(s) for s in base]):.0f} shingles each "
        f"on average (default shingles: {shingle_time:.2f}s including the word list); "
        f"num_perm {NUM_PERM}"
    )
    rng = np.random.default_rng(0)
    corpora = [("ECB+", base)] + [
        (f"synthetic {size // 1000}k", scale_up(base, size, rng)) for size in args.sizes
    ]

    print()
    print("1. MinHash signatures (same shingles, same run; datasketch: one MinHash per article,")
    print("   update_batch; 'shared' passes the permutations instead of drawing them each time)")
    header = (
        f"{'corpus':>14s} {'scheme':>8s} {'articles':>8s} {'dupwire sig/s':>13s} "
        f"{'datasketch sig/s':>16s} {'ratio':>6s} {'shared sig/s':>12s} {'ratio':>6s} "
        f"{'equal':>5s}"
    )
    print(header)
    print("-" * len(header))
    for scheme in ("affine32", "legacy"):  # warm up: permutations are cached after this
        signatures(base[:2], num_perm=NUM_PERM, scheme=scheme)
    sigs: dict[str, np.ndarray] = {}
    for name, sets in corpora:
        for scheme in ("affine32", "legacy"):
            # Small corpora run in milliseconds: take the best of three runs on both sides.
            repeat = 3 if len(sets) < 1000 else 1
            ours, t_ours = timed(
                lambda s=scheme, c=sets: signatures(c, num_perm=NUM_PERM, scheme=s), repeat=repeat
            )
            part = sets[: args.datasketch_max]
            plain, t_plain = timed(
                lambda s=scheme, p=part: datasketch_signatures(p, s, shared=False), repeat=repeat
            )
            shared, t_shared = timed(
                lambda s=scheme, p=part: datasketch_signatures(p, s, shared=True), repeat=repeat
            )
            rate = len(sets) / t_ours
            rate_plain, rate_shared = len(part) / t_plain, len(part) / t_shared
            equal = np.array_equal(ours[: len(part)], plain) and np.array_equal(plain, shared)
            note = "" if len(part) == len(sets) else f"  (datasketch on first {len(part)})"
            print(
                f"{name:>14s} {scheme:>8s} {len(sets):8d} {rate:13,.0f} {rate_plain:16,.0f} "
                f"{rate / rate_plain:5.1f}x {rate_shared:12,.0f} {rate / rate_shared:5.1f}x "
                f"{'yes' if equal else 'NO':>5s}{note}"
            )
            if scheme == "affine32":
                sigs[name] = ours

    print()
    print("2. Candidate pairs from the same signatures")
    compare = LshLayout(bands=32, rows=4)
    header = (
        f"{'corpus':>14s} {'layout':>16s} {'articles':>8s} {'dupwire s':>9s} "
        f"{'MinHashLSH s':>12s} {'ratio':>6s} {'pairs':>9s} {'same':>5s}"
    )
    print(header)
    print("-" * len(header))
    for name, sig in sigs.items():
        one_band = LshLayout(bands=DEFAULT_LAYOUT.bands, rows=DEFAULT_LAYOUT.rows)
        for layout in (compare, one_band):
            part = sig[: args.datasketch_max]
            ours, t_ours = timed(
                lambda p=part, lay=layout: candidate_pairs(p, layout=lay, max_bucket=len(p))
            )
            theirs, t_theirs = timed(lambda p=part, lay=layout: datasketch_pairs(p, lay))
            mine = {tuple(p) for p in ours.pairs.tolist()}
            empty = set(np.flatnonzero(np.all(part == EMPTY_VALUE, axis=1)).tolist())
            # We never pair articles without shingles; MinHashLSH pairs them all together.
            only_empty = all(i in empty and j in empty for i, j in theirs - mine)
            same = "yes" if mine == theirs else "yes*" if mine <= theirs and only_empty else "NO"
            print(
                f"{name:>14s} {f'{layout.bands}x{layout.rows}, no cap':>16s} {len(part):8d} "
                f"{t_ours:9.2f} {t_theirs:12.2f} {t_theirs / t_ours:5.1f}x {len(ours):9d} "
                f"{same:>5s}"
            )
        default, t_default = timed(lambda s=sig: candidate_pairs(s))
        label = f"default >={DEFAULT_LAYOUT.min_bands}, cap"
        print(
            f"{name:>14s} {label:>16s} {len(sig):8d} {t_default:9.2f} "
            f"{'-':>12s} {'':>6s} {len(default):9d} {'':>5s}  "
            f"({default.pairs_per_article:.1f} pairs/article, "
            f"{default.capped_buckets} buckets capped)"
        )
    print("yes*: the same except that MinHashLSH also pairs the articles left without shingles")
    print("(all-empty signatures) with each other; candidate_pairs never proposes those.")
    print(f"\n({time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()
