"""Recognise site furniture: comment forms, "read also" links, related-story lists.

Three kinds of rules, all on whole lines (blocks) of the original text:

* a *tail marker* ("Leave a Reply", "You May Also Like", "Related Posts", ...) standing alone
  on its line starts the page's footer: it and every later line are furniture;
* a *link marker* ("Read also:", "See also:", "Related:") marks its own line, and the next line
  too when the marker stands alone (the linked headline follows it);
* a *furniture phrase* ("Your email address will not be published", "All rights reserved",
  "Sign up for our newsletter", a "Reporting by ...; Editing by ..." credit) marks its line.

Corpus-level furniture (lines that recur across many articles of one site) is learned by
:mod:`dupwire.cluster`, which sees the whole corpus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["furniture_flags"]

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
_PHRASES = re.compile(
    r"your email address will not be published|required fields are marked"
    r"|all rights reserved|sign up (for|to) (our|the) \w*\s*newsletter"
    r"|subscribe to (our|the) \w*\s*newsletter|share this (article|story|post)"
    r"|share on (facebook|twitter|x)|follow us on|click here to"
    r"|this (article|story) (was )?(originally|first) (appeared|published)"
    r"|^\W*(advertisement|sponsored content|share|print|email|tweet)\W*$"
    r"|^\W*copyright\b|^\W*©|^\(?\s*(reporting|writing|editing|additional reporting) by\b"
    r"|\bcookies? (policy|settings)\b|^\W*(photo|image|file photo)\s*:",
    re.IGNORECASE,
)

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


_HINT_RE = re.compile("|".join(re.escape(h) for h in _PHRASE_HINTS), re.IGNORECASE)


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
        if _LINK_MARKER.match(line) or _LINK_MARKER_ALONE.match(line):
            furniture_blocks.add(block)
            if _LINK_MARKER_ALONE.match(line):
                furniture_blocks.add(block + 1)
    hinted = {b for b, (start, end) in blocks.items() if _HINT_RE.search(text, start, end)}
    flags = []
    for start, end, block in units:
        flags.append(
            (tail_from is not None and block >= tail_from)
            or block in furniture_blocks
            or (block in hinted and bool(_PHRASES.search(text[start:end])))
        )
    return flags
