"""Recognise site furniture: comment forms, "read also" links, related-story lists.

Rules, all on whole lines (blocks) of the original text:

* a *tail marker* ("Leave a Reply", "You May Also Like", "Related Posts", ...) standing alone
  on its line starts the page's footer: it and every later line are furniture;
* a *link marker* ("Read also:", "See also:", "Related:") marks its own line, and the next line
  too when the marker stands alone (the linked headline follows it);
* a *furniture phrase* ("Your email address will not be published", "All rights reserved",
  "Sign up for our newsletter", a "Reporting by ...; Editing by ..." credit) marks its line;
* a line of *markup alone* ("<img ...>", "</div>"), which reads as no word
  (:func:`dupwire.normalize.as_read`), marks its line;
* a line that is *not prose*: one with fewer than one space in :data:`SPACED` characters
  that holds a run of :data:`UNBROKEN` printable ASCII characters without a space (an image
  encoded in the text, a link, a hash, minified code; prose has a space in about every six
  characters and no word of 64 letters) holds no words of the story, and the weight of its
  junk "words" would outweigh the story's;
* a *timestamp line* ("May 2, 2013 | 8:20 am", "Posted: Friday, March 8, 2013 2:39 pm",
  "UPDATED: 19:14 GMT, 12 April 2013") marks its line: a line whose words are all dates,
  clock times and their labels says when a page was published, not what happened, and two
  unrelated pages of one month would otherwise share a year and a month name as if they were
  rare story words.  Dates inside a sentence ("Reid checked in on Tuesday, December 9,
  2008.") stay story text.

Corpus-level furniture (lines that recur across many articles of one site) is learned by
:mod:`dupwire.cluster`, which sees the whole corpus.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import AnyStr

from dupwire.normalize import LETTER_OR_DIGIT_RE, as_read

__all__ = [
    "SPACED",
    "UNBROKEN",
    "WIDE_SPACES",
    "block_furniture",
    "furniture_flags",
    "is_timestamp",
]

# The White_Space characters beyond ASCII that do not end a line: a no-break space, the Ogham
# space mark, the typographic spaces, and the narrow no-break, medium mathematical and
# ideographic spaces.  (NEL and the line and paragraph separators end a line:
# dupwire.model.LINE_BREAKS.)
WIDE_SPACES = "\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
# A space inside a line other than the plain one: a tab or a wide space.
_OTHER_SPACE = re.compile(f"[\t{WIDE_SPACES}]")


#: Printable ASCII characters without a space that no word of prose runs to: the longest
#: English words have about 30 letters; a link, an encoded image or a hash has more.
UNBROKEN = 64
#: A line with a space in fewer than one of this many characters may not be prose.
SPACED = 8
_UNBROKEN_RE = re.compile(f"[!-~]{{{UNBROKEN}}}")
# Each byte of UTF-8 as "a" when it is printable ASCII, else as a space (a character beyond
# ASCII is bytes from 0x80, so it breaks a run as a space does).
_RUN_BYTES = bytes(0x61 if 0x21 <= c <= 0x7E else 0x20 for c in range(256))
_RUN = b"a" * UNBROKEN


def _has_unbroken(text: str) -> bool:
    """Whether ``text`` holds a run of :data:`UNBROKEN` printable ASCII characters: a search
    of bytes, several times cheaper than the pattern's (most texts hold none)."""
    return _RUN in text.encode("utf-8", "surrogatepass").translate(_RUN_BYTES)


def _not_prose(line: str) -> bool:
    """Whether ``line`` has fewer than one space in :data:`SPACED` characters and a run of
    :data:`UNBROKEN` printable ASCII characters without a space (counting spaces first
    spares most lines the search)."""
    return len(line) > SPACED * (line.count(" ") + 1) and _UNBROKEN_RE.search(line) is not None


def _plain_spaced(text: str) -> str:
    """``text`` with each tab and wide space as a plain space, one for one, so that offsets
    into it are offsets into ``text``: "Share\\xa0this story" is "Share this story".

    Testing for each wide space with ``in`` costs about half of searching for the class."""
    if "\t" in text or (not text.isascii() and any(c in text for c in WIDE_SPACES)):
        return _OTHER_SPACE.sub(" ", text)
    return text


