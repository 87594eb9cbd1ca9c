"""Split an article into paragraphs and sentences, keeping offsets into the original text.

Every line of text is its own block (news sites put one paragraph per line, and headlines
and subheads have no final punctuation); inside a block, sentences are found by
``sentencex``, which knows abbreviations such as "U.S.", "Gen." and "Jan." and keeps
quotations whole.  Site furniture is marked by :mod:`dupwire.boilerplate`.

>>> text = "Headline here\\n\\nANKARA (Reuters) - U.S. troops left. Gen. Smith said so."
>>> [text[u.start:u.end] for u in split_units(text)]
['Headline here', 'ANKARA (Reuters) - U.S. troops left.', 'Gen. Smith said so.']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import sentencex

from dupwire.boilerplate import WIDE_SPACES, block_furniture
from dupwire.errors import SegmentationError
from dupwire.model import LINE_BREAKS
from dupwire.normalize import as_read, markup_breaks, may_hold_markup

__all__ = ["Unit", "UnitKind", "split_spans", "split_units", "unit_spans"]

UnitKind = Literal["story", "boilerplate"]

_LINE_RE = re.compile(f"[^{LINE_BREAKS}]+")
# The line breaks other than the line feed, looked for one at a time (as substrings, far
# faster than a search for any of them): those of ASCII, and those beyond it.
_ASCII_BREAKS = [c for c in LINE_BREAKS if c != "\n" and c.isascii()]
_WIDE_BREAKS = [c for c in LINE_BREAKS if not c.isascii()]
_HAS_WORD = re.compile(r"\w")
# Blocks longer than this are cut into pieces before sentence splitting, so a huge
# single-line input stays linear in time.
_MAX_BLOCK = 20_000
# What sentencex is never shown as written.  It slices UTF-8 bytes as if every space were
# one byte long, so a letter, a multi-byte space (no-break, em, ideographic, line or
# paragraph separator, NEL, ...) and a full stop make it panic; and lone surrogates (from
# JSON escapes such as \ud800) cannot be passed to it at all.  It sees a copy of the
# text with each such character replaced by one character (a plain space, U+FFFD), so the
# lengths it returns still index the original text.
_UNSAFE_RE = re.compile(f"[{WIDE_SPACES}]|[\ud800-\udfff]")  # a wide space or a surrogate


def _splitter_safe(chunk: str) -> str:
    """``chunk`` with the characters sentencex mishandles replaced, one for one.

    >>> _splitter_safe("an A\\xa0. Then") == "an A . Then"
    True
    """
    if chunk.isascii():
        return chunk
    return _UNSAFE_RE.sub(lambda m: " " if m.group().isspace() else "\ufffd", chunk)


_ASCII_ENDS = (".", "?", "!")
_CLOSERS = " \t\"')]}"  # what may follow the one sentence end of a sentence


def _one_sentence(chunk: str) -> bool:
    """Whether sentencex would find one sentence in ``chunk`` without being asked (see
    :func:`_split`): ASCII text with no terminator but, perhaps, its last before closing
    quotes and brackets."""
    if not chunk.isascii() or "\n" in chunk:
        return False
    body = chunk.rstrip(_CLOSERS)
    if body.endswith(_ASCII_ENDS):
        body = body[:-1]
    return "." not in body and "?" not in body and "!" not in body


def _split(chunk: str, offset: int) -> list[str]:
    """sentencex's sentences of ``chunk`` (which starts at ``offset``), checked to cover it.

    sentencex ends a sentence only at a terminator or a line break, and the only ASCII
    ones are ``. ! ? \\n``.  So ASCII text without them (most headlines, bylines and
    furniture lines, about half the lines of news) is one sentence, and so is ASCII text
    whose only terminator ends it, before closing quotes and brackets ("Troops left." or
    'Is it over?"', a quarter of the rest): sentencex is not asked.  Whatever it would cut
    after that terminator holds no word, so it would join the sentence anyway
    (:func:`_sentences`).
    """
    if _one_sentence(chunk):
        return [chunk]
    try:
        parts = list(sentencex.segment("en", _splitter_safe(chunk)))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a Rust panic (pyo3 PanicException) is a BaseException
        msg = (
            f"the sentence splitter failed on characters {offset}-{offset + len(chunk)} "
            f"({type(exc).__name__}: {_first_line(exc)}); replace unusual characters there"
        )
        raise SegmentationError(msg) from None
    if sum(map(len, parts)) != len(chunk):
        msg = (
            f"the sentence splitter lost characters in {offset}-{offset + len(chunk)}, so "
            "offsets into the text would be wrong; replace unusual characters there"
        )
        raise SegmentationError(msg)
    return parts


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else "no message"


@dataclass(frozen=True, slots=True)
class Unit:
    """One sentence (or headline) of an article: ``text[start:end]``.

    ``block`` numbers the lines of the article that hold text, ``kind`` says whether the
    unit is story content or site furniture.
    """

    start: int
    end: int
    block: int
    kind: UnitKind = "story"


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a long block at sentence ends (else at spaces) into pieces of at most _MAX_BLOCK."""
    pieces = []
    while end - start > _MAX_BLOCK:
        limit = start + _MAX_BLOCK
        cut = max(text.rfind(". ", start, limit), text.rfind("? ", start, limit))
        cut = cut + 2 if cut > start else text.rfind(" ", start, limit) + 1
        if cut <= start:
            cut = limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for piece_start, piece_end in _pieces(text, start, end):
        pos = piece_start
        for part in _split(text[piece_start:piece_end], piece_start):
            s, e = pos, pos + len(part)
            pos = e
            stripped = part.strip()
            if not stripped:
                continue
            s += len(part) - len(part.lstrip())
            e = s + len(stripped)
            if _HAS_WORD.search(stripped):
                spans.append((s, e))
            elif spans:
                # Stray punctuation: attach it to the sentence before.
                spans[-1] = (spans[-1][0], e)
    return spans


