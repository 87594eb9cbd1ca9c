from __future__ import annotations

import html
import string
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dupwire.normalize import (
    _HAS_NOSPACE,
    _IN_WORD,
    _NOSPACE_RE,
    _NUMBER_NAMES,
    _SPECIAL_RE,
    _SPELLING_ANY,
    _SPELLING_RULES,
    _WORD_RE,
    PLAIN_WORD_RE,
    _fold,
    _fold_unicode,
    analyse,
    as_read,
    canonical_word,
    join_flags,
    match_key,
    normalize,
    plain_bytes,
    plain_word,
    raw_words,
    tokenize,
    word_entry,
    word_keys,
)
from dupwire.segment import split_spans
from tests.conftest import FIXTURES


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("Erdoğan", "Erdogan", id="diacritics"),
        pytest.param("Türkiye", "Turkiye", id="turkish-u"),
        pytest.param("armoured", "armored", id="our-or"),
        pytest.param("Defence", "defense", id="ence-ense"),
        pytest.param("centre", "center", id="tre-ter"),
        pytest.param("organisation", "organization", id="ise-ize"),
        pytest.param("travelled", "traveled", id="double-l"),
        pytest.param("catalogue", "catalog", id="ogue-og"),
        pytest.param("“quoted”", '"quoted"', id="curly-quotes"),
        pytest.param("Turkey’s", "Turkey's", id="apostrophe"),
        pytest.param("pro—Kurdish", "pro-kurdish", id="em-dash"),
        pytest.param("ＡＢＣ", "abc", id="fullwidth-nfkc"),
        pytest.param("İstanbul", "istanbul", id="dotted-capital-i"),
        pytest.param("Yaşar Güler", "Yasar Guler", id="cedilla-umlaut"),
    ],
)
def test_variants_normalise_alike(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("four", "for", id="four-is-not-for"),
        pytest.param("2019", "2018", id="numbers-kept"),
        pytest.param("3.2", "32", id="decimal-kept"),
    ],
)
def test_distinct_words_stay_distinct(a: str, b: str) -> None:
    assert normalize(a) != normalize(b)


def test_numbers_are_tokens() -> None:
    assert [t.key for t in tokenize("344 patrols, 3.2 million, F-16")] == [
        "344",
        "patrol",
        "3200000",
        "f",
        "16",
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("24 soldiers", "twenty-four soldiers", id="hyphenated"),
        pytest.param("24 soldiers", "twenty four soldiers", id="spaced"),
        pytest.param("3.2 million people", "3,200,000 people", id="scale"),
        pytest.param("1.1 billion", "1,100,000,000", id="billion"),
        pytest.param("three hundred five", "305", id="hundreds"),
        pytest.param("four vehicles", "4 vehicles", id="small"),
    ],
)
def test_numbers_written_differently_share_a_key(a: str, b: str) -> None:
    assert [t.key for t in tokenize(a)] == [t.key for t in tokenize(b)]
    text = "Some " + a + "."
    toks = tokenize(text)
    assert (
        text[toks[1].start : toks[1].end]
        == a.split(" people")[0].split(" soldiers")[0].split(" vehicles")[0]
    )


def test_one_as_a_word_stays_a_word() -> None:
    assert [t.key for t in tokenize("one of them")] == ["one", "of", "them"]


def test_token_offsets_point_into_original() -> None:
    text = "Erdoğan’s troops\r\nresumed patrols."
    for tok in tokenize(text):
        assert text[tok.start : tok.end].strip() == text[tok.start : tok.end]
    first = tokenize(text)[0]
    assert text[first.start : first.end] == "Erdoğan’s"
    assert tokenize(text)[0].key == "erdogan"


def test_match_key_inflections() -> None:
    assert match_key("patrols") == match_key("patrol") == match_key("patrolled")
    assert match_key("northeastern") == match_key("northeast")
    assert match_key("press") == "press"
    assert canonical_word("hour") == "hour"


@given(st.text(max_size=200))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(deadline=None)  # the first example loads frequency lists
@given(st.text(max_size=200))
def test_tokens_slice_the_original(text: str) -> None:
    for tok in tokenize(text):
        piece = text[tok.start : tok.end]
        assert piece and not piece.isspace()


def _ecb_words(ecb_records: list[dict[str, Any]]) -> set[str]:
    return {w for r in ecb_records for w in _WORD_RE.findall(r["text"])}


