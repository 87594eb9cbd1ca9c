"""Rendering of results: rich renderables for the terminal, self-contained HTML for notebooks
and reports.

Nothing from an input is ever read as markup: ids and text reach rich as
:class:`~rich.text.Text`, control characters in ids are shown as escapes (:func:`printable`)
and in article text as visible symbols (:func:`visible`), and all HTML text is escaped, so an
article holding ``<script>`` or ``[bold]`` shows as text and never runs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dupwire.model import Alignment, Link, Span, WordEdit

if TYPE_CHECKING:
    from dupwire.align import PassageScore
    from dupwire.model import Clustering

__all__ = [
    "VERDICT_LABEL",
    "VERDICT_STYLE",
    "ColorMode",
    "ListedArticle",
    "alignment_html",
    "alignment_renderable",
    "clustering_html",
    "clustering_renderable",
    "counted",
    "diff_html",
    "diff_pieces",
    "esc_id",
    "esc_text",
    "html_page",
    "member_relation",
    "printable",
    "scores_table",
    "shared_words_renderable",
    "visible",
    "word_diff",
]


class ColorMode(str, Enum):
    """When the terminal output is coloured."""

    auto = "auto"
    always = "always"
    never = "never"


VERDICT_STYLE = {
    "same_story": "bold green",
    "partial_reuse": "bold yellow",
    "unrelated": "bold red",
    "independent": "yellow",
    "failed": "bold red",
    "skipped": "dim",
}
#: How each verdict is shown.
VERDICT_LABEL = {
    "same_story": "same story",
    "partial_reuse": "partial reuse",
    "unrelated": "unrelated",
}
#: How each ``relation`` of a record is shown.
RELATION_LABEL = {
    "representative": "representative",
    "same_story": "same story",
    "partial_reuse": "partial reuse",
    "independent": "independent",
    "singleton": "singleton",
    "failed": "failed",
    "skipped": "skipped",
}
_FURNITURE_SHOWN = 3
# Characters of a unit listed as only in one article, at most: a sentence is whole, the piece of
# a text without sentence ends (up to 20,000 characters) is not printed whole.
_UNIT_SHOWN = 600


def member_relation(relation: str) -> str:
    """The ``relation`` a record shows for the aligner's verdict on a cluster member.

    A member whose passages the aligner finds ``unrelated`` to the representative is still
    in the cluster (independent reports of one story share few sentences and cluster on
    document similarity), so its record says ``independent``: "unrelated" would contradict
    the cluster it is in.
    """
    return "independent" if relation == "unrelated" else relation


# Control characters, C1 controls, bidirectional overrides and lone surrogates.
_UNPRINTABLE_RE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_PICTURES = {c: chr(0x2400 + c) for c in range(0x20) if chr(c) not in "\t\n"}
_PICTURES.update({0x7F: "\u2421", **{c: "\ufffd" for c in range(0x80, 0xA0)}})
# The bidi embeddings and overrides reorder what follows them on a terminal, as a title
# could use to look like another ("Trojan Source"); modern right-to-left text uses the
# marks and isolates instead, which stay.
_PICTURES.update({c: "\ufffd" for c in range(0x202A, 0x202F)})


def _escape_char(m: re.Match[str]) -> str:
    code = ord(m.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not valid UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters (ANSI escapes), bidi overrides and undecodable
    file-name bytes written as escapes, for showing ids and messages.

    >>> printable("a\\x1b[31m.txt"), printable("caf\\udce9.txt")
    ('a\\\\x1b[31m.txt', 'caf\\\\xe9.txt')
    """
    return _UNPRINTABLE_RE.sub(_escape_char, text)


def visible(text: str) -> str:
    """``text`` with each control character shown as its symbol (ESC as ␛), one for one, so
    offsets into it still hold; C1 controls, bidi embeddings and overrides (which would
    reorder the text after them) and lone surrogates become U+FFFD.

    >>> visible("a\\x1b[2Jb")
    'a␛[2Jb'
    """
    if text.isprintable() or (text.isascii() and not _UNPRINTABLE_RE.search(text)):
        return text
    out = text.translate(_PICTURES)
    return re.sub("[\ud800-\udfff]", "\ufffd", out)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


# --- one alignment ---------------------------------------------------------------------------

_MARK_STYLE = {"replace": "bold yellow", "delete": "red strike", "insert": "bold green"}


