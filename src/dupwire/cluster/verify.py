"""Stage 5, verification: a pair score (0-100) for every candidate pair.

The *similarity* of a pair is 100 times the cosine of the two articles' word vectors
(:mod:`dupwire.cluster.vectors`).  Each article's ``per_article`` most similar partners are
also aligned sentence by sentence: the *passage score* of :func:`dupwire.align.relate` with
one-to-one links, computed by its vectorised twin :class:`dupwire.align.bags.SentenceBags`.
The **pair score** is ``(similarity + passage score) / 2``; a pair that was not aligned has
passage score 0.

An article's **background** is its text score (before any time penalty) with its
``rank``-th best candidate, ``rank`` being the number of partners each article keeps
(``ClusterParams.max_candidates``, 35; 0 with fewer candidates): how much it resembles the
stories around it.  Within a saga (one special counsel, one nominee, one war) every article
resembles dozens of other stories by their shared names; that level is topic, not event.  So
every pair score, candidate or not, counts only above the smaller background of its two
articles.  An article whose 35th partner is unrelated (most articles, and every version of a
story with fewer than 35 versions) has background about 0 and keeps its scores.

A dated article's background is also at least its text score with its ``far_rank``-th (3rd)
best candidate published more than ``far_days`` (28) days away from it
(:func:`far_backgrounds`): what it shares with reports of other weeks is its kind of event
(a city's shootings, an outlet's template), not its story (:mod:`dupwire.dates`).  Undated
articles, and pairs with an unknown date, are not concerned.  Gaps are those of
:meth:`dupwire.dates.DayReferences.gaps` (a day an article names counts as its date for the
reports of that day), and an article's best-scoring pair among those a named day links
counts above the smaller of the two articles' backgrounds without the far rule.

Net of the background, a dated pair loses the time penalty of its gap, and a pair whose
leads name days but none in common loses ``lead_day_cost`` (:class:`dupwire.dates.LeadDays`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dupwire._numeric import F64, I64
from dupwire.align.bags import SentenceBags
from dupwire.cluster.candidates import top_partners
from dupwire.cluster.forked import forked_map
from dupwire.cluster.scan import Progress
from dupwire.cluster.vectors import SparseVectors
from dupwire.dates import FAR_DAYS, DayReferences, LeadDays, time_penalty
from dupwire.model import Verdict
from dupwire.params import AlignParams

__all__ = [
    "PAIR_ALIGN",
    "PairScorer",
    "backgrounds",
    "far_backgrounds",
    "passage_scores",
    "relations",
    "similarities",
    "to_verify",
]

#: The aligner options of the passage score: one-to-one sentence links.
PAIR_ALIGN = AlignParams(max_merge=1)
_PAIRS_PER_TASK = 2000  # pairs a worker aligns at a time (about a tenth of a second)


def similarities(vectors: SparseVectors, pairs: I64) -> F64:
    """100 * cosine of each candidate pair (pairs sorted by their first article)."""
    out = np.empty(len(pairs))
    if len(pairs) == 0:
        return out
    starts = np.flatnonzero(np.r_[True, pairs[1:, 0] != pairs[:-1, 0]])
    ends = np.r_[starts[1:], len(pairs)]
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        out[lo:hi] = 100.0 * vectors.dots(int(pairs[lo, 0]), pairs[lo:hi, 1].tolist())
    return out


def to_verify(pairs: I64, similarity: F64, per_article: int) -> list[tuple[int, int]]:
    """Each article's ``per_article`` most similar candidates (similarity above 0)."""
    positive = np.flatnonzero(similarity > 0)
    chosen = positive[top_partners(pairs[positive], similarity[positive], per_article)]
    return [(int(i), int(j)) for i, j in pairs[chosen].tolist()]


def relations(
    bags: SentenceBags,
    pairs: Sequence[tuple[int, int]],
    workers: int = 1,
    progress: Progress | None = None,
    stage: str = "verify",
) -> list[tuple[float, Verdict]]:
    """The passage score and verdict of each pair, ``bags.relate(i, j, PAIR_ALIGN)``, in
    order; split over ``workers`` forked processes (:mod:`dupwire.cluster.forked`) for
    many pairs.  ``progress`` is told under ``stage``."""

    def done(k: int) -> None:
        if progress:
            progress(stage, k, len(pairs))

    return forked_map(
        _relate_range,
        (bags, pairs),
        len(pairs),
        workers=workers,
        chunk=_PAIRS_PER_TASK,
        done=done if progress else None,
    )


