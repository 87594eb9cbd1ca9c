from __future__ import annotations

import html
import itertools
import random
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dupwire.normalize import as_read
from dupwire.segment import split_spans, split_units


def _texts(text: str, kind: str | None = None) -> list[str]:
    return [text[u.start : u.end] for u in split_units(text) if kind is None or u.kind == kind]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "ANKARA (Reuters) - Turkish troops left. They came back.",
            ["ANKARA (Reuters) - Turkish troops left.", "They came back."],
            id="dateline-kept-with-lead",
        ),
        pytest.param(
            "U.S. officials met Gen. Smith on Jan. 5. Dr. Jones agreed.",
            ["U.S. officials met Gen. Smith on Jan. 5.", "Dr. Jones agreed."],
            id="abbreviations",
        ),
        pytest.param(
            'He said: "We will act. We are ready." The talks end Friday.',
            ['He said: "We will act. We are ready."', "The talks end Friday."],
            id="quotation-whole",
        ),
        pytest.param(
            "Russia resumes patrols\nTroops moved in. Tanks followed.",
            ["Russia resumes patrols", "Troops moved in.", "Tanks followed."],
            id="headline-without-stop",
        ),
        pytest.param(
            "Line one.\r\n\r\nLine two.",
            ["Line one.", "Line two."],
            id="crlf",
        ),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


def test_seed_furniture(seed_a: str) -> None:
    furniture = _texts(seed_a, "boilerplate")
    assert "Leave a Reply" in furniture
    assert "Required fields are marked *" in furniture
    assert "The United States and Iran exchange prisoners." in furniture
    story = _texts(seed_a, "story")
    assert story[0] == "Türkiye, Russia resume joint military patrols in Syria"
    assert not any("Leave a Reply" in s for s in story)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("Sign up for our daily newsletter", id="newsletter"),
        pytest.param("(Reporting by Jane Doe; Editing by John Roe)", id="reuters-credit"),
        pytest.param("© 2024 Example Media. All rights reserved.", id="copyright"),
        pytest.param("Read more: Klitschko retains his belts", id="read-more-link"),
    ],
)
def test_furniture_lines(line: str) -> None:
    text = f"Troops resumed patrols in Syria.\n{line}\nThe ministry said so."
    assert " ".join(_texts(text, "boilerplate")) == line
    assert _texts(text, "story") == ["Troops resumed patrols in Syria.", "The ministry said so."]


@pytest.mark.parametrize(
    "line",
    [  # timestamp lines of ECB+ dev articles, as written
        pytest.param("May 2, 2013", id="date"),
        pytest.param("Posted: Friday, March 8, 2013 2:39 pm", id="posted-weekday-clock"),
        pytest.param("UPDATED: 19:14 GMT, 12 April 2013", id="updated-zone"),
        pytest.param("12:52 p. m. EDT May 2, 2013", id="clock-first"),
        pytest.param("on Jul 7 2012, 5: 55p", id="short-pm"),
        pytest.param("Release: 03 / 08 / 2013", id="numeric-date"),
        pytest.param("published: 2012 - 04 - 04 11:47: 35", id="iso-like"),
        pytest.param("8: 24am:", id="clock-only"),
    ],
)
def test_timestamp_lines_are_furniture(line: str) -> None:
    text = f"Lindsay Lohan checks into rehab\n{line}\nThe actress entered a clinic on Thursday."
    assert _texts(text, "boilerplate") == [line]


@pytest.mark.parametrize(
    "line",
    [  # ECB+ dev sentences that carry a date, and lines near it that are not timestamps
        pytest.param("Reid checked herself in on Tuesday, December 9, 2008.", id="in-sentence"),
        pytest.param("He will be sentenced May 3.", id="may-in-sentence"),
        pytest.param("In 2008, Klitschko stopped Thompson in the 11th round.", id="year-lead"),
        pytest.param("Ford finished his career in 1978 with 2,290 points.", id="figures"),
        pytest.param("WASHINGTON, DC, April 28, 2009", id="place-and-date"),
        pytest.param("344", id="bare-number"),
    ],
)
def test_dates_inside_story_stay_story(line: str) -> None:
    text = f"Lindsay Lohan checks into rehab\n{line}\nThe actress entered a clinic on Thursday."
    assert line in _texts(text, "story")


