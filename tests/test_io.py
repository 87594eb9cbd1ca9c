"""Tests for dupwire.io: decoding, bad inputs, and loading a corpus from every input form."""

from __future__ import annotations

import codecs
import csv
import gzip
import html
import io
import itertools
import json
import os
import random
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dupwire.errors import (
    BinaryInputError,
    EmptyArticleError,
    EncodingError,
    InputError,
    InputTooLargeError,
    NoArticlesError,
    ParamsError,
)
from dupwire.io import (
    Corpus,
    Failure,
    Skipped,
    decode_bytes,
    load_corpus,
    read_article,
    read_records,
    read_text,
    stream_records,
)
from dupwire.model import Article, Span

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_A = (SEEDS / "000_8f5a9e346875b4fc.txt").read_text(encoding="utf-8")
SEED_B = (SEEDS / "002_ff4983121d516d6b.txt").read_text(encoding="utf-8")

CURLY = "Ankara said the “Source of Peace” zone was calm – the café owners agreed.\n"
ACCENTED = "Türkiye, Zürich, Malmö, São Paulo and Besançon signed the déjà-vu accord.\n"
RUSSIAN = "Турецкие и российские военные возобновили совместное патрулирование в Сирии.\n"
POLISH = "Tureckie i rosyjskie wojska wznowiły wspólne patrole w Syrii, podało w piątek MON.\n"
TURKISH = (
    "Türkiye ve Rusya, Suriye'de ortak askeri devriyelere yeniden başladı. Görüşmeler sürüyor.\n"
)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def deny_access(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Make opening or listing ``denied`` fail as it does without permission (even as root)."""
    error = PermissionError(13, "Permission denied", str(denied))
    real_open, real_scandir = Path.open, os.scandir

    def fake_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == denied:
            raise error
        return real_open(self, *args, **kwargs)

    def fake_scandir(path: Any) -> Any:
        if Path(path) == denied:
            raise error
        return real_scandir(path)

    monkeypatch.setattr(Path, "open", fake_open)
    monkeypatch.setattr(os, "scandir", fake_scandir)


def assert_one_line(message: str, *fragments: str) -> None:
    assert "\n" not in message
    assert "; " in message  # what is wrong; how to fix it
    for fragment in fragments:
        assert fragment in message


# --- decoding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(CURLY.encode("utf-8"), CURLY, id="utf8"),
        pytest.param(codecs.BOM_UTF8 + CURLY.encode("utf-8"), CURLY, id="utf8-bom-removed"),
        pytest.param(codecs.BOM_UTF16_LE + CURLY.encode("utf-16-le"), CURLY, id="utf16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + CURLY.encode("utf-16-be"), CURLY, id="utf16-be-bom"),
        pytest.param(codecs.BOM_UTF32_LE + CURLY.encode("utf-32-le"), CURLY, id="utf32-le-bom"),
        pytest.param(codecs.BOM_UTF32_BE + CURLY.encode("utf-32-be"), CURLY, id="utf32-be-bom"),
        pytest.param(CURLY.encode("cp1252"), CURLY, id="cp1252-curly-quotes"),
        pytest.param(ACCENTED.encode("latin-1"), ACCENTED, id="latin1-accents"),
        pytest.param(SEED_A.encode("cp1252"), SEED_A, id="cp1252-seed-article"),
        pytest.param(RUSSIAN.encode("cp1251"), RUSSIAN, id="cp1251-russian"),
        pytest.param(TURKISH.encode("cp1254"), TURKISH, id="cp1254-turkish"),
        pytest.param(
            "The “Café” is open".encode("cp1252"), "The “Café” is open", id="cp1252-short"
        ),
    ],
)
def test_read_text_decodes(tmp_path: Path, data: bytes, expected: str) -> None:
    assert read_text(write(tmp_path / "a.txt", data)) == expected


def test_crlf_kept_and_offsets_point_into_returned_text(tmp_path: Path) -> None:
    original = "Headline\r\n\r\nFirst “quoted” line.\r\nSecond line.\rOld Mac line.\n"
    for data in (original.encode("utf-8"), original.encode("cp1252")):
        text = read_text(write(tmp_path / "crlf.txt", data))
        assert text == original
        start = original.index("Second")
        assert Span(start, start + len("Second line.")).slice(text) == "Second line."


@pytest.mark.parametrize(
    ("text", "declared", "encoding"),
    [
        pytest.param(POLISH, "windows-1250", "cp1250", id="cp1250-polish"),
        pytest.param(POLISH, "ISO-8859-2", "iso8859_2", id="latin2-polish"),
        pytest.param(RUSSIAN, "koi8-r", "koi8_r", id="koi8-russian"),
        pytest.param(RUSSIAN, "cp866", "cp866", id="dos-russian"),
        pytest.param(ACCENTED, "iso-8859-1", "cp1252", id="latin1-read-as-cp1252"),
        pytest.param(CURLY, "iso-8859-1", "cp1252", id="curly-quotes-under-latin1"),
        pytest.param(
            "トルコとロシアの部隊が共同パトロールを再開した。", "Shift_JIS", "cp932", id="sjis"
        ),
    ],
)
def test_a_saved_page_is_read_in_the_encoding_it_declares(
    tmp_path: Path, text: str, declared: str, encoding: str
) -> None:
    # Browsers read a page in the charset its head declares; guessing from a short Polish
    # text gave Windows-1252 ("wznowi\u00b3y" for "wznowi\u0142y"), and DOS Russian no reading.
    for head in (
        f'<meta charset="{declared}">',
        f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">',
    ):
        page = f"<html><head>{head}</head><body><p>{text.strip()}</p></body></html>\n"
        path = write(tmp_path / "page.html", page.encode(encoding))
        assert read_text(path) == page
    xml = f'<?xml version="1.0" encoding="{declared}"?>\n<item>{text.strip()}</item>\n'
    assert read_text(write(tmp_path / "item.txt", xml.encode(encoding))) == xml
    # A declaration of UTF-8 that the bytes are not is passed over (they are read as before).
    wrong = f'<meta charset="utf-8"><p>{CURLY.strip()}</p>'
    assert read_text(write(tmp_path / "wrong.html", wrong.encode("cp1252"))) == wrong


def test_explicit_encoding_is_used_as_given(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", CURLY.encode("cp1252"))
    assert read_text(path, encoding="latin-1") == CURLY.encode("cp1252").decode("latin-1")
    no_bom = write(tmp_path / "b.txt", CURLY.encode("utf-16-le"))
    assert read_text(no_bom, encoding="utf-16-le") == CURLY
    with_bom = write(tmp_path / "c.txt", codecs.BOM_UTF8 + b"plain")
    assert read_text(with_bom, encoding="utf-8") == "plain"


def test_explicit_wrong_encoding_names_byte_and_offset(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"It was \x93quoted\x94.")
    with pytest.raises(EncodingError) as caught:
        read_text(path, encoding="utf-8")
    assert_one_line(str(caught.value), str(path), "utf-8", "0x93", "offset 7", "--encoding")


def test_decode_error_offset_counts_the_bom() -> None:
    with pytest.raises(EncodingError, match="0xff at offset 5"):
        decode_bytes(codecs.BOM_UTF8 + b"ab\xff", name="x.txt", encoding="utf-8-sig")


@pytest.mark.parametrize(
    "encoding",
    [pytest.param("klingon", id="unknown"), pytest.param("base64", id="not-a-text-codec")],
)
def test_unknown_encoding_is_a_params_error(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "a.txt", "text")
    with pytest.raises(ParamsError) as caught:
        read_text(path, encoding=encoding)
    assert_one_line(str(caught.value), repr(encoding), "utf-8")


# --- bad inputs -------------------------------------------------------------------------


def _sparse_50mb(path: Path) -> None:
    with path.open("wb") as file:
        file.write(b"one very long line")
        file.truncate(50 * 1024 * 1024)


@pytest.mark.parametrize(
    ("data", "error", "fragments"),
    [
        pytest.param(b"", EmptyArticleError, ["is empty"], id="empty"),
        pytest.param(b" \r\n\t\n  ", EmptyArticleError, ["only whitespace"], id="whitespace"),
        pytest.param(codecs.BOM_UTF8, EmptyArticleError, ["is empty"], id="bom-only"),
        pytest.param(
            b"Hello\x00world", BinaryInputError, ["binary", "NUL byte at offset 5"], id="nul-byte"
        ),
        pytest.param(
            random.Random(0).randbytes(4096), BinaryInputError, ["binary"], id="random-binary"
        ),
        pytest.param(
            b"\x1b\x01\x02text\x03\x04" * 50, BinaryInputError, ["control codes"], id="controls"
        ),
        pytest.param(
            codecs.BOM_UTF16_LE + "a\x00b".encode("utf-16-le"),
            BinaryInputError,
            ["NUL character at offset 1"],
            id="utf16-nul-character",
        ),
        pytest.param(
            bytes(range(0x80, 0x100)) * 3,
            EncodingError,
            ["UTF-8 or a known 8-bit encoding", "--encoding latin-1"],
            id="undecodable",
        ),
        pytest.param(
            codecs.BOM_UTF16_LE + b"a\x00b",
            EncodingError,
            ["utf-16", "offset 4"],
            id="truncated-utf16",
        ),
    ],
)
def test_bad_bytes(
    tmp_path: Path, data: bytes, error: type[InputError], fragments: list[str]
) -> None:
    path = write(tmp_path / "bad.txt", data)
    with pytest.raises(error) as caught:
        read_text(path)
    assert_one_line(str(caught.value), str(path), *fragments)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_text(tmp_path / "nope.txt")
    assert_one_line(str(caught.value), "nope.txt", "no such file")


def test_directory_passed_to_read_text(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_text(tmp_path)
    assert_one_line(str(caught.value), str(tmp_path), "is a directory")


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "secret.txt", "text")
    deny_access(monkeypatch, path)
    with pytest.raises(InputError) as caught:
        read_text(path)
    assert_one_line(str(caught.value), "secret.txt", "permission denied")


def test_too_large(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", "x" * 11)
    with pytest.raises(InputTooLargeError) as caught:
        read_text(path, max_bytes=10)
    assert_one_line(str(caught.value), "big.txt", "11 bytes", "10-byte limit", "--max-bytes")
    assert read_text(path, max_bytes=11) == "x" * 11


def test_50mb_file_fails_before_it_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.txt"
    _sparse_50mb(path)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_open)
    with pytest.raises(InputTooLargeError, match=r"52,428,800 bytes, over the 10,485,760-byte"):
        read_text(path)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_file_of_unknown_size_stops_at_the_limit() -> None:
    with pytest.raises(InputTooLargeError, match="longer than that"):
        read_text(Path("/dev/zero"), max_bytes=100)


def test_max_bytes_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="max_bytes must be a positive"):
        read_text(write(tmp_path / "a.txt", "x"), max_bytes=0)


def test_read_article_id_defaults_to_file_name(tmp_path: Path) -> None:
    path = write(tmp_path / "000.txt", SEED_A)
    article = read_article(path)
    assert (article.id, article.text, article.source) == ("000.txt", SEED_A, path)
    assert read_article(path, article_id="seed-a").id == "seed-a"


# --- loading a corpus: directories and files ------------------------------------------


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    write(root / "a.txt", SEED_A)
    write(root / "world" / "b.md", SEED_B.encode("utf-16"))
    write(root / "world" / "deep" / "C.TXT", CURLY.encode("cp1252"))
    write(root / "world" / "photo.jpg", b"\xff\xd8\xff\xe0")
    write(root / "records.jsonl", "{}\n")
    write(root / ".hidden.txt", "hidden")
    write(root / ".git" / "config", "[core]")
    write(root / "empty.txt", b"")
    write(root / "binary.md", b"PK\x03\x04\x00\x00")
    return root


def test_directory_is_read_recursively(corpus_dir: Path) -> None:
    corpus = load_corpus([corpus_dir])
    assert [a.id for a in corpus.articles] == ["a.txt", "world/b.md", "world/deep/C.TXT"]
    assert [a.text for a in corpus.articles] == [SEED_A, SEED_B, CURLY]
    assert corpus.articles[1].source == corpus_dir / "world" / "b.md"
    assert [(f.id, f.reason.split(";")[0]) for f in corpus.failures] == [
        (
            "binary.md",
            f"{corpus_dir / 'binary.md'} looks like a binary file (NUL byte at offset 4)",
        ),
        ("empty.txt", f"{corpus_dir / 'empty.txt'} is empty"),
    ]
    shown = corpus_dir.as_posix()
    assert corpus.skipped == (
        Skipped(f"{shown}/.git", "hidden directory, not searched (name starts with a dot)"),
        Skipped(f"{shown}/.hidden.txt", "hidden file (name starts with a dot)"),
        Skipped(
            f"{shown}/records.jsonl",
            "not a .txt, .md or .html file (to read its records, pass the file by name)",
        ),
        Skipped(f"{shown}/world/photo.jpg", "not a .txt, .md or .html file"),
    )


def test_every_file_is_an_article_a_failure_or_skipped(corpus_dir: Path) -> None:
    corpus = load_corpus([corpus_dir])
    accounted = {corpus_dir / a.id for a in corpus.articles}
    accounted |= {corpus_dir / f.id for f in corpus.failures}
    accounted |= {Path(s.path) for s in corpus.skipped}
    for path in corpus_dir.rglob("*"):
        if path.is_file():
            assert path in accounted or path.parent in accounted, path


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root / "sub" / "a.txt", "An article.")
    os.symlink(root, root / "sub" / "loop")
    os.symlink(root / "missing.txt", root / "gone.txt")
    corpus = load_corpus([root])
    assert [a.id for a in corpus.articles] == ["sub/a.txt"]
    assert [s.reason.split(" (")[0] for s in corpus.skipped] == [
        "broken symbolic link",
        "directory already searched",
    ]


def test_unreadable_files_and_directories_are_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "corpus"
    write(root / "a.txt", "An article.")
    write(root / "locked" / "b.txt", "Another article.")
    records = write(tmp_path / "locked.jsonl", jsonl({"id": "r", "text": "A record."}))
    deny_access(monkeypatch, root / "locked")
    corpus = load_corpus([root, records])
    assert [a.id for a in corpus.articles] == ["a.txt", "r"]
    deny_access(monkeypatch, records)
    corpus = load_corpus([root, records])
    assert [a.id for a in corpus.articles] == ["a.txt"]
    assert [f.id for f in corpus.failures] == [f"{root.as_posix()}/locked/", records.as_posix()]
    assert_one_line(corpus.failures[0].reason, "cannot list the directory")
    assert_one_line(corpus.failures[1].reason, "locked.jsonl: permission denied")


def test_per_article_problems_become_failures(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root / "short.txt", "A short article.")
    write(root / "long.txt", "A much longer article than the limit.")
    write(root / "latin.txt", ACCENTED.encode("latin-1"))
    corpus = load_corpus([root], max_bytes=20)
    assert [a.id for a in corpus.articles] == ["short.txt"]
    assert [f.id for f in corpus.failures] == ["latin.txt", "long.txt"]
    assert all("limit" in f.reason for f in corpus.failures)


def test_single_text_file_uses_its_name(tmp_path: Path) -> None:
    path = write(tmp_path / "news" / "story.md", SEED_A)
    corpus = load_corpus([path])
    assert [(a.id, a.source) for a in corpus.articles] == [("story.md", path)]
    assert corpus.failures == corpus.skipped == ()
    assert load_corpus(str(path)) == corpus  # one path string is not a list of characters


def test_missing_input_stops_the_load(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "text")
    with pytest.raises(InputError) as caught:
        load_corpus([tmp_path / "a.txt", tmp_path / "nope"])
    assert_one_line(str(caught.value), "nope", "no such file or directory")


def test_unknown_file_type_stops_the_load(tmp_path: Path) -> None:
    path = write(tmp_path / "report.pdf", b"%PDF-1.7")
    with pytest.raises(InputError) as caught:
        load_corpus([path])
    assert_one_line(str(caught.value), "report.pdf", ".pdf", ".txt, .md or .html", ".jsonl", ".csv")


@pytest.mark.parametrize(
    ("files", "fragments"),
    [
        pytest.param({}, ["holds no .txt, .md or .html articles"], id="empty-directory"),
        pytest.param(
            {"a.pdf": b"%PDF", "b.docx": b"PK"},
            ["holds no .txt, .md or .html articles", "other files skipped: 2", "a.pdf"],
            id="no-text-files",
        ),
    ],
)
def test_no_articles(tmp_path: Path, files: dict[str, bytes], fragments: list[str]) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    for name, data in files.items():
        write(root / name, data)
    with pytest.raises(NoArticlesError) as caught:
        load_corpus([root])
    assert_one_line(str(caught.value), str(root), *fragments)


def test_standard_input_read_once_and_empty_says_what_to_send() -> None:
    with pytest.raises(NoArticlesError, match="send JSON Lines on standard input"):
        load_corpus(["-"], stdin=io.StringIO(""))
    with pytest.raises(InputError, match="given more than once; pass it once"):
        load_corpus(["-", "-"], stdin=io.StringIO('{"id": "a", "text": "Troops left."}\n'))


def test_empty_jsonl_holds_no_articles(tmp_path: Path) -> None:
    path = write(tmp_path / "none.jsonl", "\n\n")
    with pytest.raises(NoArticlesError, match=r"none\.jsonl holds no articles"):
        load_corpus([path])


def test_duplicate_relative_paths_across_directories(tmp_path: Path) -> None:
    # Two articles of one id: the one first by origin is read, whatever the order of the
    # inputs, and the other is a failure (listed under its origin) naming it.
    write(tmp_path / "one" / "story.txt", "First telling.")
    write(tmp_path / "two" / "story.txt", "Second telling.")
    one, two = (tmp_path / "one" / "story.txt").as_posix(), (tmp_path / "two" / "story.txt")
    for inputs in ([tmp_path / "one", tmp_path / "two"], [tmp_path / "two", tmp_path / "one"]):
        corpus = load_corpus(inputs)
        assert [(a.id, a.text) for a in corpus.articles] == [("story.txt", "First telling.")]
        (failure,) = corpus.failures
        assert failure.id == two.as_posix()
        assert_one_line(failure.reason, "id 'story.txt' is also the id of", one, "--id-field")
        assert sorted(corpus.order) == sorted(["story.txt", two.as_posix()])


def test_a_file_reached_twice_is_read_once_whatever_the_order(
    tmp_path: Path, ecb_records: list[dict[str, Any]]
) -> None:
    # A shell glob that overlaps, a folder and a folder inside it, a file by name and in its
    # folder, a link: each file is read once (as the outermost folder names it), and the
    # other ways it was reached are listed as skipped, never failed as repeated ids.
    records = write(
        tmp_path / "news.jsonl", "".join(json.dumps(r) + "\n" for r in ecb_records[:20])
    )
    a, b = "000_8f5a9e346875b4fc.txt", "002_ff4983121d516d6b.txt"
    for name in (a, b):
        write(tmp_path / "drop" / "wire" / name, (SEEDS / name).read_bytes())
    os.symlink(tmp_path / "drop" / "wire" / a, tmp_path / "latest.txt")
    drop, wire = tmp_path / "drop", tmp_path / "drop" / "wire"
    cases = [
        ([records, records], ["news.jsonl"]),
        ([drop, wire], ["drop/wire/" + a, "drop/wire/" + b]),
        ([wire / a, drop], ["drop/wire/" + a]),
        ([tmp_path / "latest.txt", drop], ["latest.txt"]),
    ]
    for inputs, skipped in cases:
        for order in (inputs, inputs[::-1]):
            corpus = load_corpus(order)
            assert corpus.failures == ()
            assert sorted(s.path for s in corpus.skipped) == [
                (tmp_path / path).as_posix() for path in skipped
            ]
            assert all(s.reason.endswith("; read once") for s in corpus.skipped)
            if inputs[0] == records:
                assert [a.id for a in corpus.articles] == sorted(r["id"] for r in ecb_records[:20])
            else:
                assert sorted(x.id for x in corpus.articles) == ["wire/" + a, "wire/" + b]
    # Two records of one file are two articles, not one file twice.
    named = [f"{records}#{ecb_records[0]['id']}", f"{records}#{ecb_records[1]['id']}"]
    assert len(load_corpus(named).articles) == 2


def _saved_page(text: str, site: str) -> str:
    """``text`` as a news site's saved page: a head with scripts and styles, a skip link and
    the site's name, navigation, the story (its first line the page's headline, the rest in
    paragraphs), an aside of other stories and a footer."""
    first, *rest = [p for p in text.split("\n") if p.strip()]
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in rest)
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{site} | News</title>\n'
        "<style>body { font-family: Arial; } .nav li { display: inline; }</style>\n"
        "<script>window.dataLayer = window.dataLayer || []; gtag('config', 'UA-1');</script>\n"
        '</head><body><header><a href="#main">Skip to content</a>\n'
        f'<div class="logo">{site}</div></header>\n'
        '<nav class="nav"><ul><li><a href="/">Home</a></li>\n'
        '<li><a href="/world">World</a></li></ul></nav>\n'
        f'<article id="main">\n<h1 class="headline">{html.escape(first)}</h1>\n'
        f"{paras}\n</article>\n"
        "<aside><h3>Most read</h3><ul><li>Stock markets tumble as oil prices climb</li></ul>"
        f"</aside>\n<footer>© 2024 {site}. All rights reserved.</footer></body></html>\n"
    )


def test_a_folder_of_saved_pages_is_read_as_their_stories(tmp_path: Path) -> None:
    from dupwire.cluster import cluster

    write(tmp_path / "pages" / "sabah" / "patrols.html", _saved_page(SEED_A, "Daily Sabah"))
    write(tmp_path / "pages" / "aa" / "patrols.htm", _saved_page(SEED_B, "Anadolu"))
    corpus = load_corpus([tmp_path / "pages"])
    assert corpus.failures == () and corpus.skipped == ()
    assert [a.id for a in corpus.articles] == ["aa/patrols.htm", "sabah/patrols.html"]
    plain = [Article("b", SEED_B), Article("a", SEED_A)]
    assert [a.title for a in corpus.articles] == [a.title for a in plain]
    # The page's code and furniture are not read as its story: the pair scores as the plain
    # texts do.
    (found,) = cluster(corpus.articles).clusters
    (alone,) = cluster(plain).clusters
    assert len(found.members) == 2
    assert abs(found.min_score - alone.min_score) < 2.0


def test_params_checked_before_reading(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "text")
    with pytest.raises(ParamsError):
        load_corpus([tmp_path], encoding="klingon")
    with pytest.raises(ParamsError):
        load_corpus([tmp_path], max_bytes=-1)


# --- loading a corpus: JSON Lines, CSV, standard input --------------------------------


def jsonl(*lines: object) -> str:
    return "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)


def test_jsonl_records_and_meta(tmp_path: Path) -> None:
    path = write(
        tmp_path / "news.jsonl",
        jsonl(
            {"id": 7, "text": SEED_A, "title": "Patrols resume", "date": "2021-10-01"},
            "",
            {"id": "b", "text": SEED_B, "source": "Hürriyet", "lang": "en", "tags": ["x"]},
        ),
    )
    corpus = load_corpus([path])
    assert [(a.id, a.text, a.source) for a in corpus.articles] == [
        ("7", SEED_A, path),
        ("b", SEED_B, path),
    ]
    assert corpus.articles[0].meta == {"title": "Patrols resume", "date": "2021-10-01"}
    assert corpus.articles[0].title == "Patrols resume"
    assert corpus.articles[1].meta == {"source": "Hürriyet", "lang": "en", "tags": ["x"]}
    assert corpus.failures == ()


def test_jsonl_bad_lines_become_failures(tmp_path: Path) -> None:
    path = write(
        tmp_path / "news.jsonl",
        jsonl(
            # UTF-8 beyond ASCII, so the file's one stray byte fails alone
            json.dumps({"id": "ok", "text": "Fine, déjà vu."}, ensure_ascii=False),
            "not json at all",
            [1, 2],
            {"text": "No id here."},
            {"id": "n", "text": 5},
            {"id": "w", "text": "  \n"},
            {"id": "m", "title": "No text"},
            {"id": None, "text": "Null id."},
            {"id": "  ", "text": "Blank id."},
        ).encode("utf-8")
        + b'{"id": "latin", "text": "caf\xe9"}\n'
        + b'{"id": "tab", "text": "a\tb"}\n',
    )
    corpus = load_corpus([path])
    assert [a.id for a in corpus.articles] == ["ok"]
    label = path.as_posix()
    reasons = {f.id: f.reason for f in corpus.failures}
    expected = {
        f"{label}:2": "not valid JSON",
        f"{label}:3": "an array, not a JSON object",
        f"{label}:4": "no 'id' field",
        "n": "'text' is a number, not a string",
        "w": "'text' is empty",
        "m": "no 'text' field",
        f"{label}:8": "'id' is null",
        f"{label}:9": "'id' is empty",
        f"{label}:10": "not valid UTF-8 (byte 0xe9 at column 29)",
        f"{label}:11": "not valid JSON (Invalid control character at column 25)",
    }
    assert set(reasons) == set(expected)
    for failure_id, fragment in expected.items():
        assert_one_line(reasons[failure_id], fragment)
    assert reasons["n"].startswith(f"{label}:5: ")


def test_a_text_of_paragraph_strings_is_one_paragraph_a_line(
    tmp_path: Path, ecb_records: list[dict[str, Any]]
) -> None:
    # ECB+ keeps each document's sentences as an array too: read as the text, one a line.
    record = ecb_records[0]
    path = write(
        tmp_path / "news.jsonl",
        jsonl(
            {"id": "a", "text": record["text"]},
            {"id": "b", "paragraphs": record["text"].split("\n")},
            {"id": "c", "paragraphs": []},
            {"id": "d", "paragraphs": ["One.", 2]},
        ),
    )
    plain = load_corpus([path])
    split = load_corpus([path], text_field="paragraphs")
    assert [a.id for a in split.articles] == ["b"]
    assert split.articles[0].text == plain.articles[0].text
    reasons = {f.id: f.reason for f in split.failures}
    assert "'paragraphs' is an array, not a string (or an array of paragraph" in reasons["c"]
    assert "'paragraphs' is an array" in reasons["d"]


def test_jsonl_custom_field_names(tmp_path: Path) -> None:
    record = {"guid": "x1", "body": "Text.", "headline": "Head", "when": "today", "site": "AP"}
    path = write(tmp_path / "a.ndjson", jsonl(record))
    corpus = load_corpus(
        [path],
        id_field="guid",
        text_field="body",
        title_field="headline",
        date_field="when",
        source_field="site",
    )
    (article,) = corpus.articles
    assert (article.id, article.text) == ("x1", "Text.")
    assert article.meta == {"title": "Head", "date": "today", "source": "AP"}


def test_fields_nested_in_objects_are_named_by_their_path(tmp_path: Path) -> None:
    # As a news API writes an article: its outlet and its text inside objects.
    record = {
        "source": {"id": None, "name": "Reuters"},
        "url": "https://example.com/a",
        "publishedAt": "2024-01-02T10:00:00Z",
        "title": "Head",
        "body": {"text": "Text.", "lang": "en"},
    }
    path = write(tmp_path / "a.jsonl", jsonl(record, {**record, "url": "b", "body": {}}))
    corpus = load_corpus(
        [path],
        id_field="url",
        text_field="body.text",
        date_field="publishedAt",
        source_field="source.name",
    )
    (article,) = corpus.articles
    assert (article.id, article.text) == ("https://example.com/a", "Text.")
    assert article.meta["source"] == "Reuters"
    assert article.meta["date"] == "2024-01-02T10:00:00Z"
    assert article.meta["body"] == {"text": "Text.", "lang": "en"}
    (failure,) = corpus.failures
    assert "no 'body.text' field" in failure.reason
    # A key holding the dots itself is that field.
    flat = write(tmp_path / "b.jsonl", jsonl({"id": "c", "body.text": "Flat.", "body": {}}))
    assert load_corpus([flat], text_field="body.text").articles[0].text == "Flat."


def test_jsonl_duplicate_ids(tmp_path: Path) -> None:
    lines = [{"id": i % 5, "text": f"Article {i}."} for i in range(12)]
    path = write(tmp_path / "dups.jsonl", jsonl(*lines))
    corpus = load_corpus([path])
    label = path.as_posix()
    # Line 10 sorts after line 9 (by number, not as text): the first line of each id is read.
    assert [(a.id, a.text) for a in corpus.articles] == [
        (str(i), f"Article {i}.") for i in range(5)
    ]
    assert [f.id for f in corpus.failures] == sorted(f"{label}:{k}" for k in range(6, 13))
    reasons = {f.id: f.reason for f in corpus.failures}
    assert_one_line(reasons[f"{label}:11"], f"id '0' is also the id of {label}:1")
    assert len(corpus.order) == 12


def test_jsonl_record_over_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", jsonl({"id": "big", "text": "é" * 10}))
    corpus = load_corpus([path], max_bytes=19)
    assert [(f.id, "20 bytes, over the 19-byte limit" in f.reason) for f in corpus.failures] == [
        ("big", True)
    ]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as file:
        csv.writer(file).writerows(rows)
    return path


def test_csv_records(tmp_path: Path) -> None:
    long_text = "word " * 100_000  # larger than the csv module's default field limit
    path = write_csv(
        tmp_path / "news.csv",
        [
            ["id", "text", "title", "outlet"],
            ["a", "Line one.\r\nLine, two.", "First", "AP"],
            ["b", long_text, "", "Reuters"],
            ["c", "", "Headline only", "AP"],
            ["e", " ", "", "AP"],
            ["d", "short row"],
        ],
        encoding="utf-8-sig",
    )
    corpus = load_corpus([path], source_field="outlet")
    assert [(a.id, a.text) for a in corpus.articles] == [
        ("a", "Line one.\r\nLine, two."),
        ("b", long_text),
        ("c", "Headline only"),  # an empty text with a title: the title alone
    ]
    assert corpus.articles[0].meta == {"title": "First", "source": "AP"}
    label = path.as_posix()
    assert [n.message for n in corpus.notes] == [
        f"{label}:5: 'text' is empty; the article is read as its title alone"
    ]
    assert [(f.id, f.reason.split(";")[0]) for f in corpus.failures] == [
        (f"{label}:7", f"{label}:7: 2 fields but the header has 4"),
        ("e", f"{label}:6: 'text' is empty"),
    ]


def test_csv_without_text_column_fails_once(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["id", "body"], ["1", "x"], ["2", "y"]])
    corpus = load_corpus([path])
    (failure,) = corpus.failures
    assert failure.id == f"{path.as_posix()}:1"
    assert_one_line(failure.reason, "no 'text' column", "columns: id, body", "--text-field")


def test_csv_naming_the_text_column_twice_fails_once(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["id", "text", "text"], ["1", "x", "y"]])
    (failure,) = load_corpus([path]).failures
    assert failure.id == f"{path.as_posix()}:1"
    assert_one_line(failure.reason, "names the 'text' column more than once", "rename")


def test_csv_encoding(tmp_path: Path) -> None:
    rows = [["id", "text"], ["1", "Plain."], ["2", CURLY]]
    path = write_csv(tmp_path / "a.csv", rows, encoding="cp1252")
    assert [a.text for a in load_corpus([path], encoding="cp1252").articles] == ["Plain.", CURLY]
    # A UTF-8 file with a stray byte: the byte costs only its own row, and the failure names
    # that row's line.
    rows = [["id", "text"], ["1", "The “Café” is open."], ["2", "Plain."], ["3", CURLY]]
    path = tmp_path / "b.csv"
    path.write_bytes(
        b"".join(
            ",".join(row).encode("cp1252" if row[0] == "3" else "utf-8") + b"\r\n" for row in rows
        )
    )
    corpus = load_corpus([path])
    (failure,) = corpus.failures
    assert_one_line(failure.reason, "cannot decode as utf-8", "--encoding cp1252")
    assert [a.id for a in corpus.articles] == ["1", "2"]
    assert failure.id.endswith("b.csv:4")


_RU = [
    "Москва. Президент России заявил в среду, что войска будут выведены из региона.",
    "В среду президент сказал, что войска покинут регион до конца месяца, сообщает агентство.",
]


@pytest.mark.parametrize("encoding", ["cp1252", "cp1251"])
def test_csv_saved_in_a_code_page_is_read_in_it(
    tmp_path: Path, seed_a: str, seed_b: str, encoding: str
) -> None:
    # A spreadsheet saves CSV in its system's code page (Excel on Windows: cp1252 in western
    # Europe and America, cp1251 in Russia), with semicolons where the comma is the decimal
    # mark.  Every row with a letter beyond ASCII used to fail as not UTF-8.
    texts = [CURLY + " " + seed_a, seed_b] if encoding == "cp1252" else _RU
    texts = [t.encode(encoding, errors="replace").decode(encoding) for t in texts]
    path = tmp_path / "export.csv"
    rows = [["id", "title", "text"], *([k, t[:20], t] for k, t in zip("ab", texts, strict=True))]
    with path.open("w", encoding=encoding, newline="") as file:
        csv.writer(file, delimiter=";").writerows(rows)
    corpus = load_corpus([path])
    assert corpus.failures == ()
    assert [(a.id, a.text, a.meta["title"]) for a in corpus.articles] == [
        (k, t, t[:20]) for k, t in zip("ab", texts, strict=True)
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_csv_byte_order_mark_decides_the_codec(
    tmp_path: Path, encoding: str, seed_a: str, seed_b: str
) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", encoding=encoding, newline="") as file:
        if encoding == "utf-16-be":
            file.write("\ufeff")  # the -be codec writes no mark of its own
        csv.writer(file).writerows([["id", "text"], ["a", seed_a], ["b", seed_b]])
    corpus = load_corpus([path])
    assert [(a.id, a.text) for a in corpus.articles] == [("a", seed_a), ("b", seed_b)]
    assert corpus.failures == ()


def test_csv_in_utf16_with_a_broken_unit_loses_that_row_only(tmp_path: Path) -> None:
    head = "id,text\r\n1,Troops entered the town.\r\n2,A lone half ".encode("utf-16")
    tail = "of a pair.\r\n3,Talks resume on Monday.\r\n".encode("utf-16-le")
    path = tmp_path / "export.csv"
    path.write_bytes(head + b"\x00\xd8" + tail)  # a high surrogate with no low one
    corpus = load_corpus([path])
    assert [a.text for a in corpus.articles] == [
        "Troops entered the town.",
        "Talks resume on Monday.",
    ]
    (failure,) = corpus.failures
    assert failure.id.endswith("export.csv:3")
    assert_one_line(failure.reason, "cannot decode as utf-16", "'text' field", "--encoding")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("name", ["news.jsonl", "news.json", "news.jsonl.gz"])
def test_json_in_utf16_or_utf32_with_its_mark_is_read_as_its_utf8_twin(
    tmp_path: Path, ecb_records: list[dict[str, Any]], encoding: str, name: str
) -> None:
    # Windows PowerShell (Out-File, >) and Notepad ("Unicode") save text as UTF-16 with a
    # byte-order mark. Such a file used to fail line by line as "not valid UTF-8".
    records = _records(ecb_records, 12)
    if name == "news.json":
        text = json.dumps(records, ensure_ascii=False, indent=2)  # an array, over many lines
    else:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in records)
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data  # the -be codec writes no mark of its own
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    twin = write(tmp_path / "twin" / name.removesuffix(".gz"), text.encode("utf-8"))
    corpus, expected = load_corpus([path]), load_corpus([twin])
    assert corpus.failures == ()
    assert [(a.id, a.text) for a in corpus.articles] == [(a.id, a.text) for a in expected.articles]
    assert len(corpus.articles) == 12
    stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(path.read_bytes())))  # as sys.stdin
    piped = load_corpus(["-"], stdin=stdin)
    assert [(a.id, a.text) for a in piped.articles] == [(a.id, a.text) for a in expected.articles]


def test_jsonl_in_utf16_with_a_broken_unit_loses_that_record_only(tmp_path: Path) -> None:
    lines = [{"id": "1", "text": "Troops entered the town."}, {"id": "2", "text": "A lone half"}]
    lines.append({"id": "3", "text": "Talks resume on Monday."})
    body = [(json.dumps(r) + "\n").encode("utf-16-le") for r in lines]
    broken = body[1][:20] + b"\x00\xd8" + body[1][20:]  # a high surrogate with no low one
    path = write(tmp_path / "feed.jsonl", codecs.BOM_UTF16_LE + body[0] + broken + body[2])
    corpus = load_corpus([path])
    assert [a.id for a in corpus.articles] == ["1", "3"]
    (failure,) = corpus.failures
    assert failure.id.endswith("feed.jsonl:2")
    # An odd last byte (a file cut in the middle of a unit) costs the last line only.
    cut = write(tmp_path / "cut.jsonl", codecs.BOM_UTF16_LE + body[0] + body[2] + b"\x41")
    corpus = load_corpus([cut])
    assert [a.id for a in corpus.articles] == ["1", "3"]
    assert [f.id for f in corpus.failures] == [f"{cut.as_posix()}:3"]


# --- compressed files, JSON arrays, other column separators ----------------------------


def _records(ecb_records: list[dict[str, Any]], n: int = 40) -> list[dict[str, Any]]:
    return [{k: r[k] for k in ("id", "text", "topic")} for r in ecb_records[:n]]


def _compress(path: Path, data: bytes) -> Path:
    import bz2
    import gzip
    import lzma

    # bzip2 in blocks of 100 kB, so that a file cut short still holds whole blocks.
    pack = {".gz": gzip.compress, ".bz2": lambda b: bz2.compress(b, 1), ".xz": lzma.compress}
    path.write_bytes(pack[path.suffix](data))
    return path


def _texts(corpus: Corpus) -> list[tuple[str, str]]:
    return [(a.id, a.text) for a in corpus.articles]


@pytest.mark.parametrize("compression", [".gz", ".bz2", ".xz"])
@pytest.mark.parametrize("kind", [".jsonl", ".json", ".csv"])
def test_compressed_records_read_as_the_plain_file(
    tmp_path: Path, ecb_records: list[dict[str, Any]], kind: str, compression: str
) -> None:
    records = _records(ecb_records)
    plain = write(tmp_path / "news.jsonl", jsonl(*records))
    if kind == ".jsonl":
        data = plain.read_bytes()
    elif kind == ".json":
        data = json.dumps(records, indent=1).encode("utf-8")
    else:
        out = io.StringIO()
        csv.writer(out).writerows([["id", "text", "topic"]] + [list(r.values()) for r in records])
        data = out.getvalue().encode("utf-8")
    packed = _compress(tmp_path / f"news{kind}{compression}", data)
    expected = load_corpus([plain])
    corpus = load_corpus([packed])
    assert _texts(corpus) == _texts(expected)
    assert corpus.failures == ()
    # The index reads the same files one article at a time.
    _, items = read_records([packed])
    assert sorted((a.id, a.text) for a, _ in items) == _texts(expected)  # type: ignore[misc]


@pytest.mark.parametrize("compression", [".gz", ".bz2", ".xz"])
def test_compressed_file_cut_short_keeps_the_records_before(
    tmp_path: Path, ecb_records: list[dict[str, Any]], compression: str
) -> None:
    whole = _compress(tmp_path / f"whole.jsonl{compression}", jsonl(*ecb_records).encode())
    cut = tmp_path / f"cut.jsonl{compression}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    corpus = load_corpus([cut])
    assert 0 < len(corpus.articles) < len(ecb_records)
    assert _texts(corpus) == sorted(
        (str(r["id"]), r["text"]) for r in ecb_records[: len(corpus.articles)]
    )
    (failure,) = corpus.failures
    assert failure.id == cut.as_posix()
    assert_one_line(failure.reason, "cut short", f"after {len(corpus.articles)} records")


def test_file_that_is_not_what_its_suffix_says(tmp_path: Path) -> None:
    path = write(tmp_path / "news.jsonl.gz", jsonl({"id": "a", "text": SEED_A}))
    corpus = load_corpus([path])
    assert corpus.articles == ()
    (failure,) = corpus.failures
    assert_one_line(failure.reason, "not valid gzip data", "no record was read")
    with pytest.raises(InputError, match=r"does not read compressed \.txt files"):
        load_corpus([write(tmp_path / "a.txt.gz", b"")])


def test_compressed_records_in_a_directory_are_named(tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", SEED_A)
    _compress(tmp_path / "in" / "feed.jsonl.gz", b"")
    corpus = load_corpus([tmp_path / "in"])
    (skipped,) = corpus.skipped
    assert skipped.path.endswith("feed.jsonl.gz")
    assert "to read its records, pass the file by name" in skipped.reason


@pytest.mark.parametrize(
    ("name", "delimiter"), [("news.tsv", "\t"), ("news.csv", ";"), ("news.csv", "|")]
)
def test_columns_cut_at_the_separator_the_header_shows(
    tmp_path: Path, ecb_records: list[dict[str, Any]], name: str, delimiter: str
) -> None:
    records = _records(ecb_records)
    records[0]["text"] = "A text; with a semicolon, a comma | and a bar\tand a tab."
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerows(
            [["id", "topic", "text"]] + [[r["id"], r["topic"], r["text"]] for r in records]
        )
    corpus = load_corpus([path])
    assert corpus.failures == ()
    assert _texts(corpus) == sorted((str(r["id"]), r["text"]) for r in records)
    assert corpus.articles[0].meta == {"topic": str(records[0]["topic"])}


@pytest.mark.parametrize("chunk", [7, 64, 1024 * 1024])
@pytest.mark.parametrize("indent", [None, 2])
def test_json_array_reads_as_json_lines(
    tmp_path: Path,
    ecb_records: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
    indent: int | None,
) -> None:
    import dupwire.io

    monkeypatch.setattr(dupwire.io, "_READ_CHUNK", chunk)
    records = _records(ecb_records, 25)
    expected = load_corpus([write(tmp_path / "news.jsonl", jsonl(*records))])
    path = write(tmp_path / "news.json", json.dumps(records, indent=indent, ensure_ascii=False))
    corpus = load_corpus([path])
    assert _texts(corpus) == _texts(expected)
    assert [a.meta for a in corpus.articles] == [a.meta for a in expected.articles]
    assert corpus.failures == ()


def test_json_file_of_one_record_per_line_is_json_lines(
    tmp_path: Path, ecb_records: list[dict[str, Any]]
) -> None:
    records = _records(ecb_records, 10)
    path = write(tmp_path / "news.json", codecs.BOM_UTF8 + jsonl(*records).encode())
    assert [a.id for a in load_corpus([path]).articles] == sorted(str(r["id"]) for r in records)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
@pytest.mark.parametrize("name", ["news.jsonl", "news.csv"])
def test_a_named_pipe_is_read_once(
    tmp_path: Path, ecb_records: list[dict[str, Any]], name: str
) -> None:
    # A pipe cannot be opened twice: looking at its first bytes for their encoding, then
    # opening it again to read it, waited for a second writer that never came.
    import subprocess
    import sys

    records = _records(ecb_records, 8)
    if name.endswith(".csv"):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["id", "text"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
        data = buffer.getvalue()
    else:
        data = jsonl(*records)
    pipe = tmp_path / name
    os.mkfifo(pipe)

    def feed() -> None:
        with pipe.open("w", encoding="utf-8") as out:
            out.write(data)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    command = [sys.executable, "-m", "dupwire", "cluster", str(pipe), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n_articles"] == len(records)


@pytest.mark.parametrize("name", ["news.jsonl", "news.json", "news.jsonl.gz"])
def test_json_saved_in_a_code_page_is_read_in_it(
    tmp_path: Path, ecb_records: list[dict[str, Any]], name: str
) -> None:
    # Python on Windows writes json.dumps(..., ensure_ascii=False) in the system's code page
    # (cp1252): every record with an accented letter or a curly quote failed as not UTF-8.
    records = [{**r, "title": "Café “quoted” – été"} for r in _records(ecb_records, 12)]
    expected = load_corpus([write(tmp_path / "utf8.jsonl", jsonl(*records))])
    if name == "news.json":
        text = json.dumps(records, ensure_ascii=False)
    else:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    data = text.encode("cp1252")
    path = write(tmp_path / name, gzip.compress(data) if name.endswith(".gz") else data)
    corpus = load_corpus([path])
    assert corpus.failures == ()
    assert [(a.id, a.text, a.meta) for a in corpus.articles] == [
        (a.id, a.text, a.meta) for a in expected.articles
    ]
    # A UTF-8 file's stray byte still costs its record alone, and says what to do.
    stray = json.dumps({"id": "z", "text": "Café reopens."}, ensure_ascii=False).encode("cp1252")
    utf8 = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path = write(tmp_path / "mixed.jsonl", utf8 + stray)
    (failure,) = load_corpus([path]).failures
    assert_one_line(failure.reason, "not valid UTF-8", "re-save the file as UTF-8", "--encoding")


@pytest.mark.parametrize("name", ["news.jsonl", "news.jsonl.gz"])
def test_jsonl_file_that_holds_a_json_array_is_read_as_one(
    tmp_path: Path, ecb_records: list[dict[str, Any]], name: str
) -> None:
    # As standard input is: each line of an indented array used to fail on its own.
    records = _records(ecb_records, 10)
    data = codecs.BOM_UTF8 + b"\n  " + json.dumps(records, indent=2).encode()
    path = write(tmp_path / name, gzip.compress(data) if name.endswith(".gz") else data)
    corpus = load_corpus([path])
    assert corpus.failures == ()
    assert [a.id for a in corpus.articles] == sorted(str(r["id"]) for r in records)


def test_jsonl_lines_may_end_in_a_comma_as_an_array_s_items_do(
    tmp_path: Path, ecb_records: list[dict[str, Any]]
) -> None:
    records = _records(ecb_records, 6)
    lines = [json.dumps(r) + ("," if k % 2 else " ,  ") for k, r in enumerate(records)]
    lines[-1] = json.dumps(records[-1])
    path = write(
        tmp_path / "news.jsonl", "\n".join([*lines, '{"id": "x", "text": "a"}{"id": "y"}'])
    )
    corpus = load_corpus([path])
    assert [a.id for a in corpus.articles] == sorted(str(r["id"]) for r in records)
    (failure,) = corpus.failures  # two objects on one line: which is the record is unclear
    assert_one_line(failure.reason, "a second JSON value starts at column 25", "one JSON object")


def test_json_array_items_that_are_not_records_fail_alone(tmp_path: Path) -> None:
    items = (
        '[{"id": "a", "text": "Troops left."}, 5, {"text": "No id."},'
        ' {"id": "c", "text": "Talks resume."},]'
    )
    path = write(tmp_path / "news.json", items)
    corpus = load_corpus([path])
    assert [a.id for a in corpus.articles] == ["a", "c"]
    label = path.as_posix()
    assert [(f.id, f.reason.split(";")[0]) for f in corpus.failures] == [
        (f"{label}[1]", f"{label}[1]: a number, not a JSON object"),
        (f"{label}[2]", f"{label}[2]: no 'id' field"),
    ]


@pytest.mark.parametrize(
    ("data", "where", "fragments"),
    [
        pytest.param(
            '[{"id": "a", "text": "Troops left."}, {"id": "b", "text": "Talks res',
            "[1]",
            ["not valid JSON", "the items from [1] on were not read"],
            id="cut-short",
        ),
        pytest.param(
            '[{"id": "a", "text": "Troops left."} {"id": "b", "text": "Talks."}]',
            "[1]",
            ["where a comma or ] should follow item [0]"],
            id="no-comma",
        ),
        pytest.param(
            '[{"id": "a", "text": "Troops left."}',
            "[1]",
            ["the file ends inside the array"],
            id="never-closed",
        ),
        pytest.param(
            '[{"id": "a", "text": "Troops left."}] [2]', "", ["text after the array"], id="after"
        ),
    ],
)
def test_broken_json_array_keeps_the_items_before(
    tmp_path: Path, data: str, where: str, fragments: list[str]
) -> None:
    path = write(tmp_path / "news.json", data)
    corpus = load_corpus([path])
    assert [a.id for a in corpus.articles] == ["a"]
    (failure,) = corpus.failures
    assert failure.id == path.as_posix() + where
    assert_one_line(failure.reason, *fragments)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ('{\n  "articles": [{"id": "a", "text": "Troops left."}]\n}\n', "jq -c '.articles[]'"),
        ('"just a string"', "starts with '\"'"),
    ],
)
def test_json_file_that_holds_no_array_of_records(tmp_path: Path, data: str, fragment: str) -> None:
    path = write(tmp_path / "news.json", data)
    (failure,) = load_corpus([path]).failures
    assert failure.id == path.as_posix()
    assert_one_line(failure.reason, fragment)


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(
        st.one_of(
            st.fixed_dictionaries(
                {"id": st.text(min_size=1, max_size=5), "text": st.text(max_size=40)}
            ),
            st.integers(),
            st.floats(allow_nan=False),
            st.lists(st.integers(), max_size=3),
            st.text(max_size=10),
        ),
        max_size=12,
    ),
    indent=st.sampled_from([None, 0, 3]),
    chunk=st.integers(1, 40),
)
def test_json_array_decoded_in_any_chunks_is_json_load(
    items: list[Any], indent: int | None, chunk: int
) -> None:
    import dupwire.io

    data = json.dumps(items, indent=indent).encode("utf-8")
    real = dupwire.io._READ_CHUNK
    dupwire.io._READ_CHUNK = chunk
    try:
        got = list(dupwire.io._json_records(io.BytesIO(data), "f.json", 1 << 20))
    finally:
        dupwire.io._READ_CHUNK = real
    assert [g[1] if isinstance(g, tuple) else g.id for g in got] == [
        item if isinstance(item, dict) else f"f.json[{k}]" for k, item in enumerate(items)
    ]


def test_one_record_named_file_hash_id(tmp_path: Path, ecb_records: list[dict[str, Any]]) -> None:
    # FILE#ID reads one record of a records file, up to it, wherever a path is read.
    records = _records(ecb_records, 12)
    feed = write(tmp_path / "feed.jsonl", jsonl(*records))
    packed = _compress(tmp_path / "more.json.gz", json.dumps(records).encode())
    wanted = [f"{feed}#{records[3]['id']}", f"{packed}#{records[7]['id']}", f"{feed}#nope"]
    corpus = load_corpus(wanted)
    assert _texts(corpus) == sorted((str(r["id"]), r["text"]) for r in (records[3], records[7]))
    (failure,) = corpus.failures
    assert failure.id == f"{feed.as_posix()}#nope"
    assert_one_line(failure.reason, "holds no record with id 'nope'", "--id-field")
    # A file whose name holds a # is that file; a name whose file is no records file is not
    # a record of it.
    hashed = write(tmp_path / "issue#3.txt", SEED_A)
    assert [a.id for a in load_corpus([hashed]).articles] == ["issue#3.txt"]
    with pytest.raises(InputError, match="no such file or directory"):
        load_corpus([f"{hashed}#x"])


def test_read_records_reads_as_it_goes(tmp_path: Path) -> None:
    # The articles of files and directories one at a time, in input order, as load_corpus
    # reads them: a file is read only when the articles before it have been taken, so a
    # consumer that stores them as they come holds one batch, not the corpus.
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_text(SEED_A, encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(jsonl({"id": "r1", "text": "First record."}, "oops"), encoding="utf-8")
    skipped, items = read_records([folder, feed])
    assert [s.path for s in skipped] == [f"{folder.as_posix()}/notes.pdf"]
    first = next(items)
    assert isinstance(first, tuple) and first[0].id == "a.txt" and first[0].text == SEED_A
    # Changed before it is reached, the feed is read as it is now.
    feed.write_text(jsonl({"id": "r2", "text": "Second record.", "title": "T"}), encoding="utf-8")
    rest = list(items)
    assert [type(x).__name__ for x in rest] == ["Failure", "tuple"]
    assert rest[0].id == "empty.txt" and "is empty" in rest[0].reason
    assert rest[1][0].id == "r2" and rest[1][0].meta == {"title": "T"}
    assert rest[1][1] == f"{feed.as_posix()}:1"
    # Loaded whole, the same articles.
    whole = load_corpus([folder, feed], check=False)
    assert [a.id for a in whole.articles] == ["a.txt", "r2"]


def test_read_records_says_what_is_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        read_records([tmp_path / "missing.jsonl"])  # before anything is read
    (tmp_path / "only.pdf").write_bytes(b"%PDF")
    _, items = read_records([tmp_path])
    with pytest.raises(NoArticlesError, match=r"no \.txt, \.md or \.html articles"):
        next(items)
    with pytest.raises(ParamsError, match="stream_records"):
        read_records(["-"])


def test_stdin_jsonl() -> None:
    stdin = io.StringIO(jsonl({"id": "s1", "text": "From a pipe."}, "oops"))
    corpus = load_corpus(["-"], stdin=stdin)
    assert [(a.id, a.text, a.source) for a in corpus.articles] == [("s1", "From a pipe.", None)]
    assert [f.id for f in corpus.failures] == ["<stdin>:2"]


def test_stdin_raw_bytes_fail_one_line_only() -> None:
    raw = b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "caf\xe9"}\n{"id": 3, "text": "ok"}\n'
    stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
    corpus = load_corpus(["-"], stdin=stdin)
    assert [a.id for a in corpus.articles] == ["1", "3"]
    assert [f.id for f in corpus.failures] == ["<stdin>:2"]


def test_a_stream_gives_the_records_a_jsonl_file_gives(tmp_path: Path) -> None:
    text = jsonl(
        {"id": "s1", "text": "From a pipe.", "headline": "Pipe", "published": "2024-05-01"},
        "oops",
        {"id": "s2"},
        "",
        {"id": 3, "text": "Third."},
    )
    path = write(tmp_path / "feed.jsonl", text)
    corpus = load_corpus([path], title_field="headline", check=False)
    streamed = list(stream_records(io.BytesIO(text.encode()), title_field="headline"))
    articles = [item[0] for item in streamed if isinstance(item, tuple)]
    failures = [item for item in streamed if isinstance(item, Failure)]
    assert sorted((a.id, a.text, a.meta) for a in articles) == [
        (a.id, a.text, a.meta) for a in corpus.articles
    ]
    assert [item[1] for item in streamed if isinstance(item, tuple)] == ["<stdin>:1", "<stdin>:5"]
    label = path.as_posix()
    assert [f.reason.replace("<stdin>", label) for f in failures] == [
        f.reason for f in corpus.failures
    ]


def test_a_quiet_stream_gets_flush_marks_and_its_last_line() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb", buffering=0) as reader:
        records = stream_records(reader, flush_seconds=0.05)
        os.write(write_fd, jsonl({"id": "a", "text": "First."}).encode())
        first = next(records)
        assert isinstance(first, tuple) and first[0].id == "a"
        start = time.monotonic()
        assert next(records) is None  # nothing more came: a flush mark
        assert next(records) is None
        assert time.monotonic() - start < 5
        os.write(write_fd, b'{"id": "b", "text": "Half a')
        os.write(write_fd, b' line, then the end."}')  # no newline before the end
        os.close(write_fd)
        rest = [item for item in records if item is not None]
    assert [(item[0].id, item[0].text, item[1]) for item in rest if isinstance(item, tuple)] == [
        ("b", "Half a line, then the end.", "<stdin>:2")
    ]


def test_stream_flush_seconds_must_be_positive() -> None:
    with pytest.raises(ParamsError, match="flush_seconds must be positive"):
        next(stream_records(io.BytesIO(b""), flush_seconds=0))


# A line may hold a text of max_bytes written with JSON escapes (6 bytes a byte at most) and
# 1 MiB of other fields: with max_bytes=100, 1,049,176 bytes without its newline.
LINE_MAX_BYTES = 100
LINE_LIMIT = 6 * LINE_MAX_BYTES + 2**20


def _padded(record_id: str, size: int) -> bytes:
    """A valid record line of exactly ``size`` bytes without its newline (a long title)."""
    head = json.dumps({"id": record_id, "text": "Troops left.", "title": ""})
    return (head[:-2] + "x" * (size - len(head)) + '"}').encode()


Read = list[tuple[Article, str] | Failure]


def _no_marks(items: Iterable[tuple[Article, str] | Failure | None]) -> Read:
    return [item for item in items if item is not None]


def _read_from_pipe(data: bytes) -> Read:
    """stream_records on a real pipe with a flush time (the select-based reader), fed by a
    thread."""
    read_fd, write_fd = os.pipe()

    def feed() -> None:
        with os.fdopen(write_fd, "wb") as writer:
            writer.write(data)

    thread = threading.Thread(target=feed)
    thread.start()
    with os.fdopen(read_fd, "rb", buffering=0) as reader:
        items = _no_marks(stream_records(reader, flush_seconds=30, max_bytes=LINE_MAX_BYTES))
    thread.join()
    return items


_READERS: dict[str, Callable[[bytes], Read]] = {
    "plain-stream": lambda data: _no_marks(
        stream_records(io.BytesIO(data), max_bytes=LINE_MAX_BYTES)
    ),
    "pipe-with-flush-time": _read_from_pipe,
    "text-stream": lambda data: _no_marks(
        stream_records(io.StringIO(data.decode()), max_bytes=LINE_MAX_BYTES)
    ),
}


def _from_file(data: bytes, tmp_path: Path) -> Read:
    corpus = load_corpus([write(tmp_path / "f.jsonl", data)], max_bytes=LINE_MAX_BYTES)
    return [(a, a.id) for a in corpus.articles] + list(corpus.failures)


@pytest.mark.parametrize("reader", [*_READERS, "jsonl-file"])
def test_a_line_over_the_limit_is_a_failure_and_the_next_line_is_read(
    tmp_path: Path, reader: str
) -> None:
    data = b"".join(
        [
            _padded("at-limit", LINE_LIMIT) + b"\n",
            _padded("over", LINE_LIMIT + 1) + b"\n",  # one byte too many: a failure
            b'{"id": "after", "text": "Troops came back."}\n',
            b"[" * (3 * LINE_LIMIT),  # the last line, with no newline before the end
        ]
    )
    read = _READERS[reader](data) if reader in _READERS else _from_file(data, tmp_path)
    articles = {item[0].id: item[0] for item in read if isinstance(item, tuple)}
    failures = [item for item in read if isinstance(item, Failure)]
    assert sorted(articles) == ["after", "at-limit"]
    assert len(articles["at-limit"].meta["title"]) > 2**20
    label = "<stdin>" if reader in _READERS else (tmp_path / "f.jsonl").as_posix()
    assert [(f.id, f.reason) for f in failures] == [
        (
            f"{label}:{line}",
            f"{label}:{line}: the line is {size:,} bytes, over the 1,049,176-byte limit of a "
            "line (6 x max_bytes + 1 MiB), so it was skipped; shorten the record or raise the "
            "limit (max_bytes, --max-bytes)",
        )
        for line, size in [(2, LINE_LIMIT + 1), (4, 3 * LINE_LIMIT)]
    ]
    if reader in _READERS:  # a stream names each record by its line
        assert [item[1] for item in read if isinstance(item, tuple)] == ["<stdin>:1", "<stdin>:3"]


class _EndlessLine(io.RawIOBase):
    """``size`` bytes of one line, made as they are read, then a newline and ``tail``;
    ``served`` counts the bytes handed out."""

    def __init__(self, size: int, tail: bytes) -> None:
        self._left, self._tail = size, b"\n" + tail
        self._block = b"x" * 2**16
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if self._left:
            n = min(len(view), self._left, len(self._block))
            view[:n] = self._block[:n]
            self._left -= n
        else:
            n = min(len(view), len(self._tail))
            view[:n] = self._tail[:n]
            self._tail = self._tail[n:]
        self.served += n
        return n


def _pipe_endless_line(size: int, tail: bytes) -> Read:
    block = b"x" * 2**16
    read_fd, write_fd = os.pipe()

    def feed() -> None:
        for _ in range(size // len(block)):
            os.write(write_fd, block)  # no new bytes object per write
        os.write(write_fd, b"\n" + tail)
        os.close(write_fd)

    thread = threading.Thread(target=feed)
    thread.start()
    with os.fdopen(read_fd, "rb", buffering=0) as reader:
        items = _no_marks(stream_records(reader, flush_seconds=30, max_bytes=LINE_MAX_BYTES))
    thread.join()
    return items


@pytest.mark.parametrize("reader", ["plain-stream", "pipe-with-flush-time"])
def test_a_long_line_is_skipped_without_being_held(reader: str) -> None:
    size = 64 * 2**20  # 64 MiB in one line, 60 times the line limit
    tail = b'{"id": "after", "text": "Troops came back."}\n'
    tracemalloc.start()
    try:
        if reader == "plain-stream":
            raw = _EndlessLine(size, tail)
            items = _no_marks(stream_records(io.BufferedReader(raw), max_bytes=LINE_MAX_BYTES))
            assert raw.served == size + 1 + len(tail)  # every byte was read through
        else:
            items = _pipe_endless_line(size, tail)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * LINE_LIMIT, f"{peak:,} bytes held at the peak"
    failure, record = items
    assert isinstance(failure, Failure) and isinstance(record, tuple)
    assert failure.id == "<stdin>:1" and f"the line is {size:,} bytes" in failure.reason
    assert record[0].id == "after" and record[1] == "<stdin>:2"


# --- determinism and progress ---------------------------------------------------------


def _mixed_inputs(tmp_path: Path) -> list[str | Path]:
    root = tmp_path / "dir"
    for i in range(6):
        write(root / f"sub{i % 2}" / f"{i}.txt", f"Article {i} text.")
    write(root / "skip.bin", b"\x00")
    write(root / "empty.md", "")
    records = write(tmp_path / "r.jsonl", jsonl({"id": "r1", "text": "R."}, "bad"))
    table = write_csv(tmp_path / "t.csv", [["id", "text"], ["t1", "T."], ["t2", ""]])
    return [root, records, table, write(tmp_path / "single.txt", "Single.")]


def _snapshot(corpus: Corpus) -> object:
    articles = [(a.id, a.text, a.source, a.meta) for a in corpus.articles]
    return articles, corpus.failures, corpus.skipped


def test_same_corpus_whatever_the_input_order(tmp_path: Path) -> None:
    inputs = _mixed_inputs(tmp_path)
    first = _snapshot(load_corpus(inputs))
    for order in itertools.permutations(inputs):
        assert _snapshot(load_corpus(order)) == first
    ids = [a.id for a in load_corpus(inputs).articles]
    assert ids == sorted(ids)
    assert len(ids) == 9


def test_progress_is_reported_per_file(tmp_path: Path) -> None:
    inputs = _mixed_inputs(tmp_path)
    calls: list[tuple[int, int]] = []
    load_corpus(inputs, on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(done, 10) for done in range(11)]


@pytest.mark.parametrize("name", ["feed.jsonl", "feed.jsonl.gz", "feed.csv", "feed.parquet"])
def test_progress_moves_while_a_records_file_is_read(
    tmp_path: Path, ecb_records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # One large file is one of the files counted, and the share of it read is reported on
    # the way (of its compressed bytes, for a compressed file).
    import dupwire.io

    monkeypatch.setattr(dupwire.io, "_PROGRESS_RECORDS", 50)
    monkeypatch.setattr(dupwire.io, "_PARQUET_BATCH", 40)
    records = _records(ecb_records, 575)
    path = tmp_path / name
    if name.endswith(".parquet"):
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        pq.write_table(pa.table({k: [str(r[k]) for r in records] for k in ("id", "text")}), path)
        data = b""
    elif name.endswith(".csv"):
        out = io.StringIO()
        csv.writer(out).writerows([["id", "text"]] + [[r["id"], r["text"]] for r in records])
        data = out.getvalue().encode()
    else:
        data = jsonl(*records).encode()
    if name.endswith(".gz"):
        _compress(path, data)
    elif data:
        path.write_bytes(data)
    calls: list[tuple[float, int]] = []
    load_corpus([path], on_progress=lambda done, total: calls.append((done, total)))
    shares = [done for done, _ in calls[1:-1]]
    assert calls[0] == (0, 1) and calls[-1] == (1, 1)
    assert len(shares) == 11 and shares == sorted(shares) and 0 < shares[0] < shares[-1] < 1


def test_failure_and_skipped_sort_by_fields() -> None:
    assert sorted([Failure("b", "x"), Failure("a", "z"), Failure("a", "y")]) == [
        Failure("a", "y"),
        Failure("a", "z"),
        Failure("b", "x"),
    ]
    assert sorted([Skipped("b", "r"), Skipped("a", "r")])[0].path == "a"


# --- round trip property --------------------------------------------------------------

article_text = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from("\t\n\r"),
    min_size=1,
).filter(lambda text: bool(text.strip()) and not text.startswith("\ufeff"))


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="utf8"),
        pytest.param(lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), id="utf8-bom"),
        pytest.param(lambda text: text.encode("utf-16"), id="utf16"),
    ],
)
@settings(max_examples=150, deadline=None)
@given(text=article_text)
def test_round_trip(
    tmp_path_factory: pytest.TempPathFactory, encode: Callable[[str], bytes], text: str
) -> None:
    path = tmp_path_factory.getbasetemp() / "round-trip.txt"
    path.write_bytes(encode(text))
    assert read_text(path) == text


def test_parquet_dataset_directory_is_read_as_its_part_files(
    tmp_path: Path, ecb_records: list[dict[str, Any]]
) -> None:
    # A directory named .parquet, as Spark writes one: part files (here in a partition
    # subdirectory too), a _SUCCESS marker and hidden checksum files; its records are those
    # of its part files in path order.
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    dataset = tmp_path / "news.parquet"
    (dataset / "day=2").mkdir(parents=True)
    parts = [dataset / "part-00001.parquet", dataset / "day=2" / "part-00000.parquet"]
    chunks = [ecb_records[:7], ecb_records[7:12]]
    for part, chunk in zip(parts, chunks, strict=True):
        pq.write_table(pa.table({k: [r[k] for r in chunk] for k in ("id", "text")}), part)
    (dataset / "_SUCCESS").write_bytes(b"")
    (dataset / ".part-00001.parquet.crc").write_bytes(b"\0\1")
    (dataset / "_temporary").mkdir()
    pq.write_table(
        pa.table({"id": ["left-over"], "text": ["A task's unfinished output."]}),
        dataset / "_temporary" / "part-9.parquet",
    )
    corpus = load_corpus([dataset])
    by_name = load_corpus(sorted(parts, key=lambda p: p.relative_to(dataset).as_posix()))
    assert sorted(a.id for a in corpus.articles) == sorted(r["id"] for r in ecb_records[:12])
    assert [(a.id, a.text) for a in corpus.articles] == [(a.id, a.text) for a in by_name.articles]
    assert not corpus.failures and not corpus.skipped
    (tmp_path / "empty.parquet").mkdir()
    with pytest.raises(InputError) as info:
        load_corpus([tmp_path / "empty.parquet"])
    assert_one_line(str(info.value), "empty.parquet", "no .parquet part files")


def test_parquet_strings_written_as_plain_binary_read_as_strings(
    tmp_path: Path, ecb_records: list[dict[str, Any]]
) -> None:
    # Hive and Impala write string columns as binary without the UTF-8 annotation (Spark's
    # spark.sql.parquet.binaryAsString is for them): such a file reads as its string twin.
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    chunk = ecb_records[:8]
    columns = {k: [str(r[k]) for r in chunk] for k in ("id", "text", "event")}
    pq.write_table(pa.table(columns), tmp_path / "strings.parquet")
    binary = {k: pa.array([v.encode() for v in vs], pa.binary()) for k, vs in columns.items()}
    pq.write_table(pa.table(binary), tmp_path / "binary.parquet")
    strings = load_corpus([tmp_path / "strings.parquet"])
    got = load_corpus([tmp_path / "binary.parquet"])
    assert [(a.id, a.text, a.meta) for a in got.articles] == [
        (a.id, a.text, a.meta) for a in strings.articles
    ]
    assert got.failures == () and len(got.articles) == 8


_TITLE_CHARS = ["a", "b", " ", "\t", "\n", "\r", "\x0b", "\x1c", "\x1f", "\x85", "\u2028", "\xa0"]


@given(st.text(alphabet=st.sampled_from(_TITLE_CHARS), max_size=40))
def test_an_article_title_is_its_first_non_blank_line(text: str) -> None:
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    assert Article("x", text).title == (lines[0] if lines else "")
    assert Article("x", "body", meta={"title": text}).title == (lines[0] if lines else "body")


def test_an_article_title_is_its_first_line_of_words_as_read(
    ecb_records: list[dict[str, Any]],
) -> None:
    # A feed item's text starts with markup, and titles hold character references.
    for record in ecb_records[:40]:
        plain = Article(record["id"], record["text"])
        lines = record["text"].split("\n")
        escaped = html.escape(lines[0])
        item = "\n".join(['<div class="entry-content">', f"<p>{escaped}</p>", *lines[1:]])
        assert Article(record["id"], item).title == plain.title
        assert Article("x", "body", meta={"title": escaped}).title == plain.title
    assert Article("x", "* * *\n---\nTroops left.").title == "Troops left."


def test_a_title_drops_the_control_characters_a_reader_does_not_see(
    ecb_records: list[dict[str, Any]],
) -> None:
    # Scraped titles carry a NUL, a terminal escape's ESC or a C1 control; CSV readers stop
    # at a NUL, and no reader sees any of them.
    for record in ecb_records[:40]:
        plain = Article(record["id"], record["text"]).title
        spoiled = "\x00" + plain[:5] + "\x1b\x07" + plain[5:] + "\x9b"
        assert Article("x", "body", meta={"title": spoiled}).title == plain
        assert Article("x", spoiled + "\nbody").title == plain
    assert Article("x", "\x00\x01\nTroops left.").title == "Troops left."


def test_an_article_title_is_cut_at_a_word() -> None:
    title = Article("x", SEED_A.replace("\n", " ")).title
    one_line = " ".join(SEED_A.split())  # runs of white space are shown as one space
    assert len(title) <= 300 and title.endswith("…")
    assert one_line.startswith(title[:-1])
    assert not title[:-1].endswith(" ") and one_line[len(title) - 1] == " "
