"""Rare-word weighting: how much evidence a shared word carries.

A word's weight is its information content against a background frequency list of English
(``wordfreq``): ``max(0, ZIPF_CEILING - zipf)``, capped at ``MAX_WEIGHT``.  The Zipf scale is
log10 of a word's frequency per billion words, so "the" (7.7) weighs 0, "said" (6.0) about
1.0, "troops" (4.6) about 2.4, "Erdogan" (3.2) about 3.8 and a word the list has never seen
(most names, most numbers) ``MAX_WEIGHT``.  One shared surname or figure thus counts as much
as several shared common words, which is what tells two reports of one event apart from two
reports of similar events.  A word of a script that English does not write (Cyrillic, Arabic,
Devanagari, ...) is weighed the same way against the lists of that script's languages
(:func:`script_weight`); Chinese and Japanese grams against theirs (:func:`gram_weight`).

A corpus can supply its own document frequencies (:func:`corpus_damping`); they damp the
background weights so that words frequent in *this* corpus (an outlet's name, a topic word
every article uses) count less.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_WEIGHT",
    "ZIPF_CEILING",
    "background_weight",
    "corpus_damping",
    "gram_weight",
    "script_weight",
]

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


# Scripts whose words belong to a few languages with frequency lists of their own (wordfreq's
# small lists: the words of at least one in a million); Latin script is read against English
# alone, since its words are shared by too many languages to say which one a word is of.
_SCRIPT_LANGUAGES = {
    "ARABIC": ("ar", "fa", "ur"),
    "BENGALI": ("bn",),
    "CYRILLIC": ("ru", "uk", "bg", "mk"),
    "DEVANAGARI": ("hi",),
    "GREEK": ("el",),
    "HANGUL": ("ko",),
    "HEBREW": ("he",),
    "TAMIL": ("ta",),
}


@lru_cache(maxsize=len(_SCRIPT_LANGUAGES))
def _script_frequencies(script: str) -> Mapping[str, float]:
    """Each word's highest frequency among the languages of ``script``."""
    import wordfreq

    merged: dict[str, float] = {}
    for lang in _SCRIPT_LANGUAGES[script]:
        for word, freq in wordfreq.get_frequency_dict(lang, wordlist="small").items():
            if freq > merged.get(word, 0.0):
                merged[word] = freq
    return merged


def script_weight(*forms: str) -> float | None:
    """Information weight of a word written in a script of a few languages (Cyrillic,
    Arabic, Devanagari, Greek, Hebrew, ...) against their frequency lists: the first of
    ``forms`` (spellings of one word, the exact one first) the lists hold, else
    ``MAX_WEIGHT``; None for a word of another script (Latin: :func:`background_weight`).
    So the commonest words of a Hindi or Russian text weigh as little as "the" and "said"
    do in English, where against English they would all weigh ``MAX_WEIGHT``.

    >>> script_weight("है"), round(script_weight("बाढ़"), 1), script_weight("troops")
    (0.0, 2.3, None)
    """
    first = forms[0][:1] if forms and forms[0] else ""
    script = unicodedata.name(first, "").split(" ", 1)[0]
    if script not in _SCRIPT_LANGUAGES:
        return None
    freqs = _script_frequencies(script)
    for form in forms:
        freq = freqs.get(form)
        if freq is not None:
            return _zipf_weight(freq)
    return MAX_WEIGHT


#: Weight of a character n-gram of a script without a frequency list (Thai, Lao, Khmer,
#: Burmese): every gram counts the same, a middling weight.
FLAT_GRAM_WEIGHT = 3.0
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN_KANA = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]"
)


@lru_cache(maxsize=2)
def _cjk_frequencies(lang: str) -> Mapping[str, float]:
    import wordfreq

    freqs: Mapping[str, float] = wordfreq.get_frequency_dict(lang, wordlist="best")
    return freqs


def _zipf_weight(freq: float) -> float:
    return max(0.0, min(MAX_WEIGHT, ZIPF_CEILING - (math.log10(freq) + 9.0)))


@lru_cache(maxsize=200_000)
def gram_weight(gram: str) -> float:
    """Weight of one character n-gram of text written without spaces.

    Chinese and Japanese grams use ``wordfreq``'s Chinese (Japanese when the gram has kana)
    frequencies: a gram that is a word weighs as a word; otherwise the mean weight of its
    characters, so grams of the commonest characters (的, の) weigh almost nothing and those
    of names weigh much.  Other scripts have no list here: ``FLAT_GRAM_WEIGHT``.

    >>> gram_weight("的") < 0.5 < gram_weight("巡逻"), gram_weight("ประ")
    (True, 3.0)
    """
    if not _HAN_KANA.search(gram):
        return FLAT_GRAM_WEIGHT
    freqs = _cjk_frequencies("ja" if _KANA.search(gram) else "zh")
    freq = freqs.get(gram)
    if freq is not None:
        return _zipf_weight(freq)
    chars = [_zipf_weight(freqs[ch]) if ch in freqs else MAX_WEIGHT for ch in gram]
    return sum(chars) / len(chars)


def corpus_damping(
    df: npt.NDArray[np.int64], n_docs: int, distinctive_df: float = 0.02
) -> npt.NDArray[np.float64]:
    """How much of its background weight each word keeps in one corpus (0 to 1).

    ``df`` holds the words' document frequencies in a corpus of ``n_docs`` articles.  A word
    in at most ``distinctive_df`` of the articles keeps all of it; above that the factor is
    ``log(N / df) / log(N / df_floor)``, reaching 0 for a word every article has.  Corpora of
    fewer than 20 articles are too small to say, and keep every weight.

    >>> corpus_damping(np.array([1, 10, 100]), 100, 0.02).round(2).tolist()
    [1.0, 0.59, 0.0]
    """
    floor = max(1.0, distinctive_df * n_docs)
    out = np.ones(len(df))
    full = math.log(n_docs / floor) if n_docs >= 20 else 0.0
    if full <= 0:
        return out
    damp = df > floor
    out[damp] = np.maximum(0.0, np.log(n_docs / df[damp]) / full)
    return out