_TAIL_MARKERS = re.compile(
    r"^\W*(leave a (reply|comment)|you (may|might) also like"
    r"|related (posts|articles|stories|news|content|coverage)"
    r"|more (stories|news|articles)( from [\w ]+)?|recommended( for you| stories)?"
    r"|most (read|popular|viewed)|popular (posts|stories)|trending( now| stories)?|post navigation"
    r"|comments|\d+ comments?|what to read next|read next|latest (news|stories|posts)"
    r"|don'?t miss|also on [\w ]+|more in [\w ]+|tags)\W*$",
    re.IGNORECASE,
)
_LINK_MARKER = re.compile(
    r"^\W*(read (also|more|next)|also read|see also|related|recommended|watch|listen)\s*[:>»-]",
    re.IGNORECASE,
)
_LINK_MARKER_ALONE = re.compile(
    r"^\W*(read (also|more|next)|also read|see also|related|recommended)\s*[:>»-]?\W*$",
    re.IGNORECASE,
)
# Each furniture phrase rule, with a hint that every match of it holds (lower-cased).  A line
# is searched only for the rules whose hints it holds: most lines hold none, and a line that
# holds "shares" is searched for the three rules about sharing, not for all of them.
_PHRASE_RULES: tuple[tuple[str, str], ...] = (
    ("email", r"your email address will not be published"),
    ("required fields", r"required fields are marked"),
    ("rights reserved", r"all rights reserved"),
    ("newsletter", r"sign up (for|to) (our|the) \w*\s*newsletter"),
    ("newsletter", r"subscribe to (our|the) \w*\s*newsletter"),
    ("share", r"share this (article|story|post)"),
    ("share", r"share on (facebook|twitter|x)"),
    ("follow us", r"follow us on"),
    ("click here", r"click here to"),
    ("appeared", r"this (article|story) (was )?(originally|first) appeared"),
    ("published", r"this (article|story) (was )?(originally|first) published"),
    ("advertisement", r"^\W*advertisement\W*$"),
    ("sponsored", r"^\W*sponsored content\W*$"),
    ("share", r"^\W*share\W*$"),
    ("print", r"^\W*print\W*$"),
    ("email", r"^\W*email\W*$"),
    ("tweet", r"^\W*tweet\W*$"),
    ("copyright", r"^\W*copyright\b"),
    ("©", r"^\W*©"),
    ("reporting by", r"^\(?\s*(additional )?reporting by\b"),
    ("writing by", r"^\(?\s*writing by\b"),
    ("editing by", r"^\(?\s*editing by\b"),
    ("cookie", r"\bcookies? (policy|settings)\b"),
    ("photo", r"^\W*(file )?photo\s*:"),
    ("image", r"^\W*image\s*:"),
)
_PHRASE_HINTS = tuple(dict.fromkeys(hint for hint, _ in _PHRASE_RULES))
# The rules of each hint, as one pattern.
_HINT_RULES = {
    hint: re.compile("|".join(f"(?:{r})" for h, r in _PHRASE_RULES if h == hint), re.IGNORECASE)
    for hint in _PHRASE_HINTS
}
# The hints as ``(hint, what is searched for)``: those written in ASCII, as they are and as
# bytes; the others ("©"), which have no other case.
_ASCII_HINTS = tuple((hint, hint) for hint in _PHRASE_HINTS if hint.isascii())
_ASCII_HINT_BYTES = tuple((hint, hint.encode()) for hint, _ in _ASCII_HINTS)
_OTHER_HINTS = tuple((hint, hint) for hint in _PHRASE_HINTS if not hint.isascii())
# Characters beyond ASCII that lower-case to ASCII letters (KELVIN SIGN to "k"; a capital I
# with a dot above to "i" and a combining dot): a hint may be written with them.
_LOWER_TO_ASCII = ("\u212a", "\u0130")


