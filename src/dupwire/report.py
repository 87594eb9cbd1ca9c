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
from dataclasses import asdict, dataclass
from typing import Any

from rich.console import RenderableType

from dupwire.errors import InputError
from dupwire.io import Corpus
from dupwire.model import Clustering
from dupwire.render import member_relation

__all__ = ["CLUSTERING_SCHEMA", "RECORD_FIELDS", "ClusterReport", "spreadsheet_safe"]

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
            out.append({**record, **{name: meta.get(name) for name in self.fields}})
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
            failures=[(f.id, f.reason) for f in self.corpus.failures],
            skipped=[(s.path, s.reason) for s in self.corpus.skipped],
            order=self.corpus.order,
            width=width,
        )

    def __rich__(self) -> RenderableType:
        return self.renderable()

    def html(self) -> str:
        """A self-contained HTML page: every cluster with each member aligned to its
        representative, then singletons and failures."""
        from dupwire.align import align
        from dupwire.render import RELATION_LABEL, alignment_table_html, html_page

        articles = {a.id: a for a in self.corpus.articles}
        assigned = {a.id: a for a in self.result.assignments}
        parts = [f"<h1>dupwire: {len(self.result.clusters)} story clusters</h1>"]
        for c in self.result.clusters:
            rep = articles[c.representative]
            parts.append(
                f"<h2>Cluster {c.id} · {len(c.members)} articles · representative "
                f"{html.escape(rep.id)}: {html.escape(_clip(rep.title, 120))}</h2>"
            )
            for member in c.members:
                if member == c.representative:
                    continue
                a = assigned[member]
                relation = member_relation(a.relation)
                score = "" if a.score is None else f" · pair score {a.score:.1f}"
                parts.append(
                    f'<p><b class="{relation}">{RELATION_LABEL.get(relation, relation)}</b> · '
                    f"{html.escape(member)}{score}</p>"
                    + alignment_table_html(align(rep, articles[member]), only_a=False)
                )
        if self.result.singletons:
            items = "".join(f"<li>{html.escape(s)}</li>" for s in self.result.singletons)
            parts.append(f"<h2>Singletons ({len(self.result.singletons)})</h2><ul>{items}</ul>")
        if self.corpus.failures:
            items = "".join(
                f"<li>{html.escape(f.id)}: {html.escape(f.reason)}</li>"
                for f in self.corpus.failures
            )
            parts.append(f"<h2>Failed ({len(self.corpus.failures)})</h2><ul>{items}</ul>")
        return html_page("dupwire clusters", "".join(parts))


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
