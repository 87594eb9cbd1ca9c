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

from dupwire._numeric import I64, ranges, runs
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
    "covered",
    "dice_matrix",
    "explain_similarity",
    "linked_chars",
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
        count_of, weight_of = counts.get, weights.get
        for key, count in other.counts.items():
            counts[key] = count_of(key, 0) + count
            weights[key] = max(weight_of(key, 0.0), other.weights[key])
        # As Bag.of the two passages' tokens: each word at its highest weight.  (The sum of
        # the two totals undercounts a word written with a lower weight in one of them, so
        # a merged window could score over 100.)
        return Bag(counts, weights, sum(counts[k] * weights[k] for k in counts))


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
    xc, yc, xw, yw = x.counts, y.counts, x.weights, y.weights
    # The sum of shared_terms(x, y), in the same order, without building the list.
    shared = sum(min(xc[k], yc[k]) * min(xw[k], yw[k]) for k in sorted(xc.keys() & yc.keys()))
    return round(100.0 * 2.0 * shared / denom, 6)


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

    The pairs of all kept words are made at once with numpy and summed in word order (as a
    dense matrix would be, so the sums do not depend on how the work is cut).
    """
    n, m = len(bags_a), len(bags_b)
    vocab: dict[str, int] = {}
    flat_a, flat_b = _flat_postings(bags_a, vocab), _flat_postings(bags_b, vocab)
    names = list(vocab)
    rank = np.empty(len(names), dtype=np.int64)  # each word's place in word order
    rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    words = np.intersect1d(rank[flat_a[1]], rank[flat_b[1]])  # shared words, in word order
    if len(words) == 0:
        return SharedPairs(n, m, np.zeros(0, dtype=np.int64), np.zeros(0))
    side_a = _posting_arrays(flat_a, rank, words)
    side_b = _posting_arrays(flat_b, rank, words)
    sizes = side_a.length * side_b.length
    # Rarest first (fewest pairs, then word order); a word is kept while the pairs fit.
    by_size = np.lexsort((np.arange(len(words)), sizes))
    fits = np.cumsum(sizes[by_size]) <= cap
    keep = np.zeros(len(words), dtype=bool)
    keep[by_size[fits]] = True
    kept = np.flatnonzero(keep)  # in word order
    per_word = sizes[kept]
    total = int(per_word.sum())
    word_of = np.repeat(kept, per_word)
    local = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(per_word) - per_word, per_word)
    width = side_b.length[word_of]
    at_a = side_a.first[word_of] + local // width
    at_b = side_b.first[word_of] + local % width
    values = np.minimum(side_a.count[at_a], side_b.count[at_b]) * np.minimum(
        side_a.weight[at_a], side_b.weight[at_b]
    )
    acc_keys, acc_values = _fold_pairs([side_a.unit[at_a] * m + side_b.unit[at_b]], [values])
    # The words left out still add their weight to the pairs that share a rarer word.
    _add_left_out(acc_keys, acc_values, m, side_a, side_b, np.flatnonzero(~keep))
    return SharedPairs(n, m, acc_keys, acc_values, int((~keep).sum()))


#: Word occurrences looked up at a time when the words left out by the cap are added.
_LOOKUPS_AT_ONCE = 1 << 21


def _add_left_out(
    keys: np.ndarray, values: np.ndarray, m: int, side_a: _Postings, side_b: _Postings, left: I64
) -> None:
    """Add to ``values`` (of the pairs ``keys``, ``i * m + j``, sorted) the weight each pair
    shares in the words ``left`` (in word order), as if each word were added to every pair
    in turn, in word order (the same sums, bit for bit): each pair is added the weight of
    those of its A passage's words that its B passage holds too, in word order.  The
    lookups are cut into pieces of whole pairs, so memory stays bounded."""
    if not len(left) or not len(keys):
        return
    n_words = len(side_a.first)

    def postings(side: _Postings) -> tuple[I64, I64]:
        at = runs(side.first[left], side.first[left] + side.length[left])
        code = side.unit[at] * n_words + np.repeat(left, side.length[left])
        order = np.argsort(code, kind="stable")
        return code[order], at[order]

    code_a, at_a = postings(side_a)  # by passage, then word
    code_b, at_b = postings(side_b)
    rows, cols = keys // max(1, m), keys % max(1, m)
    ptr = np.searchsorted(code_a, np.arange(int(rows[-1]) + 2) * n_words)
    per_pair = ptr[rows + 1] - ptr[rows]
    ends = np.cumsum(per_pair)
    lo = 0
    while lo < len(keys):
        hi = max(lo + 1, int(np.searchsorted(ends, ends[lo] - per_pair[lo] + _LOOKUPS_AT_ONCE)))
        hi = min(hi, len(keys))
        pair = np.repeat(np.arange(lo, hi), per_pair[lo:hi])
        at = ranges(ptr, rows[lo:hi])
        a = at_a[at]
        want = cols[pair] * n_words + code_a[at] % n_words
        found = np.minimum(np.searchsorted(code_b, want), max(len(code_b) - 1, 0))
        held = code_b[found] == want if len(code_b) else np.zeros(len(want), dtype=bool)
        a, b = a[held], at_b[found[held]]
        shared = np.minimum(side_a.count[a], side_b.count[b]) * np.minimum(
            side_a.weight[a], side_b.weight[b]
        )
        np.add.at(values, pair[held], shared)
        lo = hi


_Flat = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _flat_postings(bags: Sequence[Bag], vocab: dict[str, int]) -> _Flat:
    """``(passage, word number, count, weight)`` arrays of the weighted words of ``bags``,
    passages in order; words are numbered in ``vocab`` as first seen."""
    units: list[int] = []
    ids: list[int] = []
    counts: list[int] = []
    weights: list[float] = []
    number = vocab.setdefault
    for i, bag in enumerate(bags):
        keys = list(bag.counts)
        units.extend([i] * len(keys))
        ids.extend([number(k, len(vocab)) for k in keys])
        counts.extend(bag.counts.values())
        weights.extend(map(bag.weights.__getitem__, keys))
    w = np.array(weights, dtype=np.float64)
    keep = w > 0
    return (
        np.array(units, dtype=np.int64)[keep],
        np.array(ids, dtype=np.int64)[keep],
        np.array(counts, dtype=np.float64)[keep],
        w[keep],
    )


@dataclass(frozen=True, slots=True)
class _Postings:
    """The postings of the shared words as flat arrays, grouped by word in word order and by
    passage inside a word: shared word ``w`` holds rows ``first[w] : first[w] + length[w]``."""

    unit: np.ndarray
    count: np.ndarray
    weight: np.ndarray
    first: np.ndarray
    length: np.ndarray


def _posting_arrays(flat: _Flat, rank: np.ndarray, words: np.ndarray) -> _Postings:
    units, ids, counts, weights = flat
    word = rank[ids]
    inside = np.isin(word, words)
    order = np.flatnonzero(inside)[np.argsort(word[inside], kind="stable")]
    sorted_word = word[order]
    first = np.searchsorted(sorted_word, words, side="left")
    length = np.searchsorted(sorted_word, words, side="right") - first
    return _Postings(units[order], counts[order], weights[order], first, length)


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


def select_single_links(
    a: Sequence[int], b: Sequence[int], scores: Sequence[float], min_score: float
) -> list[Candidate]:
    """:func:`select_links` of one-sentence candidates ``(a[k], b[k])`` scoring ``scores[k]``,
    given in the order :func:`select_links` would receive them: the same links.

    Candidates of one sentence each sort by score, then by the pair of sentence numbers
    regardless of side (what :meth:`Candidate.order_key` compares), ties in the order given;
    so a stable sort of plain arrays replaces the objects and their keys (clustering relates
    thousands of pairs, each with dozens of candidates).
    """
    if not len(scores):
        return []
    a_, b_ = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    order = np.lexsort((np.maximum(a_, b_), np.minimum(a_, b_), -np.asarray(scores)))
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen = []
    for k in order.tolist():
        if scores[k] < min_score:
            break
        i, j = int(a_[k]), int(b_[k])
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        chosen.append(Candidate(i, i + 1, j, j + 1, scores[k]))
    return chosen


def linked_chars(chars: Sequence[int] | np.ndarray, used: Iterable[int]) -> int:
    """A side's story characters (``chars[k]`` per sentence) inside links (``used``: the
    linked sentences, each once)."""
    return sum(int(chars[k]) for k in used)


def coverage(chars: Sequence[int] | np.ndarray, linked: int) -> float:
    """Share of a side's story characters (``chars[k]`` per sentence) that its ``linked``
    characters in links (:func:`linked_chars`) are."""
    total = int(np.sum(chars)) if len(chars) else 0
    return linked / total if total else 0.0


def summary_score(chosen: Sequence[Candidate], cov_a: float, cov_b: float) -> float:
    """The passage score of a pair (0-100): the mean link score, each link weighted by its
    sentences, times the mean coverage of the two sides."""
    if not chosen:
        return 0.0
    weights = [c.a_hi - c.a_lo + c.b_hi - c.b_lo for c in chosen]
    mean = sum(w * c.score for w, c in zip(weights, chosen, strict=True)) / sum(weights)
    return round(mean * (cov_a + cov_b) / 2.0, 4)


def covered(
    chars_a: Sequence[int] | np.ndarray,
    used_a: Iterable[int],
    chars_b: Sequence[int] | np.ndarray,
    used_b: Iterable[int],
) -> tuple[float, float, int]:
    """The coverage of each side (:func:`coverage`) and the story characters in links on the
    side with fewer (:func:`linked_chars`), as :func:`verdict_for` takes them."""
    linked_a, linked_b = linked_chars(chars_a, used_a), linked_chars(chars_b, used_b)
    return coverage(chars_a, linked_a), coverage(chars_b, linked_b), min(linked_a, linked_b)


def verdict_for(cov_a: float, cov_b: float, params: AlignParams, linked: int = 0) -> Verdict:
    """The verdict for two coverages and the story characters in links on the side with
    fewer (``linked``; see :class:`dupwire.params.AlignParams`)."""
    if min(cov_a, cov_b) >= params.same_story:
        return "same_story"
    if max(cov_a, cov_b) >= params.partial_reuse or linked >= params.reuse_chars:
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
