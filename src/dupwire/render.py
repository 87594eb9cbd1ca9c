"""Rendering of results: rich renderables for the terminal, self-contained HTML for notebooks
and reports.  All article text is escaped in HTML, so an article holding ``<script>`` shows
as text and never runs."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dupwire.model import Alignment, Link, Span

if TYPE_CHECKING:
    from dupwire.model import Clustering

__all__ = [
    "alignment_html",
    "alignment_renderable",
    "clustering_html",
    "clustering_renderable",
    "html_page",
    "scores_table",
]

_VERDICT_STYLE = {
    "same_story": "bold green",
    "partial_reuse": "bold yellow",
    "unrelated": "bold red",
}
_VERDICT_LABEL = {
    "same_story": "same story",
    "partial_reuse": "partial reuse",
    "unrelated": "unrelated",
}
_FURNITURE_SHOWN = 3


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _marked_text(text: str, span: Span, runs: Iterable[tuple[Span, str]]) -> Text:
    out = Text(text[span.start : span.end])
    for run, style in runs:
        out.stylize(style, run.start - span.start, run.end - span.start)
    return out


def _link_runs(link: Link, side: str) -> list[tuple[Span, str]]:
    runs = []
    for edit in link.edits:
        run = edit.a if side == "a" else edit.b
        if run is None or edit.op == "equal":
            continue
        if edit.op == "replace":
            runs.append((run, "bold yellow"))
        elif edit.op == "delete":
            runs.append((run, "red strike"))
        else:
            runs.append((run, "bold green"))
    return runs


def _summary_line(al: Alignment) -> Text:
    return Text.assemble(
        (_VERDICT_LABEL[al.verdict], _VERDICT_STYLE[al.verdict]),
        f"  {al.a_id} ↔ {al.b_id}  ·  {len(al.links)} shared passages  ·  "
        f"coverage A {al.coverage_a:.0%}, B {al.coverage_b:.0%}  ·  score {al.score:.1f}",
    )


def _spans_block(title: str, text: str, spans: tuple[Span, ...], style: str) -> RenderableType:
    body = Text()
    for k, span in enumerate(spans):
        if k:
            body.append("\n")
        body.append("• " + _clip(span.slice(text), 200), style=style)
    return Panel(body, title=title, title_align="left", box=box.ROUNDED)


def _furniture_block(al: Alignment) -> RenderableType:
    body = Text(style="dim")
    for name, text, spans in (
        ("A", al.a_text, al.boilerplate_a),
        ("B", al.b_text, al.boilerplate_b),
    ):
        shown = ", ".join(repr(_clip(s.slice(text), 40)) for s in spans[:_FURNITURE_SHOWN])
        more = f" (+{len(spans) - _FURNITURE_SHOWN} more)" if len(spans) > _FURNITURE_SHOWN else ""
        body.append(f"{name}: {len(spans)} lines {shown}{more}\n" if spans else f"{name}: none\n")
    return Panel(body, title="site furniture (not compared)", title_align="left", box=box.ROUNDED)


def alignment_renderable(al: Alignment) -> RenderableType:
    """Verdict, shared passages side by side with word changes, unique passages, furniture."""
    table = Table(box=box.SIMPLE_HEAVY, expand=True, show_lines=True)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column(f"A: {al.a_id}", ratio=1)
    table.add_column(f"B: {al.b_id}", ratio=1)
    table.add_column("score", justify="right", no_wrap=True)
    for k, link in enumerate(al.links, 1):
        score = Text(f"{link.score:.0f}")
        if link.moved:
            score.append("\nmoved", style="magenta")
        table.add_row(
            str(k),
            _marked_text(al.a_text, link.a, _link_runs(link, "a")),
            _marked_text(al.b_text, link.b, _link_runs(link, "b")),
            score,
        )
    parts: list[RenderableType] = [_summary_line(al)]
    if al.links:
        parts.append(table)
        parts.append(
            Text.assemble(
                ("changed", "bold yellow"),
                " · ",
                ("only in A", "red strike"),
                " · ",
                ("only in B", "bold green"),
                style="dim",
            )
        )
    if al.only_a:
        parts.append(_spans_block(f"only in A ({len(al.only_a)})", al.a_text, al.only_a, "cyan"))
    if al.only_b:
        parts.append(_spans_block(f"only in B ({len(al.only_b)})", al.b_text, al.only_b, "cyan"))
    parts.append(_furniture_block(al))
    return Group(*parts)


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table.dw{border-collapse:collapse;width:100%;table-layout:fixed}
table.dw td,table.dw th{border-top:1px solid #ddd;padding:.4em;vertical-align:top;text-align:left}
table.dw td.n{width:3em;color:#888}table.dw td.s{width:4em;text-align:right}
.rep{background:#fff3b0}.del{background:#ffd6d6;text-decoration:line-through}
.ins{background:#d4f7d4}.moved{color:#a0a;font-size:.8em}
.same_story{color:#1a7f37}.partial_reuse{color:#9a6700}.unrelated{color:#cf222e}
details{margin:.6em 0}ul.only li{margin:.2em 0}.dim{color:#888}
"""


def _html_marked(text: str, span: Span, runs: list[tuple[Span, str]]) -> str:
    classes = {"bold yellow": "rep", "red strike": "del", "bold green": "ins"}
    out, pos = [], span.start
    for run, style in sorted(runs, key=lambda r: r[0].start):
        out.append(html.escape(text[pos : run.start]))
        out.append(
            f'<span class="{classes[style]}">{html.escape(text[run.start : run.end])}</span>'
        )
        pos = run.end
    out.append(html.escape(text[pos : span.end]))
    return "".join(out)


