"""Stage 2, corpus furniture: sentences that recur across otherwise different articles.

A story sentence is a *recurring line* when its sequence of word keys, numbers and month or
weekday names masked, occurs in at least ``max(min_articles, share * n)`` articles.  A
recurring line is furniture (a site header, byline, newsletter blurb) when the articles
holding it are otherwise different: (a) on average at least ``private`` of each one's lines
occur in no other article holding it, which copies of one wire story fail; and (b) set apart
from such lines, the articles do not tell one story (their mean pair similarity is below
``link_score``), which independent reports quoting one statement fail.  Both are measured on
at most 50 of the articles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dupwire._numeric import GOLDEN, I64, U64, held_in, mix64, ranges
from dupwire.cluster.scan import CorpusText
from dupwire.cluster.vectors import word_table, word_vectors

__all__ = ["DATE_WORDS", "corpus_furniture", "line_hashes"]

_MONTHS = "january february march april may june july august september october november december"
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday"
_SHORT = "jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu thur thurs fri sat sun"
#: Month and weekday names (and their short forms), masked like numbers in recurring lines.
DATE_WORDS = frozenset(f"{_MONTHS} {_WEEKDAYS} {_SHORT}".split(" "))
_SAMPLE = 50  # articles looked at to decide whether a recurring line is furniture


def line_hashes(text: CorpusText) -> U64:
    """One 64-bit hash per sentence of its word keys in order, numbers and dates masked.

    Sentences without words hash to 0.
    """
    digit = re.compile(r"\d").search
    codes = np.array(
        [1 if k in DATE_WORDS else 2 if digit(k) else i + 3 for i, k in enumerate(text.vocab)],
        dtype=np.uint64,
    )
    codes = codes[text.type_key]  # per type
    out = np.zeros(text.n_sents, dtype=np.uint64)
    for s0, s1 in text.sentence_chunks():
        lengths = np.diff(text.tok_ptr[s0 : s1 + 1])
        filled = np.flatnonzero(lengths > 0)
        if len(filled) == 0:
            continue
        t0, t1 = int(text.tok_ptr[s0]), int(text.tok_ptr[s1])
        starts = text.tok_ptr[s0:s1][filled] - t0
        pos = np.arange(t1 - t0) - np.repeat(text.tok_ptr[s0:s1] - t0, lengths)
        with np.errstate(over="ignore"):
            h = mix64(
                codes[text.tokens[t0:t1]] * GOLDEN + mix64(pos.astype(np.uint64) + np.uint64(1))
            )
            # Tokens are in sentence order: one sum per non-empty sentence.
            sums = np.add.reduceat(h, starts)
            out[s0 + filled] = mix64(sums + lengths[filled].astype(np.uint64))
    return out


def corpus_furniture(
    text: CorpusText,
    *,
    min_articles: int,
    share: float,
    private: float,
    link_score: float,
) -> npt.NDArray[np.bool_]:
    """Whether each sentence is corpus-level furniture (see the module docstring)."""
    n = text.n_docs
    lines = line_hashes(text)
    need = max(min_articles, math.ceil(share * n), 2)
    doc = text.sentence_doc()
    # Distinct (line, article) pairs, then the lines held by enough articles.
    has_words = lines != 0
    if not has_words.any():
        return np.zeros(text.n_sents, dtype=bool)
    line_of, doc_of = lines[has_words], doc[has_words]
    order = np.lexsort((doc_of, line_of))
    line_of, doc_of = line_of[order], doc_of[order]
    first = np.r_[True, (line_of[1:] != line_of[:-1]) | (doc_of[1:] != doc_of[:-1])]
    line_of, doc_of = line_of[first], doc_of[first]
    line_ids, counts = np.unique(line_of, return_counts=True)
    frequent = line_ids[counts >= need]
    if len(frequent) == 0:
        return np.zeros(text.n_sents, dtype=bool)
    held = held_in(line_of, frequent)
    holder_lines, holder_docs = line_of[held], doc_of[held]
    starts = np.searchsorted(holder_lines, frequent)
    ends = np.searchsorted(holder_lines, frequent, side="right")
    # Test (a): the holders mostly have lines of their own.
    suspects: dict[int, tuple[int, ...]] = {}
    is_private: dict[tuple[int, ...], bool] = {}
    for line, lo, hi in zip(frequent.tolist(), starts.tolist(), ends.tolist(), strict=True):
        sample = tuple(holder_docs[lo : min(hi, lo + _SAMPLE)].tolist())
        if sample not in is_private:
            is_private[sample] = _private_share(sample, lines, text.sent_ptr) >= private
        if is_private[sample]:
            suspects[line] = sample
    if not suspects:
        return np.zeros(text.n_sents, dtype=bool)
    # Test (b): without the suspect lines, the holders do not tell one story.
    suspect_sents = held_in(lines, np.array(sorted(suspects), dtype=np.uint64))
    sampled = np.zeros(n, dtype=bool)
    sampled[[d for sample in suspects.values() for d in sample]] = True
    vectors = word_vectors(text, word_table(text, ~suspect_sents & sampled[doc]), damping=None)
    furniture_lines: set[int] = set()
    unrelated: dict[tuple[int, ...], bool] = {}
    for line, sample in suspects.items():
        if sample not in unrelated:
            unrelated[sample] = vectors.mean_score(sample) < link_score
        if unrelated[sample]:
            furniture_lines.add(line)
    found = held_in(lines, np.array(sorted(furniture_lines), np.uint64)) & has_words
    return np.asarray(found, dtype=bool)


def _private_share(docs: Sequence[int], lines: U64, sent_ptr: I64) -> float:
    """Mean share of each article's distinct lines (``lines`` of its sentences, CSR
    ``sent_ptr``) found in no other of ``docs``."""
    rows = np.asarray(docs, dtype=np.int64)
    owner = np.repeat(np.arange(len(rows)), sent_ptr[rows + 1] - sent_ptr[rows])
    line = lines[ranges(sent_ptr, rows)]
    # Distinct (line, article) pairs, then the articles holding each line.
    order = np.lexsort((owner, line))
    line, owner = line[order], owner[order]
    first = np.r_[True, (line[1:] != line[:-1]) | (owner[1:] != owner[:-1])]
    line, owner = line[first], owner[first]
    group = np.cumsum(np.r_[True, line[1:] != line[:-1]]) - 1
    alone = np.bincount(group)[group] == 1
    held = np.bincount(owner, minlength=len(rows))
    own = np.bincount(owner, weights=alone, minlength=len(rows))
    # Each share is a quotient of whole numbers, and they are added in order, as in Python.
    shares: list[float] = (own / held).tolist()
    return sum(shares) / len(shares)
