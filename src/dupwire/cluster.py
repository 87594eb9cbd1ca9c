"""Group articles that tell the same story.

:func:`cluster` takes a corpus and returns a :class:`Clustering`: story clusters, each with a
representative, and one :class:`Assignment` per article.

The pipeline (every stage sees the articles sorted by id, so the input order never matters):

1. **Scan** every article once: sentence units with site furniture set aside
   (:func:`dupwire.segment.split_units`) and weighted word keys
   (:func:`dupwire.normalize.tokenize`), kept as compact arrays.  Large corpora are scanned
   by several processes (``workers``).
2. **Corpus boilerplate.**  A story sentence is a *recurring line* when its sequence of word
   keys, numbers and month or weekday names masked, occurs in at least
   ``max(boilerplate_min_articles, boilerplate_share * n)`` articles (3, or 0.1% of the
   corpus).  A recurring line is furniture (a site header, byline, newsletter blurb) when the
   articles holding it are otherwise different: (a) on average at least
   ``boilerplate_private`` (half) of each one's lines occur in no other article holding it,
   which copies of one wire story fail; and (b) set apart from such lines, the articles do
   not tell one story (their mean pair similarity is below ``link_score``), which independent
   reports quoting one statement fail.  Both are measured on at most 50 of the articles.
   Furniture lines are ignored from here on.
3. **Candidates.**  Content-word shingles of the remaining text
   (:func:`dupwire.shingle.key_shingles`), MinHash signatures
   (:func:`dupwire.sketch.signatures`) and LSH banding (:func:`dupwire.index.candidate_pairs`),
   tuned for recall.  Each article keeps its ``max_candidates`` partners with the highest
   MinHash estimate, which bounds the cost of what follows.
4. **Verification.**  Every candidate pair gets a document *similarity* (0-100): 100 times
   the cosine of the two articles' word vectors (log term frequency times the word's
   rare-word weight, :func:`dupwire.weights.background_weight`, damped for words common in
   this corpus as :func:`dupwire.weights.corpus_damping` does).  Each article's
   ``verify_per_article`` most similar partners are also aligned sentence by sentence: the
   *passage score* (0-100) of :func:`dupwire.align.relate` with one-to-one sentence links
   (``AlignParams(max_merge=1)``), computed here from the compact arrays by a vectorised
   equivalent.  The **pair score** is ``(similarity + passage score) / 2``; a pair that was
   not aligned has passage score 0.
5. **Clustering** is average linkage over the candidate graph: the two clusters with the
   highest average pair score merge while it is at least ``min_score``.  The average is over
   all pairs of members; pairs that are not candidates count as 0.  Two rules can refuse a
   merge:

   * **No chaining.**  A pair of articles is *linked* when its pair score (exact, candidate
     or not) is at least ``link_score``.  More than half of the pairs across the two merging
     clusters must be linked, and every member of the merged cluster must be linked with
     more than half of the other members.  So when A resembles B and B resembles C but A and
     C are unrelated, at most two of them end up together; and two groups of unrelated
     reports stay apart however many roundups quote both (a roundup may join one side).
   * **Contrast.**  Reports of two different occasions of one kind (two title fights of one
     boxer, two patches of one browser) share their protagonist and their vocabulary, so
     their similarity alone does not tell them apart.  But each group has facts the other
     lacks: an opponent, a date, a place.  Two groups of at least ``contrast_min_size``
     articles stay apart when *each* has a word (background weight at least
     ``contrast_min_weight``) found in so many more of its articles than of the other
     group's that a one-sided hypergeometric test on the article counts gives
     ``p < contrast_alpha``.  Within one event, the facts most reports carry are carried by
     the other reports too, so this rarely fires there.

6. **Representatives and ids.**  A cluster's representative is its most central member
   (highest total pair score with the others; ties go to the smallest id), and each member
   is aligned with it for its ``relation``.  Clusters are numbered from 0 in the order of
   their smallest member id; singletons have no cluster id.

Costs.  Scanning (sentence splitting and tokenising) dominates: about 1-2 ms per article of
600 words, spread over ``workers`` processes.  Everything else is array work done a chunk of
articles at a time, so memory stays a few times the size of the token arrays (4 bytes per
token); sentence bags are kept only for articles that have a candidate.  A candidate pair
costs microseconds for its similarity and about 0.1-0.3 ms when it is aligned, against
0.5-1 ms for :func:`dupwire.align.relate` itself (one-to-one links) and 1-4 ms with merges.

Records (:meth:`Clustering.to_records`) hold ``id``, ``cluster_id``, ``representative_id``,
``score`` and ``relation``.  ``relation`` is one of ``"representative"``, ``"same_story"``,
``"partial_reuse"``, ``"unrelated"`` (the aligner's verdict, one-to-one links, for the member
against the representative: independently written reports of one event are often
``"unrelated"`` at passage level and cluster on document similarity) and ``"singleton"``.
``score`` is the member's pair score with the representative, ``None`` for representatives
and singletons.

>>> from dupwire.model import Article
>>> result = cluster([Article("a", "Quake hits Iran."), Article("b", "Markets rose.")])
>>> result.singletons, [r["relation"] for r in result.to_records()]
(('a', 'b'), ['singleton', 'singleton'])
"""

from __future__ import annotations

