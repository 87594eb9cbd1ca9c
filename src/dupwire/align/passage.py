"""The passage scoring rule, written once: what makes two passages "the same".

A passage is a bag of normalised words, each weighted by its rarity in English
(:mod:`dupwire.weights`).  Two passages score the weighted Dice overlap of their bags on a
0-100 scale (:func:`passage_similarity`).  The aligner (:mod:`dupwire.align.aligner`) and its
vectorised one-to-one twin (:mod:`dupwire.align.bags`) both score sentence pairs with
:func:`dice_matrix`, pick links with :func:`select_links`, and summarise with
:func:`summary_score` and :func:`verdict_for`, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dupwire.model import Verdict
from dupwire.normalize import Token, tokenize
from dupwire.params import AlignParams

__all__ = [
    "PAIR_CAP",
    "Bag",
    "Candidate",
    "PassageScore",
    "SharedPairs",
    "coverage",
    "dice_matrix",
    "explain_similarity",
    "passage_similarity",
    "select_links",
    "shared_pairs",
    "summary_score",
    "verdict_for",
]


@dataclass(frozen=True, slots=True)
class Bag:
    """Weighted word multiset of one passage."""

    counts: dict[str, int]
    weights: dict[str, float]
    total: float

    @classmethod
    def of(cls, tokens: Iterable[Token]) -> Bag:
        counts: dict[str, int] = {}
        weights: dict[str, float] = {}
        for tok in tokens:
            counts[tok.key] = counts.get(tok.key, 0) + 1
            if tok.weight > weights.get(tok.key, -1.0):
                weights[tok.key] = tok.weight
        total = sum(counts[k] * weights[k] for k in counts)
        return cls(counts, weights, total)

    def merged(self, other: Bag) -> Bag:
        counts = dict(self.counts)
        weights = dict(self.weights)
        for key, count in other.counts.items():
            counts[key] = counts.get(key, 0) + count
            weights[key] = max(weights.get(key, 0.0), other.weights[key])
        return Bag(counts, weights, self.total + other.total)


def shared_terms(x: Bag, y: Bag) -> list[tuple[str, float]]:
    """Each word both bags hold, with the weight it shares (in key order)."""
    return [
        (key, min(x.counts[key], y.counts[key]) * min(x.weights[key], y.weights[key]))
        for key in sorted(x.counts.keys() & y.counts.keys())
    ]


def dice(x: Bag, y: Bag) -> float:
    """Weighted Dice overlap of two bags (0-100).

    Passages made only of words without weight ("It was.") score 100 when their word bags
    are equal and 0 otherwise.
    """
    denom = x.total + y.total
    if denom <= 0:
        return 100.0 if x.counts and x.counts == y.counts else 0.0
    return round(100.0 * 2.0 * sum(w for _, w in shared_terms(x, y)) / denom, 6)


def dice_matrix(shared: np.ndarray, totals_a: np.ndarray, totals_b: np.ndarray) -> np.ndarray:
    """:func:`dice` of every sentence pair from their shared weights and bag totals.

    Pairs of weightless sentences get 0 here; callers apply the equal-bag rule of
    :func:`dice` themselves, from whatever representation they hold.
    """
    denom = totals_a[:, None] + totals_b[None, :]
    out: np.ndarray = np.divide(200.0 * shared, denom, out=np.zeros_like(shared), where=denom > 0)
    return out


#: At most this many sentence pairs get a shared weight in one comparison (about 24 bytes
#: each); see :func:`shared_pairs`.
PAIR_CAP = 2_000_000


@dataclass(frozen=True, slots=True)
class SharedPairs:
    """The shared weight of the sentence pairs that share a weighted word: a sparse matrix.

    ``keys`` (``i * m + j``, sorted) and ``values`` list the pairs with a shared weight;
    every other pair shares nothing.  ``dropped`` counts the words left out by the cap.
    """

    n: int
    m: int
    keys: np.ndarray
    values: np.ndarray
    dropped: int = 0

    @property
    def rows(self) -> np.ndarray:
        out: np.ndarray = self.keys // max(1, self.m)
        return out

    @property
    def cols(self) -> np.ndarray:
        out: np.ndarray = self.keys % max(1, self.m)
        return out

    def cell(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Shared weight of pairs ``(i[k], j[k])`` (0 outside the matrix or without words)."""
        inside = (i >= 0) & (i < self.n) & (j >= 0) & (j < self.m)
        key = np.where(inside, i * self.m + j, -1)
        at = np.searchsorted(self.keys, key)
        at_c = np.minimum(at, max(0, len(self.keys) - 1))
        hit = inside & (at < len(self.keys))
        if len(self.keys):
            hit &= self.keys[at_c] == key
        out: np.ndarray = np.where(hit, self.values[at_c] if len(self.keys) else 0.0, 0.0)
        return out