def _marked_text(text: str, span: Span, runs: Iterable[tuple[Span, str]]) -> Text:
    out = Text(visible(text[span.start : span.end]))
    for run, style in runs:
        out.stylize(style, run.start - span.start, run.end - span.start)
    return out


def _link_runs(link: Link, side: str) -> list[tuple[Span, str]]:
    runs = []
    for edit in link.edits:
        run = edit.a if side == "a" else edit.b
        if run is None or edit.op == "equal":
            continue
        runs.append((run, _MARK_STYLE[edit.op]))
    return runs


def diff_pieces(al: Alignment, link: Link, base: str = "a") -> list[tuple[str, str]]:
    """The words of one link as ``(kind, text)`` pieces: ``"same"`` text (as the ``base``
    side has it), ``"old"`` words only in A and ``"new"`` words only in B, in text order.

    Consecutive changes form one ``old`` and one ``new`` piece.
    """
    base_text = al.a_text if base == "a" else al.b_text
    base_span = link.a if base == "a" else link.b
    out: list[tuple[str, str]] = []
    pos = base_span.start
    group: list[WordEdit] = []

    def side(edit: WordEdit) -> Span | None:
        return edit.a if base == "a" else edit.b

    def flush() -> None:
        nonlocal pos
        if not group:
            return
        olds = [e.a for e in group if e.a is not None]
        news = [e.b for e in group if e.b is not None]
        mine = [r for r in map(side, group) if r is not None]
        if mine:
            out.append(("same", base_text[pos : mine[0].start]))
            pos = mine[-1].end
        elif out and not out[-1][1].endswith(" "):
            out.append(("same", " "))
        if olds:
            out.append(("old", al.a_text[olds[0].start : olds[-1].end]))
        if news:
            out.append(("new", al.b_text[news[0].start : news[-1].end]))
        group.clear()

    for edit in link.edits:
        if edit.op != "equal":
            group.append(edit)
            continue
        flush()
        run = side(edit)
        if run is not None:
            out.append(("same", base_text[pos : run.end]))
            pos = run.end
    flush()
    out.append(("same", base_text[pos : base_span.end]))
    return [(kind, text) for kind, text in out if text]


def word_diff(al: Alignment, link: Link) -> str:
    """One link as one line of text in the style of ``git diff --word-diff``: words only in
    A as ``[-old-]``, words only in B as ``{+new+}``, the rest as A has it.

    Consecutive changes are marked as one (``[-soldiers took part-]{+the statement said+}``).
    """
    marks = {"same": "{}", "old": "[-{}-]", "new": "{{+{}+}}"}
    text = "".join(marks[kind].format(piece) for kind, piece in diff_pieces(al, link))
    return visible(" ".join(text.split()))


def diff_html(al: Alignment, link: Link, base: str = "b") -> str:
    """One link as HTML: the ``base`` side's passage with the other side's words inline,
    ``<del>`` for words only in A and ``<ins>`` for words only in B."""
    tags = {"same": "{}", "old": "<del>{}</del>", "new": "<ins>{}</ins>"}
    return "".join(tags[kind].format(_esc(piece)) for kind, piece in diff_pieces(al, link, base))


def _by_passage(al: Alignment) -> list[tuple[str, Link]]:
    """Links grouped by passage: label "passage.link" (both counted from 1) and link."""
    if not al.passages:
        return [(str(k), link) for k, link in enumerate(al.links, 1)]
    return [
        (f"{p}.{k}", al.links[i])
        for p, passage in enumerate(al.passages, 1)
        for k, i in enumerate(passage.links, 1)
    ]


def _shared_count(al: Alignment) -> str:
    return f"{counted(len(al.passages), 'shared passage')} ({counted(len(al.links), 'link')})"


def _summary_line(al: Alignment) -> Text:
    return Text.assemble(
        (VERDICT_LABEL[al.verdict], VERDICT_STYLE[al.verdict]),
        f"  ·  {_shared_count(al)}  ·  "
        f"coverage A {al.coverage_a:.0%}, B {al.coverage_b:.0%}  ·  passage score {al.score:.1f}",
        "\nA: ",
        (printable(al.a_id), "bold"),
        "\nB: ",
        (printable(al.b_id), "bold"),
    )