def _hinted(line: str) -> set[str]:
    """The phrase hints that ``line`` holds (plain substring tests: far cheaper than a
    case-insensitive regular expression of alternatives)."""
    low = line.lower()
    return {hint for hint in _PHRASE_HINTS if hint in low}


def _has_phrase(line: str, hints: set[str]) -> bool:
    """Whether ``line`` holds a furniture phrase (a match of any rule of ``_PHRASE_RULES``),
    given ``hints``, which include every phrase hint the line holds: only their rules are
    tried."""
    return any(_HINT_RULES[hint].search(line) is not None for hint in hints)


# Words of a timestamp line, lower-cased, with letters and digits apart ("3rd" is "3", "rd";
# "5:55p" is "5", "55", "p"): month and weekday names and their abbreviations, ordinal
# endings, a.m./p.m., time zones, and the labels pages put before a date.
_MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
_WEEKDAYS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
    ]
)
_STAMP_WORDS = (
    _MONTHS
    | _WEEKDAYS
    | frozenset(
        [
            "st",
            "nd",
            "rd",
            "th",
            "am",
            "pm",
            "a",
            "p",
            "m",
            "h",
            "hrs",
            "gmt",
            "utc",
            "bst",
            "cet",
            "cest",
            "eet",
            "eest",
            "est",
            "edt",
            "cst",
            "cdt",
            "mst",
            "mdt",
            "pst",
            "pdt",
            "akst",
            "akdt",
            "hst",
            "et",
            "pt",
            "ct",
            "mt",
            "ist",
            "jst",
            "aest",
            "aedt",
            "msk",
            "uk",
            "z",
            "posted",
            "updated",
            "update",
            "published",
            "edited",
            "first",
            "last",
            "originally",
            "modified",
            "created",
            "release",
            "released",
            "date",
            "dated",
            "time",
            "on",
            "at",
        ]
    )
)
_STAMP_PART = re.compile(r"[^\W\d_]+|\d+")
_CLOCK = re.compile(r"\b\d{1,2} ?[:.] ?\d\d(?!\d)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_STAMP_MAX = 80  # characters: a timestamp line is short (the longest seen on ECB+ is 65)


def is_timestamp(line: str) -> bool:
    """Whether ``line`` is only a date or time with its labels (see the module docstring).

    It needs a month or weekday name, a year or a clock time, and no other word.

    >>> is_timestamp("Posted: Friday, March 8, 2013 2:39 pm"), is_timestamp("2013 - 09 - 26")
    (True, True)
    >>> is_timestamp("He will be sentenced May 3."), is_timestamp("Four vehicles took part.")
    (False, False)
    """
    if len(line) > _STAMP_MAX:
        return False
    parts = []
    for m in _STAMP_PART.finditer(line.lower()):  # most lines fail at their first word
        part = m.group()
        if not (part.isdigit() or part in _STAMP_WORDS):
            return False
        parts.append(part)
    if not parts:
        return False
    return (
        any(p in _MONTHS or p in _WEEKDAYS for p in parts)
        or any(_YEAR.fullmatch(p) for p in parts)
        or bool(_CLOCK.search(line))
    )


def _places(text: AnyStr, parts: Iterable[tuple[str, AnyStr]]) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of each place where a part of ``parts`` (``(name, part)``
    pairs) is found in ``text``, part by part (overlaps included)."""
    found = []
    find = text.find
    for name, part in parts:
        at = find(part)
        while at >= 0:
            found.append((at, at + len(part), name))
            at = find(part, at + 1)
    return found


def _hint_spans(text: str) -> list[tuple[int, int, str]] | None:
    """``(start, end, hint)`` of every phrase hint in ``text``, whatever its case, in order.

    Text beyond ASCII is searched as bytes, one per character (a ``?`` for each character
    beyond ASCII: none of them lower-cases to a letter of an ASCII hint, but those of
    ``_LOWER_TO_ASCII``), lower-cased byte by byte, which is far cheaper than lower-casing
    it.  With a character of ``_LOWER_TO_ASCII`` the text itself is lower-cased, and None
    is returned when that changes its length (positions in it would not be those of
    ``text``)."""
    if text.isascii() or any(c in text for c in _LOWER_TO_ASCII):
        low = text.lower()
        if len(low) != len(text):
            return None
        spans = _places(low, _ASCII_HINTS)
    else:
        spans = _places(text.encode("ascii", "replace").lower(), _ASCII_HINT_BYTES)
    spans += _places(text, _OTHER_HINTS)
    spans.sort()
    return spans


def _hinted_blocks(text: str, blocks: Sequence[tuple[int, int, int]]) -> dict[int, set[str]] | None:
    """The blocks (``(block, start, end)``) that hold a phrase hint, each with the hints it
    holds, from one search of ``text``: :func:`_hinted` of each block's text, without a copy
    per block.

    None when the blocks overlap, or when :func:`_hint_spans` gives None."""
    spans = _hint_spans(text)
    if spans is None:
        return None
    if not spans:
        return {}
    ranges = sorted((start, end, block) for block, start, end in blocks)
    if any(a[1] > b[0] for a, b in pairwise(ranges)):
        return None
    starts = [start for start, _, _ in ranges]
    hinted: dict[int, set[str]] = {}
    for at, to, hint in spans:
        k = bisect_right(starts, at) - 1
        if k >= 0 and to <= ranges[k][1]:
            hinted.setdefault(ranges[k][2], set()).add(hint)
    return hinted


def furniture_flags(text: str, units: Sequence[tuple[int, int, int]]) -> list[bool]:
    """For each ``(start, end, block)`` unit of ``text``, whether it is site furniture."""
    spans: dict[int, tuple[int, int]] = {}
    for start, end, block in units:
        first, _ = spans.get(block, (start, end))
        spans[block] = (min(first, start), end)
    return block_furniture(text, units, [(b, *spans[b]) for b in sorted(spans)])


# Whether a line is a tail, link or lone link marker, in one match (most lines are none).
_ANY_MARKER = re.compile(
    "|".join(f"(?:{p.pattern})" for p in (_TAIL_MARKERS, _LINK_MARKER, _LINK_MARKER_ALONE)),
    re.IGNORECASE,
)


def block_furniture(
    text: str, units: Sequence[tuple[int, int, int]], blocks: Sequence[tuple[int, int, int]]
) -> list[bool]:
    """:func:`furniture_flags` of ``units``, given each block as ``(block, start, end)`` (from
    its first unit's start to its last unit's end), in order of block number.  The rules read
    the text as its words are read (:func:`dupwire.normalize.as_read`: markup as spaces,
    HTML character references and mojibake as their characters) and tabs and wide spaces as
    plain spaces (:func:`_plain_spaced`)."""
    read = as_read(text)
    marked_up = read is not text  # markup, references or mojibake were read
    text = _plain_spaced(read)
    furniture_blocks: set[int] = set()
    tail_from: int | None = None
    unbroken = _has_unbroken(text)
    for block, start, end in blocks:
        line = text[start:end]
        marker = _ANY_MARKER.match(line) is not None
        if marker and _TAIL_MARKERS.match(line):
            tail_from = block
            break
        if is_timestamp(line):
            furniture_blocks.add(block)
        elif marker:  # a link marker
            furniture_blocks.add(block)
            if _LINK_MARKER_ALONE.match(line):
                furniture_blocks.add(block + 1)
        elif (unbroken and _not_prose(line)) or (marked_up and not LETTER_OR_DIGIT_RE.search(line)):
            furniture_blocks.add(block)
    hinted = _hinted_blocks(text, blocks)
    if hinted is None:
        hinted = {b: found for b, start, end in blocks if (found := _hinted(text[start:end]))}
    if tail_from is None:
        if not furniture_blocks and not hinted:
            return [False] * len(units)
        tail_from = sys.maxsize
    return [
        block >= tail_from
        or block in furniture_blocks
        or (block in hinted and _has_phrase(text[start:end], hinted[block]))
        for start, end, block in units
    ]