def shared_pairs(bags_a: Sequence[Bag], bags_b: Sequence[Bag], cap: int = PAIR_CAP) -> SharedPairs:
    """Shared weight of every pair of passages that share a weighted word, without an
    ``n * m`` matrix: memory grows with the pairs that share words, and at most ``cap``
    word occurrences pairs are summed.

    Words are taken rarest first (fewest pairs first); a word whose pairs would pass the cap
    adds its weight only to the pairs already found (those sharing a rarer word), so a pair
    that shares nothing but such words scores 0.  That only happens when two very long texts
    share a word in thousands of sentences each; below the cap the result is exact.
    """
    post_a: dict[str, list[tuple[int, int, float]]] = {}
    for i, bag in enumerate(bags_a):
        for key, count in bag.counts.items():
            if bag.weights[key] > 0:
                post_a.setdefault(key, []).append((i, count, bag.weights[key]))
    post_b: dict[str, list[tuple[int, int, float]]] = {}
    for j, bag in enumerate(bags_b):
        for key, count in bag.counts.items():
            if key in post_a and bag.weights[key] > 0:
                post_b.setdefault(key, []).append((j, count, bag.weights[key]))
    n, m = len(bags_a), len(bags_b)
    kept = set()
    used = dropped = 0
    for key in sorted(post_b, key=lambda w: (len(post_a[w]) * len(post_b[w]), w)):
        size = len(post_a[key]) * len(post_b[key])
        if used + size > cap:
            dropped += 1
            continue
        used += size
        kept.add(key)
    acc_keys = np.zeros(0, dtype=np.int64)
    acc_values = np.zeros(0)
    keys: list[np.ndarray] = []
    values: list[np.ndarray] = []
    pending = 0
    for key in sorted(kept):  # summed in word order, as a dense matrix would be
        pa = np.array(post_a[key])
        pb = np.array(post_b[key])
        rows = pa[:, 0].astype(np.int64)
        cols = pb[:, 0].astype(np.int64)
        keys.append((rows[:, None] * m + cols[None, :]).ravel())
        values.append(
            (np.minimum.outer(pa[:, 1], pb[:, 1]) * np.minimum.outer(pa[:, 2], pb[:, 2])).ravel()
        )
        pending += len(keys[-1])
        if pending >= _FLUSH:
            acc_keys, acc_values = _fold_pairs([acc_keys, *keys], [acc_values, *values])
            keys, values, pending = [], [], 0
    acc_keys, acc_values = _fold_pairs([acc_keys, *keys], [acc_values, *values])
    # The words left out still add their weight to the pairs that share a rarer word.
    rows_all, cols_all = acc_keys // max(1, m), acc_keys % max(1, m)
    for key in sorted(set(post_b) - kept):
        pa = np.array(post_a[key])
        pb = np.array(post_b[key])
        count_a, weight_a = np.zeros(n), np.zeros(n)
        count_b, weight_b = np.zeros(m), np.zeros(m)
        rows = pa[:, 0].astype(np.intp)
        cols = pb[:, 0].astype(np.intp)
        count_a[rows], weight_a[rows] = pa[:, 1], pa[:, 2]
        count_b[cols], weight_b[cols] = pb[:, 1], pb[:, 2]
        acc_values += np.minimum(count_a[rows_all], count_b[cols_all]) * np.minimum(
            weight_a[rows_all], weight_b[cols_all]
        )
    return SharedPairs(n, m, acc_keys, acc_values, dropped)


_FLUSH = 1 << 18  # pairs gathered before they are summed into the running result


