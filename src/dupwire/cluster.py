"""Group articles that tell the same story.

:func:`cluster` takes a corpus and returns a :class:`Clustering`: story clusters, each with a
representative, and one :class:`Assignment` per article.

The pipeline (every stage sees the articles sorted by id, so the input order never matters):

1. **Prepare** every article once (:func:`dupwire.align.prepare`): sentence units, site
   furniture set aside, weighted words.
2. **Corpus boilerplate.**  A story sentence is a *recurring line* when its sequence of word
   keys (:func:`dupwire.normalize.tokenize`) occurs in at least
   ``max(boilerplate_min_articles, boilerplate_share * n)`` articles (3, or 1% of the corpus).
   A recurring line is furniture (a site template, byline, newsletter blurb) when the articles
   carrying it are otherwise different: on average at least ``boilerplate_private`` (half) of
   each one's sentences occur in no other article carrying it (measured on at most 50 of
   them).  A line shared by copies of one wire story fails that test and stays story text.
   Furniture lines are ignored from here on.
3. **Candidates.**  Content-word shingles of the remaining text (as
   :func:`dupwire.shingle.shingles` builds them), MinHash signatures
   (:func:`dupwire.sketch.signatures`) and LSH banding (:func:`dupwire.index.candidate_pairs`),
   tuned for recall.  Each article keeps its ``max_candidates`` partners with the highest
   MinHash estimate, which bounds the cost of what follows.
4. **Verification.**  Every candidate pair gets a document *similarity*: the cosine of the
   two articles' word vectors (log term frequency times the word's rare-word weight,
   :func:`dupwire.weights.background_weight`, damped for words common in this corpus,
   :class:`dupwire.weights.CorpusWeights`), on a 0-100 scale.  Each article's
   ``verify_per_article`` most similar partners are also aligned sentence by sentence with
   :func:`dupwire.align.relate`, whose *passage score* (0-100) says how much of the two texts
   report the same facts in similar words.  The **pair score** is the mean of the two,
   ``(similarity + passage score) / 2``; a pair that was not aligned has passage score 0.
5. **Clustering** is average linkage: the two clusters with the highest average pair score
   (over all pairs of members; the similarity part is exact, from the clusters' summed
   vectors) merge while that average is at least ``min_score``, and only clusters joined by
   a candidate pair are considered.  Two rules can refuse a merge:

   * **No chaining.**  Every member of the merged cluster must reach ``link_score`` with
     more than half of the other members.  So when A resembles B and B resembles C but A and
     C are unrelated, at most two of them end up together.
   * **Contrast.**  Reports of two different occasions of one kind (two title fights of one
     boxer, two patches of one browser) share their protagonist and their vocabulary, so
     their similarity alone does not tell them apart.  But each group has facts the other
     lacks: an opponent, a date, a place.  Two groups of at least ``contrast_min_size``
     articles stay apart when *each* has a word (background weight at least
     ``contrast_min_weight``: a name, number or rare word) found in so many more of its
     articles than of the other group's that a one-sided hypergeometric test on the article
     counts gives ``p < contrast_alpha`` (0.01).  Within one event, the facts that most
     reports carry are carried by the other reports as well, so this rarely fires.

6. **Representatives and ids.**  A cluster's representative is its most central member
   (highest total pair score to the others; ties go to the smallest id).  Each member is
   aligned with it (:func:`dupwire.align.relate`) for its ``relation``.  Clusters are numbered
   from 0 in the order of their smallest member id; singletons have no cluster id.

Records (:meth:`Clustering.to_records`) hold ``id``, ``cluster_id``, ``representative_id``,
``score`` and ``relation``.  ``relation`` is one of ``"representative"``, ``"same_story"``,
``"partial_reuse"``, ``"unrelated"`` (the aligner's verdict for the member against the
representative: independently written reports of one event are often ``"unrelated"`` at
passage level and cluster on document similarity) and ``"singleton"``.  ``score`` is the
member's pair score with the representative, ``None`` for representatives and singletons.

>>> from dupwire.model import Article
>>> result = cluster([Article("a", "Quake hits Iran."), Article("b", "Markets rose.")])
>>> result.singletons, [r["relation"] for r in result.to_records()]
(('a', 'b'), ['singleton', 'singleton'])
"""

from __future__ import annotations

