from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dupwire import Article, EmptyArticleError, ParamsError
from dupwire.align import align, explain_similarity, passage_similarity
from dupwire.evaluate import check_alignment
from dupwire.model import Alignment
from dupwire.segment import split_units

# --- the seed pair: the reference alignment is the quality gate ---------------------------


def test_seed_pair_matches_reference(seed_a: str, seed_b: str, seed_gold: dict[str, Any]) -> None:
    al = align(seed_a, seed_b)
    check = check_alignment(al, seed_gold)
    assert check.missed == (), f"reference links not found: {check.missed}"
    assert check.wrongly_linked == (), f"'only' passages linked: {check.wrongly_linked}"
    assert al.verdict == "same_story"
    assert check.link_precision == 1.0


def test_seed_pair_merges_two_sentences_into_one_link(seed_a: str, seed_b: str) -> None:
    al = align(seed_a, seed_b)
    merged = [ln for ln in al.links if "Four vehicles and 24 soldiers" in ln.a.slice(seed_a)]
    assert len(merged) == 1
    assert "According to a statement carried by Reuters" in merged[0].a.slice(seed_a)
    assert "The joint ground patrol was relaunched" in merged[0].b.slice(seed_b)


def test_an_article_against_itself_scores_100_in_every_link(seed_a: str) -> None:
    # The headline and first sentence of seed A merge into one link on both sides; a word
    # of one key weighs differently as written there ("resume", "resumed"), and a merged
    # window counted it at its lower weight in the total, so the link scored 100.87.
    al = align(seed_a, seed_a)
    assert [ln.score for ln in al.links] == [100.0] * len(al.links)
    assert al.score == 100.0
    assert max(ln.a.end - ln.a.start for ln in al.links) > 200  # a merged link among them


def test_a_merged_bag_is_the_bag_of_both_passages(seed_a: str) -> None:
    from dupwire.align.aligner import prepare
    from dupwire.align.passage import Bag

    prepared = prepare(seed_a)
    for lo in range(len(prepared.bags) - 2):
        tokens = [tok for toks in prepared.tokens[lo : lo + 3] for tok in toks]
        window, whole = prepared.window_bag(lo, lo + 3), Bag.of(tokens)
        assert (window.counts, window.weights) == (whole.counts, whole.weights)
        assert window.total == pytest.approx(whole.total, rel=1e-12)


def test_seed_pair_marks_reordered_paragraph_as_moved(seed_a: str, seed_b: str) -> None:
    al = align(seed_a, seed_b)
    moved = {ln.a.slice(seed_a)[:20] for ln in al.links if ln.moved}
    assert moved == {"Meanwhile, the minis", "In total, since 2019"}


@pytest.mark.parametrize(
    "snippet",
    [
        pytest.param("Leave a Reply", id="comment-form"),
        pytest.param("Your email address will not be published", id="email-notice"),
        pytest.param("You May Also Like", id="related-header"),
        pytest.param("F-16 fighters from Denmark to Ukraine", id="related-headline"),
        pytest.param("WAFA reported that Abbas stressed", id="related-teaser"),
        pytest.param("Erdogan warns Israel", id="read-also-link"),
    ],
)
def test_seed_furniture_is_boilerplate(seed_a: str, seed_b: str, snippet: str) -> None:
    al = align(seed_a, seed_b)
    start = seed_a.index(snippet)
    assert any(s.start <= start < s.end for s in al.boilerplate_a)
    assert not any(s.start <= start < s.end for s in al.only_a)


def test_word_edits_show_synonyms_and_spelling(seed_a: str, seed_b: str) -> None:
    al = align(seed_a, seed_b)
    first = al.links[0]
    replaced = [
        (e.a.slice(seed_a), e.b.slice(seed_b))
        for e in first.edits
        if e.op == "replace" and e.a and e.b
    ]
    assert ("soldiers", "troops") in replaced
    kept = " ".join(e.a.slice(seed_a) for e in first.edits if e.op == "equal" and e.a)
    assert "armoured" in kept  # armoured/armored is a spelling variant, not a change


