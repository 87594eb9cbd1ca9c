"""Check an alignment against a hand-made reference alignment.

A reference (see ``fixtures/seed-pair.gold.json``) names each passage by a short snippet that
occurs once in its file.  ``links`` lists passages that must be linked to each other;
``only_a`` / ``only_b`` list passages that must not be linked at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dupwire.errors import ParamsError
from dupwire.model import Alignment, Span

__all__ = ["GoldCheck", "check_alignment"]


@dataclass(frozen=True, slots=True)
class GoldCheck:
    """How an alignment fares against a reference.

    ``link_recall``: share of reference links found (one link whose spans hold every snippet
    of the reference link on each side).  ``link_precision``: share of the alignment's links
    that hold at least one reference link.  ``wrongly_linked``: "only" snippets that sit inside
    a link.
    """

    found: tuple[int, ...]
    missed: tuple[int, ...]
    wrongly_linked: tuple[str, ...]
    link_recall: float
    link_precision: float
    verdict_ok: bool

    @property
    def passed(self) -> bool:
        return not self.missed and not self.wrongly_linked and self.verdict_ok


def _locate(text: str, snippet: str, side: str) -> Span:
    start = text.find(snippet)
    if start < 0 or text.find(snippet, start + 1) >= 0:
        msg = f"reference snippet {snippet!r} must occur exactly once in side {side}"
        raise ParamsError(msg)
    return Span(start, start + len(snippet))


def _inside(inner: Span, outer: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def check_alignment(al: Alignment, gold: Mapping[str, Any]) -> GoldCheck:
    """Compare ``al`` with a reference alignment loaded from JSON."""
    found: list[int] = []
    missed: list[int] = []
    hit_links: set[int] = set()
    for k, ref in enumerate(gold.get("links", [])):
        need_a = [_locate(al.a_text, s, "a") for s in ref["a"]]
        need_b = [_locate(al.b_text, s, "b") for s in ref["b"]]
        match = [
            n
            for n, link in enumerate(al.links)
            if all(_inside(s, link.a) for s in need_a) and all(_inside(s, link.b) for s in need_b)
        ]
        (found if match else missed).append(k)
        hit_links.update(match)
    wrong = _linked(al, gold.get("only_a", []), "a") + _linked(al, gold.get("only_b", []), "b")
    n_ref = len(found) + len(missed)
    expected = gold.get("same_story")
    verdict_ok = expected is None or (al.verdict == "same_story") == bool(expected)
    return GoldCheck(
        found=tuple(found),
        missed=tuple(missed),
        wrongly_linked=tuple(wrong),
        link_recall=len(found) / n_ref if n_ref else 1.0,
        link_precision=len(hit_links) / len(al.links) if al.links else 1.0,
        verdict_ok=verdict_ok,
    )


def _linked(al: Alignment, snippets: Sequence[str], side: str) -> list[str]:
    text = al.a_text if side == "a" else al.b_text
    out = []
    for snippet in snippets:
        span = _locate(text, snippet, side)
        for link in al.links:
            target = link.a if side == "a" else link.b
            if span.start < target.end and target.start < span.end:
                out.append(snippet)
                break
    return out
