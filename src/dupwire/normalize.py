"""Text normalisation for matching only.

Nothing here changes what a user sees: spans always point into the original text.
These functions decide when two words count as the same word.

>>> normalize("Türkiye’s ARMOURED “Defence” — Erdoğan")
'turkiye\\'s armored "defense" - erdogan'
>>> [t.key for t in tokenize("Turkey’s troops patrolled 3.2 km")]
['turkey', 'troop', 'patrol', '3.2', 'km']
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from functools import lru_cache
from itertools import compress
from typing import NamedTuple, TypeVar

from dupwire.weights import background_weight, gram_weight, script_weight

__all__ = [
    "LETTER_OR_DIGIT_RE",
    "PLAIN_WORD_RE",
    "Token",
    "analyse",
    "as_read",
    "as_shown",
    "canonical_word",
    "join_flags",
    "markup_breaks",
    "match_key",
    "may_hold_markup",
    "normalize",
    "plain_bytes",
    "plain_word",
    "raw_words",
    "tokenize",
    "word_entry",
    "word_keys",
]

_PUNCT_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u0131": "i",  # dotless i (Turkish) folds to i
        "\u00df": "ss",
        "\u00f8": "o",
        "\u0142": "l",
        "\u00e6": "ae",
        "\u0153": "oe",
        "\u0111": "d",
        "\u00f0": "d",
        "\u00fe": "th",
        "\u00ad": None,  # the invisible characters a word runs on through (_INVISIBLE)
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)

_SPACE_RE = re.compile(r"\s+")
#: A letter or digit: a line without one (markup alone, punctuation) reads as no word.
LETTER_OR_DIGIT_RE = re.compile(r"[^\W_]")


def _fold(text: str) -> str:
    """Case, compatibility forms, diacritics, quotes and dashes folded.

    ASCII text has no compatibility forms or diacritics and folds its case with ``lower``,
    which skips the three Unicode normalisations (most words of most corpora are ASCII).

    >>> _fold("Erdoğan’s ﬁle"), _fold("Can`t STOP")
    ("erdogan's file", "can't stop")
    """
    if text.isascii():
        return text.lower().translate(_PUNCT_MAP)
    return _fold_unicode(text)


def _fold_unicode(text: str) -> str:
    """:func:`_fold` of any text (the ASCII shortcut's reference)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_PUNCT_MAP)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", stripped).translate(_PUNCT_MAP)


# British -> American spelling, applied to whole words after folding.  Both sides of a
# comparison go through the same rules, so a rule only has to send both variants to one
# form; it does not have to produce a real word.
_SPELLING_WORDS = {
    "grey": "gray",
    "greys": "grays",
    "programme": "program",
    "programmes": "programs",
    "tyre": "tire",
    "tyres": "tires",
    "cheque": "check",
    "cheques": "checks",
    "aluminium": "aluminum",
    "kerb": "curb",
    "plough": "plow",
    "pyjamas": "pajamas",
    "sceptic": "skeptic",
    "sceptical": "skeptical",
    "mould": "mold",
    "moustache": "mustache",
    "storey": "story",
    "jewellery": "jewelry",
    "enrol": "enroll",
    "fulfil": "fulfill",
    "practise": "practice",
    "practised": "practiced",
    "licence": "license",
    "defence": "defense",
    "offence": "offense",
    "pretence": "pretense",
    "defences": "defenses",
    "offences": "offenses",
    "licences": "licenses",
    "manoeuvre": "maneuver",
    "manoeuvres": "maneuvers",
    "towards": "toward",
    "whilst": "while",
    "amongst": "among",
}
_SPELLING_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # armour, colour, honour, favourite, labourer ...
    (re.compile(r"^(\w{2,})our(s|ed|ing|able|ably|ite|ites|er|ers|ful|less|ism|ist)?$"), r"\1or\2"),
    # centre, theatre, metre, fibre, calibre, sombre
    (re.compile(r"^(\w{2,}[^aeiou])(t|b)re(s|d)?$"), r"\1\2er\3"),
    # organise, organisation, realised, recognising, analyse, paralysed
    (
        re.compile(r"^(\w{2,})is(e|es|ed|ing|ation|ations|er|ers)$"),
        r"\1iz\2",
    ),
    (re.compile(r"^(\w{2,})ys(e|es|ed|ing)$"), r"\1yz\2"),
    # catalogue, dialogue, analogue
    (re.compile(r"^(\w{2,})ogue(s)?$"), r"\1og\2"),
    # travelled, cancelled, labelling, modeller
    (re.compile(r"^(\w{2,})ell(ed|ing|er|ers)$"), r"\1el\2"),
)
# Whether any rule applies, in one search (most words fit none of them).
_SPELLING_ANY = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _SPELLING_RULES))
_SPELLING_KEEP = frozenset(
    {
        "four",
        "fours",
        "hour",
        "hours",
        "your",
        "yours",
        "tour",
        "tours",
        "pour",
        "pours",
        "sour",
        "flour",
        "devour",
        "detour",
        "contour",
        "troubadour",
        "paramour",
        "amour",
    }
)


