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
    "Bag",
    "Candidate",
    "PassageScore",
    "coverage",
    "dice_matrix",
    "explain_similarity",
    "passage_similarity",
    "select_links",
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