def test_json_has_stable_schema(seed_a: str, seed_b: str) -> None:
    al = align(Article("a.txt", seed_a), Article("b.txt", seed_b))
    doc = json.loads(al.to_json())
    assert doc["schema"] == "dupwire.alignment/2"
    assert doc["verdict"] in {"same_story", "partial_reuse", "unrelated"}
    assert {"a_start", "a_end", "b_start", "b_end", "score"} <= set(doc["links"][0])
    for key in ("only_a", "only_b", "boilerplate_a", "boilerplate_b"):
        assert all(set(item) == {"start", "end"} for item in doc[key])
    assert doc == al.to_dict()
    link = doc["links"][0]
    assert seed_a[link["a_start"] : link["a_end"]].startswith("Turkish and Russian soldiers")


def test_unrelated_articles(ecb_records: list[dict[str, Any]]) -> None:
    quake = next(r for r in ecb_records if r["event"] == "3_ecb")
    rehab = next(r for r in ecb_records if r["event"] == "1_ecb")
    al = align(quake["text"], rehab["text"])
    assert al.verdict == "unrelated"
    assert al.links == ()


def test_partial_reuse_when_one_side_is_a_brief(seed_a: str, seed_b: str) -> None:
    brief = seed_b.splitlines()[0]
    al = align(seed_a, brief)
    assert al.verdict == "partial_reuse"
    assert al.coverage_b == 1.0
    assert al.coverage_a < 0.3


def test_ecb_same_event_pairs_score_higher_than_other_event(
    ecb_records: list[dict[str, Any]],
) -> None:
    by_event: dict[str, list[str]] = {}
    for rec in ecb_records:
        if rec["topic"] in (1, 3, 4):
            by_event.setdefault(rec["event"], []).append(rec["text"])
    same = [align(v[0], v[k]).score for v in by_event.values() for k in (1, 2)]
    other = [
        align(by_event[f"{t}_ecb"][k], by_event[f"{t}_ecbplus"][k]).score
        for t in (1, 3, 4)
        for k in (0, 1)
    ]
    assert sum(same) / len(same) > sum(other) / len(other)


def test_passage_similarity_weighs_rare_words() -> None:
    base = "Erdogan and Putin said it was over."
    names = passage_similarity(base, "Erdogan and Putin left.")  # two rare words shared
    common = passage_similarity(base, "He said it was over.")  # four common words shared
    assert names > 2 * common
    why = explain_similarity("Erdogan met Putin in Sochi.", "Putin hosted Erdogan.")
    assert [w for w, _ in why.shared] == ["erdogan", "putin"]


def test_options_are_validated() -> None:
    with pytest.raises(ParamsError, match="min_score must be in"):
        align("a b c.", "a b c.", min_score=120)
    with pytest.raises(ParamsError, match="unknown align option 'minscore'"):
        align("a b c.", "a b c.", minscore=10)


def test_empty_article_is_an_error() -> None:
    with pytest.raises(EmptyArticleError):
        align("   \n", "Some text.")


def test_renders_in_terminal_and_html(seed_a: str) -> None:
    from rich.console import Console

    # A whole script element is markup, read as spaces; one left open is text, escaped.
    evil = seed_a + "\n<script>alert('x')</script> Turkish and Russian soldiers resumed patrols."
    evil += "\nA <script>alert('y') tag left open is text."
    al = align(evil, seed_a)
    console = Console(record=True, width=120)
    console.print(al)
    assert "same story" in console.export_text()
    page = al._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def _ecb(records: list[dict[str, Any]], doc_id: str) -> str:
    return next(str(r["text"]) for r in records if r["id"] == doc_id)


def test_timestamps_of_unrelated_articles_are_not_linked(ecb_records: list[dict[str, Any]]) -> None:
    # Two ECB+ articles about different events (an actress in rehab, an Oscars host) whose
    # only common line was their date: "14 June 2013" and "June 06, 2013" scored 84.
    a, b = _ecb(ecb_records, "1_3ecbplus"), _ecb(ecb_records, "4_2ecbplus")
    al = align(a, b)
    assert al.links == ()
    assert any(s.slice(a) == "14 June 2013" for s in al.boilerplate_a)
    assert any(s.slice(b) == "June 06, 2013" for s in al.boilerplate_b)


def test_timestamps_are_not_shared_content(ecb_records: list[dict[str, Any]]) -> None:
    # Two reports of one event: the headlines link, the date lines are page furniture.
    a, b = _ecb(ecb_records, "1_4ecbplus"), _ecb(ecb_records, "1_7ecbplus")
    al = align(a, b)
    linked = [ln.a.slice(a) for ln in al.links]
    assert any(s.startswith("Lindsay Lohan Checks Into") for s in linked)
    assert not any("2013" in s for s in linked)
    assert any(s.slice(a) == "May 2, 2013" for s in al.boilerplate_a)


