"""A clustering together with the corpus it came from: what ``dupwire cluster`` prints.

The report accounts for every input: each article read appears once among the records (in
a cluster or as a singleton), each input that could not be read appears once as a record
with ``relation`` ``"failed"`` and the reason, and each file of a directory that is not an
article appears once with ``relation`` ``"skipped"``.  Records come in input order
(:attr:`dupwire.io.Corpus.order`), then the skipped files.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType

from dupwire.errors import InputError
from dupwire.io import Corpus, field_value
from dupwire.model import Clustering

if TYPE_CHECKING:
    from dupwire.model import Alignment, Cluster
from dupwire.render import counted, member_relation

__all__ = [
    "CLUSTERING_SCHEMA",
    "MAX_ALIGNED_MEMBERS",
    "RECORD_FIELDS",
    "ClusterReport",
    "article_time",
    "spreadsheet_safe",
]

#: Version of the JSON document written by :meth:`ClusterReport.to_dict`.
CLUSTERING_SCHEMA = "dupwire.clustering/2"
#: Fields of one record (JSONL line, CSV row), in this order; ``--fields`` adds more after.
RECORD_FIELDS = (
    "id",
    "title",
    "cluster_id",
    "representative_id",
    "pair_score",
    "relation",
    "date",
    "cluster_first_date",
    "cluster_last_date",
    "warning",
    "error",
)
#: Members per cluster whose alignment with the representative the HTML report writes.
MAX_ALIGNED_MEMBERS = 50
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would read it as a formula.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("plain")
    ("'=HYPERLINK(1)", 'plain')
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class ClusterReport:
    """Clusters, singletons and failures of one run, ready to print or serialise.

    ``fields`` names input fields (``Article.meta`` keys) added to every record.
    """

    result: Clustering
    corpus: Corpus
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Articles the clustering could not prepare are failures of the run, like unreadable ones.
        object.__setattr__(self, "corpus", self.corpus.with_failures(self.result.failures))
        clash = [name for name in self.fields if name in RECORD_FIELDS]
        if clash:
            msg = (
                f"--fields {clash[0]!r} is already a record field; name other input fields "
                f"(record fields: {', '.join(RECORD_FIELDS)})"
            )
            raise InputError(msg)

    def records(self) -> list[dict[str, Any]]:
        """One record per input, in input order, then one per skipped file."""
        articles = {a.id: a for a in self.corpus.articles}
        failures = {f.id: f for f in self.corpus.failures}
        assigned = {a.id: a for a in self.result.assignments}
        order = list(self.corpus.order) or [
            *(a.id for a in self.result.assignments),
            *(f.id for f in self.corpus.failures),
        ]
        listed = set(order)
        order += [a.id for a in self.result.assignments if a.id not in listed]
        spans: dict[int | None, tuple[str | None, str | None]] = {
            c.id: (c.first_date, c.last_date) for c in self.result.clusters
        }
        out: list[dict[str, Any]] = []
        for item_id in order:
            if item_id in assigned:
                a = assigned[item_id]
                article = articles.get(item_id)
                record: dict[str, Any] = {
                    "id": a.id,
                    "title": article.title if article is not None else None,
                    "cluster_id": a.cluster_id,
                    "representative_id": a.representative_id,
                    "pair_score": a.score,
                    "relation": member_relation(a.relation),
                    "date": a.date,
                    # A singleton spans its own date.
                    "cluster_first_date": spans.get(a.cluster_id, (a.date, a.date))[0],
                    "cluster_last_date": spans.get(a.cluster_id, (a.date, a.date))[1],
                    "warning": a.warning,
                    "error": None,
                }
                meta = article.meta if article is not None else {}
            elif item_id in failures:
                record = {**dict.fromkeys(RECORD_FIELDS), "id": item_id, "relation": "failed"}
                record["error"] = failures[item_id].reason
                meta = {}
            else:
                continue
            out.append({**record, **{name: field_value(meta, name, None) for name in self.fields}})
        for s in self.corpus.skipped:
            record = {**dict.fromkeys(RECORD_FIELDS), "id": s.path, "relation": "skipped"}
            record["error"] = s.reason
            out.append({**record, **dict.fromkeys(self.fields)})
        return out

    def to_dict(self) -> dict[str, Any]:
        titles = {a.id: a.title for a in self.corpus.articles}
        return {
            "schema": CLUSTERING_SCHEMA,
            "n_articles": len(self.result.assignments),
            "n_clusters": len(self.result.clusters),
            "n_singletons": len(self.result.singletons),
            "n_failed": len(self.corpus.failures),
            "n_skipped": len(self.corpus.skipped),
            "params": asdict(self.result.params),
            "stats": _json_ready(self.result.stats),
            "clusters": [
                {
                    "id": c.id,
                    "size": len(c.members),
                    "representative_id": c.representative,
                    "representative_title": titles.get(c.representative, ""),
                    "min_pair_score": c.min_score,
                    "median_pair_score": c.median_score,
                    "members": list(c.members),
                }
                for c in self.result.clusters
            ],
            "records": self.records(),
            "failures": [
                {"id": f.id, "reason": f.reason, "origin": f.origin or f.id}
                for f in self.corpus.failures
            ],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.corpus.skipped],
            "notes": [{"id": n.id, "message": n.message} for n in self.corpus.notes],
        }

    def csv(self) -> str:
        """The records as CSV; text cells that a spreadsheet would run as a formula start
        with an apostrophe (:func:`spreadsheet_safe`)."""
        names = (*RECORD_FIELDS, *self.fields)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([spreadsheet_safe(name) for name in names])
        for record in self.records():
            writer.writerow([_cell(record[name]) for name in names])
        return buffer.getvalue()

    def renderable(self, *, width: int | None = None) -> RenderableType:
        """The terminal view; ``width`` clips headlines to fit (None: nothing is clipped)."""
        from dupwire.render import clustering_renderable

        return clustering_renderable(
            self.result,
            titles={a.id: a.title for a in self.corpus.articles},
            failures=[(f.id, f.why) for f in self.corpus.failures],
            skipped=[(s.path, s.reason) for s in self.corpus.skipped],
            order=self.corpus.order,
            width=width,
        )

    def __rich__(self) -> RenderableType:
        return self.renderable()

    def html(
        self,
        *,
        max_aligned: int = MAX_ALIGNED_MEMBERS,
        progress: Callable[[int, int], None] | None = None,
        workers: int = 1,
    ) -> str:
        """A self-contained HTML page: an overview of the clusters with a filter box, then
        each cluster: its representative's sentences (numbered, written once) and its members
        in time order, each with what it adds and drops against the representative and its
        alignment on demand; then singletons, failed inputs and skipped files.

        Alignments are computed only for what is written: at most ``max_aligned`` members
        per cluster (the earliest) get one, the others a summary line.  ``progress(done,
        total)`` is called as the alignments are made, in ``workers`` processes (forked
        from this one, where the platform can) when there are many clusters.
        """
        return _ReportPage(self, max_aligned, progress, workers).html()


_FILTER_JS = (
    "(function(){var box=document.getElementById('dw-filter');if(!box)return;"
    "var items=document.querySelectorAll('[data-search]');"
    "box.addEventListener('input',function(){var q=box.value.trim().toLowerCase();"
    "var shown=0;items.forEach(function(el){var hit=!q||el.getAttribute('data-search')"
    ".indexOf(q)>=0;el.classList.toggle('hidden',!hit);if(hit&&el.tagName==='TR')shown++;});"
    "var n=document.getElementById('dw-count');if(n)n.textContent=shown;});"
    "var m=/^#q=(.*)$/.exec(location.hash);if(m){box.value=decodeURIComponent(m[1]);"
    "box.dispatchEvent(new Event('input'));}})();"
)


def article_time(value: Any) -> float | None:
    """The ``date`` meta value as days since 1970-01-01 UTC, as clustering reads it
    (:func:`dupwire.dates.parse_date`), or None when there is none or it is not a date.

    >>> article_time("1970-01-02T12:00:00Z"), article_time("31 Oct"), article_time(None)
    (1.5, None, None)
    """
    from dupwire.dates import parse_date
    from dupwire.errors import ParamsError

    try:
        return parse_date(value)
    except ParamsError:
        return None


def _day(value: float | None) -> str:
    from dupwire.dates import format_day

    return format_day(value) if value is not None else ""


_SECTIONS_PER_TASK = 50  # clusters per task of the report's workers, at most


def _sections(page: _ReportPage, lo: int, hi: int) -> list[str]:
    """The HTML sections of clusters ``lo`` to ``hi`` of ``page``'s report."""
    return [page.cluster_section(c) for c in page.report.result.clusters[lo:hi]]


