"""Scripts written without spaces between words: Chinese, Japanese, Thai."""

from __future__ import annotations

from pathlib import Path

import pytest

from dupwire import Article
from dupwire.align import align, passage_similarity
from dupwire.cluster import cluster
from dupwire.normalize import tokenize, word_keys
from dupwire.segment import split_units

CJK = Path(__file__).resolve().parent.parent / "fixtures" / "cjk"
ZH_A = "土耳其和俄罗斯士兵恢复了在叙利亚东北部的联合地面巡逻"
ZH_B = "土耳其与俄罗斯军队已恢复在叙利亚东北部的联合地面巡逻"
TH_A = "ทหารตุรกีและรัสเซียกลับมาลาดตระเวนร่วมกันในซีเรีย"
TH_B = "ทหารตุรกีและรัสเซียเริ่มลาดตระเวนร่วมกันอีกครั้งในซีเรีย"
JA_A = "トルコとロシアの兵士がシリア北東部で合同パトロールを再開した。"
JA_B = "トルコ軍とロシア軍はシリア北東部での合同パトロールを再開した。"


def _read(name: str) -> str:
    return (CJK / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "n"),
    [
        pytest.param(ZH_A, 2, id="chinese-bigrams"),
        pytest.param(JA_A, 2, id="japanese-bigrams"),
        pytest.param(TH_A, 3, id="thai-trigrams"),
    ],
)
def test_grams_overlap_and_slice_the_original(text: str, n: int) -> None:
    toks = tokenize("(" + text + ") 24")
    grams = [t for t in toks if t.key != "24"]
    assert all(t.end - t.start == n for t in grams)
    assert [t.start for t in grams] == list(range(1, 1 + len(grams)))
    # Every character of the run is covered, Thai vowel signs included.
    assert grams[-1].end == 1 + len(text.rstrip("。"))
    assert [k for k, _ in word_keys("(" + text + ") 24")] == [t.key for t in toks]


def test_latin_words_next_to_chinese_stay_words() -> None:
    toks = tokenize("NATO峰会在2019年举行")
    text = "NATO峰会在2019年举行"
    assert [text[t.start : t.end] for t in toks] == [
        "NATO", "峰会", "会在", "2019", "年举", "举行",
    ]  # fmt: skip
    assert toks[0].key == "nato"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(ZH_A, ZH_B, id="chinese"),
        pytest.param(JA_A, JA_B, id="japanese"),
        pytest.param(TH_A, TH_B, id="thai"),
    ],
)
def test_rewordings_score_above_the_link_threshold(a: str, b: str) -> None:
    assert passage_similarity(a, b) > 60


def test_unrelated_chinese_scores_low() -> None:
    market = _read("zh_c.txt")
    for line in market.splitlines():
        assert passage_similarity(ZH_A, line) < 10
    assert passage_similarity(TH_A, "วันนี้อากาศในกรุงเทพร้อนมาก") < 10


def test_chinese_sentences_end_at_full_width_stops() -> None:
    text = "第一句话。第二句话！第三句话？最后"
    assert [text[u.start : u.end] for u in split_units(text)] == [
        "第一句话。", "第二句话！", "第三句话？", "最后",
    ]  # fmt: skip


def test_chinese_reports_align_and_cluster() -> None:
    a, b, c = _read("zh_a.txt"), _read("zh_b.txt"), _read("zh_c.txt")
    al = align(a, b)
    assert al.verdict == "same_story"
    assert len(al.links) == 4
    assert "四辆装甲车" in al.links[2].a.slice(a)
    assert "四辆装甲车" in al.links[2].b.slice(b)
    assert align(a, c).links == ()
    result = cluster([Article("a", a), Article("b", b), Article("c", c)])
    assert [c.members for c in result.clusters] == [("a", "b")]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(ZH_A + "，共344次。", id="chinese"),
        pytest.param(TH_A, id="thai"),
        pytest.param(
            "Four vehicles and twenty-four soldiers; 3.2 million, one of them", id="numbers"
        ),
        pytest.param("NATO峰会在2019年举行", id="mixed"),
    ],
)
def test_written_forms_analyse_as_tokenize_does(text: str) -> None:
    from dupwire.normalize import analyse, raw_words

    expected = [(t.key, t.weight) for t in tokenize(text)]
    assert [analyse(w) for w in raw_words(text)] == expected
    assert word_keys(text) == expected