def _html_list(title: str, text: str, spans: tuple[Span, ...], open_: bool) -> str:
    items = "".join(f"<li>{html.escape(s.slice(text))}</li>" for s in spans)
    attr = " open" if open_ else ""
    summary = f"<summary>{html.escape(title)} ({len(spans)})</summary>"
    return f'<details{attr}>{summary}<ul class="only">{items}</ul></details>'


def alignment_html(al: Alignment) -> str:
    """An HTML fragment: summary, side-by-side shared passages, unique passages, furniture."""
    rows = []
    for k, link in enumerate(al.links, 1):
        moved = '<div class="moved">moved</div>' if link.moved else ""
        cell_a = _html_marked(al.a_text, link.a, _link_runs(link, "a"))
        cell_b = _html_marked(al.b_text, link.b, _link_runs(link, "b"))
        rows.append(
            f'<tr><td class="n">{k}</td><td>{cell_a}</td><td>{cell_b}</td>'
            f'<td class="s">{link.score:.0f}{moved}</td></tr>'
        )
    a_id, b_id = html.escape(al.a_id), html.escape(al.b_id)
    head = (
        f'<p><b class="{al.verdict}">{_VERDICT_LABEL[al.verdict]}</b> · {a_id} ↔ {b_id} · '
        f"{len(al.links)} shared passages · coverage A {al.coverage_a:.0%}, B {al.coverage_b:.0%}"
        f" · score {al.score:.1f}</p>"
    )
    table = (
        f'<table class="dw"><tr><th></th><th>A: {a_id}</th><th>B: {b_id}</th><th>score</th></tr>'
        + "".join(rows)
        + "</table>"
        + '<p class="dim"><span class="rep">changed</span> <span class="del">only in A</span> '
        '<span class="ins">only in B</span></p>'
    )
    return (
        f'<div class="dupwire"><style>{_CSS}</style>{head}{table}'
        + _html_list("only in A", al.a_text, al.only_a, True)
        + _html_list("only in B", al.b_text, al.only_b, True)
        + _html_list("site furniture in A", al.a_text, al.boilerplate_a, False)
        + _html_list("site furniture in B", al.b_text, al.boilerplate_b, False)
        + "</div>"
    )


def html_page(title: str, body: str) -> str:
    """A self-contained HTML document (no external assets) around ``body``."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>\n"
    )


def scores_table(doc: dict[str, Any]) -> RenderableType:
    """The scores of ``dupwire eval`` as a two-column table."""
    table = Table(box=box.SIMPLE_HEAVY, title=str(doc.get("file", "")))
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in doc.items():
        if key == "file":
            continue
        table.add_row(
            key.replace("_", " "), f"{value:.4f}" if isinstance(value, float) else str(value)
        )
    return table


_MEMBERS_SHOWN = 4


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _members_line(members: Sequence[str], representative: str) -> str:
    others = [m for m in members if m != representative]
    more = f" (+{len(others) - _MEMBERS_SHOWN} more)" if len(others) > _MEMBERS_SHOWN else ""
    return ", ".join(others[:_MEMBERS_SHOWN]) + more


def clustering_renderable(
    result: Clustering,
    *,
    titles: Mapping[str, str] | None = None,
    failures: Sequence[tuple[str, str]] = (),
    n_skipped: int = 0,
) -> RenderableType:
    """Summary line, one row per story cluster, then singletons and failed inputs."""
    titles = titles or {}
    summary = Text(
        f"{_count(len(result.assignments), 'article')} · "
        f"{_count(len(result.clusters), 'story cluster')} · "
        f"{_count(len(result.singletons), 'singleton')} · {len(failures)} failed · "
        f"MinHash seed {result.params.seed}, {result.params.num_perm} permutations",
        style="bold",
    )
    table = Table(box=box.SIMPLE_HEAVY, expand=True)
    table.add_column("cluster", justify="right", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("representative", ratio=3, overflow="fold")
    table.add_column("min / median score", justify="right", no_wrap=True)
    table.add_column("members", ratio=2, overflow="fold")
    for c in result.clusters:
        rep = Text(c.representative, style="cyan")
        if title := titles.get(c.representative):
            rep.append("\n" + _clip(title, 90), style="default")
        table.add_row(
            str(c.id),
            str(len(c.members)),
            rep,
            f"{c.min_score:.1f} / {c.median_score:.1f}",
            _members_line(c.members, c.representative),
        )
    parts: list[RenderableType] = [summary]
    if result.clusters:
        parts.append(table)
    if result.singletons:
        listed = ", ".join(result.singletons[:10])
        more = f" (+{len(result.singletons) - 10} more)" if len(result.singletons) > 10 else ""
        parts.append(Text(f"singletons: {listed}{more}", style="dim"))
    for failed_id, reason in failures:
        parts.append(Text(f"failed: {failed_id}: {reason}", style="red"))
    if n_skipped:
        parts.append(Text(f"skipped {n_skipped} files that are not articles", style="dim"))
    return Group(*parts)


def clustering_html(result: Clustering) -> str:
    """An HTML table of the story clusters (ids only), for notebooks."""
    rows = "".join(
        f"<tr><td>{c.id}</td><td>{len(c.members)}</td><td>{html.escape(c.representative)}</td>"
        f"<td>{c.min_score:.1f} / {c.median_score:.1f}</td>"
        f"<td>{html.escape(_members_line(c.members, c.representative))}</td></tr>"
        for c in result.clusters
    )
    head = (
        f"<p>{len(result.assignments)} articles · {len(result.clusters)} story clusters · "
        f"{len(result.singletons)} singletons</p>"
    )
    return (
        f'<div class="dupwire"><style>{_CSS}</style>{head}<table class="dw">'
        "<tr><th>cluster</th><th>size</th><th>representative</th><th>min / median score</th>"
        f"<th>members</th></tr>{rows}</table></div>"
    )