class _ReportPage:
    """Builds the HTML of one :class:`ClusterReport`."""

    def __init__(
        self,
        report: ClusterReport,
        max_aligned: int,
        progress: Callable[[int, int], None] | None = None,
        workers: int = 1,
    ) -> None:
        self.report = report
        self.max_aligned = max_aligned
        self.progress = progress
        self.workers = workers
        self.total = sum(min(max_aligned, len(c) - 1) for c in report.result.clusters)
        self.articles = {a.id: a for a in report.corpus.articles}
        self.assigned = {a.id: a for a in report.result.assignments}
        self.rank = {article_id: k for k, article_id in enumerate(report.corpus.order)}
        self.dates = {a.id: article_time(a.meta.get("date")) for a in report.corpus.articles}

    def source(self, article_id: str) -> str:
        article = self.articles.get(article_id)
        value = article.meta.get("source") if article is not None else None
        return str(value) if value not in (None, "") else ""

    def time_order(self, ids: Iterable[str]) -> list[str]:
        def key(i: str) -> tuple[float, int, str]:
            when = self.dates.get(i)
            return (when if when is not None else float("inf"), self.rank.get(i, 0), i)

        return sorted(ids, key=key)

    def html(self) -> str:
        from dupwire.render import esc_id, html_page

        result, corpus = self.report.result, self.report.corpus
        summary = (
            f"{counted(len(result.assignments), 'article')} · "
            f"{counted(len(result.clusters), 'story cluster')} · "
            f"{counted(len(result.singletons), 'singleton')} · {len(corpus.failures)} failed · "
            f"{len(corpus.skipped)} skipped · MinHash seed {result.params.seed}, "
            f"{result.params.num_perm} permutations · clusters merge at an average pair "
            f"score of {result.params.min_score:g}"
        )
        parts = [
            f'<h1 id="top">dupwire: {len(result.clusters)} story clusters</h1>',
            f'<p class="dim">{esc_id(summary)}</p>',
            self.overview(),
            *self.cluster_sections(),
            self.rest(),
        ]
        return html_page("dupwire clusters", "".join(parts), script=_FILTER_JS)

    def cluster_sections(self) -> list[str]:
        """:meth:`cluster_section` of every cluster, in order: in ``workers`` processes
        forked from this one when there are many clusters, with ``progress`` counting the
        alignments of the clusters done."""
        from dupwire.cluster.forked import forked_map

        clusters = self.report.result.clusters
        aligned = [0]
        for c in clusters:
            aligned.append(aligned[-1] + min(self.max_aligned, len(c) - 1))
        progress = self.progress

        def done(k: int) -> None:
            if progress is not None:
                progress(aligned[k], self.total)

        chunk = max(1, min(_SECTIONS_PER_TASK, len(clusters) // (8 * self.workers)))
        return forked_map(
            _sections, self, len(clusters), workers=self.workers, chunk=chunk, done=done
        )

    def overview(self) -> str:
        from dupwire.render import esc_id, esc_text

        rows = []
        with_days = any(d is not None for d in self.dates.values())
        with_outlets = any(self.source(a.id) for a in self.report.corpus.articles)
        span_cell = "" if with_days else " hidden"
        outlet_cell = "" if with_outlets else " hidden"
        for c in self.report.result.clusters:
            rep = self.articles.get(c.representative)
            headline = _clip(rep.title, 140) if rep is not None else ""
            # The cluster's own span, as the records give it (cluster_first_date, ...).
            first, last = c.first_date or "", c.last_date or ""
            span = first if first == last else f"{first} – {last}"
            outlets = Counter(s for s in map(self.source, c.members) if s)
            shown = ", ".join(name for name, _ in outlets.most_common(3))
            if len(outlets) > 3:
                shown += f" +{len(outlets) - 3} more"
            search = " ".join([str(c.id), headline, " ".join(outlets), *c.members]).lower()
            rows.append(
                f'<tr data-search="{html.escape(search)}"><td class="num"><a href="#c{c.id}">'
                f'{c.id}</a></td><td class="num">{len(c.members)}</td>'
                f'<td class="span narrow-hide{span_cell}">{esc_text(span)}</td>'
                f'<td><a href="#c{c.id}">{esc_text(headline) or esc_id(c.representative)}</a></td>'
                f'<td class="outlets narrow-hide{outlet_cell}">{esc_text(shown)}</td></tr>'
            )
        n = len(rows)
        return (
            '<p><label>Filter: <input class="filter" id="dw-filter" type="search" '
            'placeholder="words of a headline, an outlet, an id" autocomplete="off"></label> '
            f'<span class="dim"><span id="dw-count">{n}</span> of {n} clusters</span></p>'
            '<table class="dw overview"><thead><tr><th class="num">cluster</th>'
            f'<th class="num">size</th><th class="span narrow-hide{span_cell}">time span</th>'
            f'<th>representative headline</th><th class="outlets narrow-hide{outlet_cell}">'
            f"outlets</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def byline(self, article_id: str) -> str:
        from dupwire.render import esc_text

        bits = [_day(self.dates.get(article_id)), self.source(article_id)]
        return " · ".join(esc_text(b) for b in bits if b)

    def cluster_section(self, c: Cluster) -> str:
        from dupwire.align.aligner import MAX_ALIGNED_SENTENCES, Prepared, align_prepared
        from dupwire.params import AlignParams
        from dupwire.render import RELATION_LABEL, esc_id, esc_text
        from dupwire.segment import split_units

        rep = self.articles[c.representative]
        units = split_units(rep.text)
        story = [u for u in units if u.kind == "story"]
        rep_side: Prepared | None = None  # prepared once, for every member aligned with it
        one_to_one = AlignParams(max_merge=1)
        furniture = "".join(
            f"<li>{esc_text(rep.text[u.start : u.end])}</li>" for u in units if u.kind != "story"
        )
        number = {u.start: k for k, u in enumerate(story, 1)}
        # A text longer than verification reads (a page dump) is listed and aligned no
        # further: the page stays readable, and its cost bounded.
        shown = story[:MAX_ALIGNED_SENTENCES]
        sentences = "".join(f"<li>{esc_text(rep.text[u.start : u.end])}</li>" for u in shown)
        if len(story) > len(shown):
            sentences += (
                f'<li class="dim">and {len(story) - len(shown):,} more sentences, not shown</li>'
            )
        outlets = sorted({s for s in map(self.source, c.members) if s})
        search = " ".join([str(c.id), rep.title, *outlets, *c.members]).lower()
        byline = self.byline(rep.id)
        head = (
            f'<section class="cluster" id="c{c.id}" data-search="{html.escape(search)}">'
            f"<h2>Cluster {c.id}: {esc_text(_clip(rep.title, 160))}</h2>"
            f'<p class="dim">{len(c.members)} articles · pair scores min {c.min_score:.1f}, '
            f'median {c.median_score:.1f} · <a href="#top">overview</a></p>'
            f"<p><b>representative</b> {esc_id(rep.id)}"
            f"{' · ' + byline if byline else ''}</p>"
            f"<details><summary>the representative's {len(story)} sentences "
            f'(numbered; members refer to them)</summary><ol class="sents">{sentences}</ol>'
            + (
                f'<p class="dim">site furniture set aside:</p><ul class="only dim">{furniture}</ul>'
                if furniture
                else ""
            )
            + "</details>"
        )
        members = [m for m in self.time_order(c.members) if m != c.representative]
        items = []
        for k, member in enumerate(members):
            assigned = self.assigned[member]
            relation = member_relation(assigned.relation)
            label = RELATION_LABEL.get(relation, relation)
            score = "" if assigned.score is None else f" · pair score {assigned.score:.1f}"
            byline = self.byline(member)
            article = self.articles[member]
            line = (
                f'<b class="{relation}">{esc_text(label)}</b>{score} · {esc_id(member)}'
                f"{' · ' + byline if byline else ''}<br>{esc_text(_clip(article.title, 160))}"
            )
            if k >= self.max_aligned:
                items.append(f'<div class="member">{line}</div>')
                continue
            member_units = split_units(article.text)
            longest = max(len(story), sum(u.kind == "story" for u in member_units))
            if longest > MAX_ALIGNED_SENTENCES:
                items.append(
                    f'<div class="member">{line}<br><span class="tag">not aligned here: '
                    f"{longest:,} story sentences, over {MAX_ALIGNED_SENTENCES:,}; compare it "
                    "with dupwire compare</span></div>"
                )
                continue
            # One-to-one links, as the clustering's relation is computed: the links shown
            # are the ones behind the relation the record carries.
            if rep_side is None:
                rep_side = Prepared.of(rep.text, units)
            al = align_prepared(
                rep_side, Prepared.of(article.text, member_units), one_to_one, (rep.id, member)
            )
            drops = [number[s.start] for s in al.only_a if s.start in number]
            change = (
                f"{len(al.links)} shared passages · adds {len(al.only_b)} · drops "
                f"{_ranges(drops) if drops else 'nothing'}"
            )
            items.append(
                f'<details class="member"><summary>{line}<br><span class="tag">{change}'
                f"</span></summary>{self.alignment(al, number)}</details>"
            )
        if len(members) > self.max_aligned:
            items.append(
                f'<p class="dim">alignments are written for the first {self.max_aligned} '
                "members in time order; compare any other with dupwire compare</p>"
            )
        return head + "".join(items) + "</section>"

    def alignment(self, al: Alignment, number: dict[int, int]) -> str:
        from dupwire.render import diff_html, esc_text

        rows = []
        for link in al.links:
            first = number.get(link.a.start, 0)
            last = max((n for s, n in number.items() if s < link.a.end), default=first)
            ref = str(first) if last <= first else f"{first}–{last}"
            moved = '<div class="moved">moved</div>' if link.moved else ""
            rows.append(
                f'<tr><td class="n">{ref}</td><td>{diff_html(al, link)}</td>'
                f'<td class="s">{link.score:.0f}{moved}</td></tr>'
            )
        table = (
            '<table class="dw"><thead><tr><th class="n">rep.</th><th>this article, with '
            "the representative's words <del>struck</del> and its own <ins>marked</ins></th>"
            '<th class="s" title="passage score">score</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            if rows
            else '<p class="dim">no passage shared sentence by sentence</p>'
        )
        adds = "".join(f"<li>{esc_text(s.slice(al.b_text))}</li>" for s in al.only_b)
        furniture = "".join(f"<li>{esc_text(s.slice(al.b_text))}</li>" for s in al.boilerplate_b)
        return (
            table
            + (
                f'<p><b>only here</b> ({len(al.only_b)})</p><ul class="only">{adds}</ul>'
                if adds
                else ""
            )
            + (
                f"<details><summary>site furniture set aside ({len(al.boilerplate_b)})"
                f'</summary><ul class="only dim">{furniture}</ul></details>'
                if furniture
                else ""
            )
        )

    def rest(self) -> str:
        from dupwire.render import esc_id, esc_text

        result, corpus = self.report.result, self.report.corpus
        parts = []
        if result.singletons:
            items = "".join(
                f"<li>{esc_id(s)}{' · ' + self.byline(s) if self.byline(s) else ''} · "
                f"{esc_text(_clip(self.articles[s].title, 160))}</li>"
                if s in self.articles
                else f"<li>{esc_id(s)}</li>"
                for s in self.time_order(result.singletons)
            )
            parts.append(
                f'<details id="singletons"><summary><b>Singletons</b> '
                f"({len(result.singletons)}): articles in no story cluster</summary>"
                f"<ul>{items}</ul></details>"
            )
        if corpus.failures:
            items = "".join(
                f'<li><span class="failed">{esc_id(f.id)}</span>: {esc_id(f.why)}</li>'
                for f in corpus.failures
            )
            parts.append(f"<h2>Failed ({len(corpus.failures)})</h2><ul>{items}</ul>")
        if corpus.skipped:
            items = "".join(
                f"<li>{esc_id(s.path)}: {esc_id(s.reason)}</li>" for s in corpus.skipped
            )
            parts.append(
                f"<details><summary><b>Skipped files</b> ({len(corpus.skipped)})</summary>"
                f"<ul>{items}</ul></details>"
            )
        return "".join(parts)


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` as ``"1–3, 5"``."""
    out: list[str] = []
    for n in sorted(set(numbers)):
        if out and out[-1].split("–")[-1] == str(n - 1):
            out[-1] = out[-1].split("–")[0] + f"–{n}"
        else:
            out.append(str(n))
    label = "sentence" if len(numbers) == 1 else "sentences"
    return f"{label} {', '.join(out)}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_safe(value)
    if isinstance(value, bool | int | float):
        return str(value)
    return spreadsheet_safe(json.dumps(value, ensure_ascii=False, default=str))


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)
