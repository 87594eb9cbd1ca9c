"""Shingles of an article: a deduplicated numpy ``uint64`` array of hashes.

A shingle is ``n`` consecutive words of the article's token sequence (the ``Token.key``
of :func:`dupwire.normalize.tokenize`), optionally after two filters:

* ``max_zipf`` keeps only words rarer than this on wordfreq's Zipf scale (log10 of the
  frequency per billion words of the background English list; "the" is 7.7, "troop" 4.7,
  "erdogan" 3.4).  Common words say little about which story an article tells, and
  outlets rewording a wire story change them first.
* ``lead`` keeps only the first ``lead`` words (after the rarity filter), the part of a
  news article that states the story.

Word hashes are computed once per distinct key (8-byte BLAKE2b, the same on every run and
platform) and n-grams are combined with numpy, so there is no Python loop per shingle.

The defaults (unigrams of words with Zipf < 5, the first 100 such words) were chosen by
``benchmarks/tune_candidates.py`` on the ECB+ development topics; see ``DEFAULT_*``.

>>> h = shingles("Turkish and Russian troops resumed joint patrols in Syria")
>>> h.dtype, len(h)  # turkish, troop, resum(ed), joint, patrol, syria
(dtype('uint64'), 6)
>>> bool(np.array_equal(h, shingles("In Syria, joint Turkish patrols and troops resumed")))
True
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dupwire._numeric import U64, combine, runs
from dupwire.errors import ParamsError
from dupwire.normalize import tokenize

__all__ = [
    "DEFAULT_LEAD",
    "DEFAULT_MAX_ZIPF",
    "DEFAULT_N",
    "ZIPF_FLOOR",
    "Shingler",
    "cache_dir",
    "key_hashes",
    "key_shingles",
    "ngram_hashes",
    "shingle_batch",
    "shingle_set",
    "shingles",
    "zipf_of",
    "zipf_values",
]

# Chosen together with dupwire.sketch.DEFAULT_NUM_PERM and dupwire.index.DEFAULT_LAYOUT by
# benchmarks/tune_candidates.py on fixtures/ecbplus/dev.jsonl, the only data used to choose
# them.  Of the schemes measured (word 5-grams, all words, rare-word pairs, rare words below
# Zipf 4.5/5/5.5/6, with no lead limit or the first 50/75/100/150), with 128 or 256
# permutations and one- to four-row bands, this one reaches 98% candidate recall of
# same-event pairs (as the 10th percentile over topics resampled, so with a margin for new
# topics) with the fewest candidate pairs per article: about 20, from 2.7 for word 5-grams
# at any recall (36%) and 44 for all words.  Zipf 5 is a round cut of the background list,
# not fitted to the corpus; leads of 75-150 words all scored within 1% of each other.
DEFAULT_N = 1
DEFAULT_MAX_ZIPF: float | None = 5.0
DEFAULT_LEAD: int | None = 100

# Background frequencies are read for words at least this frequent (Zipf 2.5 is about 3 per
# billion words); rarer words all count as Zipf 0.  A max_zipf below this is refused.
ZIPF_FLOOR = 2.5


@lru_cache(maxsize=500_000)
def _key_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def key_hashes(keys: Sequence[str]) -> U64:
    """64-bit hashes of word keys, deterministic across runs and platforms.

    >>> int(key_hashes(["syria"])[0]) == int(key_hashes(["syria", "turkey"])[0])
    True
    """
    return np.fromiter(map(_key_hash, keys), dtype=np.uint64, count=len(keys))


def ngram_hashes(word_hashes: U64, n: int) -> U64:
    """Hashes of the ``n``-grams of a sequence of word hashes, in order, not deduplicated.

    For ``n == 1`` the word hashes themselves; a sequence shorter than ``n`` gives one
    shingle of the whole sequence (so a short article is not empty), and an empty one none.
    """
    if n < 1:
        msg = f"n must be at least 1, got {n}"
        raise ParamsError(msg)
    words = np.asarray(word_hashes, dtype=np.uint64)
    if n == 1 or len(words) == 0:
        same: U64 = words.copy()
        return same
    count = max(len(words) - n + 1, 1)
    width = min(n, len(words))
    out: U64 = words[:count].copy()
    with np.errstate(over="ignore"):
        for j in range(1, width):
            out = combine(out, words[j : j + count])
    return out


@lru_cache(maxsize=1)
def _key_zipf_table() -> dict[str, float]:
    """Zipf value of each letter key, read from the cache directory when an earlier run
    built it with the same tokenizer and word list (building it takes a second or two)."""
    import wordfreq

    import dupwire.normalize

    digest = hashlib.sha256()
    for part in (
        b"key-zipf/1",
        str(ZIPF_FLOOR).encode(),
        str(getattr(wordfreq, "__version__", "")).encode(),
        unicodedata.unidata_version.encode(),
        Path(dupwire.normalize.__file__).read_bytes(),  # the rule that makes keys
    ):
        digest.update(part + b"\0")
    for data in sorted(Path(wordfreq.__file__).parent.glob("data/*_en.msgpack.gz")):
        digest.update(f"{data.name} {data.stat().st_size}\0".encode())  # the word lists
    path = cache_dir() / f"key-zipf-{digest.hexdigest()[:16]}.json"
    try:
        table: dict[str, float] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        table = _build_key_zipf_table()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(table), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only home: build it again next time
    return table


def cache_dir() -> Path:
    """Where tables derived from the installed word lists are kept between runs:
    ``$DUPWIRE_CACHE_DIR``, else ``$XDG_CACHE_HOME/dupwire``, else ``~/.cache/dupwire``."""
    if explicit := os.environ.get("DUPWIRE_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dupwire"


def _build_key_zipf_table() -> dict[str, float]:
    import wordfreq  # imported here: loading the list takes a moment

    floor = 10.0 ** (ZIPF_FLOOR - 9.0)
    totals: dict[str, float] = {}
    # The list is sorted by frequency, most frequent first.
    for word, freq in wordfreq.get_frequency_dict("en").items():
        if freq < floor:
            break
        toks = tokenize(word)
        if len(toks) == 1 and toks[0].key.isalpha():
            key = toks[0].key
            totals[key] = totals.get(key, 0.0) + freq
    return {key: math.log10(freq) + 9.0 for key, freq in totals.items()}


def zipf_of(key: str) -> float:
    """Background frequency of a word key on the Zipf scale (0 for words rarer than Zipf 2.5).

    Keys made of letters sum the frequencies of the English words that share the key
    ("patrols", "patrolled" and "patrol" all count for ``patrol``); keys with digits use
    wordfreq's own estimate for numbers.

    >>> zipf_of("the") > 7 > 4 > zipf_of("erdogan") > 3
    True
    """
    return float(zipf_values([key])[0])


def zipf_values(keys: Sequence[str]) -> npt.NDArray[np.float64]:
    """:func:`zipf_of` of each key: the letter keys looked up in one pass, the others (a
    few per thousand in news) one at a time.

    >>> zipf_values(["the", "erdogan", "2019"]).round(1).tolist()
    [7.7, 3.3, 4.7]
    """
    table = _key_zipf_table()
    out = np.fromiter(map(table.get, keys, itertools.repeat(0.0)), np.float64, len(keys))
    letters = np.fromiter(map(str.isalpha, keys), bool, len(keys))
    for k in np.flatnonzero(~letters).tolist():
        out[k] = _number_zipf(keys[k])
    return out


@lru_cache(maxsize=10_000)
def _number_zipf(key: str) -> float:
    import wordfreq

    return float(wordfreq.zipf_frequency(key, "en"))


def _check(n: int, max_zipf: float | None, lead: int | None) -> None:
    if n < 1:
        msg = f"n must be at least 1, got {n}"
        raise ParamsError(msg)
    if max_zipf is not None and not ZIPF_FLOOR < max_zipf <= 8.0:
        msg = f"max_zipf must be in ({ZIPF_FLOOR}, 8.0] or None, got {max_zipf}"
        raise ParamsError(msg)
    if lead is not None and lead < 1:
        msg = f"lead must be at least 1 or None, got {lead}"
        raise ParamsError(msg)


def key_shingles(
    keys: Sequence[str],
    *,
    n: int = DEFAULT_N,
    max_zipf: float | None = DEFAULT_MAX_ZIPF,
    lead: int | None = DEFAULT_LEAD,
) -> U64:
    """:func:`shingles` of an already tokenised article: its word keys, in order.

    >>> from dupwire.normalize import tokenize
    >>> text = "Turkish troops resumed patrols"
    >>> bool(np.array_equal(key_shingles([t.key for t in tokenize(text)]), shingles(text)))
    True
    """
    vocab = list(dict.fromkeys(keys))
    position = {k: i for i, k in enumerate(vocab)}
    ids = np.fromiter((position[k] for k in keys), dtype=np.int64, count=len(keys))
    ptr = np.array([0, len(ids)], dtype=np.int64)
    (out,) = Shingler(vocab, n=n, max_zipf=max_zipf, lead=lead).sets(ids, ptr)
    return out


def shingle_set(grams: U64) -> U64:
    """The sorted, distinct values of ``grams`` (a sort and one comparison: faster than
    ``np.unique`` on the few hundred shingles of an article).

    >>> shingle_set(np.array([5, 3, 5, 1], dtype=np.uint64)).tolist()
    [1, 3, 5]
    """
    out: U64 = np.sort(grams)
    if len(out) > 1:
        first = np.empty(len(out), dtype=bool)  # of a run of equal hashes
        first[0] = True
        np.not_equal(out[1:], out[:-1], out=first[1:])
        out = out[first]
    return out


class Shingler:
    """The one shingling rule, for articles given as word ids into ``vocab``.

    The rarity filter and the word hashes are computed once per distinct word, so a corpus
    costs one pass over its vocabulary plus numpy work per article.

    >>> sets = Shingler(["troop", "the", "syria"]).sets([0, 1, 2, 2, 1], [0, 3, 5])
    >>> [len(s) for s in sets]  # "the" is too common to count
    [2, 1]
    """

    def __init__(
        self,
        vocab: Sequence[str],
        *,
        n: int = DEFAULT_N,
        max_zipf: float | None = DEFAULT_MAX_ZIPF,
        lead: int | None = DEFAULT_LEAD,
    ) -> None:
        _check(n, max_zipf, lead)
        self.n, self.lead = n, lead
        self.hashes = key_hashes(vocab)
        self.rare: npt.NDArray[np.bool_] | None = None
        if max_zipf is not None:
            self.rare = zipf_values(vocab) < max_zipf

    def sets(self, key_ids: npt.ArrayLike, doc_ptr: npt.ArrayLike) -> list[U64]:
        """Shingle sets of the articles ``key_ids[doc_ptr[d]:doc_ptr[d + 1]]``: the sorted,
        distinct hashes of their :meth:`grams`."""
        return [shingle_set(grams) for grams in self.grams(key_ids, doc_ptr)]

    def grams(self, key_ids: npt.ArrayLike, doc_ptr: npt.ArrayLike) -> list[U64]:
        """The shingle hashes of each article ``key_ids[doc_ptr[d]:doc_ptr[d + 1]]`` in text
        order, repeats included (read-only views): all a MinHash signature needs, since a
        repeat does not change a minimum."""
        ids = np.asarray(key_ids, dtype=np.int64)
        ptr = np.asarray(doc_ptr, dtype=np.int64)
        if self.rare is not None:
            kept = self.rare[ids]
            ptr = np.concatenate(([0], np.cumsum(kept)))[ptr]  # kept words before each bound
            ids = ids[kept]
        if self.lead is not None:
            # Only the first ``lead`` words of each article, so that the grams below (which
            # the views keep alive) hold nothing else.
            lo = ptr[:-1]
            hi = np.minimum(ptr[1:], lo + self.lead)
            ids = ids[runs(lo, hi)]
            ptr = np.concatenate(([0], np.cumsum(hi - lo)))
        lo, hi = ptr[:-1], ptr[1:]
        words = self.hashes[ids]
        # The n-grams of all the articles in one pass: grams[t] holds the n words from t, so
        # an article of at least n words has grams[lo:hi - n + 1] (the same hashes as
        # ngram_hashes of its words alone); a shorter one is one shingle of its words.
        grams = ngram_hashes(words, self.n)
        grams.flags.writeable = False
        out: list[U64] = []
        for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
            if b - a >= self.n:
                out.append(grams[a : b - self.n + 1])
            else:
                out.append(ngram_hashes(words[a:b], self.n))
        return out


def shingles(
    text: str,
    *,
    n: int = DEFAULT_N,
    max_zipf: float | None = DEFAULT_MAX_ZIPF,
    lead: int | None = DEFAULT_LEAD,
) -> U64:
    """The sorted, distinct shingle hashes of one article.

    ``n`` words per shingle; ``max_zipf`` keeps only words rarer than this (None keeps all);
    ``lead`` keeps the first ``lead`` of the remaining words (None keeps all).  Classic
    near-duplicate detection is ``n=5, max_zipf=None, lead=None``.

    >>> len(shingles("the cat sat on the mat", n=2, max_zipf=None, lead=None))
    5
    """
    return key_shingles([t.key for t in tokenize(text)], n=n, max_zipf=max_zipf, lead=lead)


def shingle_batch(
    texts: Iterable[str],
    *,
    n: int = DEFAULT_N,
    max_zipf: float | None = DEFAULT_MAX_ZIPF,
    lead: int | None = DEFAULT_LEAD,
) -> list[U64]:
    """:func:`shingles` of each text, in order."""
    _check(n, max_zipf, lead)
    return [shingles(text, n=n, max_zipf=max_zipf, lead=lead) for text in texts]
