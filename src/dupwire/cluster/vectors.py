"""Stage 3, vectors: per-article word tables, word vectors and sentence bags.

From the scanned corpus (:mod:`dupwire.cluster.scan`) and the sentences kept after corpus
furniture (:mod:`dupwire.cluster.furniture`):

* :func:`word_table`: the distinct (article, word) pairs with their count and weight;
* :func:`word_vectors`: L2-normalised word vectors (log term frequency times the word's
  rare-word weight, optionally damped for words common in this corpus,
  :func:`dupwire.weights.corpus_damping`), whose dot products are the cosine part of the
  pair score;
* :func:`sentence_bags`: the :class:`dupwire.align.bags.SentenceBags` the verification stage
  aligns;
* :func:`contrast_terms`: each article's heavy words, for the contrast rule;
* :func:`far_damped`: once the candidates are known, the vectors of dated articles with the
  words they share with candidates from other weeks damped.

Everything works a chunk of articles at a time: within a chunk, tokens are sorted by
(article, word, sentence) with one integer key; runs of equal (article, word, sentence) are
bag entries and runs of equal (article, word) table rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from dupwire._numeric import F64, I32, I64, ranges, threaded
from dupwire.align import aligner
from dupwire.align.bags import SentenceBags
from dupwire.cluster.scan import CorpusText
from dupwire.weights import corpus_damping

__all__ = [
    "SparseVectors",
    "WordTable",
    "contrast_terms",
    "far_damped",
    "first_sentences",
    "sentence_bags",
    "word_table",
    "word_vectors",
]

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class WordTable:
    """Distinct (article, word) pairs, sorted: count of the word and its highest weight."""

    doc: I32
    word: I32
    count: I32
    weight: F64


_ROWS_AT_ONCE = 1 << 22  # table rows per vectorised step of word_vectors


@dataclass(slots=True)
class _Entries:
    """Bag entries of one chunk of articles, sorted by (article, word, sentence)."""

    doc: I64
    word: I64
    sent: I64  # sentence number among the article's kept sentences
    count: I64
    weight: F64
    table_rows: I64  # entries that start a new (article, word)


def _kept_ptr(text: CorpusText, keep: Mask) -> I64:
    n_kept = np.bincount(text.sentence_doc()[keep], minlength=text.n_docs)
    return np.concatenate(([0], np.cumsum(n_kept))).astype(np.int64)


def _entries(text: CorpusText, keep: Mask, workers: int = 1) -> Iterator[_Entries | None]:
    """The bag entries of each chunk of articles (:meth:`CorpusText.doc_chunks`), in order;
    None for a chunk with no kept sentence.  ``workers`` threads sort chunks at once
    (:func:`dupwire._numeric.threaded`)."""
    v = max(len(text.vocab), 1)
    sent_doc = text.sentence_doc()
    kept_rank = np.cumsum(keep) - 1  # index among kept sentences, for kept sentences
    kept_ptr = _kept_ptr(text, keep)

    def chunk(docs: tuple[int, int]) -> _Entries | None:
        d0, d1 = docs
        s0, s1 = int(text.sent_ptr[d0]), int(text.sent_ptr[d1])
        t0, t1 = int(text.tok_ptr[s0]), int(text.tok_ptr[s1])
        tok_sent = np.repeat(np.arange(s0, s1), np.diff(text.tok_ptr[s0 : s1 + 1]))
        mask = keep[tok_sent]
        if not mask.any():
            return None
        tok_sent = tok_sent[mask]
        types = text.tokens[t0:t1][mask]
        key = text.type_key[types].astype(np.int64)
        weight = text.type_weight[types]
        doc = sent_doc[tok_sent]
        local = kept_rank[tok_sent] - kept_ptr[doc]
        width = int(local.max()) + 1
        # Any order of equal (article, word, sentence) tokens gives the same entries (their
        # counts add, their weights reduce by max).  The tokens come article by article, so
        # each article's keys are all below the next one's: a stable sort (timsort, whose
        # merges skip ahead over such runs) takes half the time of the default one here.
        if (d1 - d0) * v * width < (1 << 62):
            order = np.argsort(((doc - d0) * v + key) * width + local, kind="stable")
        else:  # pragma: no cover - a vocabulary of billions
            order = np.lexsort((local, key, doc))
        doc, key, local, weight = doc[order], key[order], local[order], weight[order]
        change = (doc[1:] != doc[:-1]) | (key[1:] != key[:-1])
        starts = np.flatnonzero(np.r_[True, change | (local[1:] != local[:-1])])
        runs = np.flatnonzero(np.r_[True, change[starts[1:] - 1]]) if len(starts) else starts
        return _Entries(
            doc=doc[starts],
            word=key[starts],
            sent=local[starts],
            count=np.diff(np.r_[starts, len(doc)]),
            weight=np.maximum.reduceat(weight, starts),
            table_rows=runs,
        )

    return threaded(chunk, text.doc_chunks(), workers)


def word_table(text: CorpusText, keep: Mask, workers: int = 1) -> WordTable:
    """The distinct (article, word) pairs of the kept sentences (``workers``: threads)."""
    docs, words, counts, weights = [], [], [], []
    for e in _entries(text, keep, workers):
        if e is None:
            continue
        docs.append(e.doc[e.table_rows].astype(np.int32))
        words.append(e.word[e.table_rows].astype(np.int32))
        counts.append(np.add.reduceat(e.count, e.table_rows).astype(np.int32))
        weights.append(np.maximum.reduceat(e.weight, e.table_rows))
    return WordTable(
        _joined(docs, np.int32),
        _joined(words, np.int32),
        _joined(counts, np.int32),
        _joined(weights, np.float64),
    )


def _joined(parts: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
    """The arrays of ``parts`` end to end.  ``parts`` is emptied as they are copied, so each
    piece is freed once copied (the whole's pages are taken as they are written): the
    pieces and the whole are never all held at once, as with ``np.concatenate``."""
    out: npt.NDArray[Any] = np.empty(sum(len(p) for p in parts), dtype=dtype)
    at = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        out[at : at + len(part)] = part
        at += len(part)
    return out


def first_sentences(text: CorpusText, keep: Mask, most: int | None = None) -> Mask:
    """``keep`` with only the first ``most`` (default
    :data:`dupwire.align.aligner.MAX_ALIGNED_SENTENCES`) kept sentences of each article still
    kept: the sentences verification aligns."""
    most = aligner.MAX_ALIGNED_SENTENCES if most is None else most
    before = np.concatenate(([0], np.cumsum(keep)))
    rank = before[1:] - 1 - before[text.sent_ptr[:-1]][text.sentence_doc()]
    return keep & (rank < most)


def sentence_bags(text: CorpusText, keep: Mask, workers: int = 1) -> SentenceBags:
    """The kept sentences of every article as :class:`SentenceBags` (``workers``: threads):
    at most the first ``MAX_ALIGNED_SENTENCES`` of each (:func:`first_sentences`), as the
    reference :func:`dupwire.align.relate` reads them."""
    keep = first_sentences(text, keep)
    docs, words, sents, counts, weights = [], [], [], [], []
    for e in _entries(text, keep, workers):  # each chunk's entries kept in compact types only
        if e is None:
            continue
        docs.append(e.doc.astype(np.int32))
        words.append(e.word.astype(np.int32))
        sents.append(e.sent.astype(np.int32))
        counts.append(e.count.astype(np.int32))
        weights.append(e.weight)
    return SentenceBags.build(
        n_docs=text.n_docs,
        sent_ptr=_kept_ptr(text, keep),
        chars=text.sent_chars[keep].astype(np.int64),
        doc=_joined(docs, np.int32),
        word=_joined(words, np.int32),
        sent=_joined(sents, np.int32),
        counts=_joined(counts, np.int32),
        weights=_joined(weights, np.float64),
    )


@dataclass(slots=True)
class SparseVectors:
    """L2-normalised word vectors, one row per article (CSR arrays, keys sorted per row)."""

    ptr: I64
    keys: I32
    values: F64
    scratch: F64 = field(repr=False)  # zeros, one slot per vocabulary word

    def row(self, d: int) -> tuple[I32, F64]:
        lo, hi = self.ptr[d], self.ptr[d + 1]
        return self.keys[lo:hi], self.values[lo:hi]

    def _gather(self, docs: Sequence[int]) -> tuple[I64, I32, F64]:
        """The rows of ``docs`` laid end to end: each entry's position in ``docs``, word
        and value."""
        d = np.asarray(docs, dtype=np.int64)
        idx = ranges(self.ptr, d)
        owner = np.repeat(np.arange(len(d)), self.ptr[d + 1] - self.ptr[d])
        return owner, self.keys[idx], self.values[idx]

    def dots(self, d: int, others: Sequence[int]) -> F64:
        """Cosine of article ``d`` with each of ``others``."""
        keys, values = self.row(d)
        self.scratch[keys] = values
        owner, other_keys, other_values = self._gather(others)
        out = np.bincount(
            owner, weights=self.scratch[other_keys] * other_values, minlength=len(others)
        )
        self.scratch[keys] = 0.0
        return np.asarray(out, dtype=np.float64)

    def block(self, rows: Sequence[int], cols: Sequence[int]) -> F64:
        """Cosine of every article in ``rows`` with every article in ``cols``."""
        out = np.zeros((len(rows), len(cols)))
        for k, r in enumerate(rows):
            out[k] = self.dots(r, cols)
        return out

    def mean_score(self, docs: Sequence[int]) -> float:
        """Mean similarity part of the pair score, ``50 * cosine``, over all pairs of ``docs``.

        The sum of all pairs' dot products is half of (the squared norm of the rows' sum,
        less the rows' own squared norms); the sum is one ``bincount`` over the distinct
        words of the rows, so its cost does not grow with the vocabulary."""
        m = len(docs)
        if m < 2:
            return 100.0
        _, keys, values = self._gather(docs)
        distinct, where = np.unique(keys, return_inverse=True)
        total = float(np.sum(np.bincount(where, weights=values, minlength=len(distinct)) ** 2))
        # Not ``values @ values``: a BLAS dot starts threads, thousands of times slower on
        # a busy machine than numpy's own sum.
        cross = total - float(np.add.reduce(values * values))
        return 50.0 * cross / (m * (m - 1))


def word_vectors(
    text: CorpusText,
    table: WordTable,
    damping: float | None,
    counted: Mask | None = None,
) -> SparseVectors:
    """Word vectors from an article table; ``damping`` is ``distinctive_df`` (None: none).

    Document frequencies for damping count only the articles where ``counted`` is true (all
    by default): one per group of copies, so a story reprinted many times counts once.
    """
    # (1 + log count) * weight * damping, worked in place; every gather and square, one
    # chunk of rows at a time, so no more than one row-long array is made.
    values = np.log(table.count, dtype=np.float64)
    values += 1.0
    values *= table.weight
    if damping is not None:
        n_counted = text.n_docs if counted is None else int(counted.sum())
        df = np.zeros(len(text.vocab), dtype=np.int64)
        for lo in range(0, len(values), _ROWS_AT_ONCE):
            rows = table.word[lo : lo + _ROWS_AT_ONCE]
            if counted is not None:
                rows = rows[counted[table.doc[lo : lo + _ROWS_AT_ONCE]]]
            df += np.bincount(rows, minlength=len(text.vocab))
        factor = corpus_damping(df, n_counted, damping)
        for lo in range(0, len(values), _ROWS_AT_ONCE):
            values[lo : lo + _ROWS_AT_ONCE] *= factor[table.word[lo : lo + _ROWS_AT_ONCE]]
    positive = values > 0
    doc, word = table.doc, table.word
    if not positive.all():
        doc, word = np.compress(positive, doc), np.compress(positive, word)
        values = _compressed_in_place(values, positive)
    del positive
    ptr = _article_ptr(doc, text.n_docs)
    # Each article's rows lie in one chunk, summed in the same order as in one bincount.
    for d0, d1 in _article_chunks(ptr, _ROWS_AT_ONCE):
        lo, hi = int(ptr[d0]), int(ptr[d1])
        part, local = values[lo:hi], doc[lo:hi] - d0
        norms = np.sqrt(np.bincount(local, weights=part * part, minlength=d1 - d0))
        part /= norms[local]
    return SparseVectors(ptr, word, values, np.zeros(len(text.vocab)))


_ENTRIES_AT_ONCE = 1 << 20  # article entries per vectorised step of far_damped
_PAIRS_AT_ONCE = 1 << 14  # and far pairs


def far_damped(vectors: SparseVectors, far: I64, min_far: int) -> tuple[SparseVectors, int]:
    """``vectors`` with the words an article shares with its candidates from other weeks
    damped, and how many articles were: each article with at least ``min_far`` such
    candidates (``far``: its candidate pairs published far apart) has each word's value
    multiplied by the share of those candidates whose vector lacks the word, and is
    normalised again (a vector left with no weight stays zero).  What a report shares with
    reports of other weeks (the town, the police department, "shooting") is its beat, not
    its story; the words left are what tell its own event apart.  With ``min_far`` of at
    least 2, one far candidate (a follow-up months later) cannot erase the words it shares.
    With no article damped, ``vectors`` themselves come back.
    """
    ptr, keys = vectors.ptr, vectors.keys
    a = np.concatenate((far[:, 0], far[:, 1])).astype(np.int64)
    b = np.concatenate((far[:, 1], far[:, 0])).astype(np.int64)
    count = np.bincount(a, minlength=len(ptr) - 1)  # far candidates of each article
    chosen = count[a] >= max(min_far, 1)
    if not chosen.any():
        return vectors, 0
    order = np.argsort(a[chosen], kind="stable")
    a, b = a[chosen][order], b[chosen][order]
    docs = np.unique(a)
    width = len(vectors.scratch)
    values = vectors.values.copy()
    # A few articles at a time (memory stays bounded): their entries as one ascending table
    # of (article, word) codes (a row's words are sorted), searched for the words of each of
    # their far candidates.
    ends = np.cumsum(ptr[docs + 1] - ptr[docs])
    d0 = 0
    while d0 < len(docs):
        d1 = max(d0 + 1, int(np.searchsorted(ends, ends[d0] + _ENTRIES_AT_ONCE, side="right")))
        group = docs[d0:d1]
        rows = ranges(ptr, group)
        if not len(rows):  # articles without words (then without candidates either)
            d0 = d1
            continue
        local = np.repeat(np.arange(len(group)), ptr[group + 1] - ptr[group])
        table = group[local] * width + keys[rows]
        held = np.zeros(len(rows))  # far candidates holding each entry's word
        lo, hi = np.searchsorted(a, group[0]), np.searchsorted(a, group[-1], side="right")
        for p0 in range(lo, hi, _PAIRS_AT_ONCE):
            p1 = min(hi, p0 + _PAIRS_AT_ONCE)
            sizes = ptr[b[p0:p1] + 1] - ptr[b[p0:p1]]
            probe = np.repeat(a[p0:p1], sizes) * width + keys[ranges(ptr, b[p0:p1])]
            at = np.minimum(np.searchsorted(table, probe), len(table) - 1)
            held += np.bincount(at[table[at] == probe], minlength=len(rows))
        n_far = count[group][local]
        part = values[rows] * ((n_far - held) / n_far)
        norms = np.sqrt(np.bincount(local, weights=part * part, minlength=len(group)))
        values[rows] = part / np.where(norms > 0, norms, 1.0)[local]
        d0 = d1
    return SparseVectors(ptr, keys, values, np.zeros(width)), len(docs)


def _article_ptr(doc: I32, n_docs: int) -> I64:
    """Where each article's rows start, and their end, for rows sorted by article (``doc``):
    searched in the rows' own type, so they are not copied."""
    ptr: I64 = np.searchsorted(doc, np.arange(n_docs + 1, dtype=doc.dtype)).astype(np.int64)
    return ptr


def _compressed_in_place(values: F64, keep: npt.NDArray[np.bool_]) -> F64:
    """``values[keep]``, written over the start of ``values`` one chunk at a time (a view of
    it), so that no second row-long array is made."""
    at = 0
    for lo in range(0, len(values), _ROWS_AT_ONCE):
        kept = values[lo : lo + _ROWS_AT_ONCE][keep[lo : lo + _ROWS_AT_ONCE]]
        values[at : at + len(kept)] = kept
        at += len(kept)
    return values[:at]


def _article_chunks(ptr: I64, rows: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges ``[d0, d1)`` of articles (CSR ``ptr``) of at most ``rows`` rows
    each, or one article when it alone holds more."""
    d0, n = 0, len(ptr) - 1
    while d0 < n:
        d1 = int(np.searchsorted(ptr, ptr[d0] + rows, side="right")) - 1
        d1 = min(max(d1, d0 + 1), n)
        yield d0, d1
        d0 = d1


def contrast_terms(text: CorpusText, table: WordTable, min_weight: float) -> list[I32]:
    """Each article's words of background weight at least ``min_weight``."""
    strong = table.weight >= min_weight
    doc, word = table.doc[strong], table.word[strong]
    bounds = _article_ptr(doc, text.n_docs)
    return [word[bounds[d] : bounds[d + 1]] for d in range(text.n_docs)]
