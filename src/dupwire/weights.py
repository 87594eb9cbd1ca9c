"""Rare-word weighting: how much evidence a shared word carries.

A word's weight is its information content against a background frequency list of English
(``wordfreq``): ``max(0, ZIPF_CEILING - zipf)``, capped at ``MAX_WEIGHT``.  The Zipf scale is
log10 of a word's frequency per billion words, so "the" (7.7) weighs 0, "said" (6.0) about
1.0, "troops" (4.6) about 2.4, "Erdogan" (3.2) about 3.8 and a word the list has never seen
(most names, most numbers) ``MAX_WEIGHT``.  One shared surname or figure thus counts as much
as several shared common words, which is what tells two reports of one event apart from two
reports of similar events.

A corpus can supply its own document frequencies (:class:`CorpusWeights`); they are blended
with the background so that words frequent in *this* corpus (an outlet's name, a topic word
every article uses) count less.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache

__all__ = ["MAX_WEIGHT", "ZIPF_CEILING", "CorpusWeights", "background_weight"]

ZIPF_CEILING = 7.0
MAX_WEIGHT = 6.0


@lru_cache(maxsize=1)
def _frequencies() -> Mapping[str, float]:
    import wordfreq

    freqs: Mapping[str, float] = wordfreq.get_frequency_dict("en", wordlist="best")
    return freqs


@lru_cache(maxsize=200_000)
def background_weight(word: str) -> float:
    """Information weight of one case-folded word against general English.

    >>> background_weight("the"), round(background_weight("troops"), 1), background_weight("xqzt")
    (0.0, 2.4, 6.0)
    """
    freq = _frequencies().get(word)
    if freq is None:
        if word.isdigit() and len(word) <= 2:
            return 1.5  # small numbers: common, but still facts
        return MAX_WEIGHT
    zipf = math.log10(freq) + 9.0
    return max(0.0, min(MAX_WEIGHT, ZIPF_CEILING - zipf))


class CorpusWeights:
    """Background weights damped by document frequency in one corpus.

    ``weight = background * min(1, log(N / df) / log(N / df_floor))`` where ``df_floor`` is
    the document frequency below which a word is treated as fully distinctive.
    """

    def __init__(self, doc_keys: Iterable[Iterable[str]], *, distinctive_df: float = 0.02) -> None:
        counts: dict[str, int] = {}
        n_docs = 0
        for keys in doc_keys:
            n_docs += 1
            for key in set(keys):
                counts[key] = counts.get(key, 0) + 1
        self.n_docs = n_docs
        self._df = counts
        self._floor = max(1.0, distinctive_df * n_docs)

    def damping(self, key: str) -> float:
        df = self._df.get(key, 0)
        if self.n_docs < 20 or df <= self._floor:
            return 1.0
        full = math.log(self.n_docs / self._floor)
        return max(0.0, math.log(self.n_docs / df) / full) if full > 0 else 1.0
