"""Frozen result types passed between the stages.

Offsets are always character offsets into the original text as read (after decoding),
so ``article.text[span.start:span.end]`` is what a user sees.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dupwire.params import AlignParams, ClusterParams

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = [
    "ALIGNMENT_SCHEMA",
    "Alignment",
    "Article",
    "Assignment",
    "Cluster",
    "Clustering",
    "Failure",
    "Link",
    "Passage",
    "RelationKind",
    "Span",
    "Verdict",
    "WordEdit",
]


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``text[start:end]``."""

    start: int
    end: int

    def slice(self, text: str) -> str:
        return text[self.start : self.end]

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}


#: Characters of a headline shown beside an article (:attr:`Article.title`) at most.
TITLE_MAX = 300
#: What ends a line, as for ``str.splitlines``: line feed and carriage return, and the vertical
#: tab (a word processor's line break), form feed (a page break of text taken from a PDF),
#: the information separators, NEL, and Unicode's line and paragraph separators.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK = re.compile(f"[{LINE_BREAKS}]")
# Characters of a text searched first for its headline (:func:`_headline`).
_HEADLINE_HEAD = 4096
# What a reader does not see in a headline, which it drops: control characters other than
# white space and line breaks (a NUL, an escape, a bell; CSV readers stop at a NUL).
_UNSEEN_RE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# A saved page's headline element, read first: the page's first line of text is often the
# site's name or a "Skip to content" link.  It is looked for in the page's first _PAGE_HEAD
# characters (a head of inline styles and scripts can be long).
_PAGE_HEADLINE_RE = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_PAGE_HEAD = 1 << 18


def _headline(text: str) -> str:
    """The first line of ``text`` that holds a letter or digit as a reader sees it (HTML
    markup as a space or, where a page starts a new line, a line break; character references
    and mojibake as the characters they stand for: :func:`dupwire.normalize.as_shown`), its
    runs of white space as one space, at most ``TITLE_MAX`` characters, without the control
    characters a reader does not see: a feed item's text starts with markup (``<div
    class="entry-content">``), and its title may hold ``&amp;``.  A page's ``<h1>`` comes
    first, when it holds a letter or digit.

    >>> _headline('<div class="entry-content">\\n<p>Tom &amp; Jerry&#8217;s   day</p>')
    'Tom & Jerry’s day'
    >>> _headline('<header><a href="#main">Skip to content</a></header><h1>Troops left</h1>')
    'Troops left'
    """
    from dupwire.normalize import LETTER_OR_DIGIT_RE, as_shown

    heads: tuple[str, ...] = (
        (text[:_HEADLINE_HEAD], text) if len(text) > _HEADLINE_HEAD else (text,)
    )
    if text.find("<h1") >= 0 or text.find("<H1") >= 0:
        page_headline = _PAGE_HEADLINE_RE.search(text, 0, _PAGE_HEAD)
        if page_headline is not None:
            heads = (page_headline[1], *heads)
    for head in heads:
        for line in _LINE_BREAK.split(as_shown(head)):
            if LETTER_OR_DIGIT_RE.search(line):
                line = _UNSEEN_RE.sub("", line[: 4 * TITLE_MAX])
                return _clipped(" ".join(line.split()), TITLE_MAX)
    return ""


