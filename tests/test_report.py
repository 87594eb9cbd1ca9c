"""The cluster report: records, CSV and the HTML page people open."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import pytest

from dupwire.cluster import cluster
from dupwire.io import Corpus, load_corpus
from dupwire.model import Article
from dupwire.render import CSS, alignment_html, clustering_html, member_relation
from dupwire.report import MAX_ALIGNED_MEMBERS, ClusterReport, article_time

from .conftest import SEED_A, SEED_B

OUTLETS = ("Daily Courier", "Wire Desk", "Evening Post", "Metro <News>")


def _ecb_articles(ecb_records: list[dict[str, Any]], topics: tuple[int, ...]) -> list[Article]:
    """ECB+ reports of some topics, each given an outlet and a publication day so that the
    report has time spans and outlets to show (ECB+ has neither)."""
    out = []
    for k, r in enumerate(r for r in ecb_records if r["topic"] in topics):
        day = dt.date(2008, 12, 1) + dt.timedelta(days=(k * 7) % 11)
        meta = {"source": OUTLETS[k % len(OUTLETS)], "event": r["event"]}
        meta["date"] = day.isoformat() if k % 2 else dt.datetime(day.year, day.month, day.day)
        out.append(Article(str(r["id"]), r["text"], meta=meta))
    return out


@pytest.fixture(scope="module")
def ecb_report(ecb_records: list[dict[str, Any]]) -> ClusterReport:
    articles = _ecb_articles(ecb_records, (1, 3, 4))
    corpus = Corpus(
        articles=tuple(sorted(articles, key=lambda a: a.id)),
        failures=(),
        skipped=(),
        order=tuple(a.id for a in articles),
    )
    return ClusterReport(cluster(corpus.articles), corpus)


@pytest.fixture(scope="module")
def ecb_page(ecb_report: ClusterReport) -> str:
    return ecb_report.html()


def test_overview_lists_every_cluster_with_links(ecb_report: ClusterReport, ecb_page: str) -> None:
    clusters = ecb_report.result.clusters
    assert len(clusters) >= 4
    rows = re.findall(r'<tr data-search="[^"]*"><td class="num"><a href="#c(\d+)">', ecb_page)
    assert [int(r) for r in rows] == [c.id for c in clusters]
    for c in clusters:
        assert f'<section class="cluster" id="c{c.id}"' in ecb_page
    assert 'id="dw-filter"' in ecb_page and "<script>" in ecb_page


def test_overview_time_span_and_outlets(ecb_report: ClusterReport, ecb_page: str) -> None:
    records = {r["id"]: r for r in ecb_report.records()}
    big = max(ecb_report.result.clusters, key=len)
    days = sorted(str(records[m]["date"]) for m in big.members)
    assert records[big.representative]["cluster_first_date"] == days[0]
    span = f"{days[0]} – {days[-1]}"
    row = next(r for r in ecb_page.split("<tr ") if f'href="#c{big.id}"' in r)
    assert span in row  # the span the records carry
    assert "Metro &lt;News&gt;" in ecb_page and "Metro <News>" not in ecb_page


def test_members_come_in_time_order(ecb_report: ClusterReport, ecb_page: str) -> None:
    articles = {a.id: a for a in ecb_report.corpus.articles}
    for c in ecb_report.result.clusters:
        section = ecb_page.split(f'id="c{c.id}"')[1].split("</section>")[0]
        shown = [m for m in re.findall(r"</b>(?: · pair score [\d.]+)? · ([^ <]+)", section)]
        others = [m for m in c.members if m != c.representative]
        assert sorted(shown) == sorted(others)
        days = [article_time(articles[m].meta["date"]) for m in shown]
        assert days == sorted(days)  # type: ignore[type-var]


def test_html_relation_is_the_records_relation(ecb_report: ClusterReport, ecb_page: str) -> None:
    records = {r["id"]: r for r in ecb_report.records()}
    seen = 0
    for c in ecb_report.result.clusters:
        section = ecb_page.split(f'id="c{c.id}"')[1].split("</section>")[0]
        pattern = r'<b class="(\w+)">[^<]*</b>(?: · pair score [\d.]+)? · ([^ <]+)'
        for relation, member in re.findall(pattern, section):
            assert records[member]["relation"] == relation
            seen += 1
    assert seen == sum(len(c) - 1 for c in ecb_report.result.clusters)
    # Members the aligner finds unrelated are "independent" in every output, never "unrelated".
    assert "unrelated" not in {r["relation"] for r in records.values()}
    assert 'class="unrelated"' not in ecb_page


def test_representative_text_is_written_once(ecb_report: ClusterReport, ecb_page: str) -> None:
    from dupwire.segment import split_units

    assert ecb_page.count("<style>") == 1
    articles = {a.id: a for a in ecb_report.corpus.articles}
    for c in ecb_report.result.clusters:
        rep = articles[c.representative]
        longest = max(
            (rep.text[u.start : u.end] for u in split_units(rep.text) if u.kind == "story"),
            key=len,
        )
        assert ecb_page.count(html.escape(longest)) == 1, longest


def test_what_each_member_adds_and_drops(ecb_page: str) -> None:
    assert re.search(r"shared passages · adds \d+ · drops (nothing|sentences? [\d–, ]+)", ecb_page)
    assert "<del>" in ecb_page and "<ins>" in ecb_page
    assert "<details" in ecb_page


def _counted_alignments(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The calls of :func:`dupwire.align.aligner.align_prepared` (the alignment of two
    prepared articles) from now on, each its arguments."""
    import dupwire.align.aligner

    calls: list[tuple[Any, ...]] = []
    real = dupwire.align.aligner.align_prepared

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(dupwire.align.aligner, "align_prepared", counting)
    return calls