def test_huge_single_line_is_linear() -> None:
    text = "Troops resumed patrols in northern Syria on Friday. " * 40_000  # ~2 MB, one line
    units = split_units(text)
    assert len(units) == 40_000


@given(st.text(max_size=300))
def test_units_are_ordered_trimmed_slices(text: str) -> None:
    units = split_units(text)
    for u in units:
        piece = text[u.start : u.end]
        assert piece == piece.strip() and piece
    assert all(x.end <= y.start for x, y in itertools.pairwise(units))


_FURNITURE_SAMPLES = [
    "Your email address will not be published.",
    "Required fields are marked *",
    "All rights reserved",
    "Sign up for our daily newsletter",
    "Subscribe to the weekly newsletter",
    "Share this article",
    "Share on Facebook",
    "Follow us on X",
    "Click here to read more",
    "This story was originally published by Example",
    "Advertisement",
    "Sponsored content",
    "Share",
    "Print",
    "Email",
    "Tweet",
    "Copyright 2024 Example",
    "© Example Media",
    "(Reporting by Jane Doe; Editing by John Roe)",
    "Additional reporting by Jane Doe",
    "Read our cookie policy",
    "File photo: troops in Syria",
    "Image: a tank",
]


def _any_phrase(line: str) -> bool:
    """Whether any furniture phrase rule matches ``line``, each rule tried on its own."""
    from dupwire.boilerplate import _PHRASE_RULES

    return any(re.search(rule, line, re.IGNORECASE) for _, rule in _PHRASE_RULES)


@given(st.sampled_from(_FURNITURE_SAMPLES), st.randoms())
def test_phrase_hints_cover_every_furniture_phrase(line: str, rnd: random.Random) -> None:
    from dupwire.boilerplate import _hinted

    mixed = "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in line)
    assert _any_phrase(mixed)
    assert _hinted(mixed)


def test_rules_of_the_hints_held_find_every_phrase(ecb_records: list[dict[str, Any]]) -> None:
    """Trying only the rules of the hints a line holds finds what every rule finds, on the
    samples (at a line's start and after other words) and on every line of the ECB+
    articles."""
    from dupwire.boilerplate import _has_phrase, _hinted

    lines = [ln for r in ecb_records for ln in r["text"].splitlines()]
    lines += [p + s for s in _FURNITURE_SAMPLES for p in ("", "News. ", "(", "— ")]
    found = [_any_phrase(line) for line in lines]
    assert [_has_phrase(line, _hinted(line)) for line in lines] == found
    assert sum(found) > len(_FURNITURE_SAMPLES)


@given(st.sampled_from(_FURNITURE_SAMPLES), st.randoms())
def test_each_furniture_phrase_holds_the_hint_of_its_rule(line: str, rnd: random.Random) -> None:
    from dupwire.boilerplate import _PHRASE_RULES

    mixed = "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in line)
    for hint, rule in _PHRASE_RULES:
        for m in re.finditer(rule, mixed, re.IGNORECASE):
            assert hint in m.group().lower()


@given(st.sampled_from([s for s in _FURNITURE_SAMPLES if " " in s]), st.randoms())
def test_furniture_phrases_hold_with_any_space(line: str, rnd: random.Random) -> None:
    """Scraped pages write "Share&nbsp;this story": a tab or a wide space between the words
    of a furniture line leaves it furniture, after a story line of the seed article."""
    from dupwire.boilerplate import WIDE_SPACES
    from dupwire.model import LINE_BREAKS
    from dupwire.segment import split_spans

    spaces = "\t" + "".join(c for c in WIDE_SPACES if c not in LINE_BREAKS)
    spaced = "".join(rnd.choice(spaces) if c == " " else c for c in line)
    spans = split_spans("Turkish troops entered Syria on Wednesday.\n" + spaced)
    assert [flag for *_, flag in spans] == [False, True]


def _blocks(text: str) -> list[tuple[int, int, int]]:
    spans: dict[int, tuple[int, int]] = {}
    for start, end, block, _ in split_spans(text):
        first, _ = spans.get(block, (start, end))
        spans[block] = (min(first, start), end)
    return [(block, *spans[block]) for block in sorted(spans)]