# --- properties ---------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "Turkey",
        "Russia",
        "troops",
        "soldiers",
        "patrol",
        "Syria",
        "Erdogan",
        "Putin",
        "ministry",
        "said",
        "joint",
        "ground",
        "vehicles",
        "344",
        "2019",
        "the",
        "a",
        "of",
        "in",
        "and",
        "border",
        "security",
        "Ankara",
        "Moscow",
        "agreed",
        "talks",
    ]
)
_SENTENCE = st.lists(_WORDS, min_size=1, max_size=12).map(lambda ws: " ".join(ws) + ".")
_ARTICLE = st.lists(_SENTENCE, min_size=1, max_size=8).map(
    lambda ss: "\n".join(" ".join(ss[i : i + 2]) for i in range(0, len(ss), 2))
)
_FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _mirror(al: Alignment) -> list[tuple[int, int, int, int, float, bool]]:
    return sorted(
        (ln.b.start, ln.b.end, ln.a.start, ln.a.end, ln.score, ln.moved) for ln in al.links
    )


@_FAST
@given(_ARTICLE, _ARTICLE)
def test_symmetric(a: str, b: str) -> None:
    ab, ba = align(a, b), align(b, a)
    assert _mirror(ab) == sorted(
        (ln.a.start, ln.a.end, ln.b.start, ln.b.end, ln.score, ln.moved) for ln in ba.links
    )
    assert (ab.coverage_a, ab.coverage_b) == (ba.coverage_b, ba.coverage_a)
    assert ab.verdict == ba.verdict
    assert sorted((p.b.start, p.b.end, p.a.start, p.a.end, p.score) for p in ab.passages) == sorted(
        (p.a.start, p.a.end, p.b.start, p.b.end, p.score) for p in ba.passages
    )


@_FAST
@given(_ARTICLE)
def test_self_alignment_links_every_story_unit_to_itself(a: str) -> None:
    al = align(a, a)
    assert al.only_a == () and al.only_b == ()
    assert all(ln.a == ln.b for ln in al.links)
    # Every story unit is covered; a text of furniture only ("2019.", a timestamp) has none.
    has_story = any(u.kind == "story" for u in split_units(a))
    assert al.coverage_a == 1.0 or not has_story


@_FAST
@given(_ARTICLE, _ARTICLE)
def test_offsets_slice_the_original_text(a: str, b: str) -> None:
    al = align(a, b)
    for ln in al.links:
        assert ln.a.slice(a).strip() == ln.a.slice(a)
        assert ln.a.slice(a) and ln.b.slice(b)
        for e in ln.edits:
            if e.a:
                assert ln.a.start <= e.a.start < e.a.end <= ln.a.end
            if e.b:
                assert ln.b.start <= e.b.start < e.b.end <= ln.b.end
    # A sentence fused from several of B repeats its span in one fused link per source.
    for span in {ln.a for ln in al.links}:
        sharing = [ln for ln in al.links if ln.a == span]
        assert len(sharing) == 1 or sum(not ln.fused for ln in sharing) <= 1
    spans = list({ln.a for ln in al.links}) + list(al.only_a) + list(al.boilerplate_a)
    spans.sort(key=lambda s: s.start)
    assert all(x.end <= y.start for x, y in itertools.pairwise(spans)), "A spans overlap"


# --- passages -----------------------------------------------------------------------------


def test_seed_pair_is_one_passage(seed_a: str, seed_b: str) -> None:
    al = align(seed_a, seed_b)
    (passage,) = al.passages
    assert passage.links == tuple(range(len(al.links)))
    assert passage.a.slice(seed_a).startswith("Turkish and Russian soldiers")
    assert passage.b.start == min(ln.b.start for ln in al.links)
    assert passage.b.end == max(ln.b.end for ln in al.links)
    doc = al.to_dict()
    assert doc["passages"][0]["links"] == list(range(len(al.links)))


