"""Options objects, validated once, with messages that say how to fix the value."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from dupwire.errors import ParamsError

__all__ = ["AlignParams", "ClusterParams"]


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not (low <= value <= high):
        msg = f"{name} must be in [{low:g}, {high:g}], got {value!r}"
        raise ParamsError(msg)


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Options of :func:`dupwire.align.align`.

    Scores are on the 0-100 scale of :func:`dupwire.align.passage_similarity`: the rare-word
    weighted Dice overlap of the two passages' words.

    * ``min_score``: a link needs at least this score (default 40: below it, measured on the
      seed pair, passages share only a name or two, e.g. a subhead that names the same people).
    * ``max_merge``: at most this many consecutive sentences on one side form one link
      (1:n, n:1 and n:m merges up to max_merge:max_merge).
    * ``member_min``: each sentence of a merged link must have at least this share of its
      weight found on the other side, so a merge cannot swallow an unrelated neighbour.
    * ``same_story``: verdict "same_story" when both sides have at least this share of their
      story text covered by links.
    * ``partial_reuse``: verdict "partial_reuse" when one side has at least this share covered,
    * ``reuse_chars``: or when both sides have at least this many story characters in links
      (about seven sentences of news, 170 words): so much shared text is reuse however long
      the two texts are (a 230-word passage lifted whole into a 1,000-word article covers a
      fifth of it).  Of 2,000 pairs of ECB+ dev articles of one topic, 2 reports of one event
      had so much linked text and less than 30% covered, and no pair of different events.
    * ``passage_gap``: links join into one passage when at most this many unlinked story
      sentences separate them on each side (in order or not).
    * ``fusion_gap``: links that are adjacent on one side also join when at most this many
      sentences separate them on the other side: a summary, whose consecutive sentences draw
      on sentences spread over the source.
    """

    min_score: float = 40.0
    max_merge: int = 3
    member_min: float = 0.3
    same_story: float = 0.3
    partial_reuse: float = 0.3
    reuse_chars: int = 1000
    passage_gap: int = 2
    fusion_gap: int = 8

    def __post_init__(self) -> None:
        _check_range("min_score", self.min_score, 0.0, 100.0)
        _check_range("member_min", self.member_min, 0.0, 1.0)
        _check_range("same_story", self.same_story, 0.0, 1.0)
        _check_range("partial_reuse", self.partial_reuse, 0.0, 1.0)
        if not isinstance(self.max_merge, int) or not 1 <= self.max_merge <= 5:
            msg = f"max_merge must be an integer in [1, 5], got {self.max_merge!r}"
            raise ParamsError(msg)
        for name in ("passage_gap", "fusion_gap", "reuse_chars"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                msg = f"{name} must be a non-negative integer (sentences), got {value!r}"
                raise ParamsError(msg)

    @classmethod
    def from_options(cls, **options: Any) -> AlignParams:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            msg = f"unknown align option {unknown[0]!r}; valid options: {', '.join(sorted(known))}"
            raise ParamsError(msg)
        return cls(**options)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Options of :func:`dupwire.cluster.cluster`.

    Candidates (stage 1) come from MinHash/LSH over content-word shingles
    (:mod:`dupwire.shingle`, :mod:`dupwire.sketch`, :mod:`dupwire.index`):

    * ``num_perm``, ``seed``: MinHash permutations and their seed (256 and 1, the defaults of
      :mod:`dupwire.sketch`).
    * ``bands``, ``rows``, ``min_bands``, ``max_bucket``: the LSH layout; ``None`` takes the
      tuned defaults of :mod:`dupwire.index` (``DEFAULT_LAYOUT``, ``DEFAULT_MAX_BUCKET``).  The
      values used are recorded in :attr:`dupwire.cluster.Clustering.stats`.
    * ``max_candidates``: each article keeps at most this many partners, those most similar by
      word vectors (:mod:`dupwire.cluster.candidates`), so verification costs at most
      ``n_articles * max_candidates`` pairs.  An article's score with the last of them (the
      ``max_candidates``-th best) is its *background*, subtracted from its pair scores (see
      :mod:`dupwire.cluster.verify`).

    Corpus boilerplate: a normalised story sentence found in at least
    ``max(boilerplate_min_articles, boilerplate_share * n_articles)`` articles is site furniture
    when those articles are otherwise different (on average at least ``boilerplate_private`` of
    each one's sentences are found in no other article carrying it); it is then ignored.

    Verification (stage 2) and clustering:

    * ``distinctive_df``: words in more than this share of the corpus count progressively less
      (:func:`dupwire.weights.corpus_damping`).
    * ``verify_per_article``: each article's most similar candidates (up to this many) are
      aligned sentence by sentence (:func:`dupwire.align.relate` with one-to-one links).
    * ``min_score``: clusters merge while their average pair score is at least this (0-100).
    * ``link_score``: pairs scoring at least this are *linked*; more than half of the pairs
      across two merging clusters must be linked, and every member of a cluster must be linked
      with more than half of the other members (no chaining).
    * ``contrast_alpha``, ``contrast_min_size``, ``contrast_min_weight``: two groups of at least
      ``contrast_min_size`` articles do not merge when each has a word (background weight at
      least ``contrast_min_weight``) that is over-represented in it compared with the other
      group at one-sided hypergeometric significance ``contrast_alpha``.
    * ``cohesion``: two clusters of at least two articles do not merge when their average pair
      score across is below this share of the internal average of the looser one (0 turns the
      rule off; see :mod:`dupwire.cluster.agglomerate`).
    * ``workers``: processes that scan the articles, and that align the verified pairs and
      the cluster members (:mod:`dupwire.cluster.forked`), and threads that band the
      signatures and sort the sentence bags; ``None`` uses one per CPU (at most 8) for
      corpora of 2,000 articles or more, and none for smaller ones.

    Dates (articles whose ``meta["date"]`` holds a publication date, :mod:`dupwire.dates`):

    * ``time_cost``: a pair published ``gap`` days apart loses
      ``time_cost * ln(1 + gap / 7)`` points of pair score (0 turns the rule off);
    * ``far_rank``, ``far_days``: a dated article's background is also at least its text
      score with its ``far_rank``-th best candidate published more than ``far_days`` days
      away from it, and an article with at least ``far_rank`` such candidates has the words
      they hold damped in its vector (0 turns both rules off; see
      :mod:`dupwire.cluster.verify` and :func:`dupwire.cluster.vectors.far_damped`);
    * ``named_days``: a day that a dated article names ("the June 6 shooting") links it to
      the reports published that day: their gap is counted from it, they stay candidates,
      and its best-scoring such pair counts above its background without the far rule
      (False turns this off; see :class:`dupwire.dates.DayReferences`);
    * ``window``: when set, articles published more than this many days apart are never in
      one cluster (a hard limit);
    * ``lead_day_cost`` (dated or not): a pair whose leads name days ("on Monday", "on
      Thursday", :func:`dupwire.dates.lead_weekdays`) but no day in common (for two dated
      articles, the days those weekdays stand for) loses this many points of pair score (0
      turns the rule off; see :mod:`dupwire.dates`).
    """

    num_perm: int = 256
    seed: int = 1
    bands: int | None = None
    rows: int | None = None
    min_bands: int | None = None
    max_bucket: int | None = None
    max_candidates: int = 35
    boilerplate_min_articles: int = 3
    boilerplate_share: float = 0.001
    boilerplate_private: float = 0.5
    distinctive_df: float = 0.02
    verify_per_article: int = 5
    min_score: float = 7.5
    link_score: float = 5.0
    contrast_alpha: float = 0.01
    contrast_min_size: int = 3
    contrast_min_weight: float = 2.0
    cohesion: float = 0.5
    workers: int | None = None
    time_cost: float = 3.0
    far_rank: int = 3
    far_days: float = 28.0
    named_days: bool = True
    window: float | None = None
    lead_day_cost: float = 5.0

    def __post_init__(self) -> None:
        for name in ("num_perm", "seed", "max_candidates"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < (0 if name == "seed" else 1):
                msg = f"{name} must be a positive integer, got {value!r}"
                raise ParamsError(msg)
        for name in ("bands", "rows", "min_bands", "max_bucket"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                msg = f"{name} must be a positive integer or None (the default), got {value!r}"
                raise ParamsError(msg)
        for name in (
            "boilerplate_min_articles",
            "verify_per_article",
            "contrast_min_size",
            "far_rank",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                msg = f"{name} must be a non-negative integer, got {value!r}"
                raise ParamsError(msg)
        if not isinstance(self.named_days, bool):
            msg = f"named_days must be True or False, got {self.named_days!r}"
            raise ParamsError(msg)
        if self.workers is not None and (not isinstance(self.workers, int) or self.workers < 1):
            msg = f"workers must be a positive integer or None (automatic), got {self.workers!r}"
            raise ParamsError(msg)
        _check_range("boilerplate_share", self.boilerplate_share, 0.0, 1.0)
        _check_range("boilerplate_private", self.boilerplate_private, 0.0, 1.0)
        _check_range("distinctive_df", self.distinctive_df, 0.0, 1.0)
        _check_range("min_score", self.min_score, 0.0, 100.0)
        _check_range("link_score", self.link_score, 0.0, 100.0)
        _check_range("contrast_alpha", self.contrast_alpha, 0.0, 1.0)
        _check_range("contrast_min_weight", self.contrast_min_weight, 0.0, 100.0)
        _check_range("cohesion", self.cohesion, 0.0, 1.0)
        _check_range("time_cost", self.time_cost, 0.0, 100.0)
        _check_range("far_days", self.far_days, 0.0, 36525.0)
        _check_range("lead_day_cost", self.lead_day_cost, 0.0, 100.0)
        if self.window is not None and (
            isinstance(self.window, bool)
            or not isinstance(self.window, (int, float))
            or not self.window >= 0
        ):
            msg = f"window must be a number of days >= 0 or None (no limit), got {self.window!r}"
            raise ParamsError(msg)

    @classmethod
    def from_options(cls, **options: Any) -> ClusterParams:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            msg = (
                f"unknown cluster option {unknown[0]!r}; valid options: {', '.join(sorted(known))}"
            )
            raise ParamsError(msg)
        return cls(**options)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
