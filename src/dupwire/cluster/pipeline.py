"""The clustering pipeline: it sequences the stage modules, times them and builds the stats.

Every stage sees the articles sorted by id, so the input order never matters:

1. :mod:`~dupwire.cluster.scan`: story sentences and weighted word keys, as arrays;
2. :mod:`~dupwire.cluster.furniture`: sentences recurring across otherwise different
   articles are set aside;
3. :mod:`~dupwire.cluster.vectors`: word vectors and the contrast words;
4. :mod:`~dupwire.cluster.candidates`: MinHash/LSH candidate pairs (then, for dated
   articles, the words shared with candidates from other weeks are damped in the vectors:
   :func:`~dupwire.cluster.vectors.far_damped`);
5. :mod:`~dupwire.cluster.verify`: a pair score for every candidate;
6. :mod:`~dupwire.cluster.agglomerate`: average linkage without chaining (per connected
   component of the strong edges when the engine computes them);
7. representatives, ids and each member's relation to its representative.
"""

from __future__ import annotations

import functools
import itertools
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from dupwire._numeric import F64, I64
from dupwire.cluster.agglomerate import LinkageRules, agglomerate
from dupwire.cluster.candidates import article_shingles, lsh_settings, ranked_candidates
from dupwire.cluster.copies import CopyGroups, copy_groups
from dupwire.cluster.engine import Engine, LocalEngine
from dupwire.cluster.furniture import corpus_furniture
from dupwire.cluster.scan import CorpusText, Progress, auto_workers, drop_failed
from dupwire.cluster.vectors import (
    contrast_terms,
    far_damped,
    sentence_bags,
    word_table,
    word_vectors,
)
from dupwire.cluster.verify import (
    PairScorer,
    similarities,
    to_verify,
)
from dupwire.dates import DayReferences, LeadDays, format_day, lead_weekdays_of, parse_date
from dupwire.errors import DuplicateIdError, ParamsError, listed
from dupwire.index import LshLayout
from dupwire.io import ArticleLike, as_articles
from dupwire.model import Article, Assignment, Cluster, Clustering, RelationKind, Verdict
from dupwire.params import ClusterParams

__all__ = ["cluster", "expected_peak_bytes"]

#: Memory :func:`cluster` holds at its peak besides each character of text (bytes), and in
#: any case.  ``benchmarks/bench_cluster.py``, 2 workers: 100,000 generated articles of 363
#: million characters peaked at 3,463 MB, 20,000 of 73 million at 992 MB (both 9.5 bytes a
#: character over about 300 MB).
_PEAK_PER_CHAR = 10
_PEAK_BASE = 300 * 2**20


def expected_peak_bytes(chars: int) -> int:
    """About the most memory :func:`cluster` holds (all its processes) for articles of
    ``chars`` characters of text in all."""
    return _PEAK_BASE + _PEAK_PER_CHAR * chars


def _check_ids(articles: Iterable[Article]) -> None:
    counts = Counter(a.id for a in articles)
    dupes = sorted(k for k, v in counts.items() if v > 1)
    if dupes:
        msg = f"article ids must be unique; repeated: {listed(dupes)}"
        raise DuplicateIdError(msg)


# The stages between prepare and verification that report no progress of their own: they
# are reported together as the stage "corpus", one step each, so a long run never looks
# stalled between the two.
_CORPUS_STEPS = ("boilerplate", "copies", "vectors", "candidates")