@lru_cache(maxsize=200_000)
def canonical_word(word: str) -> str:
    """Fold one word (already case-folded, diacritic-free) to its American spelling.

    >>> canonical_word("armoured"), canonical_word("centre"), canonical_word("organisation")
    ('armored', 'center', 'organization')
    """
    if word in _SPELLING_WORDS:
        return _SPELLING_WORDS[word]
    if (
        len(word) < 5
        or word in _SPELLING_KEEP
        or not word.isalpha()
        or _SPELLING_ANY.match(word) is None
    ):
        return word
    for pattern, repl in _SPELLING_RULES:
        new = pattern.sub(repl, word)
        if new != word:
            return new
    return word


# Scripts written without spaces between words: Chinese and Japanese (Han, kana) are
# compared by overlapping character bigrams, Thai, Lao, Khmer and Burmese by trigrams, so two
# wordings of one sentence share most of their grams without a word segmenter.  Their runs
# come first in the word pattern, so the combining vowel signs of Thai stay in their run.
_HAN_KANA = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_SOUTHEAST = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_NOSPACE_RE = re.compile(f"([{_HAN_KANA}]+)|([{_SOUTHEAST}]+)")
# Whether text holds any of them: one character class, which a search skips through far
# faster than the two groups above.
_HAS_NOSPACE = re.compile(f"[{_HAN_KANA}{_SOUTHEAST}]")


