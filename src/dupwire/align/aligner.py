"""Sentence-level alignment of two articles: the reference aligner.

``align(a, b)`` links the passages two articles share, even when they are reworded,
reordered, or merged and split (up to ``max_merge`` sentences per side), reports the
passages unique to each side and the site furniture apart, and gives a verdict.

How it works:

1. Both texts are cut into sentence units (:mod:`dupwire.segment`); furniture is set aside.
2. Every pair of story sentences is scored by :func:`passage_similarity`: the Dice overlap of
   their words, each word weighted by its rarity in English (:mod:`dupwire.weights`), so a
   shared name, place or figure counts far more than shared common words.  The whole matrix
   is computed at once from the words the two texts share.
3. Around every promising pair, windows of up to ``max_merge`` consecutive sentences on each
   side compete with the single pairs: a merge wins only if its score beats the single links
   it would replace and every sentence in it finds enough of its weight on the other side.
4. Links are chosen greedily, best score first, each sentence used once; the tie-break is
   symmetric, so ``align(b, a)`` is the mirror of ``align(a, b)``.
5. Links outside the longest chain that keeps the order of both texts are marked ``moved``.
6. Inside each link, the word-level edit (kept, replaced, inserted, deleted words) comes from
   rapidfuzz's Levenshtein opcodes over the two word sequences.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from rapidfuzz.distance import Levenshtein

from dupwire.align.passage import (
    Bag,
    Candidate,
    SharedPairs,
    covered,
    dice,
    select_links,
    shared_pairs,
    shared_terms,
    summary_score,
    verdict_for,
)
from dupwire.errors import EmptyArticleError
from dupwire.model import Alignment, Article, EditOp, Link, Passage, Span, Verdict, WordEdit
from dupwire.normalize import Token, tokenize
from dupwire.params import AlignParams
from dupwire.segment import Unit, split_units

__all__ = [
    "MAX_ALIGNED_SENTENCES",
    "Prepared",
    "Relation",
    "align",
    "align_prepared",
    "prepare",
    "relate",
]

#: Story sentences of an article that verification (:func:`relate`, and its vectorised twin
#: in clustering) aligns, at most: its first ones.  A long read has a few hundred; a longer
#: text (a book, a page dump, a log read as an article) would cost the product of the two
#: lengths, and among its many sentences any sentence finds words to share, so it is judged
#: on its first ``MAX_ALIGNED_SENTENCES`` sentences.  :func:`align` shows the whole texts.
MAX_ALIGNED_SENTENCES = 1000

_SEED_FRACTION = 0.5  # pairs scoring at least this share of min_score seed merge windows
# Fusions (a sentence that fuses several sentences of the other side, as in a summary): each
# source holds at least _FUSION_MEMBER of the sentence's weight (and _FUSION_MIN_WEIGHT, about
# one rare word), all of them (at most _FUSION_MAX) at least _FUSION_COVER, and
# _FUSION_GAIN more than the best source alone.
_FUSION_MEMBER = 0.25
_FUSION_MIN_WEIGHT = 4.0
_FUSION_COVER = 0.6
_FUSION_GAIN = 0.15
_FUSION_MAX = 3
_DENSE_CELLS = 1 << 20  # texts with at most this many sentence pairs test windows densely


@dataclass(slots=True)
class Prepared:
    """An article cut into units and weighted words, ready to be aligned many times.

    Build it once per article with :func:`prepare` when one article takes part in many
    comparisons (clustering does).
    """

    text: str
    units: tuple[Unit, ...]
    story: list[int]  # indices into units of story units, in text order
    tokens: list[list[Token]]  # per story unit
    bags: list[Bag]  # per story unit
    _windows: dict[tuple[int, int], Bag] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, text: str, units: tuple[Unit, ...] | None = None) -> Prepared:
        """``text`` prepared; ``units`` are its :func:`split_units` when the caller has them."""
        units = split_units(text) if units is None else units
        story = [i for i, u in enumerate(units) if u.kind == "story"]
        tokens = [tokenize(text, units[i].start, units[i].end) for i in story]
        return cls(text, units, story, tokens, [Bag.of(t) for t in tokens])

    def window_bag(self, lo: int, hi: int) -> Bag:
        """Word bag of story units ``lo:hi`` (cached: merge windows repeat across pairs)."""
        if hi - lo == 1:
            return self.bags[lo]
        bag = self._windows.get((lo, hi))
        if bag is None:
            bag = self.window_bag(lo, hi - 1).merged(self.bags[hi - 1])
            self._windows[(lo, hi)] = bag
        return bag

    def head(self, n: int) -> Prepared:
        """This article with its first ``n`` story units only (itself when it has no more)."""
        if len(self.story) <= n:
            return self
        return Prepared(self.text, self.units, self.story[:n], self.tokens[:n], self.bags[:n])

    @property
    def chars(self) -> list[int]:
        """Characters of each story unit."""
        return [self.units[i].end - self.units[i].start for i in self.story]

    def span(self, lo: int, hi: int) -> Span:
        return Span(self.units[self.story[lo]].start, self.units[self.story[hi - 1]].end)


def prepare(text: str) -> Prepared:
    """Cut ``text`` into sentence units and weighted words for :func:`relate` and :func:`align`."""
    return Prepared.of(text)


@dataclass(frozen=True, slots=True)
class Relation:
    """The fast-path result of comparing two prepared articles (no spans, no word edits)."""

    score: float
    coverage_a: float
    coverage_b: float
    n_links: int
    verdict: Verdict


def relate(a: Prepared, b: Prepared, params: AlignParams | None = None) -> Relation:
    """Link two prepared articles and summarise: the verification step of clustering.

    ``score`` is the link-length-weighted mean link score times the mean coverage of the two
    sides, on the 0-100 scale: 0 without links, 100 for identical texts.
    """
    params = params or AlignParams()
    a, b = a.head(MAX_ALIGNED_SENTENCES), b.head(MAX_ALIGNED_SENTENCES)
    chosen = select_links(_candidates(a, b, params), params.min_score)
    used_a = {k for c in chosen for k in range(c.a_lo, c.a_hi)}
    used_b = {k for c in chosen for k in range(c.b_lo, c.b_hi)}
    cov_a, cov_b, linked = covered(a.chars, used_a, b.chars, used_b)
    return Relation(
        score=summary_score(chosen, cov_a, cov_b),
        coverage_a=round(cov_a, 4),
        coverage_b=round(cov_b, 4),
        n_links=len(chosen),
        verdict=verdict_for(cov_a, cov_b, params, linked),
    )


def _candidates(
    a: Prepared, b: Prepared, params: AlignParams, shared: SharedPairs | None = None
) -> list[Candidate]:
    n, m = len(a.bags), len(b.bags)
    if n == 0 or m == 0:
        return []
    if shared is None:
        shared = shared_pairs(a.bags, b.bags)
    wa = np.array([bag.total for bag in a.bags])
    wb = np.array([bag.total for bag in b.bags])
    rows, cols = shared.rows, shared.cols
    denom = wa[rows] + wb[cols]
    scores = np.divide(200.0 * shared.values, denom, out=np.zeros(len(denom)), where=denom > 0)
    found: dict[tuple[int, int, int, int], float] = {}
    seed_at = np.flatnonzero(scores >= params.min_score * _SEED_FRACTION)
    si, sj = rows[seed_at], cols[seed_at]
    for i, j, sc in zip(si.tolist(), sj.tolist(), scores[seed_at].tolist(), strict=True):
        found[(i, i + 1, j, j + 1)] = round(sc, 6)
    for i, j in _weightless_pairs(a, b):
        found[(i, i + 1, j, j + 1)] = 100.0
        si, sj = np.append(si, i), np.append(sj, j)
    seeds = np.stack([si, sj], axis=1) if len(si) else np.zeros((0, 2), dtype=np.int64)
    for key in sorted(_merge_windows(shared, wa, wb, seeds, params)):
        if key not in found:
            found[key] = dice(a.window_bag(key[0], key[1]), b.window_bag(key[2], key[3]))
    return [Candidate(*key, score) for key, score in found.items()]


def _merge_windows(
    shared: SharedPairs, wa: np.ndarray, wb: np.ndarray, seeds: np.ndarray, params: AlignParams
) -> set[tuple[int, int, int, int]]:
    """Windows around the seed pairs in which every sentence finds enough of its weight.

    A window pair (A sentences ``a_lo:a_hi``, B sentences ``b_lo:b_hi``) qualifies when each
    of its sentences has at least ``member_min`` of its weight shared with the other window;
    the test is one vectorised step per window shape, reading the sparse shared weights.
    """
    n, m = shared.n, shared.m
    size = params.max_merge
    if size <= 1 or len(seeds) == 0:
        return set()
    if n * m <= _DENSE_CELLS:
        dense = np.zeros((n, m))
        dense[shared.rows, shared.cols] = shared.values
        return _merge_windows_dense(dense, wa, wb, seeds, params)
    si, sj = seeds[:, 0], seeds[:, 1]
    cells: dict[tuple[int, int], np.ndarray] = {}

    def cell(da: int, db: int) -> np.ndarray:
        # Shared weight of (seed row + da, seed column + db) for every seed.
        got = cells.get((da, db))
        if got is None:
            got = shared.cell(si + da, sj + db)
            cells[(da, db)] = got
        return got

    out: set[tuple[int, int, int, int]] = set()
    for window in _windows(seeds, n, m, size):
        if not window.ok.any():
            continue
        (width_a, off_a), (width_b, off_b) = window.shape
        for k in range(width_a):
            got = sum(cell(k - off_a, q - off_b) for q in range(width_b))
            window.need_row(k, got, wa, params.member_min)
        for q in range(width_b):
            got = sum(cell(k - off_a, q - off_b) for k in range(width_a))
            window.need_col(q, got, wb, params.member_min)
        out.update(window.found())
    return out


@dataclass
class _Window:
    """One window shape around every seed: A sentences ``a_lo:a_hi`` and B sentences
    ``b_lo:b_hi`` of each seed (``shape``: the width of each side and the seed's place in
    it), and ``ok``, the seeds whose window is still in the running."""

    bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    shape: tuple[tuple[int, int], tuple[int, int]]
    ok: np.ndarray
    n: int
    m: int

    def need_row(self, k: int, got: np.ndarray | float, weights: np.ndarray, share: float) -> None:
        """Keep the windows whose ``k``-th A sentence has weight and finds ``share`` of it
        (``got``) in the B window."""
        r = np.clip(self.bounds[0] + k, 0, self.n - 1)
        self.ok &= (got >= share * weights[r]) & (weights[r] > 0)

    def need_col(self, q: int, got: np.ndarray | float, weights: np.ndarray, share: float) -> None:
        """Keep the windows whose ``q``-th B sentence has weight and finds ``share`` of it
        (``got``) in the A window."""
        c = np.clip(self.bounds[2] + q, 0, self.m - 1)
        self.ok &= (got >= share * weights[c]) & (weights[c] > 0)

    def found(self) -> Iterator[tuple[int, int, int, int]]:
        a_lo, a_hi, b_lo, b_hi = self.bounds
        for idx in np.flatnonzero(self.ok).tolist():
            yield int(a_lo[idx]), int(a_hi[idx]), int(b_lo[idx]), int(b_hi[idx])


def _windows(seeds: np.ndarray, n: int, m: int, size: int) -> Iterator[_Window]:
    """Every window shape of up to ``size`` by ``size`` sentences holding the seeds (one
    sentence on both sides excepted: that is the seed's own link)."""
    si, sj = seeds[:, 0], seeds[:, 1]
    shapes = [(w, o) for w in range(1, size + 1) for o in range(w)]
    for width_a, off_a in shapes:
        a_lo = si - off_a
        a_hi = a_lo + width_a
        for width_b, off_b in shapes:
            if width_a == width_b == 1:
                continue
            b_lo = sj - off_b
            b_hi = b_lo + width_b
            ok = (a_lo >= 0) & (a_hi <= n) & (b_lo >= 0) & (b_hi <= m)
            shape = ((width_a, off_a), (width_b, off_b))
            yield _Window((a_lo, a_hi, b_lo, b_hi), shape, ok, n, m)


def _merge_windows_dense(
    shared: np.ndarray, wa: np.ndarray, wb: np.ndarray, seeds: np.ndarray, params: AlignParams
) -> set[tuple[int, int, int, int]]:
    """:func:`_merge_windows` on a dense matrix of shared weights (small texts): prefix sums
    make the test one vectorised step per window shape."""
    n, m = shared.shape
    size = params.max_merge
    if size <= 1 or len(seeds) == 0:
        return set()
    row_prefix = np.concatenate([np.zeros((n, 1)), np.cumsum(shared, axis=1)], axis=1)
    col_prefix = np.concatenate([np.zeros((1, m)), np.cumsum(shared, axis=0)], axis=0)
    share = params.member_min
    out: set[tuple[int, int, int, int]] = set()
    for window in _windows(seeds, n, m, size):
        a_lo, a_hi, b_lo, b_hi = window.bounds
        (width_a, _), (width_b, _) = window.shape
        a_lo_c, b_lo_c = np.clip(a_lo, 0, n - 1), np.clip(b_lo, 0, m - 1)
        b_hi_c, a_hi_c = np.clip(b_hi, 0, m), np.clip(a_hi, 0, n)
        for k in range(width_a):
            r = np.clip(a_lo + k, 0, n - 1)
            window.need_row(k, row_prefix[r, b_hi_c] - row_prefix[r, b_lo_c], wa, share)
        for q in range(width_b):
            c = np.clip(b_lo + q, 0, m - 1)
            window.need_col(q, col_prefix[a_hi_c, c] - col_prefix[a_lo_c, c], wb, share)
        out.update(window.found())
    return out


def _weightless_pairs(a: Prepared, b: Prepared) -> list[tuple[int, int]]:
    """Pairs of sentences made only of weightless words with equal bags (they score 100;
    the shared weights skip them)."""
    light_b: dict[tuple[tuple[str, int], ...], list[int]] = {}
    for j, bag in enumerate(b.bags):
        if bag.total <= 0 and bag.counts:
            light_b.setdefault(tuple(sorted(bag.counts.items())), []).append(j)
    if not light_b:
        return []
    out: list[tuple[int, int]] = []
    for i, bag in enumerate(a.bags):
        if bag.total <= 0 and bag.counts:
            out.extend((i, j) for j in light_b.get(tuple(sorted(bag.counts.items())), []))
    return out


def _fusions(
    a: Prepared, b: Prepared, shared: SharedPairs, chosen: list[Candidate]
) -> list[Candidate]:
    """Links of sentences that fuse several non-adjacent sentences of the other side.

    A summary sentence draws on two or three sentences of the story, anywhere in it, and
    shares too little with all but one (or any) of them for a link.  For every sentence that
    is unlinked or linked alone to one run of sentences, the unlinked sentences of the other
    side holding enough of its weight are its further sources (read from the sparse shared
    weights: no window search, nothing quadratic); it is a fusion when its link partners and
    best sources together hold most of its weight, clearly more than before.  Fusions are
    taken best first, each source once, with a tie-break that does not depend on which side
    is A; every further source gives one link, scored by the share found in all of them.
    """
    used_a = {k for c in chosen for k in range(c.a_lo, c.a_hi)}
    used_b = {k for c in chosen for k in range(c.b_lo, c.b_hi)}
    partner_b = {c.b_lo: tuple(range(c.a_lo, c.a_hi)) for c in chosen if c.b_hi - c.b_lo == 1}
    partner_a = {c.a_lo: tuple(range(c.b_lo, c.b_hi)) for c in chosen if c.a_hi - c.a_lo == 1}
    rows, cols, values = shared.rows, shared.cols, shared.values
    # (cover, A sentences, B sentences, the new sources, which side is the target)
    found: list[tuple[float, tuple[int, ...], tuple[int, ...], tuple[int, ...], bool]] = []
    for target, source, t_bags, s_bags, t_used, s_used, partner, t_is_b in (
        (cols, rows, b.bags, a.bags, used_b, used_a, partner_b, True),
        (rows, cols, a.bags, b.bags, used_a, used_b, partner_a, False),
    ):
        order = np.lexsort((source, target))
        bounds = np.flatnonzero(np.diff(target[order])) + 1
        for run in np.split(order, bounds):
            if len(run) == 0:
                continue
            t = int(target[run[0]])
            total = t_bags[t].total
            base = partner.get(t, ())
            if (t in t_used and not base) or total <= 0:
                continue
            need = max(_FUSION_MEMBER * total, _FUSION_MIN_WEIGHT)
            strong = run[values[run] >= need]
            members = [
                (v, src)
                for v, src in zip(values[strong].tolist(), source[strong].tolist(), strict=True)
                if src not in s_used
            ]
            if not members or len(members) + len(base) < 2:
                continue
            members.sort(key=lambda vs: (-vs[0], vs[1]))
            extra = tuple(sorted(src for _, src in members[: max(1, _FUSION_MAX - len(base))]))
            before = members[0][0] / total
            if base:
                before = max(before, _cover(t_bags[t], [s_bags[k] for k in base]))
            cover = _cover(t_bags[t], [s_bags[k] for k in sorted(base + extra)])
            if cover < _FUSION_COVER or cover - before < _FUSION_GAIN:
                continue
            srcs = tuple(sorted(base + extra))
            side_a, side_b = (srcs, (t,)) if t_is_b else ((t,), srcs)
            found.append((round(cover, 6), side_a, side_b, extra, t_is_b))
    found.sort(key=lambda f: (-f[0], min(f[1:3], f[2:0:-1]), max(f[1:3], f[2:0:-1])))
    out: list[Candidate] = []
    extended: set[tuple[bool, int]] = set()
    for cover, side_a, side_b, extra, t_is_b in found:
        t = side_b[0] if t_is_b else side_a[0]
        if (t_is_b, t) in extended or (used_a if t_is_b else used_b).intersection(extra):
            continue
        if (used_b if t_is_b else used_a).__contains__(t) and not (
            partner_b if t_is_b else partner_a
        ).get(t):
            continue
        extended.add((t_is_b, t))
        (used_a if t_is_b else used_b).update(extra)
        (used_b if t_is_b else used_a).add(t)
        score = round(100 * cover, 6)
        out.extend(
            Candidate(i, i + 1, t, t + 1, score) if t_is_b else Candidate(t, t + 1, i, i + 1, score)
            for i in extra
        )
    return out


def _cover(target: Bag, sources: list[Bag]) -> float:
    """Share of ``target``'s weight found in the sources together."""
    merged = sources[0]
    for bag in sources[1:]:
        merged = merged.merged(bag)
    return sum(w for _, w in shared_terms(target, merged)) / target.total


def _moved_flags(links: list[Candidate]) -> list[bool]:
    """Mark the links that lie on no heaviest chain increasing in both texts.

    A chain is a set of links in the same order in A and in B; its weight is the sum of
    its scores.  A link on at least one heaviest chain keeps its place; every other link is
    ``moved``.  The rule does not depend on which article is A, so ``align(b, a)`` marks the
    same links.
    """
    if not links:
        return []
    weight = np.array([round(c.score * 1000) for c in links], dtype=np.int64)
    a_lo = np.array([c.a_lo for c in links])
    b_lo = np.array([c.b_lo for c in links])
    order = np.lexsort((b_lo, a_lo))
    upto = np.zeros_like(weight)  # heaviest chain ending at each link
    for k in order:
        prior = (a_lo < a_lo[k]) & (b_lo < b_lo[k])
        upto[k] = weight[k] + (upto[prior].max() if prior.any() else 0)
    after = np.zeros_like(weight)  # heaviest chain starting at each link
    for k in order[::-1]:
        later = (a_lo > a_lo[k]) & (b_lo > b_lo[k])
        after[k] = weight[k] + (after[later].max() if later.any() else 0)
    on_best = upto + after - weight == upto.max()
    return [not flag for flag in on_best.tolist()]


def _root(comp: list[int], x: int) -> int:
    while comp[x] != x:
        comp[x] = comp[comp[x]]
        x = comp[x]
    return x


def group_passages(links: list[Candidate], params: AlignParams) -> list[list[int]]:
    """Indices of ``links`` grouped into passages, in order of their first sentence in A.

    Two groups join when at most ``passage_gap`` story sentences separate their ranges on
    each side, or when they touch on one side and at most ``fusion_gap`` separate them on the
    other; the ranges of a group run from its first to its last sentence, and joining
    repeats until no two groups qualify.  The rule is the same with the sides swapped.
    """
    groups = [[k] for k in range(len(links))]
    box = np.array([[c.a_lo, c.a_hi, c.b_lo, c.b_hi] for c in links], dtype=np.int64)
    while len(groups) > 1:
        comp = list(range(len(groups)))  # connected components of the "near" pairs
        joined = False
        for i, j in _near_pairs(box, params):
            ri, rj = _root(comp, i), _root(comp, j)
            if ri != rj:
                comp[max(ri, rj)] = min(ri, rj)
                joined = True
        if not joined:
            break
        merged: dict[int, list[int]] = {}
        for g in range(len(groups)):
            merged.setdefault(_root(comp, g), []).append(g)
        groups = [sorted(k for g in members for k in groups[g]) for members in merged.values()]
        box = np.array(
            [
                [
                    min(links[k].a_lo for k in grp),
                    max(links[k].a_hi for k in grp),
                    min(links[k].b_lo for k in grp),
                    max(links[k].b_hi for k in grp),
                ]
                for grp in groups
            ],
            dtype=np.int64,
        )
    order = sorted(range(len(groups)), key=lambda g: (box[g, 0], box[g, 2]))
    return [groups[g] for g in order]


def _near_pairs(box: np.ndarray, params: AlignParams) -> list[tuple[int, int]]:
    """Pairs of ranges (rows ``a_lo, a_hi, b_lo, b_hi``) close enough to join.

    A sweep over the ranges in order of ``a_lo``: only ranges that start within the widest
    allowed gap of one's end in A are compared, so the work grows with the near pairs, not
    with the square of the links.
    """
    widest = max(params.passage_gap, params.fusion_gap)
    order = np.lexsort((box[:, 2], box[:, 0]))
    a_lo = box[order, 0]
    out: list[tuple[int, int]] = []
    for pos, i in enumerate(order.tolist()):
        end = int(np.searchsorted(a_lo, box[i, 1] + widest, side="right"))
        if end <= pos + 1:
            continue
        js = order[pos + 1 : end]
        gap_a = np.maximum(0, box[js, 0] - box[i, 1])
        gap_b = np.maximum(0, np.maximum(box[js, 2] - box[i, 3], box[i, 2] - box[js, 3]))
        near = (gap_a <= params.passage_gap) & (gap_b <= params.passage_gap)
        near |= (np.minimum(gap_a, gap_b) == 0) & (np.maximum(gap_a, gap_b) <= params.fusion_gap)
        out.extend((i, int(j)) for j in js[near].tolist())
    return out


def _passages(
    a: Prepared, b: Prepared, chosen: list[Candidate], links: tuple[Link, ...], params: AlignParams
) -> tuple[Passage, ...]:
    out = []
    for grp in group_passages(chosen, params):
        sizes = [
            (links[k].a.end - links[k].a.start) + (links[k].b.end - links[k].b.start) for k in grp
        ]
        score = sum(s * links[k].score for s, k in zip(sizes, grp, strict=True)) / max(
            1, sum(sizes)
        )
        out.append(
            Passage(
                a=Span(min(links[k].a.start for k in grp), max(links[k].a.end for k in grp)),
                b=Span(min(links[k].b.start for k in grp), max(links[k].b.end for k in grp)),
                score=round(score, 2),
                links=tuple(grp),
            )
        )
    return tuple(out)


_TRIM_WORDS = 4  # a link's span leaves out an unshared edge of at least this many words


def _link(
    a: Prepared, b: Prepared, cand: Candidate, moved: bool, *, fused: bool, whole: bool
) -> Link:
    """The link of a candidate, its spans tightened to the shared part of its sentences.

    On each side, a run of at least ``_TRIM_WORDS`` words at the start or the end before the
    first (after the last) word with weight that the other side also has is left out of the
    span: the rest of a long sentence around a reused clause.  The rule reads each side
    against the other's words only, so it is the same with the sides swapped; spans still
    start and end on words of the original text.  Fused links, and links that share a
    sentence with one (``whole``), keep whole sentences.
    """
    edits = _word_edits(a, b, cand)
    span_a, span_b = a.span(cand.a_lo, cand.a_hi), b.span(cand.b_lo, cand.b_hi)
    if not (fused or whole):
        ta = [t for k in range(cand.a_lo, cand.a_hi) for t in a.tokens[k]]
        tb = [t for k in range(cand.b_lo, cand.b_hi) for t in b.tokens[k]]
        tight_a = _tight(ta, {t.key for t in tb}, span_a)
        tight_b = _tight(tb, {t.key for t in ta}, span_b)
        if (tight_a, tight_b) != (span_a, span_b):
            span_a, span_b = tight_a, tight_b
            edits = tuple(e for e in (_clip(e, span_a, span_b) for e in edits) if e is not None)
    return Link(span_a, span_b, round(cand.score, 2), moved, edits, fused)


def _tight(tokens: list[Token], other: set[str], span: Span) -> Span:
    anchors = [k for k, t in enumerate(tokens) if t.weight > 0 and t.key in other]
    if not anchors:
        return span
    first, last = anchors[0], anchors[-1]
    start = tokens[first].start if first >= _TRIM_WORDS else span.start
    end = tokens[last].end if len(tokens) - 1 - last >= _TRIM_WORDS else span.end
    return Span(start, end)


def _clip(edit: WordEdit, span_a: Span, span_b: Span) -> WordEdit | None:
    """The part of a word edit inside the tightened spans (None when nothing is left)."""

    def inside(run: Span | None, span: Span) -> Span | None:
        if run is None:
            return None
        lo, hi = max(run.start, span.start), min(run.end, span.end)
        return Span(lo, hi) if lo < hi else None

    ra, rb = inside(edit.a, span_a), inside(edit.b, span_b)
    if ra is None and rb is None:
        return None
    if edit.op in ("equal", "replace") and (ra is None) != (rb is None):
        return WordEdit("delete" if rb is None else "insert", ra, rb)
    return WordEdit(edit.op, ra, rb)


def _word_edits(a: Prepared, b: Prepared, cand: Candidate) -> tuple[WordEdit, ...]:
    ta = [t for k in range(cand.a_lo, cand.a_hi) for t in a.tokens[k]]
    tb = [t for k in range(cand.b_lo, cand.b_hi) for t in b.tokens[k]]
    edits = []
    for op in Levenshtein.opcodes([t.key for t in ta], [t.key for t in tb]):
        sa = (
            Span(ta[op.src_start].start, ta[op.src_end - 1].end)
            if op.src_end > op.src_start
            else None
        )
        sb = (
            Span(tb[op.dest_start].start, tb[op.dest_end - 1].end)
            if op.dest_end > op.dest_start
            else None
        )
        edits.append(WordEdit(cast(EditOp, op.tag), sa, sb))
    return tuple(edits)


def _text_and_id(value: str | Article, default_id: str) -> tuple[str, str]:
    if isinstance(value, Article):
        return value.text, value.id
    if isinstance(value, str):
        return value, default_id
    msg = f"align() takes str or Article, got {type(value).__name__}"
    raise TypeError(msg)


def align(a: str | Article, b: str | Article, **options: Any) -> Alignment:
    """Align two articles sentence by sentence.

    ``options`` are the keyword-only fields of :class:`dupwire.params.AlignParams`
    (``min_score``, ``max_merge``, ``member_min``, ``same_story``, ``partial_reuse``), or
    ``params=AlignParams(...)``.

    >>> al = align("Troops resumed patrols in Syria.\\nLeave a Reply",
    ...            "Soldiers resumed joint patrols in Syria on Friday.")
    >>> al.verdict, len(al.links), [s.slice(al.a_text) for s in al.boilerplate_a]
    ('same_story', 1, ['Leave a Reply'])
    """
    params = options.pop("params", None)
    if params is None:
        params = AlignParams.from_options(**options)
    elif options:
        msg = "pass either params= or individual options to align(), not both"
        raise TypeError(msg)
    text_a, id_a = _text_and_id(a, "a")
    text_b, id_b = _text_and_id(b, "b")
    for text, name in ((text_a, id_a), (text_b, id_b)):
        if not text.strip():
            msg = f"{name}: the article is empty; pass a text with at least one sentence"
            raise EmptyArticleError(msg)
    return align_prepared(prepare(text_a), prepare(text_b), params, (id_a, id_b))


def align_prepared(
    side_a: Prepared, side_b: Prepared, params: AlignParams, ids: tuple[str, str] = ("a", "b")
) -> Alignment:
    """:func:`align` of two prepared articles (:func:`prepare`) with ids ``ids``: one side
    prepared once serves many alignments (a cluster's representative, a query)."""
    id_a, id_b = ids
    text_a, text_b = side_a.text, side_b.text
    shared = shared_pairs(side_a.bags, side_b.bags)
    chosen = select_links(_candidates(side_a, side_b, params, shared), params.min_score)
    fused = set(_fusions(side_a, side_b, shared, chosen))
    chosen.extend(fused)
    chosen.sort(key=lambda c: (c.a_lo, c.b_lo))
    moved = _moved_flags(chosen)
    fused_a = {c.a_lo for c in fused}
    fused_b = {c.b_lo for c in fused}
    links = tuple(
        _link(
            side_a,
            side_b,
            c,
            mv,
            fused=c in fused,
            whole=bool(fused_a.intersection(range(c.a_lo, c.a_hi)))
            or bool(fused_b.intersection(range(c.b_lo, c.b_hi))),
        )
        for c, mv in zip(chosen, moved, strict=True)
    )
    used_a = {k for c in chosen for k in range(c.a_lo, c.a_hi)}
    used_b = {k for c in chosen for k in range(c.b_lo, c.b_hi)}
    cov_a, cov_b, linked = covered(side_a.chars, used_a, side_b.chars, used_b)
    return Alignment(
        a_id=id_a,
        b_id=id_b,
        a_text=text_a,
        b_text=text_b,
        links=links,
        only_a=_unit_spans(side_a, used_a),
        only_b=_unit_spans(side_b, used_b),
        boilerplate_a=_furniture_spans(side_a),
        boilerplate_b=_furniture_spans(side_b),
        coverage_a=round(cov_a, 4),
        coverage_b=round(cov_b, 4),
        verdict=verdict_for(cov_a, cov_b, params, linked),
        params=params,
        passages=_passages(side_a, side_b, chosen, links, params),
    )


def _unit_spans(side: Prepared, used: set[int]) -> tuple[Span, ...]:
    units = side.units
    return tuple(
        Span(units[i].start, units[i].end) for k, i in enumerate(side.story) if k not in used
    )


def _furniture_spans(side: Prepared) -> tuple[Span, ...]:
    return tuple(Span(u.start, u.end) for u in side.units if u.kind == "boilerplate")
