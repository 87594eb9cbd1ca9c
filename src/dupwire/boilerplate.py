"""Recognise site furniture: comment forms, "read also" links, related-story lists.

Three kinds of rules, all on whole lines (blocks) of the original text:

* a *tail marker* ("Leave a Reply", "You May Also Like", "Related Posts", ...) standing alone
  on its line starts the page's footer: it and every later line are furniture;
* a *link marker* ("Read also:", "See also:", "Related:") marks its own line, and the next line
  too when the marker stands alone (the linked headline follows it);
* a *furniture phrase* ("Your email address will not be published", "All rights reserved",
  "Sign up for our newsletter", a "Reporting by ...; Editing by ..." credit) marks its line;
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
from bisect import bisect_right
from collections.abc import Sequence
from itertools import pairwise

__all__ = ["furniture_flags", "is_timestamp"]

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
_PHRASE_RULES = (
    r"your email address will not be published|required fields are marked"
    r"|all rights reserved|sign up (for|to) (our|the) \w*\s*newsletter"
    r"|subscribe to (our|the) \w*\s*newsletter|share this (article|story|post)"
    r"|share on (facebook|twitter|x)|follow us on|click here to"
    r"|this (article|story) (was )?(originally|first) (appeared|published)"
    r"|^\W*(advertisement|sponsored content|share|print|email|tweet)\W*$"
    r"|^\W*copyright\b|^\W*©|^\(?\s*(reporting|writing|editing|additional reporting) by\b"
    r"|\bcookies? (policy|settings)\b|^\W*(photo|image|file photo)\s*:"
)
# Every rule not tied to the start of the line begins with one of these letters.  The search
# tries all the rules at each position of a line; checking the letter there first makes it
# about twice as fast.
_PHRASE_STARTS = "acfrsty"
_PHRASES = re.compile(f"(?:^|(?=[{_PHRASE_STARTS}]))(?:{_PHRASE_RULES})", re.IGNORECASE)

# Every match of _PHRASES contains one of these (lower-cased); a line holding none of them is
# not searched, which keeps scanning large corpora cheap.
_PHRASE_HINTS = (
    "email",
    "required fields",
    "rights reserved",
    "newsletter",
    "share",
    "follow us",
    "click here",
    "appeared",
    "published",
    "advertisement",
    "sponsored",
    "print",
    "tweet",
    "copyright",
    "©",
    "reporting by",
    "writing by",
    "editing by",
    "cookie",
    "photo",
    "image",
)


def _hinted(line: str) -> bool:
    """Whether ``line`` holds one of the phrase hints (plain substring tests: far cheaper
    than a case-insensitive regular expression of alternatives)."""
    low = line.lower()
    return any(hint in low for hint in _PHRASE_HINTS)


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


def _hint_spans(low: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every phrase hint in ``low`` (a lower-cased text), in order."""
    spans = []
    find = low.find
    for hint in _PHRASE_HINTS:
        at = find(hint)
        while at >= 0:
            spans.append((at, at + len(hint)))
            at = find(hint, at + 1)
    spans.sort()
    return spans


def _hinted_blocks(text: str, blocks: dict[int, tuple[int, int]]) -> set[int] | None:
    """The blocks (``block: (start, end)``) that hold a phrase hint, from one lower-cased
    copy of ``text``: :func:`_hinted` of each block's text, without a copy per block.

    None when the blocks overlap or the lower-cased text is longer than ``text`` (a capital
    I with a dot above lowers to two characters), so positions in it are not those of
    ``text``."""
    low = text.lower()
    if len(low) != len(text):
        return None
    spans = _hint_spans(low)
    if not spans:
        return set()
    ranges = sorted((start, end, block) for block, (start, end) in blocks.items())
    if any(a[1] > b[0] for a, b in pairwise(ranges)):
        return None
    starts = [start for start, _, _ in ranges]
    hinted = set()
    for at, to in spans:
        k = bisect_right(starts, at) - 1
        if k >= 0 and to <= ranges[k][1]:
            hinted.add(ranges[k][2])
    return hinted


def furniture_flags(text: str, units: Sequence[tuple[int, int, int]]) -> list[bool]:
    """For each ``(start, end, block)`` unit of ``text``, whether it is site furniture."""
    blocks: dict[int, tuple[int, int]] = {}
    for start, end, block in units:
        first, _ = blocks.get(block, (start, end))
        blocks[block] = (min(first, start), end)
    furniture_blocks: set[int] = set()
    tail_from: int | None = None
    for block in sorted(blocks):
        start, end = blocks[block]
        line = text[start:end]
        if _TAIL_MARKERS.match(line):
            tail_from = block
            break
        if is_timestamp(line):
            furniture_blocks.add(block)
        elif _LINK_MARKER.match(line) or _LINK_MARKER_ALONE.match(line):
            furniture_blocks.add(block)
            if _LINK_MARKER_ALONE.match(line):
                furniture_blocks.add(block + 1)
    hinted = _hinted_blocks(text, blocks)
    if hinted is None:
        hinted = {b for b, (start, end) in blocks.items() if _hinted(text[start:end])}
    flags = []
    for start, end, block in units:
        flags.append(
            (tail_from is not None and block >= tail_from)
            or block in furniture_blocks
            or (block in hinted and bool(_PHRASES.search(text[start:end])))
        )
    return flags