def _lines(text: str) -> list[tuple[int, str]]:
    """Each line of ``text`` that holds a character, and where it starts: the runs of
    characters other than line breaks (``dupwire.model.LINE_BREAKS``: carriage returns and
    line feeds, and the vertical tabs, form feeds and line separators of text taken from
    word processors, PDF files and web pages), cut again where HTML markup ends a line as a
    page shows it (:func:`dupwire.normalize.markup_breaks`: a feed item's paragraphs,
    ``<p>...</p><p>...</p>``, are lines)."""
    if any(c in text for c in _ASCII_BREAKS) or (
        not text.isascii() and any(c in text for c in _WIDE_BREAKS)
    ):
        lines = [(m.start(), m.group()) for m in _LINE_RE.finditer(text)]
    else:
        lines = []
        at = 0
        for line in text.split("\n"):
            if line:
                lines.append((at, line))
            at += len(line) + 1
    breaks = markup_breaks(text)
    return _cut_lines(lines, breaks) if breaks else lines


def _cut_lines(lines: list[tuple[int, str]], breaks: list[int]) -> list[tuple[int, str]]:
    """``lines`` (ascending) cut at the offsets ``breaks`` (ascending) inside them."""
    out: list[tuple[int, str]] = []
    k = 0
    for start, line in lines:
        end = start + len(line)
        while k < len(breaks) and breaks[k] <= start:
            k += 1
        at = start
        while k < len(breaks) and breaks[k] < end:
            out.append((at, line[at - start : breaks[k] - start]))
            at = breaks[k]
            k += 1
        out.append((at, line[at - start :]))
    return out


def unit_spans(text: str) -> tuple[list[tuple[int, int, int]], list[bool]]:
    """``(start, end, block)`` of each unit of ``text``, and whether each is furniture:
    :func:`split_spans` in two lists.  A line that is one sentence as it is (most headlines,
    bylines and short paragraphs: :func:`_one_sentence`) is taken whole, without a call of
    :func:`_sentences`: the same span.  Lines are cut in ``text`` (its markup may end them)
    and, when it holds markup, read as their words are (:func:`dupwire.normalize.as_read`:
    markup as spaces, so that "<p>Mr. Nichols" is one sentence and a line of markup alone
    is none)."""
    raw: list[tuple[int, int, int]] = []
    blocks: list[tuple[int, int, int]] = []  # (block, start, end) of each block
    has_word = _HAS_WORD.search
    read = as_read(text) if may_hold_markup(text) else text
    for start, line in _lines(text):
        if read is not text:
            line = read[start : start + len(line)]
        block = len(blocks)
        if len(line) <= _MAX_BLOCK and _one_sentence(line):
            stripped = line.strip()
            if not stripped or not has_word(stripped):
                continue
            first = start + len(line) - len(line.lstrip())
            end = first + len(stripped)
            raw.append((first, end, block))
            blocks.append((block, first, end))
        else:
            spans = _sentences(read, start, start + len(line))
            if not spans:
                continue
            raw += [(s, e, block) for s, e in spans]
            blocks.append((block, spans[0][0], spans[-1][1]))
    return raw, block_furniture(text, raw, blocks)


def split_spans(text: str) -> list[tuple[int, int, int, bool]]:
    """``(start, end, block, furniture)`` of each unit of ``text``: :func:`split_units`
    without the objects, for work that scans whole corpora."""
    raw, flags = unit_spans(text)
    return [(s, e, b, flag) for (s, e, b), flag in zip(raw, flags, strict=True)]


def split_units(text: str) -> tuple[Unit, ...]:
    """Sentences and headlines of ``text``, with boilerplate marked.

    Raises :class:`~dupwire.errors.SegmentationError` (an ``InputError``) if the sentence
    splitter fails, whatever it raised.
    """
    return tuple(
        Unit(s, e, b, "boilerplate" if flag else "story") for s, e, b, flag in split_spans(text)
    )
