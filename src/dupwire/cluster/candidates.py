"""Stage 4, candidates: MinHash/LSH pairs, tuned for recall on reworded stories.

Content-word shingles of each article's kept sentences (:class:`dupwire.shingle.Shingler`,
the one shingling rule), MinHash signatures (:func:`dupwire.sketch.signatures`) and banding
(:func:`dupwire.index.candidate_pairs`).  Each article keeps its ``max_candidates`` partners
most similar by word vectors (a pair stays when either side keeps it), which bounds the cost
of verification.  MinHash finds the pairs; the vectors, whose words are weighted by rarity,
rank them: a report's versions share its rare names, while reports of other stories on its
beat share as many MinHash values through its template and places.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from dupwire._numeric import F64, I64, U64
from dupwire.cluster.scan import CorpusText
from dupwire.index import (
    DEFAULT_LAYOUT,
    DEFAULT_MAX_BUCKET,
    LshLayout,
    candidate_pairs,
)
from dupwire.shingle import Shingler
from dupwire.sketch import signatures

__all__ = [
    "CandidateSet",
    "article_shingles",
    "find_candidates",
    "lsh_settings",
    "ranked_candidates",
]


def lsh_settings(
    bands: int | None = None,
    rows: int | None = None,
    min_bands: int | None = None,
    max_bucket: int | None = None,
) -> tuple[LshLayout, int]:
    """The LSH layout and bucket cap to use: the given values, or the index defaults."""
    layout = LshLayout(
        bands=bands if bands is not None else DEFAULT_LAYOUT.bands,
        rows=rows if rows is not None else DEFAULT_LAYOUT.rows,
        min_bands=min_bands if min_bands is not None else DEFAULT_LAYOUT.min_bands,
    )
    return layout, max_bucket if max_bucket is not None else DEFAULT_MAX_BUCKET


def article_shingles(
    text: CorpusText,
    keep: npt.NDArray[np.bool_],
    shingler: Shingler | None = None,
    *,
    distinct: bool = True,
) -> list[U64]:
    """The shingle set of each article's kept words, in text order (by default the candidate
    shingles: :class:`dupwire.shingle.Shingler` with its defaults); with ``distinct``
    false, each article's shingles in text order with repeats (:meth:`Shingler.grams`: the
    same MinHash signature, without sorting each article's shingles)."""
    shingler = shingler or Shingler(text.vocab)
    per_chunk = shingler.sets if distinct else shingler.grams
    out: list[U64] = []
    for d0, d1 in text.doc_chunks():
        s0, s1 = int(text.sent_ptr[d0]), int(text.sent_ptr[d1])
        lengths = np.diff(text.tok_ptr[s0 : s1 + 1])
        tok_keep = np.repeat(keep[s0:s1], lengths)
        t0, t1 = int(text.tok_ptr[s0]), int(text.tok_ptr[s1])
        keys = text.type_key[text.tokens[t0:t1][tok_keep]]
        sent_kept = np.bincount(np.repeat(np.arange(s1 - s0), lengths)[tok_keep], minlength=s1 - s0)
        sent_bounds = np.concatenate(([0], np.cumsum(sent_kept)))
        out.extend(per_chunk(keys, sent_bounds[text.sent_ptr[d0 : d1 + 1] - s0]))
    return out


class CandidateSet:
    """Candidate pairs ``(i, j)``, ``i < j``, with their similarity (the ranking's score)."""

    def __init__(self, pairs: I64, similarity: F64, raw: int) -> None:
        self.pairs = pairs
        self.similarity = similarity
        self.raw = raw

    def __len__(self) -> int:
        return len(self.pairs)


def find_candidates(
    sets: list[U64],
    *,
    num_perm: int,
    seed: int,
    layout: LshLayout,
    max_bucket: int,
    max_candidates: int,
    similarity: Callable[[I64], F64],
    kept: Callable[[I64, I64], npt.NDArray[np.bool_]] | None = None,
) -> CandidateSet:
    """Candidate pairs of the shingle sets: their MinHash signatures
    (:func:`dupwire.sketch.signatures`) banded by :func:`dupwire.index.candidate_pairs`,
    then :func:`ranked_candidates` (each article's ``max_candidates`` partners with the
    highest ``similarity(pairs)``, and every pair that ``kept(i, j)`` holds).  The pipeline
    runs the same steps through its engine, the banding beside the word vectors."""
    sigs = signatures(sets, num_perm=num_perm, seed=seed)
    pairs = candidate_pairs(sigs, layout=layout, max_bucket=max_bucket).pairs
    return ranked_candidates(pairs, max_candidates=max_candidates, similarity=similarity, kept=kept)


def ranked_candidates(
    pairs: I64,
    *,
    max_candidates: int,
    similarity: Callable[[I64], F64],
    kept: Callable[[I64, I64], npt.NDArray[np.bool_]] | None = None,
) -> CandidateSet:
    """The candidate pairs among the LSH pairs ``pairs`` (:func:`find_candidates` after the
    banding): each article's ``max_candidates`` partners with the highest
    ``similarity(pairs)``, and every pair that ``kept(i, j)`` holds."""
    raw = len(pairs)
    if raw == 0:
        return CandidateSet(pairs, np.empty(0), 0)
    score = similarity(pairs)
    keep = top_partners(pairs, score, max_candidates)
    if kept is not None:
        keep = np.union1d(keep, np.flatnonzero(kept(pairs[:, 0], pairs[:, 1])))
    return CandidateSet(pairs[keep], score[keep], raw)


def top_partners(pairs: I64, score: npt.NDArray[np.float64], per_article: int) -> I64:
    """Indices (sorted) of the pairs that are among either side's ``per_article`` best by
    ``score`` (ties: the smaller partner)."""
    if per_article == 0 or len(pairs) == 0:
        return np.empty(0, dtype=np.int64)
    n = len(pairs)
    owner = np.concatenate((pairs[:, 0], pairs[:, 1]))
    partner = np.concatenate((pairs[:, 1], pairs[:, 0]))
    both = np.concatenate((score, score))
    index = np.concatenate((np.arange(n), np.arange(n)))
    order = np.lexsort((partner, -both, owner))
    owner, index = owner[order], index[order]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rank = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
    return np.unique(index[rank < per_article])
