"""The vectorised twin of :func:`dupwire.align.relate` with one-to-one links.

Clustering verifies thousands of candidate pairs.  :class:`SentenceBags` holds every story
sentence of a corpus as a run of (word, count, weight) entries in flat arrays and relates two
articles with numpy, scoring sentence pairs with the same rule as the reference aligner
(:func:`dupwire.align.passage.dice_matrix`, :func:`~dupwire.align.passage.select_links`,
:func:`~dupwire.align.passage.summary_score`).  The parity suite in ``tests/test_align.py``
runs both on the same cases: ``SentenceBags.relate(i, j, AlignParams(max_merge=1))`` equals
``relate(prepare(a), prepare(b), AlignParams(max_merge=1))``.

Memory per pair is bounded: sentence pairs are scored a block of A's sentences at a time, so
two articles of tens of thousands of sentences never build an ``n * m`` matrix at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from dupwire._numeric import F64, GOLDEN, I32, I64, U64, mix64, ranges, runs
from dupwire.align.passage import (
    covered,
    dice_matrix,
    select_single_links,
    summary_score,
    verdict_for,
)
from dupwire.model import Verdict
from dupwire.params import AlignParams

if TYPE_CHECKING:
    from dupwire.align.aligner import Prepared

__all__ = ["SentenceBags"]

Ints = npt.NDArray[np.int32] | npt.NDArray[np.int64]
_BLOCK_CELLS = 1 << 21  # sentence pairs scored at once (16 MiB of float64)


@dataclass(slots=True)
class SentenceBags:
    """Per story sentence, its distinct words with count and weight (what ``relate`` uses).

    Entries are sorted by (article, word, sentence); sentence numbers count the article's
    sentences from 0.
    """

    entry_ptr: I64  # entry offsets per article
    words: I32
    sents: I32
    counts: I32
    weights: F64
    sent_ptr: I64  # sentence offsets per article
    totals: F64  # per sentence: sum of count * weight
    chars: I64  # per sentence: its length in characters
    light: U64  # weightless sentences: hash of their words; else 0

    @classmethod
    def build(
        cls,
        *,
        n_docs: int,
        sent_ptr: I64,
        chars: I64,
        doc: Ints,
        word: Ints,
        sent: Ints,
        counts: Ints,
        weights: F64,
    ) -> SentenceBags:
        """Bags from entries sorted by (article, word, sentence).

        ``sent_ptr`` gives each article's sentences, ``chars`` each sentence's length; entry
        ``k`` says word ``word[k]`` occurs ``counts[k]`` times in sentence ``sent[k]`` (counted
        within its article ``doc[k]``), with weight ``weights[k]``.
        """
        n_sents = int(sent_ptr[-1])
        gsent = sent_ptr[doc] + sent
        totals = np.bincount(gsent, weights=counts * weights, minlength=n_sents)
        light = np.zeros(n_sents, dtype=np.uint64)
        zero = np.flatnonzero((totals <= 0) & (np.bincount(gsent, minlength=n_sents) > 0))
        if len(zero):
            with np.errstate(over="ignore"):
                h = mix64(word.astype(np.uint64) * GOLDEN + mix64(counts.astype(np.uint64)))
                sig = np.zeros(n_sents, dtype=np.uint64)
                np.add.at(sig, gsent, h)
            light[zero] = sig[zero] | np.uint64(1)
        entry_ptr = np.concatenate(([0], np.cumsum(np.bincount(doc, minlength=n_docs))))
        return cls(
            entry_ptr=entry_ptr.astype(np.int64),
            words=np.asarray(word, dtype=np.int32),
            sents=np.asarray(sent, dtype=np.int32),
            counts=np.asarray(counts, dtype=np.int32),
            weights=np.asarray(weights, dtype=np.float64),
            sent_ptr=sent_ptr.astype(np.int64),
            totals=np.asarray(totals, dtype=np.float64),
            chars=chars.astype(np.int64),
            light=light,
        )

    @classmethod
    def from_prepared(cls, articles: Sequence[Prepared]) -> SentenceBags:
        """Bags of articles prepared by :func:`dupwire.align.prepare` (article ``k`` is
        ``articles[k]``): the same bags the clustering scan builds from a corpus."""
        vocab: dict[str, int] = {}
        rows: list[tuple[int, int, int, int, float]] = []
        sent_counts, chars = [], []
        for d, art in enumerate(articles):
            sent_counts.append(len(art.bags))
            chars.extend(art.chars)
            for k, bag in enumerate(art.bags):
                for key, count in bag.counts.items():
                    rows.append((d, vocab.setdefault(key, len(vocab)), k, count, bag.weights[key]))
        rows.sort()
        cols: list[tuple[float, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 5
        return cls.build(
            n_docs=len(articles),
            sent_ptr=np.concatenate(([0], np.cumsum(sent_counts, dtype=np.int64))),
            chars=np.asarray(chars, dtype=np.int64),
            doc=np.asarray(cols[0], dtype=np.int64),
            word=np.asarray(cols[1], dtype=np.int64),
            sent=np.asarray(cols[2], dtype=np.int64),
            counts=np.asarray(cols[3], dtype=np.int64),
            weights=np.asarray(cols[4], dtype=np.float64),
        )

    def take(self, docs: Sequence[int]) -> SentenceBags:
        """The bags of ``docs`` alone (article ``k`` of the result is ``docs[k]``): relating
        two of them gives what relating the originals gives, bit for bit.

        >>> bags = SentenceBags.build(
        ...     n_docs=2, sent_ptr=np.array([0, 1, 2]), chars=np.array([5, 7]),
        ...     doc=np.array([0, 1]), word=np.array([3, 3]), sent=np.array([0, 0]),
        ...     counts=np.array([1, 2]), weights=np.array([1.0, 1.0]))
        >>> bags.take([1]).counts.tolist(), bags.take([1]).chars.tolist()
        ([2], [7])
        """
        docs_ = np.asarray(docs, dtype=np.int64)
        entries = ranges(self.entry_ptr, docs_)
        sents = ranges(self.sent_ptr, docs_)
        entry_len = self.entry_ptr[docs_ + 1] - self.entry_ptr[docs_]
        sent_len = self.sent_ptr[docs_ + 1] - self.sent_ptr[docs_]
        return SentenceBags(
            entry_ptr=np.concatenate(([0], np.cumsum(entry_len))).astype(np.int64),
            words=self.words[entries],
            sents=self.sents[entries],
            counts=self.counts[entries],
            weights=self.weights[entries],
            sent_ptr=np.concatenate(([0], np.cumsum(sent_len))).astype(np.int64),
            totals=self.totals[sents],
            chars=self.chars[sents],
            light=self.light[sents],
        )

    def relate(self, a: int, b: int, params: AlignParams) -> tuple[float, Verdict]:
        """``relate(a, b, AlignParams(max_merge=1))``: passage score and verdict."""
        ta = self.totals[self.sent_ptr[a] : self.sent_ptr[a + 1]]
        tb = self.totals[self.sent_ptr[b] : self.sent_ptr[b + 1]]
        ca = self.chars[self.sent_ptr[a] : self.sent_ptr[a + 1]]
        cb = self.chars[self.sent_ptr[b] : self.sent_ptr[b + 1]]
        n, m = len(ta), len(tb)
        if n == 0 or m == 0:
            return 0.0, verdict_for(0.0, 0.0, params)
        # One-sentence candidates, row by row as np.nonzero gives them, scores rounded as
        # the reference aligner rounds them.
        sents_a: list[int] = []
        sents_b: list[int] = []
        values: list[float] = []
        step = max(1, _BLOCK_CELLS // m)
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            scores = dice_matrix(self._shared(a, b, lo, hi, m), ta[lo:hi], tb)
            self._weightless(a, b, lo, hi, scores)
            rows, cols = np.nonzero(scores >= params.min_score)
            sents_a.extend((rows + lo).tolist())
            sents_b.extend(cols.tolist())
            values.extend(round(x, 6) for x in scores[rows, cols].tolist())
        chosen = select_single_links(sents_a, sents_b, values, params.min_score)
        cov_a, cov_b, linked = covered(ca, [c.a_lo for c in chosen], cb, [c.b_lo for c in chosen])
        return summary_score(chosen, cov_a, cov_b), verdict_for(cov_a, cov_b, params, linked)

    def _shared(self, a: int, b: int, lo: int, hi: int, m: int) -> F64:
        """Shared weight of A's sentences ``lo:hi`` with every sentence of B."""
        lo_a, hi_a = self.entry_ptr[a], self.entry_ptr[a + 1]
        lo_b, hi_b = self.entry_ptr[b], self.entry_ptr[b + 1]
        wa, wb = self.weights[lo_a:hi_a], self.weights[lo_b:hi_b]
        ka, kb = self.words[lo_a:hi_a], self.words[lo_b:hi_b]
        sa = self.sents[lo_a:hi_a]
        pa = (wa > 0) & (sa >= lo) & (sa < hi)
        pb = wb > 0
        rows = hi - lo
        out = np.zeros(rows * m)
        sel_a = np.flatnonzero(pa)
        sel_b = np.flatnonzero(pb)
        # Entries are sorted by word, so each word of A's entries matches a run of B's:
        # every (A entry, B entry) pair of one word, A's entries in order, B's within each.
        kb_sel = kb[sel_b]
        first = np.searchsorted(kb_sel, ka[sel_a], side="left")
        run = np.searchsorted(kb_sel, ka[sel_a], side="right") - first
        if not run.any():
            return out.reshape(rows, m)
        ia = np.repeat(sel_a, run) + lo_a
        ib = sel_b[runs(first, first + run)] + lo_b
        value = np.minimum(self.counts[ia], self.counts[ib]) * np.minimum(
            self.weights[ia], self.weights[ib]
        )
        flat = (self.sents[ia].astype(np.int64) - lo) * m + self.sents[ib]
        out += np.bincount(flat, weights=value, minlength=rows * m)
        return out.reshape(rows, m)

    def _weightless(self, a: int, b: int, lo: int, hi: int, scores: F64) -> None:
        """The equal-bag rule of :func:`dupwire.align.passage.dice` for weightless pairs."""
        base = self.sent_ptr[a]
        la = self.light[base + lo : base + hi]
        lb = self.light[self.sent_ptr[b] : self.sent_ptr[b + 1]]
        if la.any() and lb.any():
            same = (la[:, None] == lb[None, :]) & (la[:, None] != 0)
            scores[same] = 100.0
