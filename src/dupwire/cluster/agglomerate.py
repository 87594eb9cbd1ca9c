"""Stage 6, agglomeration: average linkage over the candidate graph, with three refusals.

The two clusters with the highest average pair score merge while it is at least
``min_score``.  The average is over all pairs of members; pairs that are not candidates
count as 0.  Three rules can refuse a merge:

* **No chaining.**  A pair of articles is *linked* when its pair score (exact, candidate or
  not) is at least ``link_score``.  More than half of the pairs across the two merging
  clusters must be linked, and every member of the merged cluster must be linked with more
  than half of the other members.  So when A resembles B and B resembles C but A and C are
  unrelated, at most two of them end up together; and two groups of unrelated reports stay
  apart however many roundups quote both (a roundup may join one side).
* **Contrast.**  Reports of two different occasions of one kind (two title fights of one
  boxer, two patches of one browser) share their protagonist and their vocabulary, so their
  similarity alone does not tell them apart.  But each group has facts the other lacks: an
  opponent, a date, a place.  Two groups of at least ``contrast_min_size`` articles stay
  apart when *each* has a word found in so many more of its articles than of the other
  group's that a one-sided hypergeometric test on the article counts gives
  ``p < contrast_alpha``.  Within one event, the facts most reports carry are carried by the
  other reports too, so this rarely fires there.
* **Cohesion.**  Two clusters of at least two articles each stay apart when their average
  pair score across is below ``cohesion`` times the *internal* average (over the pairs
  inside a cluster, counted the same way) of the looser of the two.  The stories of one saga
  (one nominee's hearings, vote and confirmation) resemble each other through the names they
  share, but each story's reports resemble each other far more: the step down from inside to
  across is the boundary.  Parts of one event, whose reports all tell the same facts,
  resemble each other across about as much as inside.

With ``window`` (days), two clusters whose dated members would span more than that do not
merge.  The time cost of :mod:`dupwire.dates` is already in the pair scores.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from dupwire._numeric import F64, I32, I64
from dupwire.cluster.scan import Progress
from dupwire.cluster.verify import PairScorer

__all__ = ["Agglomeration", "Agglomerator", "LinkageRules", "agglomerate", "distinct_groups"]

K = TypeVar("K", bound=Hashable)
_PROGRESS_EVERY = 1000


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _upper_tail(total: int, marked: int, drawn: int, hits: int) -> float:
    """P(X >= hits) for X ~ Hypergeometric(total, marked, drawn)."""
    top = min(marked, drawn)
    if hits > top:
        return 0.0
    base = _log_comb(total, drawn)
    return min(
        1.0,
        sum(
            math.exp(_log_comb(marked, x) + _log_comb(total - marked, drawn - x) - base)
            for x in range(hits, top + 1)
        ),
    )


def _over_represented(
    mine: Counter[K], n_mine: int, theirs: Counter[K], n_theirs: int, alpha: float
) -> bool:
    """Whether some word is in significantly more of my articles than of theirs."""
    total = n_mine + n_theirs
    for key, hits in mine.items():
        other = theirs.get(key, 0)
        if hits * n_theirs <= other * n_mine:
            continue
        if _upper_tail(total, hits + other, n_mine, hits) < alpha:
            return True
    return False


def distinct_groups(
    counts_a: Counter[K], n_a: int, counts_b: Counter[K], n_b: int, alpha: float
) -> bool:
    """The contrast rule: each group has a word over-represented in it at level ``alpha``.

    ``counts_*`` count, for each word, the articles of the group that contain it.

    >>> a = Counter({"klitschko": 5, "rahman": 5}); b = Counter({"klitschko": 5, "thompson": 5})
    >>> distinct_groups(a, 5, b, 5, 0.01), distinct_groups(a, 5, a, 5, 0.01)
    (True, False)
    """
    return _over_represented(counts_a, n_a, counts_b, n_b, alpha) and _over_represented(
        counts_b, n_b, counts_a, n_a, alpha
    )


def _nan_last(x: float) -> float:
    return math.inf if math.isnan(x) else x


def _nan_first(x: float) -> float:
    return -math.inf if math.isnan(x) else x


@dataclass(frozen=True, slots=True)
class LinkageRules:
    """The options of agglomeration (see the module docstring)."""

    min_score: float
    link_score: float
    contrast_alpha: float
    contrast_min_size: int
    window: float | None = None  # days: no cluster spans more (None: no limit)
    cohesion: float = 0.0  # across / internal average below which clusters stay apart


class Agglomerator:
    """Average-linkage clustering over the candidate graph with the three refusal rules."""

    def __init__(
        self,
        scorer: PairScorer,
        contrast: list[I32],
        edges: dict[tuple[int, int], float],
        rules: LinkageRules,
        days: F64 | None = None,
        nodes: list[int] | None = None,
    ) -> None:
        self.scorer = scorer
        self.contrast = contrast
        self.rules = rules
        # ``nodes``: the articles to cluster (all by default), e.g. one connected component
        # of the edges, which holds every edge between its nodes.
        nodes = list(range(len(contrast))) if nodes is None else nodes
        self.members: dict[int, list[int]] = {i: [i] for i in nodes}
        self.terms: dict[int, Counter[int]] = {}
        self.version = dict.fromkeys(nodes, 0)
        self.sums: dict[int, dict[int, float]] = {}
        for (i, j), score in edges.items():
            self.sums.setdefault(i, {})[j] = score
            self.sums.setdefault(j, {})[i] = score
        self.links = dict.fromkeys(nodes, 0)
        # Sum of the candidate pair scores inside each cluster (for the cohesion rule).
        self.inner = dict.fromkeys(nodes, 0.0)
        # Earliest and latest publication date of each cluster (NaN: no dated member).
        self.first = {i: math.nan if days is None else float(days[i]) for i in nodes}
        self.last = dict(self.first)
        self.refused_window = 0
        self.refused_contrast = 0
        self.refused_links = 0
        self.refused_cohesion = 0
        self.heap = [
            (-score, i, j, 0, 0) for (i, j), score in edges.items() if score >= rules.min_score
        ]
        heapq.heapify(self.heap)

    def group_terms(self, g: int) -> Counter[int]:
        """For each contrast word of cluster ``g``'s members, how many of them hold it: kept
        once the contrast rule has asked, built from the members the first time."""
        if g not in self.terms:
            counts: Counter[int] = Counter()
            for m in self.members[g]:
                counts.update(self.contrast[m].tolist())
            self.terms[g] = counts
        return self.terms[g]

    def run(self, progress: Progress | None = None) -> list[list[int]]:
        """Merge until no allowed merge is left; the groups, sorted by first member."""
        merges = 0
        while self.heap:
            _, a, b, va, vb = heapq.heappop(self.heap)
            if a not in self.members or b not in self.members:
                continue
            if self.version[a] != va or self.version[b] != vb:
                continue
            if self._refused(a, b):
                continue
            self._merge(a, b)
            merges += 1
            if progress and merges % _PROGRESS_EVERY == 0:
                progress("cluster", merges, len(self.contrast))
        return sorted(self.members.values(), key=lambda m: m[0])

    def _span(self, a: int, b: int) -> float:
        """Days between the earliest and the latest dated member of the two clusters."""
        firsts = [x for x in (self.first[a], self.first[b]) if not math.isnan(x)]
        lasts = [x for x in (self.last[a], self.last[b]) if not math.isnan(x)]
        return max(lasts) - min(firsts) if firsts else 0.0

    def _refused(self, a: int, b: int) -> bool:
        r = self.rules
        ma, mb = self.members[a], self.members[b]
        na, nb = len(ma), len(mb)
        if r.window is not None and self._span(a, b) > r.window:
            self.refused_window += 1
            return True
        if (
            min(na, nb) >= max(r.contrast_min_size, 1)
            and r.contrast_alpha > 0
            and distinct_groups(self.group_terms(a), na, self.group_terms(b), nb, r.contrast_alpha)
        ):
            self.refused_contrast += 1
            return True
        if r.cohesion > 0 and min(na, nb) >= 2:
            across = self.sums[a].get(b, 0.0) / (na * nb)
            looser = min(2.0 * self.inner[g] / (n * (n - 1)) for g, n in ((a, na), (b, nb)))
            if across < r.cohesion * looser:
                self.refused_cohesion += 1
                return True
        # Two articles are a candidate pair, whose edge is their pair score (the arithmetic
        # of PairScorer.block, to the last bit): no need to score them again.
        pair = na == nb == 1
        scores = np.array([[self.sums[a][b]]]) if pair else self.scorer.block(ma, mb)
        linked = scores >= r.link_score
        half = (na + nb - 1) / 2.0
        gains_a = linked.sum(axis=1).tolist()
        gains_b = linked.sum(axis=0).tolist()
        if 2 * int(linked.sum()) <= na * nb or not all(
            self.links[m] + g > half for m, g in zip(ma + mb, gains_a + gains_b, strict=True)
        ):
            self.refused_links += 1
            return True
        for m, g in zip(ma + mb, gains_a + gains_b, strict=True):
            self.links[m] += g
        return False

    def _merge(self, a: int, b: int) -> None:
        keep, gone = min(a, b), max(a, b)
        self.inner[keep] += self.inner.pop(gone) + self.sums.get(keep, {}).get(gone, 0.0)
        self.first[keep] = min(self.first[keep], self.first[gone], key=_nan_last)
        self.last[keep] = max(self.last[keep], self.last[gone], key=_nan_first)
        self.members[keep] = sorted(self.members[keep] + self.members.pop(gone))
        # When both clusters' word counts are kept, the larger takes in the smaller (in
        # place, not both copied into a new one); else they are built when first asked for.
        larger, smaller = self.terms.pop(keep, None), self.terms.pop(gone, None)
        if larger is not None and smaller is not None:
            if len(larger) < len(smaller):
                larger, smaller = smaller, larger
            larger.update(smaller)
            self.terms[keep] = larger
        self.version[keep] += 1
        sums_k = self.sums.setdefault(keep, {})
        sums_g = self.sums.pop(gone, {})
        sums_k.pop(gone, None)
        sums_g.pop(keep, None)
        for other, value in sums_g.items():
            sums_k[other] = sums_k.get(other, 0.0) + value
            theirs = self.sums[other]
            theirs.pop(gone, None)
            theirs[keep] = sums_k[other]
        size = len(self.members[keep])
        for other in sorted(sums_k):
            score = sums_k[other] / (size * len(self.members[other]))
            if score >= self.rules.min_score:
                lo, hi = min(keep, other), max(keep, other)
                heapq.heappush(self.heap, (-score, lo, hi, self.version[lo], self.version[hi]))


@dataclass(frozen=True, slots=True)
class Agglomeration:
    """The groups (sorted lists of articles, sorted by first member) and the refusals."""

    groups: list[list[int]]
    refused_window: int
    refused_contrast: int
    refused_links: int
    refused_cohesion: int


def agglomerate(
    scorer: PairScorer,
    contrast: list[I32],
    edges: dict[tuple[int, int], float],
    rules: LinkageRules,
    days: F64 | None = None,
    components: I64 | None = None,
    progress: Progress | None = None,
) -> Agglomeration:
    """:class:`Agglomerator` over all ``edges``, or one per connected component.

    ``components`` labels each article with its component of the edges scoring at least
    ``rules.min_score`` (-1: on no such edge).  A merge needs an average of at least
    ``min_score`` across the two clusters, so at least one such edge between them: clusters
    never span two components, and components do not interact (each merge reads only its
    own clusters).  So agglomerating each component with its own edges gives exactly the
    groups and refusals of one agglomeration of all edges, in less memory at a time.
    """
    if components is None:
        runs: list[tuple[list[int] | None, dict[tuple[int, int], float]]] = [(None, edges)]
        alone: list[list[int]] = []
    else:
        inner: dict[int, dict[tuple[int, int], float]] = {}
        for (i, j), score in edges.items():
            c = int(components[i])
            if c >= 0 and c == components[j]:
                inner.setdefault(c, {})[(i, j)] = score
        order = np.argsort(components, kind="stable")
        labels = components[order]
        cuts = np.flatnonzero(np.diff(labels)) + 1
        runs, alone = [], []
        for block, label in zip(np.split(order, cuts), labels[np.r_[0, cuts]], strict=True):
            if label < 0:
                alone.extend([int(i)] for i in block)
            else:
                runs.append((block.tolist(), inner.get(int(label), {})))
        if not len(order):
            runs = []
    groups = list(alone)
    refused = [0, 0, 0, 0]
    for nodes, part in runs:
        agglo = Agglomerator(scorer, contrast, part, rules, days, nodes)
        groups.extend(agglo.run(progress))
        refused[0] += agglo.refused_window
        refused[1] += agglo.refused_contrast
        refused[2] += agglo.refused_links
        refused[3] += agglo.refused_cohesion
    return Agglomeration(sorted(groups, key=lambda m: m[0]), *refused)