def _relate_range(
    state: tuple[SentenceBags, Sequence[tuple[int, int]]], lo: int, hi: int
) -> list[tuple[float, Verdict]]:
    bags, pairs = state
    return [bags.relate(i, j, PAIR_ALIGN) for i, j in pairs[lo:hi]]


def passage_scores(
    bags: SentenceBags,
    chosen: Sequence[tuple[int, int]],
    progress: Progress | None = None,
    workers: int = 1,
) -> dict[tuple[int, int], float]:
    """The passage score of each chosen pair (:func:`relations`)."""
    found = relations(bags, chosen, workers, progress)
    return {pair: score for pair, (score, _) in zip(chosen, found, strict=True)}


def backgrounds(pairs: I64, scores: F64, n_docs: int, rank: int) -> F64:
    """Each article's ``rank``-th highest score among its pairs (0 with fewer, never below 0).

    >>> pairs = np.array([[0, 1], [0, 2], [1, 2]])
    >>> backgrounds(pairs, np.array([30.0, 10.0, 20.0]), 4, rank=2).tolist()
    [10.0, 20.0, 10.0, 0.0]
    """
    out = np.zeros(n_docs)
    if len(pairs) == 0 or rank < 1:
        return out
    doc = np.concatenate((pairs[:, 0], pairs[:, 1]))
    value = np.concatenate((scores, scores))
    order = np.lexsort((-value, doc))
    doc, value = doc[order], value[order]
    first = np.searchsorted(doc, doc)  # where each article's run starts
    at = np.flatnonzero(np.arange(len(doc)) - first == rank - 1)
    out[doc[at]] = np.maximum(value[at], 0.0)
    return out


def far_backgrounds(pairs: I64, scores: F64, gaps: F64, n: int, far_days: float, rank: int) -> F64:
    """Each of ``n`` articles' ``rank``-th highest score among its pairs more than
    ``far_days`` apart (``gaps``: :meth:`dupwire.dates.DayReferences.gaps`; :func:`backgrounds`
    of those pairs; a pair with an unknown gap is never far).

    >>> pairs = np.array([[0, 1], [0, 2], [1, 2]])
    >>> gaps = np.array([3.0, 60.0, 57.0])
    >>> far_backgrounds(pairs, np.array([30.0, 10.0, 20.0]), gaps, 3, 28.0, rank=1).tolist()
    [10.0, 20.0, 20.0]
    """
    with np.errstate(invalid="ignore"):
        far = gaps > far_days
    return backgrounds(pairs[far], scores[far], n, rank)