import heapq
import math
import os
import re
import time
from array import array
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from dupwire.align import verdict_for
from dupwire.errors import DuplicateIdError
from dupwire.index import DEFAULT_LAYOUT, DEFAULT_MAX_BUCKET, LshLayout, candidate_pairs
from dupwire.model import Article, Verdict
from dupwire.normalize import word_keys
from dupwire.params import AlignParams, ClusterParams
from dupwire.segment import split_units
from dupwire.shingle import (
    DEFAULT_LEAD,
    DEFAULT_MAX_ZIPF,
    DEFAULT_N,
    key_hashes,
    key_shingles,
    zipf_of,
)
from dupwire.sketch import signatures
from dupwire.weights import corpus_damping

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = [
    "Assignment",
    "Cluster",
    "Clustering",
    "RelationKind",
    "cluster",
    "distinct_groups",
]

RelationKind = Literal["representative", "same_story", "partial_reuse", "unrelated", "singleton"]
Progress = Callable[[str, int, int], None]
K = TypeVar("K", bound=Hashable)

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_SAMPLE = 50  # articles looked at to decide whether a recurring line is furniture
_PROGRESS_EVERY = 1000
_SCAN_CHUNK = 500  # articles per scanning task
_CHUNK_DOCS = 2048  # articles per vectorised step of the corpus-wide tables
_PARALLEL_FROM = 2000  # automatic workers only for corpora at least this large
_MAX_AUTO_WORKERS = 8