def _fold_pairs(keys: list[np.ndarray], values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sum the values of equal keys (in the order given); keys come out sorted."""
    all_keys = np.concatenate(keys)
    if len(all_keys) == 0:
        return all_keys, np.zeros(0)
    uniq, inverse = np.unique(all_keys, return_inverse=True)
    summed: np.ndarray = np.bincount(inverse, weights=np.concatenate(values), minlength=len(uniq))
    return uniq, summed


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible link: story sentences ``a_lo:a_hi`` of A with ``b_lo:b_hi`` of B."""

    a_lo: int
    a_hi: int
    b_lo: int
    b_hi: int
    score: float

    def order_key(self) -> tuple[float, tuple[int, ...]]:
        # Symmetric under swapping the sides, so align(b, a) picks the mirror links.
        fwd = (self.a_lo, self.a_hi, self.b_lo, self.b_hi)
        rev = (self.b_lo, self.b_hi, self.a_lo, self.a_hi)
        return (-self.score, min(fwd, rev) + max(fwd, rev))


def select_links(cands: Iterable[Candidate], min_score: float) -> list[Candidate]:
    """Links chosen greedily, best first, each sentence used at most once."""
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen = []
    for cand in sorted(cands, key=Candidate.order_key):
        if cand.score < min_score:
            break
        span_a = range(cand.a_lo, cand.a_hi)
        span_b = range(cand.b_lo, cand.b_hi)
        if used_a.intersection(span_a) or used_b.intersection(span_b):
            continue
        used_a.update(span_a)
        used_b.update(span_b)
        chosen.append(cand)
    return chosen


def coverage(chars: Sequence[int] | np.ndarray, used: Iterable[int]) -> float:
    """Share of a side's story characters (``chars[k]`` per sentence) inside links."""
    total = int(np.sum(chars)) if len(chars) else 0
    return sum(int(chars[k]) for k in used) / total if total else 0.0


def summary_score(chosen: Sequence[Candidate], cov_a: float, cov_b: float) -> float:
    """The passage score of a pair (0-100): the mean link score, each link weighted by its
    sentences, times the mean coverage of the two sides."""
    if not chosen:
        return 0.0
    weights = [c.a_hi - c.a_lo + c.b_hi - c.b_lo for c in chosen]
    mean = sum(w * c.score for w, c in zip(weights, chosen, strict=True)) / sum(weights)
    return round(mean * (cov_a + cov_b) / 2.0, 4)


def verdict_for(cov_a: float, cov_b: float, params: AlignParams) -> Verdict:
    """The verdict for two coverages (see :class:`dupwire.params.AlignParams`)."""
    if min(cov_a, cov_b) >= params.same_story:
        return "same_story"
    if max(cov_a, cov_b) >= params.partial_reuse:
        return "partial_reuse"
    return "unrelated"


@dataclass(frozen=True, slots=True)
class PassageScore:
    """Why two passages score what they score.

    ``score`` is the weighted Dice overlap on the 0-100 scale; ``shared`` lists the words both
    passages contain with the weight each contributes, heaviest first.
    """

    score: float
    weight_a: float
    weight_b: float
    shared: tuple[tuple[str, float], ...]


def explain_similarity(a: str, b: str) -> PassageScore:
    """The aligner's similarity of two passages, with the shared words behind it.

    >>> r = explain_similarity("Turkish soldiers in armoured vehicles",
    ...                        "Turkish troops in armored vehicles")
    >>> r.score > 50, r.shared[0][0]
    (True, 'armor')
    """
    x, y = Bag.of(tokenize(a)), Bag.of(tokenize(b))
    shared = [(key, round(w, 3)) for key, w in shared_terms(x, y) if w > 0]
    shared.sort(key=lambda kw: (-kw[1], kw[0]))
    return PassageScore(dice(x, y), round(x.total, 3), round(y.total, 3), tuple(shared))


def passage_similarity(a: str, b: str) -> float:
    """Similarity (0-100) the aligner gives one pair of passages.

    Rare-word weighted Dice overlap of their words after normalisation: 100 for passages with
    the same words, 0 for passages sharing no word that carries weight.

    >>> passage_similarity("Erdogan met Putin in Sochi.", "Erdoğan and Putin met in Sochi")
    100.0
    >>> passage_similarity("The talks ended.", "Prices rose again.")
    0.0
    """
    return explain_similarity(a, b).score
