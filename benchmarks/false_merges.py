"""Where dupwire merges different stories: false pairs by cluster size, and the evidence.

Clusters a labelled JSONL file with the defaults (:func:`dupwire.cluster.cluster`) and prints:

* the predicted pairs of each cluster size, true (same label) and false;
* the largest clusters, each with the stories it joins and their titles;
* for false members (a member whose label differs from its representative's), the evidence
  that kept it there: its pair score with the representative, the aligner's relation, and the
  heaviest shared words of the two texts (:func:`dupwire.align.explain_similarity`), with how
  many articles and stories of the corpus carry each word.

A word carried by many stories (a saga's protagonist) is evidence of the topic, not of the
event; a member held only by such words is a same-saga merge.

    python benchmarks/false_merges.py path/to/allsides_neus/dev.jsonl --label-field story
    python benchmarks/false_merges.py                                   # ECB+ dev, label "event"
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence

from dupwire.align import explain_similarity
from dupwire.cluster import cluster
from dupwire.metrics import score_clustering
from dupwire.normalize import tokenize
from eval_cluster import add_data_arguments, load


def _size_bucket(n: int) -> str:
    if n <= 6:
        return str(n)
    return "7-12" if n <= 12 else "13+"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arguments(parser)
    parser.add_argument("--largest", type=int, default=3, help="clusters to list")
    parser.add_argument("--members", type=int, default=12, help="false members to explain")
    args = parser.parse_args(argv)
    articles, truth = load(args.path, args.label_field, args.id_field, args.title_field)
    text = {a.id: a.text for a in articles}
    result = cluster(articles)
    labels = result.labels()
    s = score_clustering(truth, labels)
    print(
        f"{args.path}: {len(articles)} articles; pair P {s.pair_precision:.3f} "
        f"R {s.pair_recall:.3f}, ARI {s.ari:.3f}, B-cubed F1 {s.bcubed_f1:.3f}, "
        f"largest cluster {s.largest_pred_cluster}"
    )

    keys: dict[str, set[str]] = {a.id: {t.key for t in tokenize(a.text)} for a in articles}
    df: Counter[str] = Counter()
    stories: dict[str, set[str]] = defaultdict(set)
    for art_id, ks in keys.items():
        df.update(ks)
        for k in ks:
            stories[k].add(truth[art_id])

    true_pairs: Counter[str] = Counter()
    false_pairs: Counter[str] = Counter()
    for c in result.clusters:
        n = len(c.members)
        same = sum(v * (v - 1) // 2 for v in Counter(truth[m] for m in c.members).values())
        true_pairs[_size_bucket(n)] += same
        false_pairs[_size_bucket(n)] += n * (n - 1) // 2 - same
    print(f"\n{'cluster size':>12} {'clusters':>8} {'true pairs':>10} {'false pairs':>11}")
    n_of = Counter(_size_bucket(len(c.members)) for c in result.clusters)
    for b in sorted(n_of, key=lambda s: int(s.split("-")[0].rstrip("+"))):
        print(f"{b:>12} {n_of[b]:8d} {true_pairs[b]:10d} {false_pairs[b]:11d}")

    for c in sorted(result.clusters, key=lambda c: (-len(c.members), c.id))[: args.largest]:
        joined = Counter(truth[m] for m in c.members)
        print(f"\ncluster {c.id}: {len(c.members)} articles, {len(joined)} stories")
        for m in sorted(c.members, key=lambda m: (truth[m], m)):
            print(f"  {truth[m]:<22} {text[m].splitlines()[0][:90]}")

    false_members = [
        a
        for a in result.assignments
        if a.cluster_id is not None and truth[a.id] != truth[a.representative_id]
    ]
    false_members.sort(key=lambda a: (-(a.score or 0.0), a.id))
    print(
        f"\n{len(false_members)} members sit with a representative of another story; "
        f"the {min(args.members, len(false_members))} highest scoring:"
    )
    for a in false_members[: args.members]:
        shared = explain_similarity(text[a.id], text[a.representative_id]).shared[:6]
        words = ", ".join(f"{k} ({df[k]} art., {len(stories[k])} st.)" for k, _ in shared)
        print(f"  {a.id} -> {a.representative_id}: score {a.score}, {a.relation}; {words}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