_HINT_EDGES = [
    "ΟΔΟΣ share this post\nΣ. Sign up for our newsletter. ΑΣ",  # final sigma lowers by context
    "İstanbul: Share this story\nTroops left.",  # İ lowers to two characters
    "Ärzte: “Share this story” ©\nClic\u212a here to read — Ünal’s PHOTO: x",  # K (Kelvin)
    "Click. Here we go.\nclick here to read. Email us\n© 2013 Reuters",
    "Reporting by Jane Doe; editing by John Roe\nNo hint here.",
]


def test_hinted_blocks_are_the_blocks_that_hold_a_hint(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    """One search of the lower-cased text finds the blocks that a search of each block's
    text finds, on the ECB+ articles, the seeds and edge cases."""
    from dupwire.boilerplate import _hinted, _hinted_blocks

    texts = [r["text"] for r in ecb_records] + [seed_a, seed_b, *_HINT_EDGES]
    found = 0
    for text in texts:
        blocks = _blocks(text)
        expected = {b: h for b, start, end in blocks if (h := _hinted(text[start:end]))}
        got = _hinted_blocks(text, blocks)
        if got is None:
            assert len(text.lower()) != len(text)
        else:
            assert got == expected
        found += len(expected)
    assert found > 100
    assert _hinted_blocks("a share b", [(0, 0, 5), (1, 3, 9)]) is None  # overlapping blocks


_NO_BREAK = st.characters(max_codepoint=127, exclude_characters=".?!\n")


@settings(max_examples=500)
@given(st.text(_NO_BREAK, min_size=1, max_size=120))
def test_ascii_without_terminators_is_one_sentence_for_sentencex(chunk: str) -> None:
    """The shortcut of the sentence split gives what sentencex gives."""
    import sentencex

    from dupwire.segment import _split

    assert _split(chunk, 0) == list(sentencex.segment("en", chunk)) == [chunk]


def _asking_sentencex(chunk: str, offset: int) -> list[str]:
    """The sentence split without its shortcuts: always sentencex."""
    import sentencex

    from dupwire.segment import _splitter_safe

    return list(sentencex.segment("en", _splitter_safe(chunk)))


def test_sentences_found_without_sentencex_are_its_sentences(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    from unittest import mock

    import dupwire.segment
    from dupwire.segment import _sentences, _split

    texts = [r["text"] for r in ecb_records] + [seed_a, seed_b]
    lines = [ln for text in texts for ln in text.splitlines() if ln]  # blocks are not empty
    found = {line: _sentences(line, 0, len(line)) for line in lines}
    with mock.patch.object(dupwire.segment, "_split", _asking_sentencex):
        assert {line: _sentences(line, 0, len(line)) for line in lines} == found
    asked = [line for line in lines if line.isascii() and len(_split(line, 0)) == 1]
    assert sum(not any(c in line for c in ".?!") for line in asked) > 100
    assert sum(line.rstrip(" '\")]").endswith(".") for line in asked) > 1000


_ONE_END = st.tuples(
    st.text(_NO_BREAK, max_size=100),
    st.sampled_from(".?!"),
    st.text(st.sampled_from(" \t\"')]}"), max_size=4),
)


@settings(max_examples=500)
@given(_ONE_END)
def test_ascii_with_one_final_terminator_is_one_sentence_for_sentencex(
    parts: tuple[str, str, str],
) -> None:
    """The second shortcut: one terminator, at the end before closing marks."""
    from unittest import mock

    import dupwire.segment
    from dupwire.segment import _sentences, _split

    chunk = "".join(parts)
    assert _split(chunk, 0) == [chunk]
    with mock.patch.object(dupwire.segment, "_split", _asking_sentencex):
        expected = _sentences(chunk, 0, len(chunk))
    assert _sentences(chunk, 0, len(chunk)) == expected


def _units_line_by_line(text: str) -> list[tuple[int, int, int]]:
    """The units of ``text`` found the plain way: every line of characters other than line
    breaks through ``_sentences``, blocks numbered over the lines that give a unit."""
    from dupwire.model import LINE_BREAKS
    from dupwire.segment import _sentences

    units: list[tuple[int, int, int]] = []
    lines = (m.span() for m in re.finditer(f"[^{LINE_BREAKS}]+", text))
    spans = [found for start, end in lines if (found := _sentences(text, start, end))]
    for block, found in enumerate(spans):
        units += [(s, e, block) for s, e in found]
    return units


def _pieces_joined(pieces: list[str], sep: str, max_size: int) -> st.SearchStrategy[str]:
    """Texts made of up to ``max_size`` of ``pieces`` (repeats allowed), joined by ``sep``."""
    return st.lists(st.sampled_from(pieces), max_size=max_size).map(sep.join)


_LINE_TEXTS = _pieces_joined(
    [
        *["Troops left", " U.S. troops left. ", "Gen.", "(Reuters)", '"Is it over?"', "_"],
        *["\xa0", "\n", "\r\n", "\r", "\n\n", " ", ".", "\u2028", "\x0c", "Erdo\u011fan said."],
    ],
    "",
    12,
)


@settings(max_examples=500)
@given(_LINE_TEXTS)
def test_unit_spans_are_the_line_by_line_sentences(text: str) -> None:
    from dupwire.segment import unit_spans

    assert unit_spans(text)[0] == _units_line_by_line(text)


def test_unit_spans_are_the_line_by_line_sentences_on_news(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    from dupwire.segment import unit_spans

    texts = [r["text"] for r in ecb_records] + [seed_a, seed_b, seed_a.replace("\n", "\r\n")]
    for text in texts:
        assert unit_spans(text)[0] == _units_line_by_line(text)


def _not_prose_plainly(line: str) -> bool:
    """Fewer than one space in 8 characters, and a run of 64 printable ASCII characters."""
    run = longest = 0
    for c in line:
        run = run + 1 if "!" <= c <= "~" else 0
        longest = max(longest, run)
    return len(line) > 8 * (line.count(" ") + 1) and longest >= 64


def _furniture_plainly(text: str, units: list[tuple[int, int, int]]) -> list[bool]:
    """Site furniture of each unit, the plain way: block by block, each marker rule on its
    own, and every rule tried on each unit whose block holds a phrase hint."""
    from dupwire.boilerplate import (
        _LINK_MARKER,
        _LINK_MARKER_ALONE,
        _TAIL_MARKERS,
        _hinted,
        is_timestamp,
    )

    # The text as its words are read; tabs and spaces beyond ASCII read as plain spaces.
    from dupwire.normalize import as_read

    read_so = as_read(text) != text  # markup, references or mojibake
    text = "".join(
        " " if c == "\t" or (c.isspace() and not c.isascii()) else c for c in as_read(text)
    )
    lines: dict[int, tuple[int, int]] = {}
    for start, end, block in units:
        lines[block] = (lines.get(block, (start, end))[0], end)
    marked: set[int] = set()
    tail = None
    for block in sorted(lines):
        line = text[slice(*lines[block])]
        if _TAIL_MARKERS.match(line):
            tail = block
            break
        if is_timestamp(line) or _LINK_MARKER.match(line) or _LINK_MARKER_ALONE.match(line):
            marked.add(block)
            if not is_timestamp(line) and _LINK_MARKER_ALONE.match(line):
                marked.add(block + 1)
        elif _not_prose_plainly(line) or (read_so and not any(map(str.isalnum, line))):
            marked.add(block)  # not prose, or markup alone
    return [
        (tail is not None and block >= tail)
        or block in marked
        or bool(_hinted(text[slice(*lines[block])]) and _any_phrase(text[start:end]))
        for start, end, block in units
    ]


_FURNISHED_LINES = _pieces_joined(
    [
        *_FURNITURE_SAMPLES,
        *["Troops left. Share prices fell.", "She said: print it.", "Read also:", "Related"],
        *["Read more: Klitschko retains his belts", "May 2, 2013", "Leave a Reply"],
        *["It was published. Photos: none.", "İstanbul", "clic\u212a here to", "©", "\r"],
        *["Share\xa0this story", "Leave\ta\u202freply", "All rights\u3000reserved", "\u2028"],
        *[
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
        ],
        *["See https://example.com/" + "a" * 70 + "?x=1 now.", "a" * 63 + " b", "x" * 64],
    ],
    "\n",
    10,
)


@settings(max_examples=300)
@given(_FURNISHED_LINES)
def test_furniture_is_the_plain_reading_of_its_rules(text: str) -> None:
    from dupwire.boilerplate import furniture_flags
    from dupwire.segment import unit_spans

    units, flags = unit_spans(text)
    assert flags == furniture_flags(text, units) == _furniture_plainly(text, units)


def test_furniture_is_the_plain_reading_of_its_rules_on_news(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    from dupwire.segment import unit_spans

    from .test_corpus_gen import gen

    texts = [r["text"] for r in ecb_records] + [seed_a, seed_b]
    texts += [article.text for article, _ in gen.iter_corpus(300, seed=3)]
    marked = 0
    for text in texts:
        units, flags = unit_spans(text)
        assert flags == _furniture_plainly(text, units)
        marked += sum(flags)
    assert marked > 500


def test_lines_that_are_not_prose_are_set_apart(seed_a: str, seed_b: str) -> None:
    # An image encoded in the text and a long link, as scraped pages carry them, are no
    # words of the story: the image's tag is markup (no unit), the link is set apart as
    # furniture, and they leave the pair as it was. Before, the encoded image's thousands
    # of junk "words" outweighed the story: the pair fell to partial reuse (coverage of A
    # 0%) and did not cluster.
    import base64
    import hashlib

    from dupwire.align import align
    from dupwire.cluster import cluster

    data = b"".join(hashlib.sha256(bytes([k])).digest() for k in range(256))  # 8 KB
    image = f'<img src="data:image/png;base64,{base64.b64encode(data).decode()}">'
    link = "Source: https://www.reuters.com/world/middle-east/" + "-".join(["patrols"] * 12)
    head, rest = seed_a.split("\n\n", 1)
    messy = f"{head}\n\n{image}\n\n{rest}\n{link}\n"
    flags = dict(((s, e), f) for s, e, _, f in split_spans(messy))
    at = messy.index(image)
    assert not any(s < at + len(image) and e > at for s, e in flags)
    at = messy.index(link)
    assert flags[(at, at + len(link))] is True
    assert sum(flags.values()) == sum(f for *_, f in split_spans(seed_a)) + 1
    clean, dirty = align(seed_a, seed_b), align(messy, seed_b)
    assert (dirty.verdict, dirty.score) == (clean.verdict, clean.score)
    assert clean.verdict == "same_story"
    assert round(dirty.coverage_a, 2) == round(clean.coverage_a, 2)
    scores = [
        [(c.min_score, len(c)) for c in cluster(texts).clusters]
        for texts in ([seed_a, seed_b], [messy, seed_b])
    ]
    assert scores[0] == scores[1] == [(scores[0][0][0], 2)]


@pytest.mark.parametrize("separator", ["\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"])
def test_every_line_break_ends_a_line(seed_a: str, separator: str) -> None:
    # A word processor's line break (vertical tab), a PDF's page break (form feed) and the
    # line separators of web pages end a line as a line feed does: the seed's furniture
    # lines were sentences of its story when its lines were so joined.
    assert split_spans(seed_a.replace("\n", separator)) == split_spans(seed_a)


def _one_line_item(text: str) -> str:
    """``text`` as a feed or an export often holds an article: each paragraph in ``<p>`` on
    one line of markup, with its characters escaped."""
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in text.split("\n") if p.strip())


def test_paragraph_tags_on_one_line_end_lines_as_a_page_shows_them(
    ecb_records: list[dict[str, Any]],
) -> None:
    # Lines decide headlines, date-stamp lines and bylines, and "<p>Mr. Nichols" must read
    # as "Mr. Nichols": units of one-line items are those of the plain texts, but for a
    # reference padded in place ("Q&amp;A").
    same = 0
    for record in ecb_records:
        text, item = record["text"], _one_line_item(record["text"])
        read = as_read(item)
        plain = [(" ".join(text[s:e].split()), f) for s, e, _, f in split_spans(text)]
        found = [(" ".join(read[s:e].split()), f) for s, e, _, f in split_spans(item)]
        same += plain == found
        assert len(found) == len(plain)
        assert not any(item[s:e].startswith("<") for s, e, _, _ in split_spans(item))
    assert same >= len(ecb_records) - 1
    spans = split_spans("<div><p>Troops left.</p><p>Mr. Nichols went on<br>today.</p></div>")
    assert [(s, e) for s, e, _, _ in spans] == [(8, 20), (27, 46), (50, 56)]