def _spans_block(
    title: str, text: str, spans: tuple[Span, ...], style: str, linear: bool
) -> RenderableType:
    body = Text()
    for k, span in enumerate(spans):
        if k:
            body.append("\n")
        body.append("• " + visible(_clip(span.slice(text), _UNIT_SHOWN)), style=style)
    if linear:
        return Group(Text(title, style="bold"), body)
    return Panel(body, title=Text(title), title_align="left", box=box.ROUNDED)


def _furniture_block(al: Alignment, linear: bool) -> RenderableType:
    body = Text(style="dim")
    for name, text, spans in (
        ("A", al.a_text, al.boilerplate_a),
        ("B", al.b_text, al.boilerplate_b),
    ):
        shown = ", ".join(repr(visible(_clip(s.slice(text), 40))) for s in spans[:_FURNITURE_SHOWN])
        more = f" (+{len(spans) - _FURNITURE_SHOWN} more)" if len(spans) > _FURNITURE_SHOWN else ""
        body.append(f"{name}: {len(spans)} lines {shown}{more}\n" if spans else f"{name}: none\n")
    title = "site furniture (not compared)"
    if linear:
        return Group(Text(title, style="bold"), body)
    return Panel(body, title=title, title_align="left", box=box.ROUNDED)


def alignment_renderable(
    al: Alignment, *, marks: bool | None = None, linear: bool = False
) -> RenderableType:
    """Verdict, shared passages side by side with word changes, unique passages, furniture.

    With ``marks``, changed words are written ``[-old-]{+new+}`` (for output without
    colour); ``linear`` gives one block per link instead of a table (for pipes and files).
    """
    parts: list[RenderableType] = [_summary_line(al)]
    if linear:
        for k, link in _by_passage(al):
            moved = " · moved" if link.moved else ""
            head = Text(f"#{k} · passage score {link.score:.0f}{moved}", style="bold")
            parts.append(head)
            if marks:
                parts.append(Text("  " + word_diff(al, link)))
            else:
                for side, span in (("a", link.a), ("b", link.b)):
                    text = al.a_text if side == "a" else al.b_text
                    marked = _marked_text(text, span, _link_runs(link, side))
                    parts.append(Text.assemble(f"  {side.upper()}: ", marked))
    elif al.links:
        table = Table(box=box.SIMPLE_HEAVY, expand=True, show_lines=True)
        table.add_column("#", justify="right", style="dim", no_wrap=True, width=5)
        table.add_column("A", ratio=1, overflow="fold")
        table.add_column("B", ratio=1, overflow="fold")
        table.add_column("score", justify="right", no_wrap=True, width=5)
        for k, link in _by_passage(al):
            score = Text(f"{link.score:.0f}")
            if link.moved:
                score.append("\nmoved", style="magenta")
            if marks:  # A's words with B's changes marked, then B as written
                cell_a = Text(word_diff(al, link))
                cell_b = Text(visible(link.b.slice(al.b_text)))
            else:
                cell_a = _marked_text(al.a_text, link.a, _link_runs(link, "a"))
                cell_b = _marked_text(al.b_text, link.b, _link_runs(link, "b"))
            table.add_row(str(k), cell_a, cell_b, score)
        parts.append(table)
    if al.links:
        if marks:
            legend = Text("changed words: [-as in A-]{+as in B+}", style="dim")
        else:
            legend = Text.assemble(
                ("changed", "bold yellow"),
                " · ",
                ("only in A", "red strike"),
                " · ",
                ("only in B", "bold green"),
                style="dim",
            )
        parts.append(legend)
    if al.only_a:
        parts.append(
            _spans_block(f"only in A ({len(al.only_a)})", al.a_text, al.only_a, "cyan", linear)
        )
    if al.only_b:
        parts.append(
            _spans_block(f"only in B ({len(al.only_b)})", al.b_text, al.only_b, "cyan", linear)
        )
    parts.append(_furniture_block(al, linear))
    return Group(*parts)


def shared_words_renderable(why: PassageScore, limit: int = 25) -> RenderableType:
    """Why two texts are similar: the shared words that weigh most (names, figures, rare
    words), as :func:`dupwire.align.explain_similarity` finds them."""
    shown = why.shared[:limit]
    more = f" (+{len(why.shared) - limit} more)" if len(why.shared) > limit else ""
    words = ", ".join(f"{visible(word)} {weight:.1f}" for word, weight in shown)
    return Group(
        Text(
            f"why they are similar: {len(why.shared)} shared words (matching keys), heaviest "
            f"first, with the weight each shares; word overlap of the whole texts "
            f"{why.score:.1f} of 100",
            style="bold",
        ),
        Text("  " + (words or "none") + more),
    )