@dataclass(frozen=True, slots=True)
class Cluster:
    """One story: its members (sorted ids), representative, and pair-score spread.

    ``min_score`` and ``median_score`` are over all pairs of members (0-100 pair scores).
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

    ``stats`` records what the run did: MinHash ``seed`` and ``num_perm``, the LSH layout,
    candidate counts and ``candidates_per_article``, verified pairs, refused merges and
    ``seconds`` per stage.
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

    def __rich__(self) -> RenderableType:
        from dupwire.render import clustering_renderable

        return clustering_renderable(self)

    def _repr_html_(self) -> str:
        from dupwire.render import clustering_html

        return clustering_html(self)


# --- scanning: compact word arrays -------------------------------------------------------


@dataclass(slots=True)
class _Scan:
    """Story sentences of a batch of articles as arrays.

    Each token is a *type*: a (word key, background weight) pair, numbered in ``types``; most
    words have one weight, so a corpus holds few more types than words.
    """

    types: list[tuple[str, float]]
    tokens: I32  # type of each token of a story sentence, in text order
    sent_tokens: I32  # tokens per story sentence
    sent_chars: I32  # characters per story sentence
    doc_sents: I32  # story sentences per article


def _scan(texts: Sequence[str]) -> _Scan:
    """Cut ``texts`` into story sentences and weighted word keys (what ``prepare`` does)."""
    tokens: list[tuple[str, float]] = []
    sent_tokens = array("i")
    sent_chars = array("i")
    doc_sents = array("i")
    for text in texts:
        count = 0
        for unit in split_units(text):
            if unit.kind != "story":
                continue
            toks = word_keys(text, unit.start, unit.end)
            tokens.extend(toks)
            sent_tokens.append(len(toks))
            sent_chars.append(unit.end - unit.start)
            count += 1
        doc_sents.append(count)
    types = {t: i for i, t in enumerate(dict.fromkeys(tokens))}
    return _Scan(
        list(types),
        np.fromiter(map(types.__getitem__, tokens), dtype=np.int32, count=len(tokens)),
        np.frombuffer(sent_tokens, dtype=np.int32).copy(),
        np.frombuffer(sent_chars, dtype=np.int32).copy(),
        np.frombuffer(doc_sents, dtype=np.int32).copy(),
    )


@dataclass(slots=True)
class _Text:
    """The story sentences of the whole corpus (article index = position in id order)."""

    vocab: list[str]  # word keys
    tokens: I32  # type of each token
    type_key: I32  # word key (index into vocab) of each type
    type_weight: F64  # background weight of each type
    tok_ptr: I64  # token offsets per sentence
    sent_chars: I32
    sent_ptr: I64  # sentence offsets per article

    @property
    def n_docs(self) -> int:
        return len(self.sent_ptr) - 1

    def keys(self, t0: int, t1: int) -> I32:
        """Word keys of tokens ``t0:t1``."""
        return np.asarray(self.type_key[self.tokens[t0:t1]], dtype=np.int32)

    def sentence_doc(self) -> I64:
        return np.repeat(np.arange(self.n_docs, dtype=np.int64), np.diff(self.sent_ptr))

    def doc_chunks(self) -> Iterator[tuple[int, int]]:
        """Ranges of articles processed together, to keep temporary arrays small."""
        for d0 in range(0, self.n_docs, _CHUNK_DOCS):
            yield d0, min(self.n_docs, d0 + _CHUNK_DOCS)

    def sentence_chunks(self) -> Iterator[tuple[int, int]]:
        for d0, d1 in self.doc_chunks():
            yield int(self.sent_ptr[d0]), int(self.sent_ptr[d1])


def _workers(params: ClusterParams, n: int) -> int:
    if params.workers is not None:
        return params.workers
    if n < _PARALLEL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, _MAX_AUTO_WORKERS))


def _scan_corpus(texts: list[str], workers: int, progress: Progress | None) -> _Text:
    chunks = [texts[k : k + _SCAN_CHUNK] for k in range(0, len(texts), _SCAN_CHUNK)]
    types: dict[tuple[str, float], int] = {}
    tokens: list[I32] = []
    sent_tokens: list[I32] = []
    sent_chars: list[I32] = []
    doc_sents: list[I32] = []

    def add(part: _Scan) -> None:
        # Renumber the part's types at once, so only its integer arrays are kept.
        remap = np.array([types.setdefault(t, len(types)) for t in part.types], dtype=np.int32)
        tokens.append(remap[part.tokens] if len(part.tokens) else part.tokens)
        sent_tokens.append(part.sent_tokens)
        sent_chars.append(part.sent_chars)
        doc_sents.append(part.doc_sents)
        if progress:
            progress("prepare", sum(len(d) for d in doc_sents), len(texts))

    if workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(_scan, chunks):
                add(part)
    else:
        for chunk in chunks:
            add(_scan(chunk))
    vocab: dict[str, int] = {}
    type_key = np.array([vocab.setdefault(k, len(vocab)) for k, _ in types], dtype=np.int32)
    type_weight = np.array([w for _, w in types], dtype=np.float64)
    n_tokens = np.concatenate(sent_tokens or [np.empty(0, np.int32)])
    n_sents = np.concatenate(doc_sents or [np.empty(0, np.int32)])
    return _Text(
        vocab=list(vocab),
        tokens=np.concatenate(tokens or [np.empty(0, np.int32)]).astype(np.int32),
        type_key=type_key,
        type_weight=type_weight,
        tok_ptr=np.concatenate(([0], np.cumsum(n_tokens, dtype=np.int64))),
        sent_chars=np.concatenate(sent_chars or [np.empty(0, np.int32)]),
        sent_ptr=np.concatenate(([0], np.cumsum(n_sents, dtype=np.int64))),
    )


# --- corpus boilerplate ---------------------------------------------------------------------

_MONTHS = "january february march april may june july august september october november december"
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday"
_SHORT = "jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu thur thurs fri sat sun"
_DATE_WORDS = frozenset(f"{_MONTHS} {_WEEKDAYS} {_SHORT}".split(" "))
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    h = h ^ (h >> np.uint64(30))
    h = h * _MIX1
    h = h ^ (h >> np.uint64(27))
    h = h * _MIX2
    out: npt.NDArray[np.uint64] = h ^ (h >> np.uint64(31))
    return out


def _line_hashes(text: _Text) -> npt.NDArray[np.uint64]:
    """One 64-bit hash per sentence of its word keys in order, numbers and dates masked."""
    digit = re.compile(r"\d").search
    codes = np.array(
        [1 if k in _DATE_WORDS else 2 if digit(k) else i + 3 for i, k in enumerate(text.vocab)],
        dtype=np.uint64,
    )
    codes = codes[text.type_key]  # per type
    out = np.zeros(len(text.tok_ptr) - 1, dtype=np.uint64)
    for s0, s1 in text.sentence_chunks():
        lengths = np.diff(text.tok_ptr[s0 : s1 + 1])
        filled = np.flatnonzero(lengths > 0)
        if len(filled) == 0:
            continue
        t0, t1 = int(text.tok_ptr[s0]), int(text.tok_ptr[s1])
        starts = text.tok_ptr[s0:s1][filled] - t0
        pos = np.arange(t1 - t0) - np.repeat(text.tok_ptr[s0:s1] - t0, lengths)
        with np.errstate(over="ignore"):
            h = _mix(
                codes[text.tokens[t0:t1]] * _GOLDEN + _mix(pos.astype(np.uint64) + np.uint64(1))
            )
            # Tokens are in sentence order: one sum per non-empty sentence.
            sums = np.add.reduceat(h, starts)
            out[s0 + filled] = _mix(sums + lengths[filled].astype(np.uint64))
    return out


def _furniture(text: _Text, params: ClusterParams) -> npt.NDArray[np.bool_]:
    """Whether each sentence is corpus-level furniture (see the module docstring)."""
    n = text.n_docs
    n_sents = len(text.tok_ptr) - 1
    lines = _line_hashes(text)
    need = max(params.boilerplate_min_articles, math.ceil(params.boilerplate_share * n), 2)
    doc = text.sentence_doc()
    # Distinct (line, article) pairs, then the lines held by enough articles.
    has_words = lines != 0
    if not has_words.any():
        return np.zeros(n_sents, dtype=bool)
    line_of, doc_of = lines[has_words], doc[has_words]
    order = np.lexsort((doc_of, line_of))
    line_of, doc_of = line_of[order], doc_of[order]
    first = np.r_[True, (line_of[1:] != line_of[:-1]) | (doc_of[1:] != doc_of[:-1])]
    line_of, doc_of = line_of[first], doc_of[first]
    line_ids, counts = np.unique(line_of, return_counts=True)
    frequent = line_ids[counts >= need]
    if len(frequent) == 0:
        return np.zeros(n_sents, dtype=bool)
    held = np.isin(line_of, frequent)
    holder_lines, holder_docs = line_of[held], doc_of[held]
    starts = np.searchsorted(holder_lines, frequent)
    ends = np.searchsorted(holder_lines, frequent, side="right")
    doc_lines = _LineSets(lines, text.sent_ptr)
    # Test (a): the holders mostly have lines of their own.
    suspects: dict[int, tuple[int, ...]] = {}
    private: dict[tuple[int, ...], bool] = {}
    for line, lo, hi in zip(frequent.tolist(), starts.tolist(), ends.tolist(), strict=True):
        sample = tuple(holder_docs[lo : min(hi, lo + _SAMPLE)].tolist())
        if sample not in private:
            private[sample] = _private_share(sample, doc_lines) >= params.boilerplate_private
        if private[sample]:
            suspects[line] = sample
    if not suspects:
        return np.zeros(n_sents, dtype=bool)
    # Test (b): without the suspect lines, the holders do not tell one story.
    suspect_sents = np.isin(lines, np.array(list(suspects), dtype=np.uint64))
    sampled = np.zeros(n, dtype=bool)
    sampled[[d for sample in suspects.values() for d in sample]] = True
    _, table = _tables(text, ~suspect_sents & sampled[doc], with_bags=False)
    vectors = _vectors(text, table, damping=None)
    furniture_lines: set[int] = set()
    unrelated: dict[tuple[int, ...], bool] = {}
    for line, sample in suspects.items():
        if sample not in unrelated:
            unrelated[sample] = vectors.mean_score(sample) < params.link_score
        if unrelated[sample]:
            furniture_lines.add(line)
    found = np.isin(lines, np.array(sorted(furniture_lines), np.uint64)) & has_words
    return np.asarray(found, dtype=bool)


class _LineSets:
    """Each article's set of line hashes, built when first asked for."""

    def __init__(self, lines: npt.NDArray[np.uint64], sent_ptr: I64) -> None:
        self.lines = lines
        self.sent_ptr = sent_ptr
        self.cache: dict[int, set[int]] = {}

    def __getitem__(self, d: int) -> set[int]:
        if d not in self.cache:
            lo, hi = self.sent_ptr[d], self.sent_ptr[d + 1]
            self.cache[d] = set(self.lines[lo:hi].tolist())
        return self.cache[d]


def _private_share(docs: Sequence[int], doc_lines: _LineSets) -> float:
    """Mean share of each article's lines found in no other of ``docs``."""
    seen = Counter(k for d in docs for k in doc_lines[d])
    shares = [sum(1 for k in doc_lines[d] if seen[k] == 1) / len(doc_lines[d]) for d in docs]
    return sum(shares) / len(shares)


# --- word vectors -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Sparse:
    """L2-normalised word vectors, one row per article (CSR arrays, keys sorted per row)."""

    ptr: I64
    keys: I32
    values: F64
    scratch: F64 = field(repr=False)  # zeros, one slot per vocabulary word

    def row(self, d: int) -> tuple[I32, F64]:
        lo, hi = self.ptr[d], self.ptr[d + 1]
        return self.keys[lo:hi], self.values[lo:hi]

    def dots(self, d: int, others: Sequence[int]) -> F64:
        """Cosine of article ``d`` with each of ``others``."""
        keys, values = self.row(d)
        self.scratch[keys] = values
        lo = self.ptr[np.asarray(others, dtype=np.int64)]
        hi = self.ptr[np.asarray(others, dtype=np.int64) + 1]
        sizes = hi - lo
        idx = np.repeat(lo - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        owner = np.repeat(np.arange(len(sizes)), sizes)
        out = np.bincount(
            owner, weights=self.scratch[self.keys[idx]] * self.values[idx], minlength=len(sizes)
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
        """Mean similarity part of the pair score, ``50 * cosine``, over all pairs of ``docs``."""
        m = len(docs)
        if m < 2:
            return 100.0
        rows = [self.row(d) for d in docs]
        keys = np.concatenate([k for k, _ in rows])
        values = np.concatenate([v for _, v in rows])
        np.add.at(self.scratch, keys, values)
        total = float(np.sum(self.scratch[np.unique(keys)] ** 2))
        self.scratch[keys] = 0.0
        cross = total - float(values @ values)
        return 50.0 * cross / (m * (m - 1))


_Table = tuple[I64, I32, I64, F64]  # distinct (article, word): article, word, count, max weight


def _tables(
    text: _Text, keep: npt.NDArray[np.bool_], *, with_bags: bool, with_table: bool = True
) -> tuple[_Bags | None, _Table]:
    """Distinct (article, word) pairs of the kept sentences, and optionally their bags.

    Works a chunk of articles at a time: within a chunk, tokens are sorted by (article, word,
    sentence) with one integer key, runs of equal (article, word, sentence) give the bag
    entries and runs of equal (article, word) the article table.
    """
    n, v = text.n_docs, max(len(text.vocab), 1)
    sent_doc = text.sentence_doc()
    kept_rank = np.cumsum(keep) - 1  # index among kept sentences, for kept sentences
    n_kept = np.bincount(sent_doc[keep], minlength=n)
    kept_ptr = np.concatenate(([0], np.cumsum(n_kept))).astype(np.int64)
    docs, words, counts, weights = [], [], [], []
    bag_parts: list[tuple[I64, I64, I64, I64, F64]] = []
    for d0, d1 in text.doc_chunks():
        s0, s1 = int(text.sent_ptr[d0]), int(text.sent_ptr[d1])
        t0, t1 = int(text.tok_ptr[s0]), int(text.tok_ptr[s1])
        tok_sent = np.repeat(np.arange(s0, s1), np.diff(text.tok_ptr[s0 : s1 + 1]))
        mask = keep[tok_sent]
        if not mask.any():
            continue
        tok_sent = tok_sent[mask]
        types = text.tokens[t0:t1][mask]
        key = text.type_key[types].astype(np.int64)
        weight = text.type_weight[types]
        doc = sent_doc[tok_sent]
        local = kept_rank[tok_sent] - kept_ptr[doc]
        width = int(local.max()) + 1
        if (d1 - d0) * v * width < (1 << 62):
            order = np.argsort(((doc - d0) * v + key) * width + local, kind="stable")
        else:  # pragma: no cover - a vocabulary of billions
            order = np.lexsort((local, key, doc))
        doc, key, local, weight = doc[order], key[order], local[order], weight[order]
        change = (doc[1:] != doc[:-1]) | (key[1:] != key[:-1])
        starts = np.flatnonzero(np.r_[True, change | (local[1:] != local[:-1])])
        e_count = np.diff(np.r_[starts, len(doc)])
        e_weight = np.maximum.reduceat(weight, starts)
        e_doc, e_key, e_local = doc[starts], key[starts], local[starts]
        if with_bags:
            bag_parts.append((e_doc, e_key, e_local, e_count, e_weight))
        if not with_table:
            continue
        runs = np.flatnonzero(np.r_[True, change[starts[1:] - 1]]) if len(starts) else starts
        docs.append(e_doc[runs])
        words.append(e_key[runs].astype(np.int32))
        counts.append(np.add.reduceat(e_count, runs))
        weights.append(np.maximum.reduceat(e_weight, runs))
    table: _Table = (
        np.concatenate(docs) if docs else np.empty(0, np.int64),
        np.concatenate(words) if words else np.empty(0, np.int32),
        np.concatenate(counts) if counts else np.empty(0, np.int64),
        np.concatenate(weights) if weights else np.empty(0),
    )
    if not with_bags:
        return None, table
    return _Bags.build(text, keep, kept_ptr, bag_parts), table


def _vectors(text: _Text, table: _Table, damping: float | None) -> _Sparse:
    """Word vectors from an article table; ``damping`` is ``distinctive_df`` (None: none)."""
    doc, word, count, weight = table
    values = (1.0 + np.log(count)) * weight
    if damping is not None:
        df = np.bincount(word, minlength=len(text.vocab))
        values = values * corpus_damping(df, text.n_docs, damping)[word]
    positive = values > 0
    doc, word, values = doc[positive], word[positive], values[positive]
    norms = np.sqrt(np.bincount(doc, weights=values * values, minlength=text.n_docs))
    values = values / norms[doc]
    ptr = np.concatenate(([0], np.cumsum(np.bincount(doc, minlength=text.n_docs))))
    return _Sparse(ptr.astype(np.int64), word, values, np.zeros(len(text.vocab)))


# --- sentence bags: the aligner's one-to-one fast path -----------------------------------


@dataclass(slots=True)
class _Bags:
    """Per kept sentence, its distinct words with count and weight (what ``relate`` uses).

    Entries are sorted by (article, word, sentence); sentence numbers count the article's
    kept sentences from 0.
    """

    entry_ptr: I64  # entry offsets per article
    words: I32
    sents: I32
    counts: I32
    weights: F64
    sent_ptr: I64  # kept-sentence offsets per article
    totals: F64  # per kept sentence: sum of count * weight
    chars: I64
    light: npt.NDArray[np.uint64]  # weightless sentences: hash of their words; else 0

    @classmethod
    def build(
        cls,
        text: _Text,
        keep: npt.NDArray[np.bool_],
        kept_ptr: I64,
        parts: list[tuple[I64, I64, I64, I64, F64]],
    ) -> _Bags:
        """Assemble the bags from the chunks of :func:`_tables` (already in entry order)."""
        n_kept = int(kept_ptr[-1])
        if parts:
            doc, word, local, counts, weights = (
                np.concatenate(c) for c in zip(*parts, strict=True)
            )
        else:
            doc = word = local = counts = np.empty(0, np.int64)
            weights = np.empty(0)
        gsent = kept_ptr[doc] + local
        totals = np.bincount(gsent, weights=counts * weights, minlength=n_kept)
        light = np.zeros(n_kept, dtype=np.uint64)
        zero = np.flatnonzero((totals <= 0) & (np.bincount(gsent, minlength=n_kept) > 0))
        if len(zero):
            with np.errstate(over="ignore"):
                h = _mix(word.astype(np.uint64) * _GOLDEN + _mix(counts.astype(np.uint64)))
                sig = np.zeros(n_kept, dtype=np.uint64)
                np.add.at(sig, gsent, h)
            light[zero] = sig[zero] | np.uint64(1)
        entry_ptr = np.concatenate(([0], np.cumsum(np.bincount(doc, minlength=text.n_docs))))
        return cls(
            entry_ptr=entry_ptr.astype(np.int64),
            words=word.astype(np.int32),
            sents=local.astype(np.int32),
            counts=counts.astype(np.int32),
            weights=weights,
            sent_ptr=kept_ptr,
            totals=np.asarray(totals, dtype=np.float64),
            chars=text.sent_chars[keep].astype(np.int64),
            light=light,
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
        dice = 200.0 * self._shared(a, b, n, m)
        denom = ta[:, None] + tb[None, :]
        dice = np.divide(dice, denom, out=np.zeros_like(dice), where=denom > 0)
        self._weightless(a, b, dice)
        rows, cols = np.nonzero(dice >= params.min_score)
        cands = []
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            fwd, rev = (i, i + 1, j, j + 1), (j, j + 1, i, i + 1)
            cands.append((-round(float(dice[i, j]), 6), min(fwd, rev) + max(fwd, rev), i, j))
        cands.sort()
        used_a: set[int] = set()
        used_b: set[int] = set()
        scores = []
        for neg, _, i, j in cands:
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            scores.append(-neg)
        total_a, total_b = int(ca.sum()), int(cb.sum())
        cov_a = sum(int(ca[i]) for i in used_a) / total_a if total_a else 0.0
        cov_b = sum(int(cb[j]) for j in used_b) / total_b if total_b else 0.0
        mean = sum(scores) / len(scores) if scores else 0.0
        return round(mean * (cov_a + cov_b) / 2.0, 4), verdict_for(cov_a, cov_b, params)

    def _shared(self, a: int, b: int, n: int, m: int) -> F64:
        """Shared weight of every pair of kept sentences of ``a`` and ``b``."""
        lo_a, hi_a = self.entry_ptr[a], self.entry_ptr[a + 1]
        lo_b, hi_b = self.entry_ptr[b], self.entry_ptr[b + 1]
        wa, wb = self.weights[lo_a:hi_a], self.weights[lo_b:hi_b]
        ka, kb = self.words[lo_a:hi_a], self.words[lo_b:hi_b]
        pa, pb = wa > 0, wb > 0
        common = np.intersect1d(ka[pa], kb[pb])
        out = np.zeros(n * m)
        if len(common) == 0:
            return out.reshape(n, m)
        sel_a = np.flatnonzero(pa & np.isin(ka, common)) + lo_a
        sel_b = np.flatnonzero(pb & np.isin(kb, common)) + lo_b
        # Entries are sorted by word, so each common word is a run on both sides.
        _, start_a, run_a = np.unique(self.words[sel_a], return_index=True, return_counts=True)
        _, start_b, run_b = np.unique(self.words[sel_b], return_index=True, return_counts=True)
        per = run_a * run_b
        word = np.repeat(np.arange(len(per)), per)
        within = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
        ia = sel_a[start_a[word] + within // run_b[word]]
        ib = sel_b[start_b[word] + within % run_b[word]]
        value = np.minimum(self.counts[ia], self.counts[ib]) * np.minimum(
            self.weights[ia], self.weights[ib]
        )
        flat = self.sents[ia].astype(np.int64) * m + self.sents[ib]
        out += np.bincount(flat, weights=value, minlength=n * m)
        return out.reshape(n, m)

    def _weightless(self, a: int, b: int, dice: F64) -> None:
        la = self.light[self.sent_ptr[a] : self.sent_ptr[a + 1]]
        lb = self.light[self.sent_ptr[b] : self.sent_ptr[b + 1]]
        if la.any() and lb.any():
            same = (la[:, None] == lb[None, :]) & (la[:, None] != 0)
            dice[same] = 100.0


# --- candidates -------------------------------------------------------------------------------


def _lsh(params: ClusterParams) -> tuple[LshLayout, int]:
    """The LSH layout and bucket cap to use: the parameters, or the defaults of the index."""
    layout = LshLayout(
        bands=params.bands if params.bands is not None else DEFAULT_LAYOUT.bands,
        rows=params.rows if params.rows is not None else DEFAULT_LAYOUT.rows,
        min_bands=params.min_bands if params.min_bands is not None else DEFAULT_LAYOUT.min_bands,
    )
    return layout, params.max_bucket if params.max_bucket is not None else DEFAULT_MAX_BUCKET


def _shingle_sets(text: _Text, keep: npt.NDArray[np.bool_]) -> list[npt.NDArray[np.uint64]]:
    """:func:`dupwire.shingle.key_shingles` of each article's kept words, in text order.

    For single-word shingles (the default) the rarity filter and the hashes are computed once
    per distinct word and the rest is vectorised; the result is the same.
    """
    vocab = text.vocab
    hashes = key_hashes(vocab) if DEFAULT_N == 1 else np.empty(0, np.uint64)
    rare = np.ones(len(vocab), dtype=bool)
    if DEFAULT_N == 1 and DEFAULT_MAX_ZIPF is not None:
        rare = np.fromiter((zipf_of(k) < DEFAULT_MAX_ZIPF for k in vocab), bool, len(vocab))
    out: list[npt.NDArray[np.uint64]] = []
    for d0, d1 in text.doc_chunks():
        s0, s1 = int(text.sent_ptr[d0]), int(text.sent_ptr[d1])
        t0, t1 = int(text.tok_ptr[s0]), int(text.tok_ptr[s1])
        tok_sent = np.repeat(np.arange(s0, s1), np.diff(text.tok_ptr[s0 : s1 + 1]))
        keys = text.keys(t0, t1)
        mask = keep[tok_sent] & rare[keys]
        doc = np.searchsorted(text.sent_ptr, tok_sent[mask], side="right") - 1
        keys = keys[mask]
        bounds = np.searchsorted(doc, np.arange(d0, d1 + 1))
        for d in range(d1 - d0):
            lo, hi = int(bounds[d]), int(bounds[d + 1])
            if DEFAULT_N != 1:  # pragma: no cover - the shingle defaults are single words
                out.append(key_shingles([vocab[k] for k in keys[lo:hi].tolist()]))
                continue
            if DEFAULT_LEAD is not None:
                hi = min(hi, lo + DEFAULT_LEAD)
            out.append(np.unique(hashes[keys[lo:hi]]))
    return out


def _candidates(text: _Text, keep: npt.NDArray[np.bool_], params: ClusterParams) -> tuple[I64, int]:
    """Candidate pairs ``(i, j)``, ``i < j``, at most ``max_candidates`` partners per article
    (by MinHash estimate; a pair stays when either side keeps it); and the raw pair count."""
    sigs = signatures(_shingle_sets(text, keep), num_perm=params.num_perm, seed=params.seed)
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
    # Both directions: rank each article's partners by estimate (ties: smaller partner).
    owner = np.concatenate((pairs[:, 0], pairs[:, 1]))
    partner = np.concatenate((pairs[:, 1], pairs[:, 0]))
    est = np.concatenate((estimate, estimate))
    index = np.concatenate((np.arange(raw), np.arange(raw)))
    order = np.lexsort((partner, -est, owner))
    owner, index = owner[order], index[order]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rank = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
    keep_pairs = np.unique(index[rank < params.max_candidates])
    return pairs[keep_pairs], raw


def _similarities(vectors: _Sparse, pairs: I64) -> F64:
    """100 * cosine of each candidate pair."""
    out = np.empty(len(pairs))
    if len(pairs) == 0:
        return out
    starts = np.flatnonzero(np.r_[True, pairs[1:, 0] != pairs[:-1, 0]])
    ends = np.r_[starts[1:], len(pairs)]
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        out[lo:hi] = 100.0 * vectors.dots(int(pairs[lo, 0]), pairs[lo:hi, 1].tolist())
    return out


def _to_verify(pairs: I64, similarity: F64, n: int, per_article: int) -> list[tuple[int, int]]:
    """Each article's ``per_article`` most similar candidates (similarity above 0)."""
    if per_article == 0 or len(pairs) == 0:
        return []
    positive = similarity > 0
    owner = np.concatenate((pairs[positive, 0], pairs[positive, 1]))
    partner = np.concatenate((pairs[positive, 1], pairs[positive, 0]))
    sim = np.concatenate((similarity[positive], similarity[positive]))
    order = np.lexsort((partner, -sim, owner))
    owner, partner = owner[order], partner[order]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rank = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
    top = rank < per_article
    lo, hi = np.minimum(owner[top], partner[top]), np.maximum(owner[top], partner[top])
    chosen = np.unique(np.stack((lo, hi), axis=1), axis=0)
    return [(int(i), int(j)) for i, j in chosen.tolist()]


# --- clustering -------------------------------------------------------------------------------


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
    mine: Counter[K], n_mine: int, theirs: Counter[K], n_theirs: int, alpha: float
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
    counts_a: Counter[K], n_a: int, counts_b: Counter[K], n_b: int, alpha: float
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


class _Agglomerator:
    """Average-linkage clustering over the candidate graph with the two refusal rules."""

    def __init__(
        self,
        vectors: _Sparse,
        contrast: list[I32],
        edges: dict[tuple[int, int], float],
        passage: dict[tuple[int, int], float],
        params: ClusterParams,
    ) -> None:
        self.vectors = vectors
        self.contrast = contrast
        self.passage = passage
        self.params = params
        n = len(contrast)
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.terms: dict[int, Counter[int]] = {}
        self.version = [0] * n
        self.sums: dict[int, dict[int, float]] = {}
        for (i, j), score in edges.items():
            self.sums.setdefault(i, {})[j] = score
            self.sums.setdefault(j, {})[i] = score
        self.links = [0] * n
        self.refused_contrast = 0
        self.refused_links = 0
        self.heap = [
            (-score, i, j, 0, 0) for (i, j), score in edges.items() if score >= params.min_score
        ]
        heapq.heapify(self.heap)

    def group_terms(self, g: int) -> Counter[int]:
        if g not in self.terms:
            self.terms[g] = Counter(self.contrast[g].tolist())
        return self.terms[g]

    def pair_scores(self, rows: Sequence[int], cols: Sequence[int]) -> F64:
        scores = 100.0 * self.vectors.block(rows, cols)
        for r, i in enumerate(rows):
            for c, j in enumerate(cols):
                value = self.passage.get((i, j) if i < j else (j, i))
                if value is not None:
                    scores[r, c] += value
        return scores / 2.0

    def run(self, progress: Progress | None) -> None:
        merges = 0
        while self.heap:
            _, a, b, va, vb = heapq.heappop(self.heap)
            if a not in self.members or b not in self.members:
                continue
            if self.version[a] != va or self.version[b] != vb:
                continue
            if self._refused(a, b):
                continue
            self._merge(a, b)
            merges += 1
            if progress and merges % _PROGRESS_EVERY == 0:
                progress("cluster", merges, len(self.contrast))

    def _refused(self, a: int, b: int) -> bool:
        p = self.params
        ma, mb = self.members[a], self.members[b]
        na, nb = len(ma), len(mb)
        if (
            min(na, nb) >= max(p.contrast_min_size, 1)
            and p.contrast_alpha > 0
            and distinct_groups(self.group_terms(a), na, self.group_terms(b), nb, p.contrast_alpha)
        ):
            self.refused_contrast += 1
            return True
        linked = self.pair_scores(ma, mb) >= p.link_score
        half = (na + nb - 1) / 2.0
        gains_a = linked.sum(axis=1).tolist()
        gains_b = linked.sum(axis=0).tolist()
        if 2 * int(linked.sum()) <= na * nb or not all(
            self.links[m] + g > half for m, g in zip(ma + mb, gains_a + gains_b, strict=True)
        ):
            self.refused_links += 1
            return True
        for m, g in zip(ma + mb, gains_a + gains_b, strict=True):
            self.links[m] += g
        return False

    def _merge(self, a: int, b: int) -> None:
        keep, gone = min(a, b), max(a, b)
        self.members[keep] = sorted(self.members[keep] + self.members.pop(gone))
        self.terms[keep] = self.group_terms(keep) + self.group_terms(gone)
        self.terms.pop(gone, None)
        self.version[keep] += 1
        sums_k = self.sums.setdefault(keep, {})
        sums_g = self.sums.pop(gone, {})
        sums_k.pop(gone, None)
        sums_g.pop(keep, None)
        for other, value in sums_g.items():
            sums_k[other] = sums_k.get(other, 0.0) + value
            theirs = self.sums[other]
            theirs.pop(gone, None)
            theirs[keep] = sums_k[other]
        size = len(self.members[keep])
        for other in sorted(sums_k):
            score = sums_k[other] / (size * len(self.members[other]))
            if score >= self.params.min_score:
                lo, hi = min(keep, other), max(keep, other)
                heapq.heappush(self.heap, (-score, lo, hi, self.version[lo], self.version[hi]))


def _contrast_terms(text: _Text, table: _Table, min_weight: float) -> list[I32]:
    doc, word, _, weight = table
    strong = weight >= min_weight
    doc, word = doc[strong], word[strong]
    bounds = np.searchsorted(doc, np.arange(text.n_docs + 1))
    return [word[bounds[d] : bounds[d + 1]] for d in range(text.n_docs)]


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

    workers = _workers(params, n)
    text = _scan_corpus([a.text for a in ordered], workers, progress)
    lap("prepare")

    furniture = _furniture(text, params)
    keep = ~furniture
    lap("boilerplate")

    _, table = _tables(text, keep, with_bags=False)
    vectors = _vectors(text, table, damping=params.distinctive_df)
    contrast = _contrast_terms(text, table, params.contrast_min_weight)
    del table
    lap("vectors")

    pairs, raw = _candidates(text, keep, params)
    # Sentence bags, for the articles that have a candidate (only they can be aligned).
    needed = np.zeros(n, dtype=bool)
    needed[pairs.ravel()] = True
    bags, _ = _tables(text, keep & needed[text.sentence_doc()], with_bags=True, with_table=False)
    assert bags is not None
    del text  # the word arrays are no longer needed: free them before verification
    if progress:
        progress("candidates", len(pairs), len(pairs))
    lap("candidates")

    similarity = _similarities(vectors, pairs)
    lap("similarity")

    align_params = AlignParams(max_merge=1)
    chosen = _to_verify(pairs, similarity, n, params.verify_per_article)
    passage: dict[tuple[int, int], float] = {}
    for k, (i, j) in enumerate(chosen):
        passage[(i, j)] = bags.relate(i, j, align_params)[0]
        if progress and (k + 1) % _PROGRESS_EVERY == 0:
            progress("verify", k + 1, len(chosen))
    if progress:
        progress("verify", len(chosen), len(chosen))
    lap("verify")

    edges = {
        (i, j): (sim + passage.get((i, j), 0.0)) / 2.0
        for (i, j), sim in zip(pairs.tolist(), similarity.tolist(), strict=True)
    }
    agglo = _Agglomerator(vectors, contrast, edges, passage, params)
    agglo.run(progress)
    lap("cluster")

    clusters, singletons, assignments = _finish(ordered, bags, agglo, align_params, progress)
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
        "workers": workers,
        "furniture_sentences": int(furniture.sum()),
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


def _finish(
    ordered: list[Article],
    bags: _Bags,
    agglo: _Agglomerator,
    align_params: AlignParams,
    progress: Progress | None,
) -> tuple[list[Cluster], list[str], list[Assignment]]:
    groups = sorted(agglo.members.values(), key=lambda m: m[0])
    clusters: list[Cluster] = []
    singletons: list[str] = []
    by_doc: dict[int, Assignment] = {}
    done = 0
    for members in groups:
        done += len(members)
        if len(members) == 1:
            (only,) = members
            singletons.append(ordered[only].id)
            by_doc[only] = Assignment(ordered[only].id, None, ordered[only].id, None, "singleton")
            continue
        scores = agglo.pair_scores(members, members)
        upper = scores[np.triu_indices(len(members), k=1)]
        centrality = scores.sum(axis=1) - np.diag(scores)
        rep_pos = int(np.argmax(centrality))  # the first maximum: the smallest id wins ties
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
            verdict = bags.relate(m, rep, align_params)[1]
            by_doc[m] = Assignment(
                ordered[m].id, cid, ordered[rep].id, round(float(scores[pos, rep_pos]), 2), verdict
            )
        if progress:
            progress("relations", done, len(ordered))
    if progress:
        progress("relations", len(ordered), len(ordered))
    return clusters, singletons, [by_doc[k] for k in range(len(ordered))]