def test_alignments_only_for_what_is_written(
    ecb_report: ClusterReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counted_alignments(monkeypatch)
    page = ecb_report.html(max_aligned=2)
    expected = sum(min(2, len(c) - 1) for c in ecb_report.result.clusters)
    assert len(calls) == expected
    assert "alignments are written for the first 2" in page


def test_texts_longer_than_verification_reads_are_listed_and_aligned_no_further(
    ecb_report: ClusterReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A representative or member longer than MAX_ALIGNED_SENTENCES story sentences (a page
    # dump) is not aligned, and the representative's sentences are listed up to it.
    import dupwire.align.aligner as aligner
    from dupwire.segment import split_units

    calls = _counted_alignments(monkeypatch)
    monkeypatch.setattr(aligner, "MAX_ALIGNED_SENTENCES", 8)
    page = ecb_report.html()
    articles = {a.id: a for a in ecb_report.corpus.articles}

    def sentences(article_id: str) -> int:
        return sum(u.kind == "story" for u in split_units(articles[article_id].text))

    aligned = [
        m
        for c in ecb_report.result.clusters
        for m in c.members
        if m != c.representative and max(sentences(m), sentences(c.representative)) <= 8
    ]
    long_reps = [c for c in ecb_report.result.clusters if sentences(c.representative) > 8]
    assert len(calls) == len(aligned) < sum(len(c.members) - 1 for c in ecb_report.result.clusters)
    assert "story sentences, over 8; compare it with dupwire compare" in page
    assert long_reps and page.count("more sentences, not shown") == len(long_reps)


def test_report_escapes_ids_and_text() -> None:
    evil = "<script>alert(1)</script>"
    articles = [
        Article(f"{evil}.txt", SEED_A.read_text(encoding="utf-8") + f"\n{evil} said so."),
        Article("b.txt", SEED_B.read_text(encoding="utf-8"), meta={"source": evil}),
    ]
    corpus = Corpus(tuple(sorted(articles, key=lambda a: a.id)), (), ())
    page = ClusterReport(cluster(corpus.articles), corpus).html()
    assert evil not in page and html.escape(evil) in page
    assert "http://" not in page and "https://" not in page  # no external assets


def test_records_relation_matches_assignments(ecb_report: ClusterReport) -> None:
    by_id = {a.id: a for a in ecb_report.result.assignments}
    for record in ecb_report.records():
        assert record["relation"] == member_relation(by_id[record["id"]].relation)
        assert record["pair_score"] == by_id[record["id"]].score


def test_article_time_reads_strings_dates_and_datetimes() -> None:
    day = article_time("2008-12-05")
    assert day is not None
    assert article_time("2008-12-05T10:00:00+02:00") == day + 8 / 24
    assert article_time(dt.date(2008, 12, 5)) == day
    assert article_time(dt.datetime(2008, 12, 5, 12)) == day + 0.5
    assert article_time("yesterday") is None and article_time(5) is None


def _rules(css: str) -> list[str]:
    css = re.sub(r"@media[^{]*\{", "", css)
    return [sel.strip() for sel in re.findall(r"([^{}]+)\{", css)]


def test_notebook_html_is_scoped(seed_a: str, seed_b: str) -> None:
    from dupwire.align import align

    for fragment in (
        alignment_html(align(seed_a, seed_b)),
        clustering_html(cluster([Article("a", seed_a), Article("b", seed_b)])),
    ):
        assert fragment.startswith('<div class="dupwire">')
        style = re.search(r"<style>(.*?)</style>", fragment, re.S)
        assert style is not None
        assert "body" not in style.group(1)
    for selector in _rules(CSS):
        for part in selector.split(","):
            assert ".dupwire" in part, part


def test_compare_view_columns(seed_a: str, seed_b: str) -> None:
    from dupwire.align import align

    fragment = alignment_html(align(seed_a, seed_b))
    # Widths come from the header row of a fixed-layout table: # and score are narrow.
    assert (
        '<th class="n">#</th>' in fragment
        and '<th class="s" title="passage score">score</th>' in fragment
    )
    assert "table-layout:fixed" in CSS


def test_cluster_html_report_from_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dupwire.cli import app

    report = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["cluster", str(SEED_A.parent), "--html", str(report)])
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<tr data-search") == 1
    corpus = load_corpus([SEED_A.parent])
    assert all(a.id in page for a in corpus.articles)


def test_the_page_made_by_workers_is_the_page_made_here(
    ecb_report: ClusterReport, ecb_page: str
) -> None:
    calls: list[tuple[int, int]] = []
    page = ecb_report.html(workers=2, progress=lambda done, total: calls.append((done, total)))
    assert page == ecb_page
    total = sum(min(MAX_ALIGNED_MEMBERS, len(c) - 1) for c in ecb_report.result.clusters)
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == total and {t for _, t in calls} == {total}
    assert len(calls) > 1