class _Clock:
    """Seconds per stage, each :meth:`lap` ending one; the laps of ``_CORPUS_STEPS`` are
    reported to ``progress`` as the steps of the stage ``corpus``."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()
        self._progress = progress

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._last, 4)
        self._last = now
        if self._progress is None:
            return
        if stage == "prepare":
            self._progress("corpus", 0, len(_CORPUS_STEPS))
        elif stage in _CORPUS_STEPS:
            self._progress("corpus", _CORPUS_STEPS.index(stage) + 1, len(_CORPUS_STEPS))


def cluster(
    articles: Iterable[ArticleLike] | Mapping[Any, str],
    *,
    params: ClusterParams = ClusterParams(),  # noqa: B008 - frozen, so sharing it is safe
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> Clustering:
    """Group ``articles`` into stories (see :mod:`dupwire.cluster` for the rules).

    ``progress(stage, done, total)`` is called as stages advance; stages are ``prepare``,
    ``corpus`` (the corpus-wide steps before verification: furniture, copies, word vectors
    and candidates, one step each), ``candidates``, ``verify``, ``cluster`` and
    ``relations``.  ``engine`` runs the parallel
    steps (:mod:`dupwire.cluster.engine`; by default in this process).  An article that
    cannot be cut into sentences and words costs only itself: it is listed in
    ``Clustering.failures`` with the reason.

    ``articles`` are :class:`Article` objects, or texts, ``(id, text)`` pairs and records as
    :func:`dupwire.io.as_articles` reads them (a text's id is its place: ``"0"``, ...).
    """
    engine = engine or LocalEngine()
    articles = as_articles(articles)
    _check_ids(articles)
    ordered = sorted(articles, key=lambda a: a.id)
    clock = _Clock(progress)
    p = params

    workers = auto_workers(p.workers, len(ordered))
    text = engine.scan([a.story_text for a in ordered], workers, progress)
    ordered, failures = drop_failed(ordered, text.failed)
    text = text.without_failed()
    n = len(ordered)
    days, date_text, warnings = _dates(ordered)
    dated = days if not np.isnan(days).all() else None
    named = [a.text if p.named_days else "" for a in ordered]
    references = None if dated is None else DayReferences.of(named, days)
    clock.lap("prepare")

    options: dict[str, Any] = {
        "min_articles": p.boilerplate_min_articles,
        "share": p.boilerplate_share,
        "private": p.boilerplate_private,
        "link_score": p.link_score,
    }
    # An engine that keeps stages keeps this one too: a rerun reads it back.
    furniture = engine.kept(
        "furniture",
        itertools.chain([repr(sorted(options.items())).encode()], text.fingerprint()),
        functools.partial(corpus_furniture, text, **options),
    )
    keep = ~furniture
    clock.lap("boilerplate")

    within: Callable[[int, int], bool] | None = None
    if p.window is not None and dated is not None:
        window = p.window

        def within(i: int, j: int) -> bool:
            return not abs(days[i] - days[j]) > window  # NaN (undated): allowed

    copies = copy_groups(text, keep, seed=p.seed, allowed=within)
    leaders = copies.is_leader
    clock.lap("copies")

    layout, max_bucket = lsh_settings(p.bands, p.rows, p.min_bands, p.max_bucket)
    sent_doc = text.sentence_doc()
    # The engine may compute the LSH pairs while the word vectors are built (the local
    # engine with more than one worker does, in a thread); banding waits until the word
    # vectors are built, so that the two steps' largest working arrays are not held at once
    # (then it has the workers to itself).
    vectors_built = threading.Event()
    lsh_pairs = functools.partial(
        _lsh_pairs,
        engine,
        text,
        keep & leaders[sent_doc],
        (p.num_perm, p.seed),
        layout,
        max_bucket,
        workers,
        vectors_built,
    )
    with engine.ahead(lsh_pairs, workers) as lsh:
        try:
            # On one thread: memory that threads free stays in their own pools, and the word
            # vectors, built next, are the run's peak (150 MB higher at 100,000 articles when
            # the table was built in threads).
            table = word_table(text, keep)
            vectors = word_vectors(text, table, damping=p.distinctive_df, counted=leaders)
            contrast = contrast_terms(text, table, p.contrast_min_weight)
            del table
        finally:
            vectors_built.set()
        clock.lap("vectors")
        found = ranked_candidates(
            lsh.result(),
            max_candidates=p.max_candidates,
            similarity=functools.partial(similarities, vectors),
            kept=None if references is None else references.linked,
        )
    pairs = found.pairs
    far_damped_articles = 0
    if references is not None and p.far_rank > 0 and len(pairs):
        # Words shared with candidates from other weeks are the beat's, not the story's.
        with np.errstate(invalid="ignore"):  # an undated pair's gap is NaN: never far
            far = pairs[references.gaps(pairs[:, 0], pairs[:, 1]) > p.far_days]
        vectors, far_damped_articles = far_damped(vectors, far, p.far_rank)
    # Sentence bags, for the articles that can be aligned: those with a candidate or a copy.
    needed = ~leaders
    needed[pairs.ravel()] = True
    needed[copies.leader[~leaders]] = True
    bags = sentence_bags(text, keep & needed[sent_doc], workers)
    del text  # the word arrays are no longer needed: free them before verification
    if progress:
        progress("candidates", len(pairs), len(pairs))
    clock.lap("candidates")

    # The similarities that ranked the candidates, unless far words changed the vectors.
    similarity = found.similarity if not far_damped_articles else similarities(vectors, pairs)
    clock.lap("similarity")

    chosen = to_verify(pairs, similarity, p.verify_per_article)
    passage = engine.passages(bags, chosen, workers, progress)
    clock.lap("verify")

    # Leads of the articles that are scored: those aligned (on a candidate pair, copies and
    # the leaders of copies).
    lead = None
    if p.lead_day_cost > 0:
        weekdays = np.zeros(n, dtype=np.int8)
        weekdays[needed] = lead_weekdays_of([ordered[k].story_text for k in np.flatnonzero(needed)])
        lead = LeadDays.of(weekdays, days)
    scorer = PairScorer(
        vectors,
        passage,
        references,
        p.time_cost,
        (p.far_days, p.far_rank),
        None if lead is None else (lead, p.lead_day_cost),
    )
    # The background: each article's score with the last of the partners it keeps.
    edges = scorer.edges(pairs, similarity, p.max_candidates)
    rules = LinkageRules(
        p.min_score, p.link_score, p.contrast_alpha, p.contrast_min_size, p.window, p.cohesion
    )
    strong = np.array([e for e, score in edges.items() if score >= p.min_score], np.int64)
    components = engine.components(strong.reshape(-1, 2), n)
    agglo = agglomerate(scorer, contrast, edges, rules, dated, components, progress)
    groups = _expand(agglo.groups, copies.leader)
    clock.lap("cluster")

    reps = [(members, _representative(members, scorer, copies, edges)) for members in groups]
    related = engine.relations(
        bags, [(m, rep) for members, rep in reps for m in members if m != rep], workers, progress
    )
    clusters, singletons, assignments = _finish(
        ordered, scorer, reps, related, (date_text, warnings, days)
    )
    clock.lap("relations")

    stats: dict[str, Any] = {
        "n_articles": n,
        "n_failed": len(failures),
        "num_perm": p.num_perm,
        "seed": p.seed,
        "lsh": {
            "bands": layout.bands,
            "rows": layout.rows,
            "min_bands": layout.min_bands,
            "max_bucket": max_bucket,
        },
        "workers": workers,
        "furniture_sentences": int(furniture.sum()),
        "copies": copies.n_copies,
        "candidate_pairs_lsh": found.raw,
        "candidate_pairs": len(pairs),
        "candidates_per_article": round(len(pairs) / n, 3) if n else 0.0,
        "verified_pairs": len(passage),
        "dated_articles": int((~np.isnan(days)).sum()),
        "far_damped_articles": far_damped_articles,
        "date_warnings": sum(w is not None for w in warnings),
        "refused_window": agglo.refused_window,
        "refused_contrast": agglo.refused_contrast,
        "refused_links": agglo.refused_links,
        "refused_cohesion": agglo.refused_cohesion,
        "n_clusters": len(clusters),
        "n_singletons": len(singletons),
        "seconds": clock.seconds,
    }
    return Clustering(
        tuple(clusters), tuple(singletons), tuple(assignments), params, stats, failures
    )


def _lsh_pairs(
    engine: Engine,
    text: CorpusText,
    shingled: npt.NDArray[np.bool_],
    sketch: tuple[int, int],
    layout: LshLayout,
    max_bucket: int,
    workers: int,
    ready: threading.Event,
) -> I64:
    """The LSH pairs of the articles' candidate shingles (their ``shingled`` sentences):
    MinHash (``sketch``: permutations and seed), then banding once ``ready`` is set, in up to
    ``workers`` threads.  Neither needs the word vectors."""
    sigs = engine.signatures(article_shingles(text, shingled, distinct=False), *sketch)
    ready.wait()
    return engine.band_pairs(sigs, layout, max_bucket, workers).pairs


def _dates(ordered: list[Article]) -> tuple[F64, list[str | None], list[str | None]]:
    """Each article's publication date (days, NaN when unknown), as ISO text, and the reason
    a given date could not be read."""
    days = np.full(len(ordered), np.nan)
    text: list[str | None] = [None] * len(ordered)
    warnings: list[str | None] = [None] * len(ordered)
    for k, article in enumerate(ordered):
        try:
            value = parse_date(article.meta.get("date"))
        except ParamsError as exc:
            warnings[k] = str(exc)
            continue
        if value is not None:
            days[k] = value
            text[k] = format_day(value)
    return days, text, warnings


def _expand(groups: list[list[int]], leader: np.ndarray) -> list[list[int]]:
    """The agglomerated groups of leaders, each with the copies of its leaders added."""
    copies_of: dict[int, list[int]] = {}
    leaders = leader.tolist()
    for d, lead in enumerate(leaders):
        if d != lead:
            copies_of.setdefault(lead, []).append(d)
    out = []
    for group in groups:
        if leaders[group[0]] != group[0]:
            continue  # a copy: it joins its leader's group
        out.append(sorted(group + [c for g in group for c in copies_of.get(g, [])]))
    return sorted(out, key=lambda m: m[0])


def _finish(
    ordered: list[Article],
    scorer: PairScorer,
    reps: list[tuple[list[int], int]],
    related: list[tuple[float, Verdict]],
    dates: tuple[list[str | None], list[str | None], F64],
) -> tuple[list[Cluster], list[str], list[Assignment]]:
    """Clusters numbered by their smallest member, from each group with its representative
    (``reps``) and each other member's passage score and verdict with it (``related``, in
    the order of ``reps``)."""
    date_text, warnings, days = dates

    def assign(m: int, cid: int | None, rep: int, score: float | None, rel: RelationKind) -> None:
        by_doc[m] = Assignment(
            ordered[m].id, cid, ordered[rep].id, score, rel, date_text[m], warnings[m]
        )

    clusters: list[Cluster] = []
    singletons: list[str] = []
    by_doc: dict[int, Assignment] = {}
    found = iter(related)
    for members, rep in reps:
        if len(members) == 1:
            singletons.append(ordered[rep].id)
            assign(rep, None, rep, None, "singleton")
            continue
        cid = len(clusters)
        cosine = 100.0 * scorer.vectors.dots(rep, members)
        scores: list[float] = []
        for m, cos in zip(members, cosine.tolist(), strict=True):
            if m == rep:
                assign(m, cid, rep, None, "representative")
                continue
            passage, verdict = next(found)
            penalty = float(scorer.penalty([m], [rep])[0, 0])
            score = round((cos + passage) / 2.0 - penalty, 2)
            scores.append(score)
            assign(m, cid, rep, score, verdict)
        member_days = days[members]
        member_days = member_days[~np.isnan(member_days)]
        clusters.append(
            Cluster(
                id=cid,
                members=tuple(ordered[m].id for m in members),
                representative=ordered[rep].id,
                min_score=round(min(scores), 2),
                median_score=round(statistics.median(scores), 2),
                first_date=format_day(float(member_days.min())) if len(member_days) else None,
                last_date=format_day(float(member_days.max())) if len(member_days) else None,
            )
        )
    return clusters, singletons, [by_doc[k] for k in range(len(ordered))]


def _representative(
    members: list[int],
    scorer: PairScorer,
    copies: CopyGroups,
    edges: dict[tuple[int, int], float],
) -> int:
    """The most central member: the highest total pair score with the other members.

    Copies count through their leader: a leader's total adds, for each other version of the
    story, its score with that version's leader times the copies it has, and 100 for each of
    its own copies.  Ties go to the smallest id.  When every two leaders are a candidate
    pair, their ``edges`` are their pair scores (those of ``scorer.block``, to the last bit).
    """
    if len(members) == 1:
        return members[0]
    lead = copies.leader[members]
    leaders = [m for m, first in zip(members, lead.tolist(), strict=True) if m == first]
    if len(leaders) == 1:
        return leaders[0]
    size = np.bincount(lead, minlength=max(leaders) + 1)[leaders]
    if len(leaders) == 2 and size[0] == size[1]:
        # Each total is 100 times the copies plus the one pair score (symmetric) times the
        # same number of copies: a tie, which goes to the smaller id.
        return leaders[0]
    known = [edges.get((i, j)) for i, j in itertools.combinations(leaders, 2)]
    if None in known:
        scores = scorer.block(leaders, leaders)
    else:
        scores = np.zeros((len(leaders), len(leaders)))
        upper = np.triu_indices(len(leaders), 1)
        scores[upper] = known
        scores.T[upper] = known
    np.fill_diagonal(scores, 100.0)
    # numpy's own sums, not a BLAS product (whose threads are slow on a busy machine); the
    # rounding keeps float noise from breaking ties.
    centrality = np.round(np.add.reduce(scores * size, axis=1) - 100.0, 6)
    return leaders[int(np.argmax(centrality))]