import heapq
import math
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from dupwire.align import Prepared, prepare, relate
from dupwire.errors import DuplicateIdError
from dupwire.index import DEFAULT_LAYOUT, DEFAULT_MAX_BUCKET, LshLayout, candidate_pairs
from dupwire.model import Article
from dupwire.normalize import Token
from dupwire.params import AlignParams, ClusterParams
from dupwire.shingle import key_shingles
from dupwire.sketch import signatures
from dupwire.weights import CorpusWeights

__all__ = ["Assignment", "Cluster", "Clustering", "RelationKind", "cluster", "distinct_groups"]

RelationKind = Literal["representative", "same_story", "partial_reuse", "unrelated", "singleton"]
Progress = Callable[[str, int, int], None]

_BOILERPLATE_SAMPLE = 50  # articles looked at to decide whether a recurring line is furniture
_PROGRESS_EVERY = 1000


@dataclass(frozen=True, slots=True)
class Cluster:
    """One story: its members (sorted ids), representative, and pair-score spread.

    ``min_score`` and ``median_score`` are over all pairs of members, on the pair-score
    scale (0-100) of :mod:`dupwire.cluster`.
    """

    id: int
    members: tuple[str, ...]
    representative: str
    min_score: float
    median_score: float

    def __len__(self) -> int:
        return len(self.members)


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where one article ended up.

    Singletons have ``cluster_id`` None and are their own representative; ``score`` is the
    pair score with the representative (None for representatives and singletons).
    """

    id: str
    cluster_id: int | None
    representative_id: str
    score: float | None
    relation: RelationKind

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cluster_id": self.cluster_id,
            "representative_id": self.representative_id,
            "score": self.score,
            "relation": self.relation,
        }


@dataclass(frozen=True, slots=True)
class Clustering:
    """The result of :func:`cluster`: clusters, singletons and one assignment per article.

    ``stats`` records what the run did: MinHash ``seed`` and ``num_perm``, candidate counts,
    ``candidates_per_article``, verified pairs, refused merges and ``seconds`` per stage.
    """

    clusters: tuple[Cluster, ...]
    singletons: tuple[str, ...]
    assignments: tuple[Assignment, ...] = field(repr=False)
    params: ClusterParams = field(repr=False)
    stats: dict[str, Any] = field(repr=False, compare=False)

    @property
    def duplicate_ratio(self) -> float:
        """Share of articles that are in a cluster but are not its representative."""
        if total := len(self.assignments):
            return sum(len(c) - 1 for c in self.clusters) / total
        return 0.0

    def labels(self) -> dict[str, str]:
        """Article id -> a cluster label (a singleton's label is its own id)."""
        return {
            a.id: (f"cluster-{a.cluster_id}" if a.cluster_id is not None else f"single-{a.id}")
            for a in self.assignments
        }

    def to_records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per article, in id order (fields: see :class:`Assignment`)."""
        return [a.to_dict() for a in self.assignments]


# --- preparation and corpus boilerplate ---------------------------------------------------

# Month and weekday names (as match keys), masked with digits in line keys so that a byline
# or dateline recurs whatever its date.
_MONTHS = "january february march april may june july august september october november december"
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday"
_SHORT = "jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu thur thurs fri sat sun"
_DATE_WORDS = frozenset(f"{_MONTHS} {_WEEKDAYS} {_SHORT}".split(" "))


def _mask(key: str) -> str:
    if key in _DATE_WORDS:
        return "@"
    return "#" if any(ch.isdigit() for ch in key) else key


def _line_keys(prep: Prepared) -> list[int]:
    """One hash per story sentence: its word keys, numbers and dates masked (0: no words)."""
    return [hash(tuple(_mask(t.key) for t in toks)) if toks else 0 for toks in prep.tokens]


def _recurring(keys: list[list[int]], need: int) -> dict[int, list[int]]:
    """Line hash -> the articles holding it, for lines held by at least ``need`` articles."""
    holders: dict[int, list[int]] = {}
    for doc, doc_keys in enumerate(keys):
        for key in dict.fromkeys(doc_keys):
            if key:
                holders.setdefault(key, []).append(doc)
    return {k: docs for k, docs in holders.items() if len(docs) >= need}


def _corpus_furniture(
    preps: list[Prepared], params: ClusterParams
) -> tuple[set[int], list[list[int]]]:
    """Line hashes that are corpus-level furniture (see the module docstring), and every
    article's line hashes."""
    keys = [_line_keys(p) for p in preps]
    n = len(keys)
    need = max(params.boilerplate_min_articles, math.ceil(params.boilerplate_share * n), 2)
    # Test 1: the articles holding the line have mostly their own lines (wire copies do not).
    suspects: dict[int, tuple[int, ...]] = {}
    private: dict[tuple[int, ...], bool] = {}
    for key, docs in _recurring(keys, need).items():
        sample = tuple(docs[:_BOILERPLATE_SAMPLE])
        if sample not in private:
            private[sample] = _private_share(sample, keys) >= params.boilerplate_private
        if private[sample]:
            suspects[key] = sample
    if not suspects:
        return set(), keys
    # Test 2: without the suspect lines, those articles do not tell one story.
    vectors = []
    for prep, doc_keys in zip(preps, keys, strict=True):
        toks = (
            t for k, ts in zip(doc_keys, prep.tokens, strict=True) if k not in suspects for t in ts
        )
        vectors.append(_unit_vector(_weighted_counts(toks), None))
    furniture: set[int] = set()
    unrelated: dict[tuple[int, ...], bool] = {}
    for key, sample in suspects.items():
        if sample not in unrelated:
            unrelated[sample] = _mean_similarity([vectors[d] for d in sample]) < params.link_score
        if unrelated[sample]:
            furniture.add(key)
    return furniture, keys


def _private_share(docs: Sequence[int], keys: list[list[int]]) -> float:
    """Mean share of each article's lines found in no other of ``docs``."""
    seen = Counter(k for d in docs for k in set(keys[d]))
    shares = []
    for d in docs:
        distinct = set(keys[d])
        shares.append(sum(1 for k in distinct if seen[k] == 1) / len(distinct))
    return statistics.fmean(shares)


def _mean_similarity(vectors: list[dict[str, float]]) -> float:
    """Mean pair score (similarity part, 0-100 scale halved) over all pairs of the vectors."""
    m = len(vectors)
    total: dict[str, float] = {}
    norms = 0.0
    for vec in vectors:
        norms += sum(v * v for v in vec.values())
        for key, value in vec.items():
            total[key] = total.get(key, 0.0) + value
    cross = sum(v * v for v in total.values()) - norms
    return 50.0 * cross / (m * (m - 1)) if m > 1 else 100.0


def _without(prep: Prepared, drop: list[bool]) -> Prepared:
    keep = [k for k, gone in enumerate(drop) if not gone]
    if len(keep) == len(drop):
        return prep
    return Prepared(
        prep.text,
        prep.units,
        [prep.story[k] for k in keep],
        [prep.tokens[k] for k in keep],
        [prep.bags[k] for k in keep],
    )


# --- document vectors ---------------------------------------------------------------------


def _weighted_counts(tokens: Iterable[Token]) -> dict[str, tuple[int, float]]:
    """Word key -> (occurrences, highest background weight)."""
    out: dict[str, tuple[int, float]] = {}
    for tok in tokens:
        count, weight = out.get(tok.key, (0, 0.0))
        out[tok.key] = (count + 1, max(weight, tok.weight))
    return out


def _unit_vector(
    counts: dict[str, tuple[int, float]], damping: dict[str, float] | None
) -> dict[str, float]:
    """Log term frequency times weight (times corpus damping), L2-normalised."""
    vec: dict[str, float] = {}
    for key, (count, weight) in counts.items():
        w = weight * (damping[key] if damping is not None else 1.0)
        if w > 0:
            vec[key] = (1.0 + math.log(count)) * w
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {k: v / norm for k, v in vec.items()} if norm > 0 else {}


@dataclass(slots=True)
class _Docs:
    """Word vectors of the prepared articles (index = position in id order)."""

    vectors: list[dict[str, float]]  # L2-normalised
    term_ids: list[npt.NDArray[np.int64]]  # sorted
    term_values: list[npt.NDArray[np.float64]]
    contrast_terms: list[frozenset[str]]
    shingle_keys: list[list[str]]


def _doc_vectors(preps: list[Prepared], params: ClusterParams) -> _Docs:
    shingle_keys = [[t.key for toks in p.tokens for t in toks] for p in preps]
    counts = [_weighted_counts(t for toks in p.tokens for t in toks) for p in preps]
    corpus = CorpusWeights((c.keys() for c in counts), distinctive_df=params.distinctive_df)
    damping: dict[str, float] = {}
    for doc_counts in counts:
        for key in doc_counts:
            if key not in damping:
                damping[key] = corpus.damping(key)
    vocab: dict[str, int] = {}
    vectors, term_ids, term_values, contrast = [], [], [], []
    for doc_counts in counts:
        vec = _unit_vector(doc_counts, damping)
        ids = np.fromiter((vocab.setdefault(k, len(vocab)) for k in vec), np.int64, len(vec))
        vals = np.fromiter(vec.values(), np.float64, len(vec))
        order = np.argsort(ids, kind="stable")
        vectors.append(vec)
        term_ids.append(ids[order])
        term_values.append(vals[order])
        contrast.append(
            frozenset(k for k, (_, w) in doc_counts.items() if w >= params.contrast_min_weight)
        )
    return _Docs(vectors, term_ids, term_values, contrast, shingle_keys)


def _dot(x: dict[str, float], y: dict[str, float]) -> float:
    if len(x) > len(y):
        x, y = y, x
    return sum(v * y[k] for k, v in x.items() if k in y)


def _block(docs: _Docs, rows: Sequence[int], cols: Sequence[int]) -> npt.NDArray[np.float64]:
    """Cosine of every article in ``rows`` with every article in ``cols``."""
    col_ids = [docs.term_ids[c] for c in cols]
    vocab = np.unique(np.concatenate(col_ids)) if col_ids else np.empty(0, dtype=np.int64)
    dense_cols = np.zeros((len(cols), len(vocab)))
    for k, c in enumerate(cols):
        dense_cols[k, np.searchsorted(vocab, docs.term_ids[c])] = docs.term_values[c]
    dense_rows = np.zeros((len(rows), len(vocab)))
    if len(vocab):
        for k, r in enumerate(rows):
            ids = docs.term_ids[r]
            pos = np.minimum(np.searchsorted(vocab, ids), len(vocab) - 1)
            hit = vocab[pos] == ids
            dense_rows[k, pos[hit]] = docs.term_values[r][hit]
    return np.asarray(dense_rows @ dense_cols.T, dtype=np.float64)


# --- candidates -----------------------------------------------------------------------------


def _lsh(params: ClusterParams) -> tuple[LshLayout, int]:
    """The LSH layout and bucket cap to use: the parameters, or the defaults of the index."""
    layout = LshLayout(
        bands=params.bands if params.bands is not None else DEFAULT_LAYOUT.bands,
        rows=params.rows if params.rows is not None else DEFAULT_LAYOUT.rows,
        min_bands=params.min_bands if params.min_bands is not None else DEFAULT_LAYOUT.min_bands,
    )
    return layout, params.max_bucket if params.max_bucket is not None else DEFAULT_MAX_BUCKET


def _candidates(docs: _Docs, params: ClusterParams) -> tuple[npt.NDArray[np.int64], int]:
    """Candidate pairs ``(i, j)``, ``i < j``, at most ``max_candidates`` partners per article
    (by MinHash estimate; a pair stays when either side keeps it); and the raw pair count."""
    sigs = signatures(
        [key_shingles(k) for k in docs.shingle_keys], num_perm=params.num_perm, seed=params.seed
    )
    layout, max_bucket = _lsh(params)
    pairs = candidate_pairs(sigs, layout=layout, max_bucket=max_bucket).pairs
    raw = len(pairs)
    if raw == 0:
        return pairs, 0
    estimate = np.empty(raw)
    step = max(1, (1 << 22) // params.num_perm)
    for lo in range(0, raw, step):
        chunk = pairs[lo : lo + step]
        estimate[lo : lo + step] = (sigs[chunk[:, 0]] == sigs[chunk[:, 1]]).mean(axis=1)
    # Both directions: (article, partner, estimate, pair index); rank partners per article.
    owner = np.concatenate((pairs[:, 0], pairs[:, 1]))
    partner = np.concatenate((pairs[:, 1], pairs[:, 0]))
    est = np.concatenate((estimate, estimate))
    index = np.concatenate((np.arange(raw), np.arange(raw)))
    order = np.lexsort((partner, -est, owner))
    owner, index = owner[order], index[order]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rank = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
    keep = np.unique(index[rank < params.max_candidates])
    return pairs[keep], raw


# --- clustering -----------------------------------------------------------------------------


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _upper_tail(total: int, marked: int, drawn: int, hits: int) -> float:
    """P(X >= hits) for X ~ Hypergeometric(total, marked, drawn)."""
    top = min(marked, drawn)
    if hits > top:
        return 0.0
    base = _log_comb(total, drawn)
    return min(
        1.0,
        sum(
            math.exp(_log_comb(marked, x) + _log_comb(total - marked, drawn - x) - base)
            for x in range(hits, top + 1)
        ),
    )


def _over_represented(
    mine: Counter[str], n_mine: int, theirs: Counter[str], n_theirs: int, alpha: float
) -> bool:
    """Whether some word is in significantly more of my articles than of theirs."""
    total = n_mine + n_theirs
    for key, hits in mine.items():
        other = theirs.get(key, 0)
        if hits * n_theirs <= other * n_mine:
            continue
        if _upper_tail(total, hits + other, n_mine, hits) < alpha:
            return True
    return False


def distinct_groups(
    counts_a: Counter[str], n_a: int, counts_b: Counter[str], n_b: int, alpha: float
) -> bool:
    """The contrast rule: each group has a word over-represented in it at level ``alpha``.

    ``counts_*`` count, for each word, the articles of the group that contain it.

    >>> a = Counter({"klitschko": 5, "rahman": 5}); b = Counter({"klitschko": 5, "thompson": 5})
    >>> distinct_groups(a, 5, b, 5, 0.01), distinct_groups(a, 5, a, 5, 0.01)
    (True, False)
    """
    return _over_represented(counts_a, n_a, counts_b, n_b, alpha) and _over_represented(
        counts_b, n_b, counts_a, n_a, alpha
    )


@dataclass(slots=True)
class _Group:
    members: list[int]
    total: dict[str, float]  # sum of the members' vectors
    terms: Counter[str]  # articles of the group holding each contrast word
    version: int = 0


class _Agglomerator:
    """Average-linkage clustering over the candidate graph with the two refusal rules."""

    def __init__(
        self,
        docs: _Docs,
        edges: dict[tuple[int, int], float],
        passage: dict[tuple[int, int], float],
        params: ClusterParams,
    ) -> None:
        self.docs = docs
        self.passage = passage
        self.params = params
        n = len(docs.vectors)
        self.groups = {
            i: _Group([i], dict(docs.vectors[i]), Counter(docs.contrast_terms[i])) for i in range(n)
        }
        self.passage_sum: dict[int, dict[int, float]] = {i: {} for i in range(n)}
        for i, j in edges:
            value = passage.get((i, j), 0.0)
            self.passage_sum[i][j] = value
            self.passage_sum[j][i] = value
        self.links = [0] * n
        self.refused_contrast = 0
        self.refused_links = 0
        self.heap: list[tuple[float, int, int, int, int]] = []
        for (i, j), similarity in sorted(edges.items()):
            score = (similarity + self.passage_sum[i][j]) / 2.0
            if score >= params.min_score:
                self.heap.append((-score, i, j, 0, 0))
        heapq.heapify(self.heap)

    def _score(self, a: int, b: int) -> float:
        ga, gb = self.groups[a], self.groups[b]
        pairs = len(ga.members) * len(gb.members)
        similarity = 100.0 * _dot(ga.total, gb.total) / pairs
        return (similarity + self.passage_sum[a][b] / pairs) / 2.0

    def _push(self, a: int, b: int) -> None:
        a, b = min(a, b), max(a, b)
        score = self._score(a, b)
        if score >= self.params.min_score:
            ga, gb = self.groups[a], self.groups[b]
            heapq.heappush(self.heap, (-score, a, b, ga.version, gb.version))

    def pair_scores(self, rows: Sequence[int], cols: Sequence[int]) -> npt.NDArray[np.float64]:
        scores = 100.0 * _block(self.docs, rows, cols)
        for r, i in enumerate(rows):
            for c, j in enumerate(cols):
                value = self.passage.get((min(i, j), max(i, j)))
                if value is not None:
                    scores[r, c] += value
        return scores / 2.0

    def run(self, progress: Progress | None) -> None:
        merges = 0
        while self.heap:
            _, a, b, va, vb = heapq.heappop(self.heap)
            ga, gb = self.groups.get(a), self.groups.get(b)
            if ga is None or gb is None or ga.version != va or gb.version != vb:
                continue
            if self._refused(ga, gb):
                continue
            self._merge(a, b)
            merges += 1
            if progress and merges % _PROGRESS_EVERY == 0:
                progress("cluster", merges, len(self.docs.vectors))

    def _refused(self, ga: _Group, gb: _Group) -> bool:
        p = self.params
        na, nb = len(ga.members), len(gb.members)
        if (
            min(na, nb) >= max(p.contrast_min_size, 1)
            and p.contrast_alpha > 0
            and distinct_groups(ga.terms, na, gb.terms, nb, p.contrast_alpha)
        ):
            self.refused_contrast += 1
            return True
        linked = self.pair_scores(ga.members, gb.members) >= p.link_score
        half = (na + nb - 1) / 2.0
        gains_a = linked.sum(axis=1)
        gains_b = linked.sum(axis=0)
        ok = all(self.links[m] + int(g) > half for m, g in zip(ga.members, gains_a, strict=True))
        ok = ok and all(
            self.links[m] + int(g) > half for m, g in zip(gb.members, gains_b, strict=True)
        )
        if not ok:
            self.refused_links += 1
            return True
        for m, g in zip(ga.members, gains_a, strict=True):
            self.links[m] += int(g)
        for m, g in zip(gb.members, gains_b, strict=True):
            self.links[m] += int(g)
        return False

    def _merge(self, a: int, b: int) -> None:
        keep, gone = min(a, b), max(a, b)
        gk, gg = self.groups[keep], self.groups.pop(gone)
        big, small = (
            (gk.total, gg.total) if len(gk.total) >= len(gg.total) else (gg.total, gk.total)
        )
        total = dict(big)
        for key, value in small.items():
            total[key] = total.get(key, 0.0) + value
        gk.total = total
        gk.members = sorted(gk.members + gg.members)
        gk.terms = gk.terms + gg.terms
        gk.version += 1
        sums_k, sums_g = self.passage_sum[keep], self.passage_sum.pop(gone)
        sums_k.pop(gone, None)
        sums_g.pop(keep, None)
        for other, value in sums_g.items():
            sums_k[other] = sums_k.get(other, 0.0) + value
            theirs = self.passage_sum[other]
            theirs.pop(gone, None)
            theirs[keep] = sums_k[other]
        for other in sorted(sums_k):
            self._push(keep, other)


# --- the entry point ------------------------------------------------------------------------


def _check_ids(articles: Iterable[Article]) -> None:
    counts = Counter(a.id for a in articles)
    dupes = sorted(k for k, v in counts.items() if v > 1)
    if dupes:
        shown = ", ".join(repr(d) for d in dupes[:3])
        more = f" and {len(dupes) - 3} more" if len(dupes) > 3 else ""
        msg = f"article ids must be unique; repeated: {shown}{more}"
        raise DuplicateIdError(msg)


def cluster(
    articles: Sequence[Article],
    *,
    params: ClusterParams = ClusterParams(),  # noqa: B008 - frozen, so sharing it is safe
    progress: Progress | None = None,
) -> Clustering:
    """Group ``articles`` into stories (see the module docstring for the rules).

    ``progress(stage, done, total)`` is called as stages advance; stages are ``prepare``,
    ``candidates``, ``verify``, ``cluster`` and ``relations``.
    """
    _check_ids(articles)
    ordered = sorted(articles, key=lambda a: a.id)
    n = len(ordered)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = round(now - clock, 4)
        clock = now

    preps = []
    for k, art in enumerate(ordered):
        preps.append(prepare(art.text))
        if progress and (k + 1) % _PROGRESS_EVERY == 0:
            progress("prepare", k + 1, n)
    if progress:
        progress("prepare", n, n)
    lap("prepare")

    furniture, sentence_keys = _corpus_furniture(preps, params)
    preps = [
        _without(p, [k in furniture for k in ks])
        for p, ks in zip(preps, sentence_keys, strict=True)
    ]
    lap("boilerplate")

    docs = _doc_vectors(preps, params)
    lap("vectors")

    pairs, raw = _candidates(docs, params)
    if progress:
        progress("candidates", len(pairs), len(pairs))
    lap("candidates")

    edges: dict[tuple[int, int], float] = {}
    for i, j in pairs.tolist():
        edges[(i, j)] = 100.0 * _dot(docs.vectors[i], docs.vectors[j])
    lap("similarity")

    align_params = AlignParams(max_merge=params.verify_max_merge)
    chosen = _to_verify(edges, n, params)
    passage: dict[tuple[int, int], float] = {}
    for k, (i, j) in enumerate(chosen):
        passage[(i, j)] = relate(preps[i], preps[j], align_params).score
        if progress and (k + 1) % _PROGRESS_EVERY == 0:
            progress("verify", k + 1, len(chosen))
    if progress:
        progress("verify", len(chosen), len(chosen))
    lap("verify")

    agglo = _Agglomerator(docs, edges, passage, params)
    agglo.run(progress)
    lap("cluster")

    clusters, singletons, assignments = _finish(ordered, preps, agglo, align_params, progress)
    lap("relations")

    layout, max_bucket = _lsh(params)
    stats: dict[str, Any] = {
        "n_articles": n,
        "num_perm": params.num_perm,
        "seed": params.seed,
        "lsh": {
            "bands": layout.bands,
            "rows": layout.rows,
            "min_bands": layout.min_bands,
            "max_bucket": max_bucket,
        },
        "furniture_lines": len(furniture),
        "candidate_pairs_lsh": raw,
        "candidate_pairs": len(pairs),
        "candidates_per_article": round(len(pairs) / n, 3) if n else 0.0,
        "verified_pairs": len(passage),
        "refused_contrast": agglo.refused_contrast,
        "refused_links": agglo.refused_links,
        "n_clusters": len(clusters),
        "n_singletons": len(singletons),
        "seconds": seconds,
    }
    return Clustering(tuple(clusters), tuple(singletons), tuple(assignments), params, stats)


def _to_verify(
    edges: dict[tuple[int, int], float], n: int, params: ClusterParams
) -> list[tuple[int, int]]:
    """Each article's ``verify_per_article`` most similar candidates (similarity above 0)."""
    if params.verify_per_article == 0:
        return []
    partners: list[list[tuple[float, int]]] = [[] for _ in range(n)]
    for (i, j), sim in edges.items():
        if sim > 0:
            partners[i].append((-sim, j))
            partners[j].append((-sim, i))
    chosen: set[tuple[int, int]] = set()
    for i, row in enumerate(partners):
        for _, j in sorted(row)[: params.verify_per_article]:
            chosen.add((min(i, j), max(i, j)))
    return sorted(chosen)


def _finish(
    ordered: list[Article],
    preps: list[Prepared],
    agglo: _Agglomerator,
    align_params: AlignParams,
    progress: Progress | None,
) -> tuple[list[Cluster], list[str], list[Assignment]]:
    groups = sorted((g.members for g in agglo.groups.values()), key=lambda m: m[0])
    clusters: list[Cluster] = []
    singletons: list[str] = []
    by_doc: dict[int, Assignment] = {}
    done = 0
    for members in groups:
        if len(members) == 1:
            (only,) = members
            singletons.append(ordered[only].id)
            by_doc[only] = Assignment(ordered[only].id, None, ordered[only].id, None, "singleton")
            continue
        scores = agglo.pair_scores(members, members)
        upper = scores[np.triu_indices(len(members), k=1)]
        centrality = scores.sum(axis=1) - np.diag(scores)
        rep_pos = int(np.argmax(centrality))  # first maximum: the smallest id wins ties
        rep = members[rep_pos]
        cid = len(clusters)
        clusters.append(
            Cluster(
                id=cid,
                members=tuple(ordered[m].id for m in members),
                representative=ordered[rep].id,
                min_score=round(float(upper.min()), 2),
                median_score=round(float(np.median(upper)), 2),
            )
        )
        for pos, m in enumerate(members):
            if m == rep:
                by_doc[m] = Assignment(ordered[m].id, cid, ordered[m].id, None, "representative")
                continue
            verdict = relate(preps[m], preps[rep], align_params).verdict
            by_doc[m] = Assignment(
                ordered[m].id, cid, ordered[rep].id, round(float(scores[pos, rep_pos]), 2), verdict
            )
        done += len(members)
        if progress:
            progress("relations", done, len(ordered))
    return clusters, singletons, [by_doc[k] for k in range(len(ordered))]