def _ranges(codes: list[int]) -> str:
    """A regular-expression class body holding exactly the characters ``codes`` (ascending)."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(re.escape(chr(a)) + ("" if a == b else "-" + re.escape(chr(b))) for a, b in runs)


# Combining marks (Unicode categories Mn, Mc, Me) of the Basic Multilingual Plane: inside a
# word they belong to it.  Python's \w holds none of them, so without them the vowel signs
# of Devanagari, Bengali or Tamil ("नमस्ते"), the niqqud and harakat of Hebrew and Arabic,
# and the accents of text in decomposed form (NFD: "e" + U+0301) would cut words apart.
_MARKS = _ranges([c for c in range(0x10000) if unicodedata.category(chr(c))[0] == "M"])
# Invisible characters that scraped text leaves inside words: the soft hyphen (a hyphenation
# point), zero-width space, non-joiner and joiner, the word joiner, and the zero-width
# no-break space (U+FEFF, the word joiner of old text).  A word runs on through them, and its
# key drops them (``_PUNCT_MAP``).
_INVISIBLE = "\u00ad\u200b-\u200d\u2060\ufeff"
_WORD_RE = re.compile(
    f"[{_HAN_KANA}{_SOUTHEAST}]+|"
    + r"\d+(?:[.,]\d+)+|"
    + f"[^\\W_]+(?:[{_MARKS}{_INVISIBLE}]+[^\\W_]*|['’][^\\W_]+)*"
)


# A character reference of HTML ("&amp;", "&#8217;", "&#x2019;", "&eacute;"), as scraped
# text and feeds keep them.  Only the complete form, with its semicolon: "AT&T" holds none.
_REFERENCE_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SOFT_HYPHEN = "\u00ad"


def _padded(char: str, m: re.Match[str]) -> str:
    """``char``, which the match ``m`` stands for, padded to the match's length so that
    offsets stay: with soft hyphens (invisible parts of a word, which its key drops) when
    it is a letter or digit, before it when it follows a letter or digit ("caf&eacute;"),
    else after it, and so an apostrophe inside a word ("actress&#8217;s" reads as the word
    "actress’s"); with spaces after any other character ("&amp;", "&nbsp;", "troops&#8217;
    vehicles")."""
    pad = len(m.group()) - len(char)
    text, at, end = m.string, m.start(), m.end()
    after_word = at > 0 and (text[at - 1].isalnum() or _IN_WORD.match(text[at - 1]) is not None)
    if char.isalnum():
        return _SOFT_HYPHEN * pad + char if after_word else char + _SOFT_HYPHEN * pad
    if char in "'’" and after_word and end < len(text) and text[end].isalnum():
        return _SOFT_HYPHEN * pad + char  # inside a word: "actress&#8217;s"
    return char + " " * pad


def _reference_char(m: re.Match[str]) -> str:
    """The character an HTML character reference stands for; a name HTML does not know stays
    as it is."""
    char = html.unescape(m.group())
    return char if len(char) < len(m.group()) else m.group()


def _reference(m: re.Match[str]) -> str:
    """:func:`_reference_char`, padded to the reference's length (:func:`_padded`)."""
    char = _reference_char(m)
    return m.group() if char == m.group() else _padded(char, m)


# UTF-8 read as Windows-1252, the commonest mojibake of scraped text ("donâ€™t" for "don’t",
# "cafÃ©", "Â " for a no-break space): each byte of a character's UTF-8 stands as the
# character Windows-1252 gives it (for the five bytes it leaves undefined, Latin-1's C1
# control, as browsers read them), or as Latin-1 gives it ("donâ\x80\x99t").
_CP1252_BYTE = {chr(b): b for b in range(0x80, 0xA0)}
_CP1252_BYTE.update(
    {bytes([b]).decode("cp1252", "ignore") or chr(b): b for b in range(0x80, 0x100)}
)


def _chars_of(lo: int, hi: int) -> str:
    return re.escape("".join(c for c, b in _CP1252_BYTE.items() if lo <= b <= hi))


_MOJIBAKE_RE = re.compile(
    f"[{_chars_of(0xC2, 0xDF)}][{_chars_of(0x80, 0xBF)}]"
    f"|[{_chars_of(0xE0, 0xEF)}][{_chars_of(0x80, 0xBF)}]{{2}}"
    f"|[{_chars_of(0xF0, 0xF4)}][{_chars_of(0x80, 0xBF)}]{{3}}"
)
# Characters that start most such mojibake (of Latin letters and punctuation, Cyrillic,
# Arabic and Hebrew); text without any is not searched.  (Mojibake of Chinese or Japanese
# starts with letters French writes too, so it is left as it is.)
_MOJIBAKE_HINTS = ("Ã", "Â", "â€", "â\x80", "Ð", "Ø", "×")


def _mended_char(m: re.Match[str]) -> str:
    """The character a run of mojibake (``_MOJIBAKE_RE``) stands for, or the run as it is
    when its bytes are no UTF-8 character."""
    try:
        return bytes(_CP1252_BYTE[c] for c in m.group()).decode("utf-8")
    except UnicodeDecodeError:
        return m.group()


def _mended(m: re.Match[str]) -> str:
    """:func:`_mended_char`, padded to the run's length (:func:`_padded`)."""
    char = _mended_char(m)
    return m.group() if char == m.group() else _padded(char, m)


# HTML markup, as feeds keep it in an item's text ("<p>", '<a href="...">', "<br/>") and
# saved pages whole: a tag of HTML by its name, with no attributes or attributes with "="
# (so that "a <b and c> d" in prose is no tag), a comment, or an element whole that holds
# code or a page's furniture, not its story (script, style, head, nav, aside, footer,
# form, noscript, iframe, svg).  A tag escaped as a feed's XML holds an item's HTML, when the
# item is taken out of it without an XML parser ("&lt;p&gt;Troops left.&lt;/p&gt;"), is read
# as the tag it stands for.
_TAG_NAMES = (
    "a|abbr|article|aside|b|blockquote|body|br|button|caption|cite|code|del|div|em"
    "|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|ins"
    "|label|li|link|main|meta|nav|noscript|ol|p|picture|pre|q|s|section|small|source|span"
    "|strong|sub|sup|svg|table|tbody|td|th|thead|time|title|tr|u|ul|video"
)
_MARKUP_RE = re.compile(
    r"<(script|style|head|nav|aside|footer|form|noscript|iframe|svg)\b[^>]*>"
    r"(?:(?!</?\1\b).)*</\1\s*>"  # up to its end, and no other tag of its name: linear
    r"|<!--(?:(?!<!--).)*?-->|<!DOCTYPE[^<>]*>"
    # Attributes up to their first "=" (no "=" before it) and to the next tag's start or end,
    # so a tag left open before a long run of "=" or of other tags costs one pass, not one
    # pass for each "=" or each tag.
    rf"|</?(?:{_TAG_NAMES})(?:\s+[^<>=]*=[^<>]*)?\s*/?>"
    rf"|&lt;/?(?:{_TAG_NAMES})(?:\s+(?:(?!&[lg]t;)[^<>=])*=(?:(?!&[lg]t;)[^<>])*)?\s*/?&gt;",
    re.IGNORECASE | re.DOTALL,
)


def may_hold_markup(text: str) -> bool:
    """Whether ``text`` may hold HTML markup (``<``, or an escaped tag's ``&lt;``): the
    others are not searched for it."""
    return text.find("<") >= 0 or text.find("&lt;") >= 0


# The tags of HTML that end a line as a page shows it (a paragraph, a division, a line break,
# a heading, a list item, a table row, a quotation): a feed item or an exported article often
# holds its paragraphs on one line of text ("<p>...</p><p>...</p>").
_BLOCK_TAG_RE = re.compile(
    r"(?:<|&lt;)/?(?:article|blockquote|br|div|figcaption|figure|h[1-6]|header|hr|li|main|ol|p|pre"
    r"|section|table|tbody|thead|tr|ul)\b",
    re.IGNORECASE,
)


def _ends_line(m: re.Match[str]) -> bool:
    """Whether a piece of markup (a match of ``_MARKUP_RE``) ends a line as a page shows it:
    a tag of a block (``_BLOCK_TAG_RE``) or an element read whole (``<nav>...</nav>``)."""
    return m.group(1) is not None or _BLOCK_TAG_RE.match(m.group()) is not None


def markup_breaks(text: str) -> list[int]:
    """Where the HTML markup of ``text`` ends a line as a page shows it (:func:`_ends_line`),
    in order: before a block's opening tag, after its closing tag or a line break (``<br>``,
    ``<hr>``), and around an element read whole, so that each line keeps its own tags.

    >>> markup_breaks("<p>Troops left.</p><p>Talks go on<br>today.</p> <b>Now</b>")
    [0, 19, 37, 47]
    """
    if not may_hold_markup(text):
        return []
    breaks: list[int] = []
    for m in _MARKUP_RE.finditer(text):
        if not _ends_line(m):
            continue
        tag = m.group()
        name = tag[4:] if tag.startswith("&") else tag[1:]  # after "<" or "&lt;"
        if m.group(1) is not None:  # an element read whole
            breaks += [m.start(), m.end()]
        elif name.startswith("/") or name[:2].lower() in ("br", "hr"):
            breaks.append(m.end())
        else:
            breaks.append(m.start())
    return sorted(set(breaks))


def _shown_markup(m: re.Match[str]) -> str:
    """Markup as a reader sees it: a line break where it ends a line, else a space."""
    return "\n" if _ends_line(m) else " "


def _blanked(m: re.Match[str]) -> str:
    """Markup read as spaces, one for each of its characters: it holds no words of the
    story (its link's address, its attributes)."""
    return " " * len(m.group())


# The last text read through its markup, references and mojibake (:func:`as_read`), as it
# reads; a text shorter than _REMEMBERED (a word) is not remembered, so that it does not
# take the place of the article whose sentences are being read.
_READ: tuple[str, str] = ("", "")
_REMEMBERED = 200


def as_read(text: str) -> str:
    """``text`` as its words are read: when it holds HTML markup, an HTML character
    reference or mojibake of UTF-8 read as Windows-1252, the text with the markup read as
    spaces (:func:`_blanked`) and each reference or mojibake as the character it stands for
    (:func:`_padded`), of the same length, so that offsets into it are offsets into
    ``text``.  The last text read is remembered: its sentences are read one call at a
    time."""
    global _READ
    last, read = _READ
    if last is text:
        return read
    read = text
    if may_hold_markup(read):
        read = _MARKUP_RE.sub(_blanked, read)
    if _may_hold_characters_to_mend(read):
        read = _MOJIBAKE_RE.sub(_mended, _REFERENCE_RE.sub(_reference, read))
    if len(text) >= _REMEMBERED:
        _READ = (text, read)
    return read


def as_shown(text: str) -> str:
    """``text`` as a reader sees it: by the rules of :func:`as_read`, each piece of HTML
    markup as one line break where it ends a line (:func:`markup_breaks`) or else one space,
    and each character reference or run of mojibake as the character it stands for, but not
    padded to keep offsets (a headline shown beside an article).

    >>> as_shown("<p>Tom &amp; Jerry&#8217;s &quot;day&quot; at the <b>caf&eacute;</b></p>")
    '\\nTom & Jerry’s "day" at the  café \\n'
    """
    shown = text
    if may_hold_markup(shown):
        shown = _MARKUP_RE.sub(_shown_markup, shown)
    if _may_hold_characters_to_mend(shown):
        shown = _MOJIBAKE_RE.sub(_mended_char, _REFERENCE_RE.sub(_reference_char, shown))
    return shown


def _may_hold_characters_to_mend(text: str) -> bool:
    """Whether ``text`` may hold an HTML character reference or mojibake (``&``, or one of
    ``_MOJIBAKE_HINTS``): the others are not searched for them."""
    return text.find("&") >= 0 or (
        not text.isascii() and any(hint in text for hint in _MOJIBAKE_HINTS)
    )


def normalize(text: str) -> str:
    """Normalise text for matching: NFKC, case folding, diacritics, quotes, dashes, spelling.

    The result is only used to compare; it is idempotent: ``normalize(normalize(t)) ==
    normalize(t)``.
    """
    folded = _fold(text)
    # A second pass settles the rare characters whose fold is itself foldable.
    folded = _fold(folded)
    folded = _SPACE_RE.sub(" ", folded).strip()
    return _WORD_RE.sub(lambda m: canonical_word(m.group(0)), folded)


_V = TypeVar("_V")
_ANALYSED: dict[str, tuple[str, float]] = {}
_ANALYSED_MAX = 500_000


def _remember(cache: dict[str, _V], raw: str, value: _V) -> _V:
    """Store ``value`` for ``raw`` in one of the word caches, which hold at most
    ``_ANALYSED_MAX`` entries (a full cache is emptied: words repeat, it refills)."""
    if len(cache) >= _ANALYSED_MAX:
        cache.clear()
    cache[raw] = value
    return value


def _analysis(raw: str) -> tuple[str, float]:
    """Matching key and rare-word weight of one word as written (not cached)."""
    # Folding ASCII twice gives what folding it once gives: its folded form is ASCII and
    # holds nothing that folds further.
    ascii_only = raw.isascii()
    word = _fold(raw) if ascii_only else _fold(_fold(raw))
    if word.endswith("'s"):
        word = word[:-2]
    word = canonical_word(word.replace("'", ""))
    if ascii_only:
        return match_key(word), background_weight(word)
    # A word of a script of a few languages is weighed against their lists, as written
    # (case folded) or else folded (Arabic and Hebrew lists are written without points).
    exact = unicodedata.normalize("NFKC", raw).casefold().translate(_PUNCT_MAP)
    weight = script_weight(exact, word)
    return match_key(word), background_weight(word) if weight is None else weight


def _analyse(raw: str) -> tuple[str, float]:
    """:func:`_analysis`, cached (words repeat)."""
    found = _ANALYSED.get(raw)
    if found is None:
        found = _remember(_ANALYSED, raw, _analysis(raw))
    return found


_SUFFIXES = ("ing", "ed", "es", "s", "ly")
_ES_AFTER = ("s", "x", "z", "ch", "sh")
_NO_SUFFIX = frozenset({"news", "series", "species", "always", "perhaps", "whereas", "sometimes"})


def match_key(word: str) -> str:
    """Light suffix stripping so inflections of one word match (patrols/patrolled/patrol).

    A final silent "e" goes too, so "resume", "resumed" and "resuming" share one key.

    >>> match_key("patrols"), match_key("resumed"), match_key("resume"), match_key("vehicles")
    ('patrol', 'resum', 'resum', 'vehicl')
    >>> match_key("northeastern"), match_key("says"), match_key("taxes"), match_key("press")
    ('northeast', 'say', 'tax', 'press')
    """
    if not word.isalpha() or len(word) <= 3 or word in _NO_SUFFIX:
        return word
    if len(word) > 7 and word.endswith("ern"):  # northeastern -> northeast
        return word[:-3]
    stem = word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                stem = word
            elif suffix == "es" and not stem.endswith(_ES_AFTER):
                stem = word[:-1]  # vehicles -> vehicle (then the silent e below)
            elif suffix == "ed" and stem.endswith("e"):
                stem = word[:-1]  # agreed -> agree
            elif suffix in ("ing", "ed") and len(stem) > 3 and stem[-1] == stem[-2] != "s":
                stem = stem[:-1]  # patrolled -> patrol
            break
    if len(stem) > 3 and stem.endswith("e") and not stem.endswith("ee"):
        stem = stem[:-1]
    return stem


class Token(NamedTuple):
    """One word of the original text: ``text[start:end]``, its matching key and its weight.

    ``weight`` is the word's rare-word weight (:func:`dupwire.weights.background_weight`).
    A named tuple rather than a dataclass: articles hold thousands of tokens, and tuples
    are several times cheaper to make.
    """

    start: int
    end: int
    key: str
    weight: float


# Token(start, end, key, weight) without the keyword handling of the named tuple's
# constructor, for the loops that make one per word.
_new_token = tuple.__new__

_GRAMS: dict[str, tuple[str, float]] = {}


def _gram(raw: str) -> tuple[str, float]:
    found = _GRAMS.get(raw)
    if found is None:
        key = _fold(raw)
        found = _remember(_GRAMS, raw, (key, gram_weight(key)))
    return found


def _split_nospace(raw: str, offset: int) -> list[Token]:
    """Tokens of a word that holds text without spaces: character n-grams of each such run
    (bigrams for Han and kana, trigrams for Thai and its neighbours; a shorter run is one
    token), the letters or digits around them as words."""
    out = []
    pos = 0
    for m in _NOSPACE_RE.finditer(raw):
        if m.start() > pos:
            out.append(Token(offset + pos, offset + m.start(), *_analyse(raw[pos : m.start()])))
        n = 2 if m.group(1) else 3
        lo, hi = m.span()
        for k in range(lo, max(lo + 1, hi - n + 1)):
            end = min(hi, k + n)
            out.append(Token(offset + k, offset + end, *_gram(raw[k:end])))
        pos = hi
    if pos < len(raw):
        out.append(Token(offset + pos, offset + len(raw), *_analyse(raw[pos:])))
    return out


_UNIT_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TEN_WORDS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALE_WORDS = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}
# The number words, in lower case: the words a number written in words is made of.
_NUMBER_NAMES = frozenset([*_UNIT_WORDS, *_TEN_WORDS, *_SCALE_WORDS])
_NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?")
_JOINERS = frozenset({" ", "-", "\u2011", "\u2010"})