# --- HTML -----------------------------------------------------------------------------------

#: One stylesheet for every dupwire view, each rule scoped under ``.dupwire`` so that a
#: notebook or a page around it keeps its own style; dark when the reader's system is.
CSS = """
.dupwire{--fg:#1f2328;--bg:#fff;--dim:#656d76;--line:#d0d7de;--rep:#fff3b0;--del:#ffd6d6;
--ins:#d4f7d4;--same:#1a7f37;--part:#9a6700;--unrel:#cf222e;--head:#f6f8fa;
font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);
background:var(--bg);line-height:1.45;overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){.dupwire{--fg:#e6edf3;--bg:#0d1117;--dim:#8d96a0;
--line:#30363d;--rep:#4d3f00;--del:#5c1a1a;--ins:#113d1b;--same:#3fb950;--part:#d29922;
--unrel:#f85149;--head:#161b22}}
[data-jp-theme-light="false"] .dupwire{--fg:#e6edf3;--bg:#0d1117;--dim:#8d96a0;
--line:#30363d;--rep:#4d3f00;--del:#5c1a1a;--ins:#113d1b;--same:#3fb950;--part:#d29922;
--unrel:#f85149;--head:#161b22}
.dupwire.page{margin:0;padding:1em 1.5em;min-height:100vh;box-sizing:border-box}
.dupwire table.dw{border-collapse:collapse;width:100%;table-layout:fixed}
.dupwire table.dw td,.dupwire table.dw th{border-top:1px solid var(--line);padding:.35em .4em;
vertical-align:top;text-align:left}
.dupwire table.dw th{background:var(--head)}
.dupwire table.dw .n{width:2.5em;color:var(--dim);text-align:right}
.dupwire table.dw .s{width:4.5em;text-align:right;white-space:nowrap}
.dupwire .rep{background:var(--rep)}.dupwire .del{background:var(--del);
text-decoration:line-through}.dupwire .ins{background:var(--ins)}
.dupwire .moved{color:#a0a;font-size:.8em}
.dupwire .same_story{color:var(--same)}.dupwire .partial_reuse,.dupwire .independent{
color:var(--part)}.dupwire .unrelated,.dupwire .failed{color:var(--unrel)}
.dupwire details{margin:.4em 0}.dupwire summary{cursor:pointer}
.dupwire ul.only li{margin:.2em 0}.dupwire .dim{color:var(--dim)}
.dupwire input.filter{font:inherit;padding:.3em .5em;width:min(30em,100%);
box-sizing:border-box;color:var(--fg);background:var(--bg);border:1px solid var(--line)}
.dupwire section.cluster{border-top:2px solid var(--line);margin-top:1.2em}
.dupwire .member{margin:.3em 0 .3em 1em}
.dupwire a{color:inherit}
.dupwire del{background:var(--del)}.dupwire ins{background:var(--ins);text-decoration:none}
.dupwire table.overview td.num,.dupwire table.overview th.num{width:4.2em;text-align:right;
white-space:nowrap;overflow-wrap:normal}.dupwire table.overview th.num+th.num{width:3em}
.dupwire table.overview .span{width:12.5em;white-space:nowrap;overflow-wrap:normal}
.dupwire table.overview .outlets{width:14em}
.dupwire ol.sents{padding-left:2.5em}.dupwire ol.sents li{margin:.15em 0}
.dupwire .member>summary{padding:.2em 0}.dupwire .tag{font-size:.85em;color:var(--dim)}
.dupwire .hidden{display:none}
@media (max-width:600px){.dupwire.page{padding:.5em}.dupwire .narrow-hide{display:none}
.dupwire table.dw .s{width:3em}.dupwire ol.sents{padding-left:1.8em}}
"""


def _style() -> str:
    return f"<style>{CSS}</style>"