class PairScorer:
    """Pair scores of any two articles: exact for candidates and non-candidates alike.

    ``dates`` holds each article's publication date and the days it names
    (:class:`dupwire.dates.DayReferences`); a dated pair loses
    :func:`dupwire.dates.time_penalty` of its gap (``time_cost`` points per e-fold).
    ``lead`` is the days the articles' leads name (:class:`dupwire.dates.LeadDays`) and a
    cost: a pair whose leads name days but none in common loses it.
    :meth:`edges` sets each article's background (:func:`backgrounds`, and for dated
    articles at least :func:`far_backgrounds` with ``far``: ``(far_days, far_rank)``, rank 0
    for none); from then on every score, in :meth:`edges` and :meth:`block`, is net of the
    smaller background of the pair.
    """

    def __init__(
        self,
        vectors: SparseVectors,
        passage: dict[tuple[int, int], float],
        dates: DayReferences | None = None,
        time_cost: float = 0.0,
        far: tuple[float, int] = (FAR_DAYS, 0),
        lead: tuple[LeadDays, float] | None = None,
    ) -> None:
        self.vectors = vectors
        self.passage = passage
        self.dates = dates
        self.time_cost = time_cost
        self.far = far
        self.lead = lead
        self.background = np.zeros(len(vectors.ptr) - 1)
        # The floor of each follow-up pair (:meth:`_followed`): its near background.
        self.near_floor: dict[tuple[int, int], float] = {}

    def _followed(self, pairs: I64, scores: F64, gaps: F64) -> npt.NDArray[np.bool_]:
        """The candidate pairs that a named day links (:meth:`DayReferences.linked`; their
        ``gaps`` known) and that are the best-scoring such pair of one of their articles: a
        follow-up and the report of the day it names that its text matches best."""
        assert self.dates is not None
        linked = self.dates.linked(pairs[:, 0], pairs[:, 1], gaps)
        best = np.full(len(self.background), -np.inf)
        np.maximum.at(best, pairs[linked, 0], scores[linked])
        np.maximum.at(best, pairs[linked, 1], scores[linked])
        top = (scores >= best[pairs[:, 0]]) | (scores >= best[pairs[:, 1]])
        out: npt.NDArray[np.bool_] = linked & top
        return out

    def penalty(self, rows: Sequence[int] | I64, cols: Sequence[int] | I64) -> F64:
        """The penalty of every (row, col) pair: :meth:`pair_penalty` of each."""
        r = np.repeat(np.asarray(rows, dtype=np.int64), len(cols))
        c = np.tile(np.asarray(cols, dtype=np.int64), len(rows))
        gaps = None if self.dates is None else self.dates.gaps(r, c)
        return self.pair_penalty(r, c, gaps).reshape(len(rows), len(cols))

    def pair_penalty(self, i: I64, j: I64, gaps: F64 | None) -> F64:
        """Points each pair ``(i[k], j[k])`` loses (``gaps``: their gaps, None without
        dates): the time penalty of its gap, and the lead-day penalty
        (:meth:`dupwire.dates.LeadDays.penalty`)."""
        out = np.zeros(len(i))
        if gaps is not None and self.time_cost > 0:
            out = time_penalty(gaps, self.time_cost)
        if self.lead is not None and self.lead[1] > 0:
            out = out + self.lead[0].penalty(i, j, gaps, self.lead[1])
        return out

    def edges(self, pairs: I64, similarity: F64, rank: int) -> dict[tuple[int, int], float]:
        """The pair score of each candidate pair, net of the pair's background; sets the
        backgrounds from the candidates' text scores (before any time penalty), each
        article's ``rank``-th best (:func:`backgrounds`), for dated articles at least its
        far background (:func:`far_backgrounds`)."""
        passage = np.array([self.passage.get((i, j), 0.0) for i, j in pairs.tolist()])
        scores = (similarity + passage) / 2.0
        n = len(self.background)
        self.background = backgrounds(pairs, scores, n, rank)
        near = self.background
        gaps = None if self.dates is None else self.dates.gaps(pairs[:, 0], pairs[:, 1])
        far_days, far_rank = self.far
        if gaps is not None and far_rank > 0 and len(pairs):
            far = far_backgrounds(pairs, scores, gaps, n, far_days, far_rank)
            self.background = np.maximum(self.background, far)
        if len(pairs):
            bg = self.background
            floor = np.minimum(bg[pairs[:, 0]], bg[pairs[:, 1]])
            if gaps is not None:
                followed = self._followed(pairs, scores, gaps)
                own = np.minimum(near[pairs[followed, 0]], near[pairs[followed, 1]])
                floor[followed] = own
                self.near_floor = dict(
                    zip(map(tuple, pairs[followed].tolist()), own.tolist(), strict=True)
                )
            scores = scores - floor
        if len(pairs):
            scores = scores - self.pair_penalty(pairs[:, 0], pairs[:, 1], gaps)
        return {(i, j): s for (i, j), s in zip(pairs.tolist(), scores.tolist(), strict=True)}

    def block(self, rows: Sequence[int], cols: Sequence[int]) -> F64:
        """Pair score of every article in ``rows`` with every article in ``cols``."""
        scores = 100.0 * self.vectors.block(rows, cols)
        bg = self.background
        floor = np.minimum.outer(
            bg[np.asarray(rows, dtype=np.int64)], bg[np.asarray(cols, dtype=np.int64)]
        )
        near = self.near_floor
        for r, i in enumerate(rows):
            for c, j in enumerate(cols):
                pair = (i, j) if i < j else (j, i)
                value = self.passage.get(pair)
                if value is not None:
                    scores[r, c] += value
                if near and pair in near:
                    floor[r, c] = near[pair]
        # In the order of :meth:`edges` (floor, then the time and lead-day penalties), so that
        # a candidate pair's block is its edge to the last bit.
        return scores / 2.0 - floor - self.penalty(rows, cols)