@lru_cache(maxsize=1)
def _number_keys() -> tuple[dict[str, int], dict[str, int]]:
    """Matching keys of number words: their value, and the scale words' multipliers."""
    values = {match_key(w): v for v, w in enumerate(_UNIT_WORDS)}
    values.update({match_key(w): 20 + 10 * k for k, w in enumerate(_TEN_WORDS)})
    scales = {match_key(w): v for w, v in _SCALE_WORDS.items()}
    return values, scales


def _number_value(raw: str) -> float | None:
    if _NUMBER_RE.fullmatch(raw):
        return float(raw.replace(",", ""))
    return None


def _numbers(text: str, tokens: list[Token]) -> list[Token]:
    """Numbers written in words or with a scale become one token keyed by their value, so
    "24", "twenty-four" and "twenty four" match, as do "3.2 million" and "3,200,000".

    A run is digits or number words joined by spaces or hyphens, then scale words; a lone
    "one" or "zero" stays a word ("one of them").  ``tokens`` comes back as it is when no
    token can start a number; the tokens between runs are copied in slices.
    """
    values, scales = _number_keys()
    starts = [k for k, tok in enumerate(tokens) if tok.key[:1].isdigit() or tok.key in values]
    if not starts:
        return tokens
    out: list[Token] = []
    done = 0  # tokens[:done] are in out
    for k in starts:
        if k < done:
            continue  # joined to the run before
        tok = tokens[k]
        digits = _number_value(text[tok.start : tok.end]) if tok.key[:1].isdigit() else None
        if digits is None and tok.key not in values:
            continue
        out.extend(tokens[done:k])
        total, current = 0.0, digits if digits is not None else float(values[tok.key])
        j = k + 1
        words = digits is None
        while j < len(tokens) and text[tokens[j - 1].end : tokens[j].start] in _JOINERS:
            key = tokens[j].key
            if key in scales:
                if scales[key] == 100:
                    current *= 100
                else:
                    total += current * scales[key]
                    current = 0.0
            elif (
                words and key in values and values[key] < 10 <= current % 100 and current % 10 == 0
            ):
                current += values[key]  # twenty-four
            elif words and key in values and current >= 100 and current % 100 == 0:
                current += values[key]  # three hundred five
            else:
                break
            j += 1
        value = round(total + current, 3)
        if j == k + 1 and (digits is not None and "," not in text[tok.start : tok.end]):
            out.append(tok)  # a plain number keeps its key
        elif j == k + 1 and digits is None and value < 2:
            out.append(tok)
        else:
            key = str(int(value)) if value == int(value) else repr(value)
            out.append(Token(tok.start, tokens[j - 1].end, key, background_weight(key)))
        done = j
    out.extend(tokens[done:])
    return out


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Words of ``text[start:end]`` with offsets into ``text`` and their matching keys.

    Text without spaces between words (Chinese, Japanese, Thai) gives overlapping character
    n-grams, each with its offsets:

    >>> [(t.start, t.end, t.key) for t in tokenize("巡逻队 2019")]
    [(0, 2, '巡逻'), (1, 3, '逻队'), (4, 8, '2019')]
    """
    stop = len(text) if end is None else end
    text = as_read(text)
    cache = _ANALYSED
    tokens = []
    for m in _WORD_RE.finditer(text, start, stop):
        raw = m.group()
        if not raw.isascii() and _HAS_NOSPACE.search(raw):
            tokens.extend(_split_nospace(raw, m.start()))
            continue
        key, weight = cache.get(raw) or _analyse(raw)
        tokens.append(_new_token(Token, (*m.span(), key, weight)))
    return _numbers(text, tokens)


# Text where a word as written may not be one token: digits and number words (merged into
# one number token), scripts without spaces (split into grams).
_SPECIAL_RE = re.compile(
    f"[0-9{_HAN_KANA}{_SOUTHEAST}]|\\b(?:" + "|".join(sorted(_NUMBER_NAMES)) + ")\\b",
    re.IGNORECASE,
)


_WHOLE: dict[str, tuple[str, float]] = {}


def analyse(raw: str) -> tuple[str, float]:
    """Matching key and rare-word weight of one word as written (one token of
    :func:`tokenize`, as :func:`raw_words` gives them).

    >>> analyse("Patrolled"), analyse("twenty-four")
    (('patrol', 4.1), ('24', 1.5))
    """
    found = _WHOLE.get(raw)
    if found is None:
        found = _remember(_WHOLE, raw, _as_token(raw, _ANALYSED.get(raw) or _analyse(raw)))
    return found


def _as_token(raw: str, analysed: tuple[str, float]) -> tuple[str, float]:
    """Key and weight of a word as written (its :func:`_analysis`, ``analysed``) as one
    token of :func:`tokenize`: a number word or a number takes the key of its number.

    A word of ASCII letters is special only when it is a number word as a whole (it holds
    no digit, no script without spaces, no word boundary inside): most words, and names,
    skip the search."""
    if raw.isascii() and raw.isalpha() and raw.lower() not in _NUMBER_NAMES:
        return analysed
    if _SPECIAL_RE.search(raw):
        toks = tokenize(raw)
        if len(toks) == 1:
            return toks[0].key, toks[0].weight
    return analysed


def _is_number_word(key: str) -> bool:
    return key in _number_key_set()


@lru_cache(maxsize=1)
def _number_key_set() -> frozenset[str]:
    """The keys of :func:`_number_keys`, values and scales alike."""
    values, scales = _number_keys()
    return frozenset(values) | frozenset(scales)


class _NumberWords(dict[str, bool]):
    """Whether a word as written is a number word ("Twenty", "millions"): one that
    :func:`tokenize` may join with its neighbours into one number token."""

    def __missing__(self, raw: str) -> bool:
        key = (_ANALYSED.get(raw) or _analyse(raw))[0]
        return _remember(self, raw, _is_number_word(key))


_NUMBER_WORDS = _NumberWords()


def _may_join(words: list[str]) -> bool:
    """Whether :func:`tokenize` could join two of ``words`` (the words of a text, in order)
    into one number token.  Only a number word joins the word before it, and only when that
    one is a number word or starts with a digit ("twenty-four", "3.2 million"); a number word
    after any other word ("said two") stays a word, so most texts with one are plain."""
    joins = list(map(_NUMBER_WORDS.__getitem__, words))
    return any(join_flags(words[k - 1]) for k in compress(range(1, len(words)), joins[1:]))


def _plain_words(text: str, start: int, stop: int) -> list[str] | None:
    """The words of ``text[start:stop]`` when each word as written is one token (no number
    words that may join, no text without spaces), else None.  Digits alone never join:
    "3,200,000" is one word and one token, "3.2 million" holds the number word "million"."""
    words = _WORD_RE.findall(text, start, stop)
    if any(map(_NUMBER_WORDS.__getitem__, words)) and _may_join(words):
        return None
    if not text.isascii() and _HAS_NOSPACE.search(text, start, stop):
        return None
    return words


def raw_words(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """The words of ``text[start:end]`` as written, one per token of :func:`tokenize`
    (a number written in words is one, text without spaces gives its grams), no offsets.

    >>> raw_words("U.S. troops’ 3.2 km, twenty-four")
    ['U', 'S', 'troops', '3.2', 'km', 'twenty-four']
    """
    stop = len(text) if end is None else end
    read = as_read(text)
    words = _plain_words(read, start, stop)
    if words is None:
        # tokenize reads the text itself (the view remembered): a view read again is not
        # always the same view (double mojibake), and would evict the text's.
        return [read[s:e] for s, e, _, _ in tokenize(text, start, stop)]
    return words


def join_flags(raw: str) -> int:
    """What :func:`raw_words` asks of a word as written to decide whether it may join its
    neighbour into one number token (see ``_may_join``): 1 if it is a number word, plus 2 if
    its key starts with a digit.

    >>> join_flags("Twenty"), join_flags("3.2"), join_flags("said")
    (1, 2, 0)
    """
    return _key_flags((_ANALYSED.get(raw) or _analyse(raw))[0])


def _key_flags(key: str) -> int:
    """:func:`join_flags` of a word whose :func:`_analysis` key is ``key``."""
    return _is_number_word(key) | key[:1].isdigit() << 1


def word_entry(raw: str) -> tuple[tuple[str, float], int]:
    """``(analyse(raw), join_flags(raw))`` of a word as written, for a caller that keeps its
    own table of the words it met (the scan's): the word is analysed once, and unless it
    holds a number it goes into none of this module's word caches.

    >>> word_entry("Twenty"), word_entry("Patrolled")
    ((('20', 1.5), 1), (('patrol', 4.1), 0))
    """
    analysed = _analysis(raw)
    return _as_token(raw, analysed), _key_flags(analysed[0])


# The words of "plain" text, one byte per character: text whose only characters beyond
# ASCII are neither letters nor digits nor in a script without spaces, save the
# apostrophe ’ (written as the byte 0x80).  There the word pattern's word characters are
# the ASCII letters and digits, so this pattern on :func:`plain_bytes` finds at the same
# offsets the words _WORD_RE finds in the text (:func:`plain_word` gives them back as
# written), several times faster.
PLAIN_WORD_RE = re.compile(rb"\d+(?:[.,]\d+)+|[A-Za-z0-9]+(?:['\x80][A-Za-z0-9]+)*")
_IN_WORD = re.compile(f"[{_MARKS}{_INVISIBLE}]")  # not letters, but parts of a word
_PLAIN_ERRORS = "dupwire.plain"


class _NotPlain(ValueError):
    pass


def _plain_char(exc: UnicodeError) -> tuple[bytes, int]:
    """Codec error handler of :func:`plain_bytes`: one byte for each character beyond ASCII."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = bytearray()
    for ch in exc.object[exc.start : exc.end]:
        if ch == "’":
            out += b"\x80"
        elif ch.isalnum() or ch == "\x80" or _HAS_NOSPACE.match(ch) or _IN_WORD.match(ch):
            raise _NotPlain
        else:
            out += b" "
    return bytes(out), exc.end


codecs.register_error(_PLAIN_ERRORS, _plain_char)


def plain_bytes(text: str) -> bytes | None:
    """``text`` as one byte per character for :data:`PLAIN_WORD_RE`, or None when it is not
    plain (see there).

    >>> plain_bytes("Türkiye"), plain_bytes("Turkey’s “troops”")
    (None, b'Turkey\\x80s  troops ')
    """
    try:
        return as_read(text).encode("ascii", _PLAIN_ERRORS)
    except _NotPlain:
        return None


def plain_word(word: bytes) -> str:
    """A word of :data:`PLAIN_WORD_RE` as written in the text.

    >>> plain_word(b"Turkey\\x80s")
    'Turkey’s'
    """
    return word.decode("latin-1").replace("\x80", "\u2019")


def word_keys(text: str, start: int = 0, end: int | None = None) -> list[tuple[str, float]]:
    """``(key, weight)`` of each word of ``text[start:end]``: :func:`tokenize` without offsets.

    The fast path for work that never shows a word (clustering scans whole corpora).

    >>> [key for key, weight in word_keys("Troops resumed patrols")]
    ['troop', 'resum', 'patrol']
    """
    stop = len(text) if end is None else end
    words = _plain_words(text, start, stop)
    # A lone number word with an ending ("tens", "sevens") is a number token of its own
    # in tokenize but not in analyse, so number words go through tokenize here.
    if words is None or any(map(_NUMBER_WORDS.__getitem__, words)):
        return [(t.key, t.weight) for t in tokenize(text, start, stop)]
    return [_WHOLE.get(raw) or analyse(raw) for raw in words]
