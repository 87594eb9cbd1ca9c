"""Stage 2b, copies: exact and near-exact copies are grouped before anything else.

One wire story may run in 50 or 500 outlets.  Left to the later stages, such a story looks
"common in this corpus": its words are damped and its LSH buckets overflow.  So copies are
found first, on the story text left after site furniture, and each group of copies takes
part in the rest of the pipeline as one article (its *leader*), then is expanded again at
the end.  The leader is the group's shortest version (what it says, every copy says), the
smallest id among equals.  Corpus statistics (word document frequencies, the contrast
counts) thus count each story once, however often it was reprinted.

Two articles are copies when the Jaccard similarity of their word 5-gram sets (all words,
in order, normalised as for matching) is at least ``threshold`` (0.6: a copy with a header
and footer added and a sentence or two dropped is far above it; two reports written apart
share almost no 5-grams, about 0.05 for the seed pair).  Candidates come from MinHash over
the 5-grams with ``bands`` bands of ``rows`` rows (32 x 3: a pair at 0.6 becomes a candidate
with probability 0.9996, at 0.2 with 0.23), and every candidate is checked exactly.  A band
value shared by many articles is never a reason to drop them: each member of a bucket is
checked against the bucket's first member, so 1,000 copies cost 1,000 checks per band, not
a million.  Groups are the connected components of the checked pairs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from dupwire._numeric import I64, U64
from dupwire.cluster.candidates import article_shingles
from dupwire.cluster.scan import CorpusText
from dupwire.index import band_keys
from dupwire.shingle import Shingler, shingle_set
from dupwire.sketch import signatures

__all__ = ["COPY_NGRAM", "CopyGroups", "copy_groups"]

#: Words per shingle of the copy test.
COPY_NGRAM = 5


class CopyGroups:
    """``leader[d]``: the article that stands for the copies of article ``d`` (itself when
    it has none)."""

    def __init__(self, leader: I64, similarity: npt.NDArray[np.float64]) -> None:
        self.leader = leader
        #: Jaccard similarity of each article's 5-grams with its leader's (1 for leaders).
        self.similarity = similarity

    @property
    def is_leader(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.leader == np.arange(len(self.leader)))

    @property
    def n_copies(self) -> int:
        """Articles that are a copy of another (not leaders)."""
        return int((~self.is_leader).sum())


def _jaccard(a: U64, b: U64) -> float:
    union = len(a) + len(b)
    if union == 0:
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (union - shared)


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def copy_groups(
    text: CorpusText,
    keep: npt.NDArray[np.bool_],
    *,
    threshold: float = 0.6,
    bands: int = 32,
    rows: int = 3,
    seed: int = 1,
    allowed: Callable[[int, int], bool] | None = None,
) -> CopyGroups:
    """Group the articles whose kept story text is a copy of another's.

    ``allowed(i, j)``, when given, may veto a pair of article indices (a hard time window).
    """
    n = text.n_docs
    shingler = Shingler(text.vocab, n=COPY_NGRAM, max_zipf=None, lead=None)
    grams = article_shingles(text, keep, shingler, distinct=False)
    # Shingles with repeats until an article is on a candidate pair: then its set (sorted,
    # distinct) and the set's size, which picks a group's leader.
    sizes = np.fromiter((len(g) for g in grams), dtype=np.int64, count=n)
    sigs = signatures(grams, num_perm=bands * rows, seed=seed)
    ids = np.flatnonzero(sizes > 0)
    heads: list[I64] = []
    members: list[I64] = []
    for band in range(bands if len(ids) > 1 else 0):
        keys = band_keys(sigs[ids, band * rows : (band + 1) * rows])
        order = np.lexsort((ids, keys))
        k, m = keys[order], ids[order]
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        head = np.repeat(m[starts], np.diff(np.r_[starts, len(m)]))
        pair = head != m
        heads.append(head[pair])
        members.append(m[pair])
    parent = list(range(n))
    similarity = np.ones(n)
    sets: dict[int, U64] = {}
    if heads:
        codes = np.unique(np.concatenate(heads) * max(n, 1) + np.concatenate(members))
        paired = np.unique(np.concatenate((*heads, *members)))
        for d in paired.tolist():
            sets[d] = shingle_set(grams[d])
            sizes[d] = len(sets[d])
        for code in codes.tolist():
            h, m = divmod(code, max(n, 1))
            if allowed is not None and not allowed(h, m):
                continue
            if _jaccard(sets[h], sets[m]) >= threshold:
                rh, rm = _find(parent, h), _find(parent, m)
                if rh != rm:
                    parent[max(rh, rm)] = min(rh, rm)
    root = np.array([_find(parent, d) for d in range(n)], dtype=np.int64)
    # Each group's leader is its shortest version (fewest 5-grams; ties: smallest id): what it
    # says, every copy says, so it stands for the group without bringing in added passages.
    order = np.lexsort((np.arange(n), sizes, root))
    first = np.r_[True, root[order][1:] != root[order][:-1]][:n]
    leader_of_root = np.empty(n, dtype=np.int64)
    leader_of_root[root[order][first]] = order[first]
    leader = leader_of_root[root]
    for d in np.flatnonzero(leader != np.arange(n)).tolist():
        similarity[d] = _jaccard(sets[int(leader[d])], sets[d])
    return CopyGroups(leader, similarity)