def _clipped(text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters, else cut at the last space in its
    last quarter (or at the limit) and ended with "…".

    >>> _clipped("Troops resumed joint patrols", 16), _clipped("Troops resumed joint patrols", 14)
    ('Troops resumed…', 'Troops resume…')
    """
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit * 3 // 4, limit)
    return text[: cut if cut > 0 else limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Article:
    """One news article: an id, its text as read, and where it came from.

    ``meta`` holds optional fields such as ``title``, ``date`` and ``source`` (outlet).
    """

    id: str
    text: str = field(repr=False)
    source: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    @property
    def title(self) -> str:
        """The ``title`` field if there is one, else the first line of text, as shown beside
        the article's id: at most ``TITLE_MAX`` characters (a longer one, such as the only
        line of a text without line breaks, is cut at a word and ends with "…")."""
        title = self.meta.get("title")
        if not isinstance(title, str) or not title.strip():
            title = self.text
        return _headline(title)

    @property
    def story_text(self) -> str:
        """The text detection reads (clustering and the index alike): the ``title`` field as
        a headline line, unless the text already starts with it, then the text."""
        title = self.meta.get("title")
        if not isinstance(title, str) or not title.strip():
            return self.text
        title = " ".join(title.split())
        if self.text.lstrip().startswith(title):
            return self.text
        return f"{title}\n{self.text}"


Verdict = Literal["same_story", "partial_reuse", "unrelated"]
EditOp = Literal["equal", "replace", "insert", "delete"]

#: Version of the JSON document written by :meth:`Alignment.to_dict`.
ALIGNMENT_SCHEMA = "dupwire.alignment/2"


@dataclass(frozen=True, slots=True)
class WordEdit:
    """One step of the word-level edit inside a link.

    ``a`` is the run of words in A (``None`` for an insertion), ``b`` the run in B (``None``
    for a deletion); runs start and end on whole words.
    """

    op: EditOp
    a: Span | None
    b: Span | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "a_start": self.a.start if self.a else None,
            "a_end": self.a.end if self.a else None,
            "b_start": self.b.start if self.b else None,
            "b_end": self.b.end if self.b else None,
        }


@dataclass(frozen=True, slots=True)
class Link:
    """A passage of A and a passage of B that report the same facts.

    A merged link covers adjacent sentences as one span per side.  ``score`` is the
    passage similarity on the 0-100 scale; ``moved`` says the link is out of order relative
    to the other links (the passage sits elsewhere in the other article).  A ``fused`` link
    is one source of a sentence that fuses several sentences of the other side (a summary
    sentence): the sentence appears in one fused link per source, and ``score`` is the share
    (0-100) of its weight found in all its sources together.
    """

    a: Span
    b: Span
    score: float
    moved: bool
    edits: tuple[WordEdit, ...] = field(repr=False)
    fused: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "a_start": self.a.start,
            "a_end": self.a.end,
            "b_start": self.b.start,
            "b_end": self.b.end,
            "score": self.score,
            "moved": self.moved,
            "fused": self.fused,
            "edits": [e.to_dict() for e in self.edits],
        }


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of links that a reader takes for one reused passage: ``a`` in A, ``b`` in B.

    The links (``links`` are indices into :attr:`Alignment.links`) lie near each other on
    both sides, in order or not; the spans run from the first to the last linked sentence
    of the run, so they include the few unlinked sentences in between.  ``score`` is the
    mean score of the links, each weighted by its length.
    """

    a: Span
    b: Span
    score: float
    links: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a_start": self.a.start,
            "a_end": self.a.end,
            "b_start": self.b.start,
            "b_end": self.b.end,
            "score": self.score,
            "links": list(self.links),
        }


@dataclass(frozen=True, slots=True)
class Alignment:
    """Which passages two articles share, which are unique to each, and the verdict.

    ``coverage_a`` is the share of A's story text (characters of its non-furniture sentences)
    that lies in links; likewise ``coverage_b``.  ``passages`` groups the links into the
    passages a reader would see (:class:`Passage`), in the order of A.
    """

    a_id: str
    b_id: str
    a_text: str = field(repr=False)
    b_text: str = field(repr=False)
    links: tuple[Link, ...] = field(repr=False)
    only_a: tuple[Span, ...] = field(repr=False)
    only_b: tuple[Span, ...] = field(repr=False)
    boilerplate_a: tuple[Span, ...] = field(repr=False)
    boilerplate_b: tuple[Span, ...] = field(repr=False)
    coverage_a: float
    coverage_b: float
    verdict: Verdict
    params: AlignParams = field(repr=False)
    passages: tuple[Passage, ...] = field(default=(), repr=False)

    @property
    def score(self) -> float:
        """Mean link score weighted by the linked text length; 0 without links."""
        if not self.links:
            return 0.0
        sizes = [(ln.a.end - ln.a.start) + (ln.b.end - ln.b.start) for ln in self.links]
        return round(
            sum(s * ln.score for s, ln in zip(sizes, self.links, strict=True)) / sum(sizes), 2
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready document (schema ``dupwire.alignment/2``, see the README)."""
        return {
            "schema": ALIGNMENT_SCHEMA,
            "a_id": self.a_id,
            "b_id": self.b_id,
            "verdict": self.verdict,
            "coverage_a": self.coverage_a,
            "coverage_b": self.coverage_b,
            "score": self.score,
            "links": [ln.to_dict() for ln in self.links],
            "passages": [p.to_dict() for p in self.passages],
            "only_a": [s.to_dict() for s in self.only_a],
            "only_b": [s.to_dict() for s in self.only_b],
            "boilerplate_a": [s.to_dict() for s in self.boilerplate_a],
            "boilerplate_b": [s.to_dict() for s in self.boilerplate_b],
            "params": self.params.to_dict(),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __rich__(self) -> RenderableType:
        from dupwire.render import alignment_renderable

        return alignment_renderable(self)

    def _repr_html_(self) -> str:
        from dupwire.render import alignment_html

        return alignment_html(self)


RelationKind = Literal["representative", "same_story", "partial_reuse", "unrelated", "singleton"]


@dataclass(frozen=True, slots=True)
class Cluster:
    """One story: its members (sorted ids), representative, and pair-score spread.

    ``min_score`` and ``median_score`` are over the members' pair scores (0-100) with the
    representative.  ``first_date`` and ``last_date`` (ISO dates, UTC) span the members that
    have a publication date; both are None when none has.
    """

    id: int
    members: tuple[str, ...]
    representative: str
    min_score: float
    median_score: float
    first_date: str | None = None
    last_date: str | None = None

    def __len__(self) -> int:
        return len(self.members)


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where one article ended up.

    Singletons have ``cluster_id`` None and are their own representative; ``score`` is the
    pair score with the representative (None for representatives and singletons).  ``date``
    is the article's publication date as read (ISO, UTC) or None; ``warning`` says why a date
    that was given could not be used (the article is then treated as undated).
    """

    id: str
    cluster_id: int | None
    representative_id: str
    score: float | None
    relation: RelationKind
    date: str | None = None
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cluster_id": self.cluster_id,
            "representative_id": self.representative_id,
            "score": self.score,
            "relation": self.relation,
            "date": self.date,
            "warning": self.warning,
        }


@dataclass(frozen=True, slots=True, order=True)
class Failure:
    """An article that could not be read or prepared: its id (or ``file:line``) and why.

    ``origin`` is where the input is (a path, or ``file:line`` for a record).  A failure is
    listed under its input's id when no other input uses that id; otherwise (two records,
    one read and one broken, share an id) it is listed under its origin, so every id in a
    report stands for one input.
    """

    id: str
    reason: str
    origin: str = ""

    @property
    def why(self) -> str:
        """The reason without the id it may begin with (a broken record's ``file:line`` is
        both), for views that show the id beside it.

        >>> Failure("a.csv:3", "a.csv:3: a quote is never closed").why
        'a quote is never closed'
        >>> Failure("j3", "a.jsonl:3: 'text' is a number").why
        "a.jsonl:3: 'text' is a number"
        """
        head = f"{self.id}: "
        return self.reason[len(head) :] if self.reason.startswith(head) else self.reason


@dataclass(frozen=True, slots=True)
class Clustering:
    """The result of :func:`cluster`: clusters, singletons and one assignment per article.

    ``stats`` records what the run did: MinHash ``seed`` and ``num_perm``, the LSH layout,
    candidate counts and ``candidates_per_article``, verified pairs, refused merges and
    ``seconds`` per stage.  ``failures`` lists the articles that could not be cut into
    sentences and words, with the reason: they are in no cluster and have no assignment.
    """

    clusters: tuple[Cluster, ...]
    singletons: tuple[str, ...]
    assignments: tuple[Assignment, ...] = field(repr=False)
    params: ClusterParams = field(repr=False)
    stats: dict[str, Any] = field(repr=False, compare=False)
    failures: tuple[Failure, ...] = ()

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