def test_ascii_fold_matches_unicode_fold(ecb_records: list[dict[str, Any]], seed_a: str) -> None:
    ascii_text = [chr(c) for c in range(128)] + [w for w in _ecb_words(ecb_records) if w.isascii()]
    ascii_text += [line for line in seed_a.splitlines() if line.isascii()]
    assert len(ascii_text) > 5000
    for text in ascii_text:
        assert _fold(text) == _fold_unicode(text), text
    assert _fold("Can`t STOP") == "can't stop"


@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_folds_once(text: str) -> None:
    assert _fold(_fold(text)) == _fold(text)


def _assert_word_entry(word: str) -> None:
    """The scan's word table reads a word as :func:`analyse` and :func:`join_flags` do."""
    import dupwire.normalize as norm

    caches = [dict(norm._ANALYSED), dict(norm._WHOLE), dict(norm._NUMBER_WORDS)]
    entry = word_entry(word)
    if not norm._SPECIAL_RE.search(word):  # no number in it: the caches are left alone
        assert caches == [norm._ANALYSED, norm._WHOLE, norm._NUMBER_WORDS]
    assert entry == (analyse(word), join_flags(word)), word


def test_word_entry_is_analyse_and_join_flags(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    words = _ecb_words(ecb_records) | set(raw_words(seed_a)) | set(raw_words(seed_b))
    for path in sorted((FIXTURES / "cjk").glob("*.txt")):
        words |= set(raw_words(path.read_text(encoding="utf-8")))
    words |= {*_NUMBER_WORDS, *_OTHER_WORDS, "Twenty-four", "3.2km", "Erdoğan’s", "ﬁle"}
    assert len(words) > 5000
    for word in sorted(words):
        _assert_word_entry(word)


@given(st.text(min_size=1, max_size=12))
def test_word_entry_is_analyse_and_join_flags_on_any_word(word: str) -> None:
    for found in _WORD_RE.findall(word):
        _assert_word_entry(found)


_LETTERS = st.text(st.sampled_from(string.ascii_letters), min_size=1, max_size=12)
_NAMED = st.sampled_from(sorted(_NUMBER_NAMES)).flatmap(
    lambda name: st.sampled_from([name, name.upper(), name.title(), name + "s", "a" + name])
)


@given(_LETTERS | _NAMED)
def test_ascii_letters_are_special_only_as_a_number_word(word: str) -> None:
    """The shortcut of ``_as_token``: a word of ASCII letters holds a number for the
    search exactly when it is a number word as a whole."""
    assert bool(_SPECIAL_RE.search(word)) == (word.lower() in _NUMBER_NAMES)


def test_ascii_letters_are_special_only_as_a_number_word_on_news(
    ecb_records: list[dict[str, Any]],
) -> None:
    words = {w for w in _ecb_words(ecb_records) if w.isascii() and w.isalpha()}
    assert len(words) > 5000
    for word in words:
        assert bool(_SPECIAL_RE.search(word)) == (word.lower() in _NUMBER_NAMES), word


def test_spelling_pre_check_finds_every_word_a_rule_changes(
    ecb_records: list[dict[str, Any]],
) -> None:
    words = {w.lower() for w in _ecb_words(ecb_records) if w.isalpha()}
    words |= {"armoured", "centres", "organisations", "analysed", "dialogues", "travellers"}
    changed = {w for w in words if any(p.sub(r, w) != w for p, r in _SPELLING_RULES)}
    assert {w for w in words if _SPELLING_ANY.match(w)} == changed
    assert len(changed) > 20


def test_nospace_check_finds_the_characters_of_the_nospace_runs() -> None:
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    runs = "".join(m.group() for m in _NOSPACE_RE.finditer(every))
    assert "".join(_HAS_NOSPACE.findall(every)) == runs
    for path in sorted((FIXTURES / "cjk").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        words = raw_words(text)
        assert words == [text[t.start : t.end] for t in tokenize(text)]
        assert any(len(w) == 2 and _HAS_NOSPACE.match(w) for w in words)  # bigrams


def _assert_words_are_the_tokens(text: str, start: int = 0, end: int | None = None) -> None:
    """The shortcuts that skip offsets give the words (as read) and keys of
    :func:`tokenize`."""
    tokens = tokenize(text, start, end)
    read = as_read(text)
    assert raw_words(text, start, end) == [read[t.start : t.end] for t in tokens]
    assert word_keys(text, start, end) == [(t.key, t.weight) for t in tokens]


def test_words_as_read_are_the_tokens_through_markup_references_and_mojibake() -> None:
    # A number run sends raw_words through tokenize, which reads the text itself: the view
    # of a view is not always the same (mojibake of mojibake, "ÃƒÂ©", reads again).
    twice = "Ã" + chr(0x192) + "Â©"
    text = f"Twenty four <b>troops</b> &amp; caf{twice}s said. {twice} Two hundred left."
    _assert_words_are_the_tokens(text * 10)


def _news_sentences(texts: list[str]) -> Iterator[tuple[str, int, int]]:
    """``(text, start, end)`` of every unit of every text."""
    for text in texts:
        for start, end, _, _ in split_spans(text):
            yield text, start, end


def test_words_as_written_are_the_tokens_on_news(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    joined = 0
    for text, start, end in _news_sentences([r["text"] for r in ecb_records] + [seed_a, seed_b]):
        _assert_words_are_the_tokens(text, start, end)
        joined += len(_WORD_RE.findall(text, start, end)) != len(tokenize(text, start, end))
    assert joined > 50  # sentences where a number run is one token


_NUMBER_WORDS = ["one", "Two", "twenty", "four", "Five", "hundred", "Million", "billion"]
_OTHER_WORDS = ["thousand", "ones", "millions", "tens", "3", "3.2", "1,200", "24", "said", "U.S."]
_NUMBER_PIECES = st.sampled_from(_NUMBER_WORDS + _OTHER_WORDS)
_GAPS = st.sampled_from([" ", "-", "\u2011", "\u2010", ", ", ". ", "  ", "\n", "\u2013", "/"])


@settings(deadline=None)
@given(st.lists(st.tuples(_NUMBER_PIECES, _GAPS), max_size=12))
def test_words_as_written_are_the_tokens_in_number_runs(pieces: list[tuple[str, str]]) -> None:
    _assert_words_are_the_tokens("".join(word + gap for word, gap in pieces))


def _plain_words(text: str, start: int = 0, end: int | None = None) -> list[str] | None:
    plain = plain_bytes(text)
    if plain is None:
        return None
    stop = len(text) if end is None else end
    return [plain_word(w) for w in PLAIN_WORD_RE.findall(plain, start, stop)]


def test_plain_bytes_refuse_exactly_the_word_characters_beyond_ascii() -> None:
    """Every character beyond ASCII (the BMP, and a sample above it) is either refused or
    stands between words as _WORD_RE reads it, save ’, which joins them."""
    refused = 0
    for code in [*range(128, 0x10000), *range(0x10000, sys.maxunicode + 1, 37)]:
        ch = chr(code)
        text = f"a{ch}b 3{ch}4 x"
        words = _plain_words(text)
        if words is None:
            refused += 1
            assert ch.isalnum() or _HAS_NOSPACE.match(ch) or _IN_WORD.match(ch) or ch == "\x80", (
                hex(code)
            )
        else:
            assert words == _WORD_RE.findall(text), hex(code)
    assert refused > 40_000


def test_words_hold_their_combining_marks_and_invisible_characters() -> None:
    """Vowel signs (Devanagari), accents in decomposed form (NFD) and the soft hyphens and
    zero-width characters of scraped text stay inside their words, and the keys are those
    of the words as usually written."""
    import unicodedata

    assert raw_words("नमस्ते दुनिया, किताब") == ["नमस्ते", "दुनिया", "किताब"]
    composed = "Les élèves de Besançon, à l'école de São Paulo, ont déclaré"
    decomposed = unicodedata.normalize("NFD", composed)
    assert len(raw_words(decomposed)) == len(raw_words(composed)) == 11
    assert [t.key for t in tokenize(decomposed)] == [t.key for t in tokenize(composed)]
    scraped = "The pre\u00adsident of Besan\u200b\u00e7on met Erdo\u2060gan in Ank\ufeffara"
    assert [t.key for t in tokenize(scraped)] == [
        t.key for t in tokenize("The president of Besançon met Erdogan in Ankara")
    ]
    assert normalize(scraped) == normalize("The president of Besançon met Erdogan in Ankara")
    # Every combining mark of the Basic Multilingual Plane is read as a part of a word.
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code))[0] == "M":
            assert _IN_WORD.match(chr(code)), hex(code)


_PLAIN_ALPHABET = st.sampled_from(
    [
        *"aZ09 .,'’_-\n\t",
        *("\x80", "\xa0", "\u201c", "\u2014", "\xe9", "\u4e00", "\u0e31", "\ud800"),
        *("\u0301", "\u00ad", "\u200b", "\ufeff", "\u093f"),  # marks, invisible characters
    ]
)


@settings(max_examples=500)
@given(st.text(_PLAIN_ALPHABET, max_size=60), st.integers(0, 60), st.integers(0, 60))
def test_plain_words_are_the_words(text: str, start: int, end: int) -> None:
    words = _plain_words(text, start, end)
    if words is not None:
        assert words == _WORD_RE.findall(text, start, end)


def test_plain_words_are_the_words_on_news(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    plain = 0
    for text, start, end in _news_sentences([r["text"] for r in ecb_records] + [seed_a, seed_b]):
        words = _plain_words(text, start, end)
        if words is not None:
            assert words == _WORD_RE.findall(text, start, end)
            plain += 1
    assert plain > 9_000


# --- HTML character references ---------------------------------------------------------


def _as_a_feed_writes(text: str) -> str:
    """``text`` as scraped pages and RSS feeds often keep it: HTML character references for
    &, <, >, quotes, apostrophes, no-break spaces and some letters."""
    escaped = html.escape(text, quote=False).replace("\u00a0", "&nbsp;")
    for char, ref in (("’", "&#8217;"), ("“", "&#8220;"), ("”", "&#x201D;"), ("'", "&#39;")):
        escaped = escaped.replace(char, ref)
    return escaped.replace('"', "&quot;").replace("é", "&eacute;").replace("–", "&ndash;")


def test_html_character_references_read_as_the_characters_they_stand_for(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    # The same words, keys and weights as the text itself, at offsets into the text as
    # written: a word holding a reference spans it whole.
    from dupwire.cluster.scan import scan_texts

    texts = [seed_a, seed_b, *(r["text"] for r in ecb_records[:120])]
    escaped = [_as_a_feed_writes(t) for t in texts]
    assert sum(e != t for e, t in zip(escaped, texts, strict=True)) > 100
    for text, esc in zip(texts, escaped, strict=True):
        plain, read = tokenize(text), tokenize(esc)
        assert [(t.key, t.weight) for t in read] == [(t.key, t.weight) for t in plain]
        for r, p in zip(read, plain, strict=True):
            assert html.unescape(esc[r.start : r.end]) == text[p.start : p.end]
        assert [analyse(w) for w in raw_words(esc)] == [analyse(w) for w in raw_words(text)]
    # The scan of a corpus (its fast path for plain text included) reads them alike.
    a, b = scan_texts(texts), scan_texts(escaped)
    assert [b.types[k] for k in b.tokens] == [a.types[k] for k in a.tokens]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("AT&T and R&D", ["AT", "T", "and", "R", "D"]),  # no reference: no semicolon
        ("Fish &bogus; chips", ["Fish", "bogus", "chips"]),  # a name HTML does not know
        ("the troops&#8217; vehicles", ["the", "troops", "vehicles"]),
        ("&#39;Quoted&#39; caf&eacute; &Eacute;cole", ["Quoted", "caf&eacute;", "&Eacute;cole"]),
    ],
)
def test_what_is_no_character_reference_stays_and_words_span_their_references(
    text: str, words: list[str]
) -> None:
    assert [text[t.start : t.end] for t in tokenize(text)] == words


def _as_mojibake(text: str, codec: str = "cp1252") -> str:
    """``text`` as a page in UTF-8 read as Windows-1252 shows it ("donâ€™t"), or as Latin-1
    does ("donâ\x80\x99t")."""
    return "".join(bytes([b]).decode(codec, "ignore") or chr(b) for b in text.encode("utf-8"))


def test_mojibake_of_utf8_read_as_windows_1252_reads_as_the_text(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    # "donâ€™t", "cafÃ©", "Ð¢ÑƒÑ€Ñ†Ð¸Ñ": each character of the text, as the same words,
    # keys and weights, at offsets into the text as written.
    from dupwire.cluster.scan import scan_texts

    others = ["Турецкие и российские военные возобновили патрулирование.", "الجيش التركي"]
    texts = [seed_a, seed_b, *others, *(r["text"] for r in ecb_records[:80])]
    broken = [_as_mojibake(t) for t in texts]
    assert sum(b != t for b, t in zip(broken, texts, strict=True)) > 10
    for codec in ("cp1252", "latin-1"):
        for text in texts:
            bad = _as_mojibake(text, codec)
            plain, read = tokenize(text), tokenize(bad)
            assert [(t.key, t.weight) for t in read] == [(t.key, t.weight) for t in plain]
            for r, p in zip(read, plain, strict=True):
                assert _as_mojibake(text[p.start : p.end], codec) == bad[r.start : r.end]
    a, b = scan_texts(texts), scan_texts(broken)
    assert [b.types[k] for k in b.tokens] == [a.types[k] for k in a.tokens]
    # Text that only looks like it (a multiplication sign, "SÃO PAULO") stays as written.
    for text in ("3×4 rooms", "SÃO PAULO", "Â"):
        assert [text[t.start : t.end] for t in tokenize(text)] == _WORD_RE.findall(text)


def test_text_as_shown_is_the_text_before_a_feed_escaped_it_or_a_page_broke_it(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    # What a headline beside an article shows: by the rules words are read by, but without
    # the padding that keeps offsets ('&quot;day&quot;' shows as '"day"', not '"   day').
    from dupwire.normalize import as_shown

    texts = [seed_a, seed_b, *(r["text"] for r in ecb_records[:80])]
    for text in texts:
        assert as_shown(text) == text
        assert as_shown(_as_a_feed_writes(text)) == text
        assert as_shown(_as_mojibake(text)) == text
    # A block's tags end a line, inline tags read as a space; so do escaped tags, while
    # escaped prose stays text.
    assert as_shown('<p class="lead">Troops <b>left</b>.</p>') == "\nTroops  left .\n"
    escaped = "&lt;p class=&quot;lead&quot;&gt;Troops &lt;b&gt;left&lt;/b&gt;.&lt;/p&gt;"
    assert as_shown(escaped) == "\nTroops  left .\n"
    assert as_shown("a &lt;b and c&gt; d") == "a <b and c> d"


def test_html_markup_reads_as_spaces(ecb_records: list[dict[str, Any]], seed_a: str) -> None:
    # A feed item's text as markup ("<p>", a link, a comment, a script): the same words,
    # keys and weights as its text, at offsets into the text as written. Before, "href",
    # "https", "www" and the link's address were words of every item of the feed.
    from dupwire.cluster.scan import scan_texts

    def as_feed_item(text: str) -> str:
        paras = [f"<p class='body'>{p}</p>" for p in text.split("\n") if p.strip()]
        link = '<a href="https://www.example.com/world?id=7&amp;ref=rss">Read more</a>'
        return "<div>\n" + "\n".join(paras) + f"\n<!-- ad -->\n<p>{link}<br/></p>\n</div>"

    texts = [seed_a, *(r["text"] for r in ecb_records[:60])]
    for text in texts:
        item = as_feed_item(html.escape(text, quote=False))
        plain, read = tokenize(text + "\nRead more"), tokenize(item)
        assert [(t.key, t.weight) for t in read] == [(t.key, t.weight) for t in plain]
        assert [html.unescape(item[t.start : t.end]) for t in read] == [
            (text + "\nRead more")[t.start : t.end] for t in plain
        ]
    items = [as_feed_item(t) for t in texts]
    a, b = scan_texts([t + "\nRead more" for t in texts]), scan_texts(items)
    assert [b.types[k] for k in b.tokens] == [a.types[k] for k in a.tokens]
    # A saved page's code and furniture elements read as no words.
    page = "<!DOCTYPE html><html><head><title>Site</title></head><body><nav>Home</nav>"
    page += "<p>Troops left.</p><footer>All rights reserved</footer></body></html>"
    assert [t.key for t in tokenize(page)] == ["troop", "left"]
    # Angle brackets of prose are no markup.
    prose = "If a <b and c> d, then 5 < 6 > 4 <3"
    assert [prose[t.start : t.end] for t in tokenize(prose)] == _WORD_RE.findall(prose)