def _html_marked(text: str, span: Span, runs: list[tuple[Span, str]]) -> str:
    classes = {"bold yellow": "rep", "red strike": "del", "bold green": "ins"}
    out, pos = [], span.start
    for run, style in sorted(runs, key=lambda r: r[0].start):
        out.append(_esc(text[pos : run.start]))
        out.append(f'<span class="{classes[style]}">{_esc(text[run.start : run.end])}</span>')
        pos = run.end
    out.append(_esc(text[pos : span.end]))
    return "".join(out)


def esc_text(text: str) -> str:
    """HTML-escaped article text, control characters shown as symbols."""
    return html.escape(visible(text))


def esc_id(text: str) -> str:
    """An HTML-escaped id or message, control characters written as escapes."""
    return html.escape(printable(text))


_esc = esc_text
_esc_id = esc_id


def _html_list(title: str, text: str, spans: tuple[Span, ...], open_: bool) -> str:
    items = "".join(f"<li>{_esc(s.slice(text))}</li>" for s in spans)
    attr = " open" if open_ else ""
    summary = f"<summary>{html.escape(title)} ({len(spans)})</summary>"
    return f'<details{attr}>{summary}<ul class="only">{items}</ul></details>'


def alignment_table_html(al: Alignment, *, only_a: bool = True, open_lists: bool = True) -> str:
    """The body of an alignment view: shared passages side by side, then the passages only
    in B (and, with ``only_a``, only in A), then the furniture; no style sheet."""
    rows = []
    for k, link in _by_passage(al):
        moved = '<div class="moved">moved</div>' if link.moved else ""
        cell_a = _html_marked(al.a_text, link.a, _link_runs(link, "a"))
        cell_b = _html_marked(al.b_text, link.b, _link_runs(link, "b"))
        rows.append(
            f'<tr><td class="n">{k}</td><td>{cell_a}</td><td>{cell_b}</td>'
            f'<td class="s">{link.score:.0f}{moved}</td></tr>'
        )
    table = (
        (
            '<table class="dw"><thead><tr><th class="n">#</th><th>A</th><th>B</th>'
            '<th class="s" title="passage score">score</th></tr></thead><tbody>'
            + "".join(rows)
            + '</tbody></table><p class="dim"><span class="rep">changed</span> '
            '<span class="del">only in A</span> <span class="ins">only in B</span></p>'
        )
        if rows
        else '<p class="dim">no shared passages</p>'
    )
    parts = [table]
    if only_a:
        parts.append(_html_list("only in A", al.a_text, al.only_a, open_lists))
    parts.append(_html_list("only in B", al.b_text, al.only_b, open_lists))
    if only_a:
        parts.append(_html_list("site furniture in A", al.a_text, al.boilerplate_a, False))
    parts.append(_html_list("site furniture in B", al.b_text, al.boilerplate_b, False))
    return "".join(parts)


def alignment_html(al: Alignment) -> str:
    """An HTML fragment: summary, side-by-side shared passages, unique passages, furniture.

    The fragment carries its own scoped style sheet (every rule under ``.dupwire``), so it
    can be shown in a notebook without touching the notebook's style.
    """
    head = (
        f'<p><b class="{al.verdict}">{VERDICT_LABEL[al.verdict]}</b> · {_shared_count(al)} · '
        f"coverage A {al.coverage_a:.0%}, B {al.coverage_b:.0%} · passage score "
        f"{al.score:.1f}<br>A: <b>{_esc_id(al.a_id)}</b><br>B: <b>{_esc_id(al.b_id)}</b></p>"
    )
    return f'<div class="dupwire">{_style()}{head}{alignment_table_html(al)}</div>'


def html_page(title: str, body: str, *, script: str = "") -> str:
    """A self-contained HTML document (no external assets) around ``body``.

    ``body`` is wrapped in one ``.dupwire`` element; the style sheet is written once.
    """
    js = f"<script>{script}</script>" if script else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{_esc_id(title)}</title>{_style()}</head>"
        f'<body style="margin:0"><div class="dupwire page">{_strip_styles(body)}</div>{js}'
        "</body></html>\n"
    )


def _strip_styles(body: str) -> str:
    return body.replace(_style(), "")


def scores_table(doc: dict[str, Any]) -> RenderableType:
    """The scores of ``dupwire eval`` as a two-column table."""
    table = Table(box=box.SIMPLE_HEAVY, title=Text(printable(str(doc.get("file", "")))))
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in doc.items():
        if key == "file":
            continue
        table.add_row(
            key.replace("_", " "), f"{value:.4f}" if isinstance(value, float) else str(value)
        )
    return table


