"""A clustering together with the corpus it came from: what ``dupwire cluster`` prints.

The report accounts for every input: each article read appears once among the records (in
a cluster or as a singleton), and each input that could not be read appears once as a
record with ``relation`` ``"failed"`` and the reason.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from typing import Any

from rich.console import RenderableType

from dupwire.io import Corpus
from dupwire.model import Clustering

__all__ = ["CLUSTERING_SCHEMA", "RECORD_FIELDS", "ClusterReport"]

#: Version of the JSON document written by :meth:`ClusterReport.to_dict`.
CLUSTERING_SCHEMA = "dupwire.clustering/1"
#: Fields of one record (JSONL line, CSV row); ``error`` is set only for failed inputs.
RECORD_FIELDS = (
    "id",
    "cluster_id",
    "representative_id",
    "score",
    "relation",
    "date",
    "cluster_first_date",
    "cluster_last_date",
    "warning",
    "error",
)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class ClusterReport:
    """Clusters, singletons and failures of one run, ready to print or serialise."""

    result: Clustering
    corpus: Corpus

    def records(self) -> list[dict[str, Any]]:
        """One record per input: the clustered articles, then the failed inputs."""
        spans = {c.id: (c.first_date, c.last_date) for c in self.result.clusters}
        out = []
        for a in self.result.assignments:
            first, last = (
                spans.get(a.cluster_id, (None, None))
                if a.cluster_id is not None
                else (
                    a.date,
                    a.date,
                )
            )
            out.append(
                {
                    **a.to_dict(),
                    "cluster_first_date": first,
                    "cluster_last_date": last,
                    "error": None,
                }
            )
        out += [
            {
                **dict.fromkeys(RECORD_FIELDS),
                "id": f.id,
                "relation": "failed",
                "error": f.reason,
            }
            for f in self.corpus.failures
        ]
        return [{k: r[k] for k in RECORD_FIELDS} for r in out]

    def to_dict(self) -> dict[str, Any]:
        titles = {a.id: a.title for a in self.corpus.articles}
        return {
            "schema": CLUSTERING_SCHEMA,
            "n_articles": len(self.result.assignments),
            "n_clusters": len(self.result.clusters),
            "n_singletons": len(self.result.singletons),
            "n_failed": len(self.corpus.failures),
            "params": _params_dict(self.result),
            "stats": _json_ready(self.result.stats),
            "clusters": [
                {
                    "id": c.id,
                    "size": len(c.members),
                    "representative_id": c.representative,
                    "representative_title": titles.get(c.representative, ""),
                    "min_score": c.min_score,
                    "median_score": c.median_score,
                    "first_date": c.first_date,
                    "last_date": c.last_date,
                    "members": list(c.members),
                }
                for c in self.result.clusters
            ],
            "records": self.records(),
            "failures": [{"id": f.id, "reason": f.reason} for f in self.corpus.failures],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.corpus.skipped],
        }

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=RECORD_FIELDS, lineterminator="\n")
        writer.writeheader()
        for record in self.records():
            writer.writerow({k: "" if record[k] is None else record[k] for k in RECORD_FIELDS})
        return buffer.getvalue()

    def __rich__(self) -> RenderableType:
        from dupwire.render import clustering_renderable

        titles = {a.id: a.title for a in self.corpus.articles}
        return clustering_renderable(
            self.result,
            titles=titles,
            failures=[(f.id, f.reason) for f in self.corpus.failures],
            n_skipped=len(self.corpus.skipped),
        )

    def html(self) -> str:
        """A self-contained HTML page: every cluster with each member aligned to its
        representative, then singletons and failures."""
        from dupwire.align import align
        from dupwire.render import alignment_html, html_page

        articles = {a.id: a for a in self.corpus.articles}
        parts = [f"<h1>dupwire: {len(self.result.clusters)} story clusters</h1>"]
        for c in self.result.clusters:
            rep = articles[c.representative]
            parts.append(
                f"<h2>Cluster {c.id} · {len(c.members)} articles · representative "
                f"{html.escape(rep.id)}: {html.escape(_clip(rep.title, 120))}</h2>"
            )
            for member in c.members:
                if member != c.representative:
                    parts.append(alignment_html(align(rep, articles[member])))
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


def _params_dict(result: Clustering) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(result.params)


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)
