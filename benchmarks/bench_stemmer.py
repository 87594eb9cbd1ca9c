"""Our light suffix stripper against the Snowball English stemmer (PyStemmer), measured.

For each stemmer, in one run: the seed gold (links found, links false, verdict), the mean
pair score of same-event and other-event ECB+ pairs of topics 1-10 (their gap is what
clustering relies on), plagdet of passages on the reuse pairs of ``reuse_gen.py``, and the
cost of stemming every distinct word of the ECB+ texts once (the aligner caches a word's
key, so this is the whole stemming cost of a corpus).  Needs ``pip install PyStemmer``.

    python benchmarks/bench_stemmer.py [--pairs 105]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import Stemmer  # type: ignore[import-not-found]

import eval_align
import reuse_gen
from dupwire import normalize
from dupwire.align import align
from dupwire.evaluate import check_alignment

ROOT = Path(__file__).resolve().parent.parent


def _use(key_fn: Callable[[str], str]) -> None:
    normalize.match_key = key_fn  # type: ignore[assignment]
    normalize._ANALYSED.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=105)
    args = parser.parse_args()
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    seed_a, seed_b = (p.read_text("utf-8") for p in seeds[:2])
    gold = json.loads((ROOT / "fixtures" / "seed-pair.gold.json").read_text("utf-8"))
    records = [
        json.loads(line)
        for line in (ROOT / "fixtures" / "ecbplus" / "dev.jsonl").read_text("utf-8").splitlines()
    ]
    by_event: dict[str, list[str]] = {}
    for rec in records:
        if rec["topic"] <= 10:
            by_event.setdefault(rec["event"], []).append(rec["text"])
    words = sorted(
        {w.lower() for r in records for w in re.findall(r"[^\W\d_]+", r["text"]) if w.isascii()}
    )
    pairs = list(reuse_gen.generate(args.pairs, 0))
    snowball = Stemmer.Stemmer("english")
    ours = normalize.match_key
    print(
        f"| stemmer | seed links found | false | verdict | same-event score | other-event score "
        f"| plagdet (passages) | stem {len(words):,} words, ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, fn in (("light (ours)", ours), ("Snowball (PyStemmer)", snowball.stemWord)):
        _use(fn)
        check = check_alignment(align(seed_a, seed_b), gold)
        n_ref = len(check.found) + len(check.missed)
        al_links = align(seed_a, seed_b).links
        false = round(len(al_links) * (1 - check.link_precision))
        same, other = [], []
        events = sorted(by_event)
        for ev in events:
            texts = by_event[ev][:4]
            same += [align(texts[0], t).score for t in texts[1:]]
        for t in range(1, 11):
            x, y = by_event.get(f"{t}_ecb", []), by_event.get(f"{t}_ecbplus", [])
            other += [align(p, q).score for p, q in zip(x[:3], y[:3], strict=False)]
        table = eval_align.evaluate(pairs, {"p": eval_align.dupwire_passages})["p"]
        start = time.perf_counter()
        for w in words:
            fn(w)
        took = (time.perf_counter() - start) * 1e3
        print(
            f"| {name} | {len(check.found)}/{n_ref} | {false} | {check.verdict_ok} "
            f"| {statistics.mean(same):.1f} | {statistics.mean(other):.1f} "
            f"| {table['overall'].plagdet:.3f} | {took:.1f} |"
        )
    _use(ours)


if __name__ == "__main__":
    main()