# --- a clustering ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListedArticle:
    """One line of the clustering view: an input, how it relates to its cluster, a headline."""

    id: str
    relation: str
    pair_score: float | None = None
    headline: str = ""
    reason: str = ""


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1.

    >>> counted(1, "article"), counted(3, "story cluster")
    ('1 article', '3 story clusters')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _listed_line(item: ListedArticle, width: int | None) -> Text:
    label = RELATION_LABEL.get(item.relation, item.relation)
    score = f"{item.pair_score:5.1f}" if item.pair_score is not None else "     "
    style = VERDICT_STYLE.get(item.relation, "") if item.relation != "representative" else "cyan"
    line = Text.assemble("  ", (f"{label:<14}", style), f" {score}  ", (printable(item.id), "bold"))
    extra = item.reason or item.headline
    if extra:
        extra = visible(" ".join(extra.split()))
        if width is not None:
            room = width - line.cell_len - 2
            extra = _clip(extra, room) if room >= 12 else ""
        if extra:
            line.append("  " + extra, style="red" if item.reason else "default")
    return line


def clustering_renderable(
    result: Clustering,
    *,
    titles: Mapping[str, str] | None = None,
    failures: Sequence[tuple[str, str]] = (),
    skipped: Sequence[tuple[str, str]] = (),
    order: Sequence[str] = (),
    width: int | None = None,
) -> RenderableType:
    """Summary line, then each story cluster as one line per member (the representative
    first), then singletons, failed inputs and skipped files: one input per line, its id
    whole, so the output can be searched and piped.  ``width`` clips headlines to fit."""
    titles = titles or {}
    rank = {article_id: k for k, article_id in enumerate(order)}
    by_id = {a.id: a for a in result.assignments}
    summary = Text(
        f"{counted(len(result.assignments), 'article')} · "
        f"{counted(len(result.clusters), 'story cluster')} · "
        f"{counted(len(result.singletons), 'singleton')} · {len(failures)} failed · "
        f"{len(skipped)} skipped · MinHash seed {result.params.seed}, "
        f"{result.params.num_perm} permutations",
        style="bold",
    )
    parts: list[RenderableType] = [summary]
    for c in result.clusters:
        parts.append(Text(""))
        parts.append(
            Text(
                f"cluster {c.id} · {counted(len(c.members), 'article')} · pair scores "
                f"min {c.min_score:.1f}, median {c.median_score:.1f}",
                style="bold",
            )
        )
        members = sorted(c.members, key=lambda m: (m != c.representative, rank.get(m, 0), m))
        for member in members:
            assigned = by_id.get(member)
            relation = member_relation(assigned.relation) if assigned else ""
            parts.append(
                _listed_line(
                    ListedArticle(
                        member,
                        relation,
                        assigned.score if assigned else None,
                        titles.get(member, ""),
                    ),
                    width,
                )
            )
    rest: list[ListedArticle] = [
        ListedArticle(s, "singleton", None, titles.get(s, ""))
        for s in sorted(result.singletons, key=lambda s: (rank.get(s, 0), s))
    ]
    rest += [ListedArticle(i, "failed", reason=r) for i, r in failures]
    rest += [ListedArticle(p, "skipped", reason=r) for p, r in skipped]
    if rest:
        parts.append(Text(""))
        parts.extend(_listed_line(item, width) for item in rest)
    return Group(*parts)


def clustering_html(result: Clustering) -> str:
    """An HTML table of the story clusters (ids only), for notebooks; scoped style."""
    rows = "".join(
        f"<tr><td>{c.id}</td><td>{len(c.members)}</td><td>{_esc_id(c.representative)}</td>"
        f"<td>{c.min_score:.1f} / {c.median_score:.1f}</td>"
        f"<td>{_esc_id(', '.join(m for m in c.members if m != c.representative))}</td></tr>"
        for c in result.clusters
    )
    head = (
        f"<p>{len(result.assignments)} articles · {len(result.clusters)} story clusters · "
        f"{len(result.singletons)} singletons</p>"
    )
    return (
        f'<div class="dupwire">{_style()}{head}<table class="dw">'
        '<thead><tr><th class="n">cluster</th><th class="n">size</th><th>representative</th>'
        "<th>min / median pair score</th><th>members</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )
