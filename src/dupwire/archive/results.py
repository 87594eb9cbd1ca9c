"""Frozen results of an :class:`~dupwire.archive.Index`: what a query found, what an add did,
what the index holds.  They render in a terminal (``__rich__``) and a notebook
(``_repr_html_``) and give JSON-ready dicts (``to_dict``)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dupwire.model import Alignment, Failure, Verdict

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

__all__ = ["AddResult", "IndexStats", "Match", "QueryResult"]

#: Version of the JSON document written by :meth:`QueryResult.to_dict`.
QUERY_SCHEMA = "dupwire.index-query/1"


@dataclass(frozen=True, slots=True)
class Match:
    """One stored article that is a candidate version of the query.

    ``shared_bands`` of the index's bands are equal (``estimate`` = their share, the MinHash
    estimate of the shingle Jaccard).  ``score``, ``coverage_query``, ``coverage_match`` and
    ``verdict`` come from :func:`dupwire.align.relate` with one-to-one links (``None`` when
    the match was not verified).  ``earlier`` says whether this version came first: by date
    when both are dated, else by insertion order (``seq``).
    """

    id: str
    seq: int
    title: str
    date: str | None
    source: str | None
    shared_bands: int
    estimate: float
    earlier: bool
    score: float | None = None
    coverage_query: float | None = None
    coverage_match: float | None = None
    verdict: Verdict | None = None
    alignment: Alignment | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.id,
            "seq": self.seq,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "shared_bands": self.shared_bands,
            "estimate": round(self.estimate, 4),
            "earlier": self.earlier,
            "score": self.score,
            "coverage_query": self.coverage_query,
            "coverage_match": self.coverage_match,
            "verdict": self.verdict,
        }
        if self.alignment is not None:
            doc["alignment"] = self.alignment.to_dict()
        return doc


@dataclass(frozen=True, slots=True)
class QueryResult:
    """What :meth:`Index.query` found for one article: matches, best first.

    Verified matches are ordered by score, unverified ones by ``shared_bands``.
    ``earliest_id`` is the earliest version of the story among the query and its matches
    that tell it (verdict ``same_story`` or ``partial_reuse``; every match when unverified).
    ``n_articles`` is the size of the index the query saw (one consistent snapshot).
    ``warning`` says why the query's date could not be used (it is then treated as undated).
    """

    query_id: str
    query_date: str | None
    matches: tuple[Match, ...]
    earliest_id: str
    n_candidates: int
    n_articles: int
    verified: bool
    warning: str | None = None

    def __len__(self) -> int:
        return len(self.matches)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": QUERY_SCHEMA,
            "query_id": self.query_id,
            "query_date": self.query_date,
            "earliest_id": self.earliest_id,
            "n_candidates": self.n_candidates,
            "n_articles": self.n_articles,
            "verified": self.verified,
            "warning": self.warning,
            "matches": [m.to_dict() for m in self.matches],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Who asked and the earliest version, then one line per match (id, date or order of
        insertion, verdict, score, shared bands, earlier or later, title), each id whole so
        the output can be searched: on a screen a line too long is cut at its end ("…"),
        piped it is whole; then the alignments asked for."""
        from rich.cells import cell_len
        from rich.text import Text

        from dupwire.render import VERDICT_LABEL, VERDICT_STYLE, printable, visible

        yield Text.assemble(
            ("query ", "dim"),
            (printable(self.query_id), "bold"),
            (f"  ({self.query_date})" if self.query_date else "", "dim"),
            (f"  {len(self.matches)} of {self.n_candidates} candidates", "dim"),
        )
        earliest = printable(self.earliest_id)
        yield Text.assemble(("earliest version: ", "dim"), (earliest, "bold cyan"))
        if not self.matches:
            yield Text("no earlier version found", style="dim")
            return
        rows = [
            (
                printable(m.id),
                m.date or f"#{m.seq}",
                VERDICT_LABEL.get(m.verdict or "", m.verdict or "-"),
                "-" if m.score is None else f"{m.score:.1f}",
                str(m.shared_bands),
                "earlier" if m.earlier else "later",
                visible(" ".join(m.title.split())),
            )
            for m in self.matches
        ]
        names = ("id", "date", "verdict", "score", "bands", "first", "title")
        widths = [max(len(name), *(cell_len(r[k]) for r in rows)) for k, name in enumerate(names)]
        right = {"score", "bands"}

        def line(cells: tuple[str, ...], styles: tuple[str, ...]) -> Text:
            out = Text(no_wrap=True, overflow="ellipsis" if options.is_terminal else "ignore")
            for k, (cell, style) in enumerate(zip(cells, styles, strict=True)):
                if k == len(cells) - 1:
                    out.append(cell, style=style)
                else:
                    pad = " " * (widths[k] - cell_len(cell))
                    padded = pad + cell if names[k] in right else cell + pad
                    out.append(padded + "  ", style=style)
            return out

        yield line(names, ("bold",) * len(names))
        for m, row in zip(self.matches, rows, strict=True):
            verdict = VERDICT_STYLE.get(m.verdict or "", "")
            yield line(row, ("bold", "", verdict, "", "dim", "", ""))
        for m in self.matches:
            if m.alignment is not None:
                yield m.alignment

    def _repr_html_(self) -> str:
        from dupwire.render import VERDICT_LABEL

        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(v))}</td>"
                for v in (
                    m.id,
                    m.date or f"#{m.seq}",
                    VERDICT_LABEL.get(m.verdict or "", m.verdict or "-"),
                    "-" if m.score is None else f"{m.score:.1f}",
                    m.shared_bands,
                    "earlier" if m.earlier else "later",
                    m.title,
                )
            )
            + "</tr>"
            for m in self.matches
        )
        head = "".join(
            f"<th>{h}</th>" for h in ("id", "date", "verdict", "score", "bands", "first", "title")
        )
        return (
            f"<div><p>query <b>{html.escape(self.query_id)}</b>: {len(self.matches)} of "
            f"{self.n_candidates} candidates; earliest version "
            f"<b>{html.escape(self.earliest_id)}</b></p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        )


@dataclass(frozen=True, slots=True)
class AddResult:
    """What :meth:`Index.add` did: the ids added (``replaced`` among them), the index size,
    ``(id, reason)`` for each article whose date could not be read (stored undated), the
    articles that could not be cut into sentences and words (not stored), and the ids of
    those the index already held as they are (``unchanged``: not stored again)."""

    added: tuple[str, ...]
    replaced: tuple[str, ...]
    n_articles: int
    warnings: tuple[tuple[str, str], ...] = ()
    failures: tuple[Failure, ...] = ()
    unchanged: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "replaced": list(self.replaced),
            "unchanged": len(self.unchanged),
            "n_articles": self.n_articles,
            "warnings": [{"id": i, "warning": w} for i, w in self.warnings],
            "failures": [{"id": f.id, "error": f.reason} for f in self.failures],
        }


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What an index file holds and what it costs.

    ``key_rows`` counts the stored entries (one per winning shingle of an article) and
    ``delta_rows`` those of them not yet merged into their bucket's oldest block: staged
    ones and those in newer blocks (none after :meth:`~dupwire.archive.Index.merge`).
    """

    path: str
    n_articles: int
    key_rows: int
    delta_rows: int
    file_bytes: int
    store_text: bool
    earliest_date: str | None
    latest_date: str | None
    schema: int
    params: dict[str, int] = field(repr=False)

    @property
    def bytes_per_article(self) -> float:
        return self.file_bytes / self.n_articles if self.n_articles else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "n_articles": self.n_articles,
            "key_rows": self.key_rows,
            "delta_rows": self.delta_rows,
            "file_bytes": self.file_bytes,
            "bytes_per_article": round(self.bytes_per_article, 1),
            "store_text": self.store_text,
            "earliest_date": self.earliest_date,
            "latest_date": self.latest_date,
            "schema": self.schema,
            "params": self.params,
        }

    def __rich__(self) -> RenderableType:
        from rich.table import Table

        table = Table(show_header=False, show_edge=False, pad_edge=False)
        for key, value in self.to_dict().items():
            if key != "params":
                table.add_row(key, str(value))
        table.add_row("params", " ".join(f"{k}={v}" for k, v in self.params.items()))
        return table

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in self.to_dict().items()
        )
        return f"<table>{rows}</table>"
