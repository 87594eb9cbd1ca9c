"""Time ``align`` against its floor: the bare rapidfuzz similarity matrix of the same sentences.

For the seed pair and for generated pairs of about 1,000 and 10,000 words (real ECB+ news
sentences; B is a rewrite of A: words swapped for synonyms, sentences merged, paragraphs
moved, sentences dropped and added), prints the median time of ``align(a, b)``, the median
time of ``rapidfuzz.process.cdist(sentences_a, sentences_b, scorer=fuzz.token_sort_ratio)``
over the same sentences on one thread, and their ratio.

With ``--large WORDS`` it also aligns one pair of about that many words (200,000 words is
about 9,000 sentences a side, every ECB+ sentence once) and prints the time and the peak
memory traced during ``align`` next to the size of one dense ``n * m`` float64 matrix of
sentence pairs, which the aligner does not build.

    python benchmarks/bench_align.py [--repeat 7] [--large 200000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

from dupwire.align import align
from dupwire.segment import split_units

ROOT = Path(__file__).resolve().parent.parent
SYNONYMS = {
    "said": "stated",
    "soldiers": "troops",
    "killed": "slain",
    "police": "officers",
    "people": "residents",
    "began": "started",
    "after": "following",
    "announced": "unveiled",
    "officials": "authorities",
    "large": "big",
}


def _sentences(text: str) -> list[str]:
    return [text[u.start : u.end] for u in split_units(text) if u.kind == "story"]


def _corpus_sentences() -> list[list[str]]:
    path = ROOT / "fixtures" / "ecbplus" / "dev.jsonl"
    docs = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    return [_sentences(d) for d in docs]


def make_pair(words: int, seed: int = 7) -> tuple[str, str]:
    """A text of about ``words`` words and a reworded, reordered rewrite of it."""
    rng = random.Random(seed)
    docs = _corpus_sentences()
    rng.shuffle(docs)
    paragraphs: list[list[str]] = []
    count = 0
    for doc in docs:
        for k in range(0, len(doc), 3):
            paragraphs.append(doc[k : k + 3])
            count += sum(len(s.split()) for s in doc[k : k + 3])
        if count >= words:
            break
    rewritten: list[list[str]] = []
    extra = iter(s for d in reversed(docs) for s in d)
    for para in paragraphs:
        out: list[str] = []
        for sent in para:
            roll = rng.random()
            if roll < 0.1:
                continue  # dropped
            sent = " ".join(SYNONYMS.get(w, w) for w in sent.split())
            if roll < 0.25 and out:
                out[-1] = out[-1].rstrip(".") + ", and " + sent[0].lower() + sent[1:]  # merged
            else:
                out.append(sent)
        if rng.random() < 0.1:
            out.append(next(extra))  # added
        rewritten.append(out)
    for _ in range(max(1, len(rewritten) // 10)):  # moved paragraphs
        i, j = rng.randrange(len(rewritten)), rng.randrange(len(rewritten))
        rewritten[i], rewritten[j] = rewritten[j], rewritten[i]
    a = "\n".join(" ".join(p) for p in paragraphs)
    b = "\n".join(" ".join(p) for p in rewritten if p)
    return a, b


def median_time(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm caches (word analysis, frequency list)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--large", type=int, default=0, metavar="WORDS")
    args = parser.parse_args()
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    cases = [("seed pair", seeds[0].read_text("utf-8"), seeds[1].read_text("utf-8"))]
    cases += [(f"~{n:,} words", *make_pair(n)) for n in (1_000, 10_000)]
    header = (
        f"{'case':<14}{'words A/B':>14}{'sents A/B':>12}{'links':>7}"
        f"{'align ms':>10}{'floor ms':>10}{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, a, b in cases:
        sa, sb = _sentences(a), _sentences(b)
        t_align = median_time(lambda a=a, b=b: align(a, b), args.repeat)
        t_floor = median_time(
            lambda sa=sa, sb=sb: process.cdist(sa, sb, scorer=fuzz.token_sort_ratio, workers=1),
            args.repeat,
        )
        n_links = len(align(a, b).links)
        words = f"{len(a.split())}/{len(b.split())}"
        print(
            f"{name:<14}{words:>14}{f'{len(sa)}/{len(sb)}':>12}{n_links:>7}"
            f"{t_align * 1e3:>10.1f}{t_floor * 1e3:>10.1f}{t_align / t_floor:>7.2f}"
        )
    if args.large:
        large(args.large)


def large(words: int) -> None:
    import tracemalloc

    a, b = make_pair(words)
    n, m = len(_sentences(a)), len(_sentences(b))
    align(a[:2000], b[:2000])  # warm the word caches
    tracemalloc.start()
    start = time.perf_counter()
    al = align(a, b)
    took = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"\nlarge pair: {n:,}/{m:,} sentences, {len(al.links):,} links, "
        f"{len(al.passages):,} passages, {took:.1f} s (traced), peak {peak / 2**20:,.0f} MiB; "
        f"one dense n*m float64 matrix would be {n * m * 8 / 2**20:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
