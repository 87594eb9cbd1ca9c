"""Group articles that tell the same story: the clustering stage, one module per step.

:func:`cluster` takes a corpus and returns a :class:`Clustering`: story clusters, each with a
representative, and one :class:`Assignment` per article.

The pipeline (:mod:`~dupwire.cluster.pipeline`; every stage sees the articles sorted by id, so
the input order never matters):

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
   tuned for recall, computed beside the word vectors (in a thread, with ``workers``).
   Each article keeps its ``max_candidates`` partners most similar by word vectors, which
   bounds the cost of what follows.
4. **Verification.**  Every candidate pair gets a document *similarity* (0-100): 100 times
   the cosine of the two articles' word vectors (log term frequency times the word's
   rare-word weight, :func:`dupwire.weights.background_weight`, damped for words common in
   this corpus as :func:`dupwire.weights.corpus_damping` does).  Each article's
   ``verify_per_article`` most similar partners are also aligned sentence by sentence: the
   *passage score* (0-100) of :func:`dupwire.align.relate` with one-to-one sentence links
   (``AlignParams(max_merge=1)``), computed here from the compact arrays by a vectorised
   equivalent.  The **pair score** is ``(similarity + passage score) / 2``; a pair that was
   not aligned has passage score 0.  It counts above the pair's background (what each
   article shares with its topic, :mod:`dupwire.cluster.verify`), less a time penalty for
   dated pairs far apart and ``lead_day_cost`` when the two leads name days but none in
   common (:mod:`dupwire.dates`).
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

Costs. Scanning (sentence splitting and tokenising) dominates: about 0.7 ms per article of
450 words in one process, spread over ``workers`` processes. Everything else is array work
done a chunk of articles at a time, so memory stays a few times the size of the token arrays
(4 bytes per token); sentence bags are kept only for articles that have a candidate. A
candidate pair costs microseconds for its similarity and about 0.1 ms when it is aligned,
against 0.5-1 ms for :func:`dupwire.align.relate` itself (one-to-one links) and 1-4 ms with
merges.

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

from dupwire.cluster.agglomerate import distinct_groups
from dupwire.cluster.pipeline import cluster
from dupwire.model import Assignment, Cluster, Clustering, RelationKind

__all__ = [
    "Assignment",
    "Cluster",
    "Clustering",
    "RelationKind",
    "cluster",
    "distinct_groups",
]