def test_passages_are_found_whole_and_apart(ecb_records: list[dict[str, Any]]) -> None:
    # Two runs of four sentences of one article, planted far apart in an unrelated one.
    src = next(r["text"] for r in ecb_records if r["id"] == "1_2ecb").splitlines()
    host = [r["text"] for r in ecb_records if r["topic"] == 3][:2]
    first, second = " ".join(src[0:3]), " ".join(src[4:7])
    b = "\n".join([host[0], first, host[1], second])
    al = align("\n".join(src), b)
    assert len(al.links) > len(al.passages) == 2
    got = sorted(p.b.slice(b) for p in al.passages)
    assert got == sorted([first, second])
    assert sorted(k for p in al.passages for k in p.links) == list(range(len(al.links)))


def test_passage_options_are_validated() -> None:
    with pytest.raises(ParamsError, match="passage_gap must be a non-negative integer"):
        align("a b c.", "a b c.", passage_gap=-1)


# --- shared weights without a dense matrix ------------------------------------------------


def test_shared_pairs_equal_the_pairwise_rule(seed_a: str, seed_b: str) -> None:
    from dupwire.align.aligner import prepare
    from dupwire.align.passage import shared_pairs, shared_terms

    a, b = prepare(seed_a), prepare(seed_b)
    dense = {
        (i, j): sum(w for _, w in shared_terms(x, y))
        for i, x in enumerate(a.bags)
        for j, y in enumerate(b.bags)
    }
    full = shared_pairs(a.bags, b.bags)
    got = dict(
        zip(zip(full.rows.tolist(), full.cols.tolist(), strict=True), full.values, strict=True)
    )
    assert full.dropped == 0
    assert set(got) == {k for k, v in dense.items() if v > 0}
    assert all(got[k] == pytest.approx(dense[k]) for k in got)
    # A cap keeps the pairs few: the commonest words only add to pairs already found.
    capped = shared_pairs(a.bags, b.bags, cap=40)
    assert capped.dropped > 0
    assert len(capped.keys) <= 40 < len(full.keys)
    rows, cols = capped.rows, capped.cols
    assert capped.cell(rows, cols).tolist() == pytest.approx(full.cell(rows, cols).tolist())
    assert capped.cell(np.array([-1, 0]), np.array([0, 10**6])).tolist() == [0.0, 0.0]


def _add_left_out_plainly(
    keys: np.ndarray, values: np.ndarray, m: int, side_a: Any, side_b: Any, left: np.ndarray
) -> None:
    # The plain reading of the rule: each word left out by the cap, in word order, adds to
    # every pair found the weight the pair's two passages share in it (0 if not both hold it).
    rows, cols = keys // max(1, m), keys % max(1, m)
    n = int(max(rows.max(), side_a.unit.max())) + 1
    for w in left.tolist():
        count_a, weight_a = np.zeros(n), np.zeros(n)
        count_b, weight_b = np.zeros(m), np.zeros(m)
        for side, count, weight in ((side_a, count_a, weight_a), (side_b, count_b, weight_b)):
            lo, hi = int(side.first[w]), int(side.first[w] + side.length[w])
            count[side.unit[lo:hi]] = side.count[lo:hi]
            weight[side.unit[lo:hi]] = side.weight[lo:hi]
        values += np.minimum(count_a[rows], count_b[cols]) * np.minimum(
            weight_a[rows], weight_b[cols]
        )


@pytest.mark.parametrize("at_once", [1, 7, None])
def test_words_left_out_by_the_cap_add_as_the_plain_rule(
    monkeypatch: pytest.MonkeyPatch,
    seed_a: str,
    seed_b: str,
    ecb_records: list[dict[str, Any]],
    at_once: int | None,
) -> None:
    # The words over the cap add their weight to the pairs found by a lookup per occurrence
    # instead of a pass over every pair per word: the same sums, bit for bit, however the
    # lookups are cut.
    from dupwire.align import passage
    from dupwire.align.aligner import prepare

    if at_once is not None:
        monkeypatch.setattr(passage, "_LOOKUPS_AT_ONCE", at_once)
    texts = [r["text"] for r in ecb_records[:40]]
    pairs = [(seed_a, seed_b), (seed_b, seed_a), (seed_a, seed_a)]
    pairs += list(zip(texts[::2], texts[1::2], strict=True))
    dropped = 0
    for a, b in pairs:
        bags_a, bags_b = prepare(a).bags, prepare(b).bags
        for cap in (5, 40, 300):
            fast = passage.shared_pairs(bags_a, bags_b, cap=cap)
            with monkeypatch.context() as plain:
                plain.setattr(passage, "_add_left_out", _add_left_out_plainly)
                slow = passage.shared_pairs(bags_a, bags_b, cap=cap)
            assert fast.keys.tolist() == slow.keys.tolist()
            assert fast.values.tolist() == slow.values.tolist()
            dropped += fast.dropped
    assert dropped > 100  # the cap left words out


@pytest.mark.parametrize(
    ("summary", "second"),
    [
        pytest.param(
            "Ketsoyan said the Van Wilder and Big Lebowski actress went to Promises.",
            "Her film credits include",
            id="credits",
        ),
        pytest.param(
            "Ketsoyan said Reid, 33, known as a drunken partier, went to the Promises center.",
            "Reid, 33, earned a reputation",
            id="reputation",
        ),
    ],
)
def test_summary_sentence_links_to_each_sentence_it_fuses(
    ecb_records: list[dict[str, Any]], summary: str, second: str
) -> None:
    src = next(r["text"] for r in ecb_records if r["id"] == "1_2ecb")
    host = next(r["text"] for r in ecb_records if r["topic"] == 3)
    b = host + "\n" + summary
    al = align(src, b)
    assert {ln.b.slice(b) for ln in al.links} == {summary}
    sources = sorted(ln.a.slice(src)[:20] for ln in al.links)
    assert sources == sorted(["Jack Ketsoyan said F", second[:20]])
    assert [ln.fused for ln in al.links if ln.a.slice(src).startswith(second)] == [True]
    (passage,) = al.passages
    assert passage.a.slice(src).startswith("Jack Ketsoyan") and second in passage.a.slice(src)
    assert _mirror(al) == sorted(
        (ln.a.start, ln.a.end, ln.b.start, ln.b.end, ln.score, ln.moved)
        for ln in align(b, src).links
    )


def test_link_spans_leave_out_the_unshared_rest_of_a_long_sentence(seed_a: str) -> None:
    clause = "Turkish and Russian soldiers in armoured vehicles have resumed joint ground patrols"
    host = (
        "Local shopkeepers in the market town complained loudly about rising bread prices, "
        "while " + clause.lower() + ", as the weather turned colder across the region."
    )
    al = align(seed_a, host)
    (link,) = al.links
    got = link.b.slice(host)
    assert got.startswith("turkish and russian soldiers")
    assert "shopkeepers" not in got
    assert "weather" not in got
    assert all(link.b.start <= e.b.start and e.b.end <= link.b.end for e in link.edits if e.b)
    # A keeps its whole sentence: it ends on a shared word ("the Turkish Defence Ministry").
    assert link.a.slice(seed_a).startswith("Turkish and Russian soldiers")
    assert link.a.slice(seed_a).endswith("Ministry said.")


def test_sparse_merge_windows_equal_the_dense_ones(
    seed_a: str, seed_b: str, ecb_records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dupwire.align import aligner

    texts = [r["text"] for r in ecb_records if r["topic"] == 1][:6]
    pairs = [(seed_a, seed_b), *itertools.pairwise(texts)]
    dense = [align(x, y).to_dict() for x, y in pairs]
    monkeypatch.setattr(aligner, "_DENSE_CELLS", 0)
    assert [align(x, y).to_dict() for x, y in pairs] == dense


def test_a_long_passage_lifted_into_a_long_article_is_reuse(
    ecb_records: list[dict[str, Any]],
) -> None:
    # Eleven sentences (about 1,200 characters) of one long ECB+ report put into a long report
    # of another topic cover about a tenth of each: reuse all the same, however long the two.
    from dupwire.align import prepare, relate

    texts = {r["id"]: r["text"] for r in ecb_records}
    a, b = texts["3_4ecb"], texts["16_9ecbplus"]
    story = [u for u in split_units(a) if u.kind == "story"]
    lifted = a[story[10].start : story[20].end]
    cut = b.index("\n", len(b) // 2)
    with_it = b[:cut] + "\n" + lifted + b[cut:]
    for other, verdict in ((b, "unrelated"), (with_it, "partial_reuse")):
        alignment = align(a, other)
        assert max(alignment.coverage_a, alignment.coverage_b) < 0.3
        assert alignment.verdict == verdict
        assert relate(prepare(a), prepare(other)).verdict == verdict
