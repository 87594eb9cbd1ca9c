"""A focused beat: a corpus drawn from one narrow news vocabulary, with planted copies.

``generate(n, seed=..., narrow=1.0)`` returns ``n`` articles, each article's story label,
and the planted copies (copy id -> id of the article it copies).

Real archives narrow as they grow or follow one beat: in a year of Syria coverage
"Idlib", "Kurdish" and "Erdogan" are in thousands of articles, so an article whose rare
words are all common *in this corpus* must still find its copies.  This corpus has that
shape on purpose.

How it is made (on top of :mod:`corpus_gen`, whose articles, rewrites, sites and furniture
it reuses unchanged):

* **Base articles** are ``corpus_gen`` articles (ECB+ sentences recombined into stories,
  ``cluster_share`` of them planted rewrite clusters of 2-5 versions, each version on
  another invented site with its own furniture), except for how a story fills its slots.
* **Narrow vocabulary.**  A beat's stories share one vocabulary: 2,000 names (74 of the
  Syrian conflict first, "Idlib", "Kurdish", "Erdogan", then invented ones) and 2,000
  content words (about 150 conflict words first, "shelling", "ceasefire", "convoy", then
  real English words of moderate frequency), each drawn with Zipf weights (``1 / rank^0.8``),
  so the first names are in most articles and even the last ones in about a hundred per
  20,000.  ``narrow`` is the share of a story's name and rare content-word slots filled
  from this vocabulary (the others keep ``corpus_gen``'s values, mostly rare invented
  names); the dateline is a beat place.  Stories also draw their sentences from fewer pool
  documents (consecutive ones, so a few ECB+ topics: all of them at 0, a quarter at 1), and
  carry one to four stock beat sentences (monitor and ministry formulas: "the Syrian
  Observatory for Human Rights said"), ``round(narrow * k)`` of them.  At ``narrow`` = 0
  the text is exactly ``corpus_gen``'s (a broad vocabulary), so recall can be plotted as
  the vocabulary narrows.  A slot's value is a hash of the story and the slot, so all
  versions of a story agree.
* **Planted copies.**  ``copy_share`` of the articles are copies of a base article chosen at
  random (an article may be copied more than once): the copy keeps a share of the body's
  words drawn uniformly from 80-95% (whole sentences dropped first, then single words, never
  the headline), swaps paragraphs around, and is wrapped in the furniture of another site
  (header, byline, dateline style, inserts and footer; a date up to two days later).  A copy
  carries its original's story label.

Metrics this corpus is for: *planted-copy recall* (the share of copies that end up in their
original's cluster) and pair precision over the story labels.

Ids are ``b000000``, ``b000001``, ... over a seeded permutation of the generation order.
Everything is seeded: the same arguments give the same corpus in any process, and
:func:`iter_beat` streams it without holding it (20,000 articles in 40-75 s on one
shared core, the narrower the slower; 100,000 in about 3 minutes).

Limits: names replace the pool's names slot by slot, so a person can be called "Tara Idlib"
and grammar suffers where a content word of another part of speech is swapped in; the
sentence skeletons are still the ECB+ pool's 25 topics, not conflict reporting.  Copies are
only cut and rewrapped, never reworded.

    python benchmarks/beat_gen.py 20000 --seed 0 --narrow 1.0 --out beat.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import corpus_gen  # noqa: E402
from corpus_gen import _C, _DATELINE, _E, _W, _Fill, _Maker, _mix, _Site  # noqa: E402
from dupwire.model import Article  # noqa: E402

__all__ = [
    "BEAT_NAMES",
    "BEAT_WORDS",
    "DEFAULT_COPY_SHARE",
    "BeatItem",
    "cut_body",
    "generate",
    "iter_beat",
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _bars(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


DEFAULT_COPY_SHARE = 0.1
COPY_KEEP = (0.80, 0.95)  # share of a body's words a planted copy keeps
VOCABULARY = 2_000  # names, and as many content words, that a beat's stories share
_ZIPF_S = 0.8
_MIN_DOCS = 0.25  # at narrow = 1: share of the pool's documents a story draws from

#: Names and places of the beat, most frequent first.
BEAT_NAMES = _words(
    """
Idlib Kurdish Erdogan Syrian Turkish Assad Aleppo Russian Damascus Ankara SDF Kurds Raqqa
Afrin Manbij Kobani Hama Homs Putin Moscow Iranian Tehran Hezbollah YPG PKK HTS Daraa
Qamishli Hasakah Latakia Deir Euphrates Ghouta Saraqeb Jarablus Azaz Lavrov Akar Pedersen
Tartus Jolani Abdi Ras Tal Maarat Jisr Shughur Khan Sheikhoun Bab Tabqa Palmyra Quneitra
Sweida Golan Cavusoglu Guterres Pentagon Kremlin Washington Geneva Astana Sochi Baghdad
Beirut Amman Incirlik Hatay Gaziantep Kilis Sanliurfa
"""
)
#: Content words of the beat, most frequent first.
BEAT_WORDS = _words(
    """
shelling airstrikes militants fighters ceasefire offensive civilians displaced clashes
forces troops border province refugees convoy artillery drone rebels jihadist frontline
humanitarian casualties truce patrol incursion escalation bombardment evacuation checkpoint
mortar brigade militia enclave besieged withdrawal deployment outpost opposition regime
ministry monitor observatory wounded shelled targeted positions countryside villages
counteroffensive airspace warplanes helicopters barrel bombs munitions ammunition
reinforcements coalition extremists detainees camps shelters aid crossings corridor talks
negotiations sanctions occupation sovereignty buffer zone agreement protocol violations
retaliation ambush sniper rockets missiles raid raids operation operations commander
commanders envoy delegation resettlement reconstruction earthquake cholera winter fuel
shortages smuggling tunnels captured recaptured seized advanced repelled retreated withdrew
deployed bombed intercepted jihadists drones patrols militias insurgents airstrike rocket
missile camp crossing zones refugee mortars insurgency garrison offensives strikes
skirmishes infiltration defectors loyalists gunmen sleeper cells curfew blockade siege
"""
)
_BEAT_SENTENCES = (
    "Turkish-backed fighters shelled positions held by the Kurdish-led SDF near {p} on {d}, "
    "the Syrian Observatory for Human Rights said.",
    "At least {n} civilians were killed in airstrikes on {p} in the northwestern province of "
    "Idlib, according to the White Helmets rescue group.",
    "The Britain-based war monitor said {n} fighters had been killed in clashes on the edge "
    "of {p}.",
    "Russian and Syrian government warplanes have stepped up their bombardment of {p} since "
    "the start of the month.",
    "Erdogan has repeatedly threatened a new ground operation against Kurdish militants along "
    "the border.",
    "Ankara considers the YPG, the backbone of the SDF, a terrorist group linked to the PKK.",
    "The United Nations says more than {n},000 people have fled their homes around {p} since "
    "the fighting began.",
    "Aid convoys crossing from Turkey at Bab al-Hawa remain the only lifeline for about four "
    "million people in the northwest.",
    "A ceasefire brokered by Moscow and Ankara in March 2020 has largely held in Idlib, "
    "despite frequent violations.",
    "Residents of {p} said drones had circled overhead for most of the night.",
    "Damascus regards the Turkish troops in the north as an occupying force.",
    "The Syrian army said its units had repelled an attack by militants on positions near {p}.",
    "Hayat Tahrir al-Sham, the dominant jihadist group in Idlib, controls much of the enclave.",
    "Kurdish officials in {p} accused Ankara of targeting power stations and water facilities.",
    "The Turkish Defence Ministry said {n} militants had been neutralised in retaliatory strikes.",
    "Local sources told the monitor that the shelling on {p} had been the heaviest in weeks.",
    "The Kremlin said it was in close contact with Ankara about the situation around {p}.",
    "Medical workers in {p} said the main hospital had received {n} wounded by {d} evening.",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SENTENCE_END = re.compile(r"(?<=[.!?\"”])\s+(?=[A-Z\"“])")


def _cumulative(n: int) -> tuple[float, ...]:
    return tuple(accumulate(1.0 / (rank + 1) ** _ZIPF_S for rank in range(n)))


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[tuple[str, ...], tuple[float, ...], tuple[str, ...], tuple[float, ...]]:
    """The beat's names and words (the hand-written heads, then seeded tails), with their
    cumulative Zipf weights."""
    import wordfreq

    rng = random.Random(0xBEA7)
    names = list(BEAT_NAMES)
    seen = set(names)
    while len(names) < VOCABULARY:
        name = corpus_gen._name(10**7 + rng.randrange(10**7))
        if name not in seen:
            seen.add(name)
            names.append(name)
    tail = sorted(
        w
        for w, f in wordfreq.get_frequency_dict("en").items()
        if 1e-6 <= f < 3e-5 and w.isascii() and w.isalpha() and w.islower() and 4 <= len(w) <= 12
        and not corpus_gen._blocked(w) and w not in BEAT_WORDS
    )  # fmt: skip
    words = list(BEAT_WORDS) + rng.sample(tail, VOCABULARY - len(BEAT_WORDS))
    return tuple(names), _cumulative(len(names)), tuple(words), _cumulative(len(words))


_PLACES = _bars(
    "Idlib|Aleppo|Afrin|Manbij|Kobani|Raqqa|Hama|Homs|Saraqeb|Jarablus|Azaz|Qamishli|Hasakah|"
    "Daraa|Tabqa|Palmyra|Ras al-Ain|Tal Abyad|Maarat al-Numan|Jisr al-Shughur"
)


def _pick(words: tuple[str, ...], cum: tuple[float, ...], bits: int) -> str:
    """A Zipf-weighted pick from ``words`` by 40 random ``bits``."""
    return words[min(bisect_right(cum, (bits & (2**40 - 1)) / 2**40 * cum[-1]), len(words) - 1)]


class _BeatFill(_Fill):
    """A story's slot values, with a ``narrow`` share drawn from the beat's lists instead."""

    __slots__ = ("narrow",)

    def __init__(self, pool: corpus_gen._Pool, salt: int, narrow: float) -> None:
        super().__init__(pool, salt)
        self.narrow = narrow

    def __missing__(self, kid: int) -> str:
        value = super().__missing__(kid)
        kind = self.pool.kinds[kid]
        if kind not in (_E, _W, _C) or self.narrow <= 0.0:
            return value
        # _C keys share their _W key's random bits, so both forms of a word agree.
        h = _mix(self.salt, self.keyrand[kid], 0xBEA7)
        if (h >> 40) / 2**24 < self.narrow or kid == _DATELINE:
            names, name_cum, words, word_cum = _vocabulary()
            if kid == _DATELINE:
                value = _PLACES[h % len(_PLACES)]
            elif kind == _E:
                value = _pick(names, name_cum, h)
            else:
                word = _pick(words, word_cum, h)
                value = word[:1].upper() + word[1:] if kind == _C else word
            self[kid] = value
        return value

    def fill(self, keys: Iterable[int]) -> None:
        """Look up the values of many keys at once (the same values as one at a time)."""
        ids = [k for k in keys if k not in self]
        if not ids:
            return
        super().fill(ids)
        pool, arr = self.pool, np.array(ids, dtype=np.int64)
        h = _mix_array(self.salt, pool.keyrand_array[arr], 0xBEA7)
        kinds = _kinds(pool)[arr]
        drawn = (h >> np.uint64(40)).astype(np.float64) / 2**24 < self.narrow
        chosen = np.isin(kinds, (_E, _W, _C)) & (drawn | (arr == _DATELINE))
        if self.narrow <= 0.0 or not chosen.any():
            return
        names, name_cum, words, word_cum = _vocabulary()
        low = (h & np.uint64(2**40 - 1)).astype(np.float64) / 2**40
        at_name = np.searchsorted(name_cum, low * name_cum[-1], side="right")
        at_word = np.searchsorted(word_cum, low * word_cum[-1], side="right")
        place = (h % np.uint64(len(_PLACES))).astype(np.int64)
        for k in np.flatnonzero(chosen).tolist():
            kid, kind = ids[k], kinds[k]
            if kid == _DATELINE:
                self[kid] = _PLACES[place[k]]
            elif kind == _E:
                self[kid] = names[min(at_name[k], len(names) - 1)]
            else:
                word = words[min(at_word[k], len(words) - 1)]
                self[kid] = word[:1].upper() + word[1:] if kind == _C else word


def _mix_array(salt: int, parts: np.ndarray, tail: int) -> np.ndarray:
    """``corpus_gen._mix(salt, part, tail)`` of each of ``parts`` (uint64), vectorised."""
    h = np.full(len(parts), 0x243F6A8885A308D3, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for p in (np.uint64(salt & (2**64 - 1)), parts, np.uint64(tail)):
            h = (h ^ p) * np.uint64(0x9E3779B97F4A7C15)
            h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            h ^= h >> np.uint64(31)
    return h


_KINDS: dict[int, np.ndarray] = {}


def _kinds(pool: corpus_gen._Pool) -> np.ndarray:
    found = _KINDS.get(id(pool.kinds))
    if found is None:
        found = _KINDS[id(pool.kinds)] = np.array(pool.kinds, dtype=np.int64)
    return found


@dataclass(frozen=True, slots=True)
class _Parts:
    """An article before its site wraps it (what a planted copy starts from)."""

    site: int
    headline: str
    body: str
    fill: _Fill
    day: int


class _BeatMaker(_Maker):
    def __init__(self, seed: int, words: int, narrow: float) -> None:
        if not 0.0 <= narrow <= 1.0:
            msg = f"narrow must be in [0, 1] (0 broad, 1 one beat), got {narrow}"
            raise ValueError(msg)
        super().__init__(seed, words)
        self.narrow = narrow
        # A beat tells the same kinds of story: its sentences come from fewer pool documents
        # (consecutive ones, so from a few ECB+ topics).
        docs = self.pool.docs
        keep = max(1, round(len(docs) * (1.0 - narrow * (1.0 - _MIN_DOCS))))
        if keep < len(docs):
            start = random.Random(_mix(seed, 0xD0C5)).randrange(len(docs))
            self.pool = replace(self.pool, docs=tuple((docs + docs)[start : start + keep]))
        self._story = 0
        self._copying = False
        self.last: _Parts | None = None

    def story(self, story: int, versions: int) -> corpus_gen._Story:
        told = super().story(story, versions)
        if self.narrow > 0.0:
            fill = _BeatFill(self.pool, _mix(self.seed, story, 0x57), self.narrow)
            fill.fill(told.fill)  # the keys the story uses
            told.fill = fill
        return told

    def article(self, story: int, version: int, versions: int) -> str:
        self._story, self._copying = story, False
        return super().article(story, version, versions)

    def _beat_sentences(self, body: str) -> str:
        """Insert the story's stock beat sentences (the same ones in every version)."""
        rng = random.Random(_mix(self.seed, self._story, 0xBEA8))
        count = round(self.narrow * rng.randint(1, 4))
        if count == 0:
            return body
        paras = body.split("\n\n")
        for _ in range(count):
            text = rng.choice(_BEAT_SENTENCES).format(
                p=rng.choice(_PLACES), n=rng.randint(2, 60), d=rng.choice(_WEEKDAYS)
            )
            k = rng.randrange(len(paras))
            paras[k] = f"{paras[k]} {text}" if rng.random() < 0.5 else f"{text} {paras[k]}"
        return "\n\n".join(paras)

    def _wrap(
        self, site: _Site, headline: str, body: str, fill: _Fill, rng: random.Random, day: int
    ) -> str:
        if not self._copying:  # an article: add the beat and remember its parts
            body = self._beat_sentences(body)
            self.last = _Parts(self.sites.index(site), headline, body, fill, day)
        return super()._wrap(site, headline, body, fill, rng, day)

    def copy(self, parts: _Parts, bits: int) -> str:
        """A planted copy of ``parts``: :func:`cut_body` of its body under another site's
        furniture, dated up to two days later."""
        rng = random.Random(bits)
        body = cut_body(parts.body, rng)
        site = rng.choice([s for k, s in enumerate(self.sites) if k != parts.site])
        self._copying = True
        day = parts.day + rng.choice((0, 0, 1, 2))
        return super()._wrap(site, parts.headline, body, parts.fill, rng, day)


def cut_body(body: str, rng: random.Random) -> str:
    """``body`` keeping a share of its words drawn from :data:`COPY_KEEP` (whole sentences
    dropped first, then single words), with paragraphs swapped around."""
    paras = [_SENTENCE_END.split(p) for p in body.split("\n\n")]
    total = sum(len(s.split()) for p in paras for s in p)
    target = round(total * rng.uniform(*COPY_KEEP))
    kept = total
    spots = [(i, j) for i, p in enumerate(paras) for j in range(len(p))]
    rng.shuffle(spots)
    for i, j in spots:  # whole sentences first, while one fits in the budget
        n = len(paras[i][j].split())
        if kept - n >= target and sum(1 for s in paras[i] if s) > 1:
            paras[i][j], kept = "", kept - n
    while kept > target:  # then single words (never a sentence's first) from the rest
        i, j = rng.choice([(i, j) for i, j in spots if len(paras[i][j].split()) > 3])
        words = paras[i][j].split()
        del words[rng.randrange(1, len(words))]
        paras[i][j], kept = " ".join(words), kept - 1
    out = [" ".join(s for s in p if s) for p in paras]
    out = [p for p in out if p]
    for _ in range(1 + int(rng.random() * len(out) / 2)):
        i, j = rng.randrange(len(out)), rng.randrange(len(out))
        out[i], out[j] = out[j], out[i]
    return "\n\n".join(out)


@dataclass(frozen=True, slots=True)
class BeatItem:
    """One generated article, its story label, and the id it copies (``None`` if none)."""

    article: Article
    label: int
    original: str | None


def iter_beat(
    n_articles: int,
    *,
    seed: int = 0,
    narrow: float = 1.0,
    copy_share: float = DEFAULT_COPY_SHARE,
    cluster_share: float = corpus_gen.DEFAULT_CLUSTER_SHARE,
    words: int = corpus_gen.DEFAULT_WORDS,
) -> Iterator[BeatItem]:
    """Yield every article of the corpus (see the module docstring), each copy right after
    its original; the same arguments always give the same items in the same order."""
    if not 0.0 <= copy_share < 1.0:
        msg = f"copy_share must be in [0, 1), got {copy_share}"
        raise ValueError(msg)
    n_copies = round(n_articles * copy_share)
    n_base = n_articles - n_copies
    if n_copies and not n_base:
        msg = f"{n_articles} articles leave no originals to copy; use more articles"
        raise ValueError(msg)
    plan = corpus_gen.CorpusPlan.make(n_base, seed=seed, cluster_share=cluster_share)
    maker = _BeatMaker(seed, words, narrow)
    rng = random.Random(_mix(seed, 0xC0B1))
    copies = Counter(rng.randrange(n_base) for _ in range(n_copies))
    order = list(range(n_articles))
    rng.shuffle(order)
    width = max(6, len(str(n_articles - 1)))
    made = 0

    def next_id() -> str:
        nonlocal made
        made += 1
        return f"b{order[made - 1]:0{width}d}"

    for position, (story, version, versions) in enumerate(plan.slots):
        original = Article(next_id(), maker.article(story, version, versions))
        yield BeatItem(original, story, None)
        parts = maker.last
        assert parts is not None
        for k in range(copies.get(position, 0)):
            text = maker.copy(parts, _mix(seed, position, k, 0xC0))
            yield BeatItem(Article(next_id(), text), story, original.id)


def generate(
    n_articles: int,
    *,
    seed: int = 0,
    narrow: float = 1.0,
    copy_share: float = DEFAULT_COPY_SHARE,
    cluster_share: float = corpus_gen.DEFAULT_CLUSTER_SHARE,
    words: int = corpus_gen.DEFAULT_WORDS,
) -> tuple[list[Article], dict[str, int], dict[str, str]]:
    """The articles, each id's story label, and each planted copy's original id."""
    articles: list[Article] = []
    truth: dict[str, int] = {}
    planted: dict[str, str] = {}
    for item in iter_beat(
        n_articles,
        seed=seed,
        narrow=narrow,
        copy_share=copy_share,
        cluster_share=cluster_share,
        words=words,
    ):
        articles.append(item.article)
        truth[item.article.id] = item.label
        if item.original is not None:
            planted[item.article.id] = item.original
    return articles, truth, planted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--narrow", type=float, default=1.0, help="0 broad ... 1 one beat")
    parser.add_argument("--copy-share", type=float, default=DEFAULT_COPY_SHARE)
    parser.add_argument("--out", type=Path, help="write {id, text, story, copy_of} lines here")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    df: Counter[str] = Counter()
    count = 0
    out = args.out.open("w", encoding="utf-8") if args.out else None
    for item in iter_beat(args.n, seed=args.seed, narrow=args.narrow, copy_share=args.copy_share):
        count += 1
        df.update(set(re.findall(r"\w+", item.article.text)) & set(BEAT_NAMES[:5]))
        if out:
            rec = {"id": item.article.id, "text": item.article.text, "story": item.label}
            out.write(json.dumps({**rec, "copy_of": item.original}, ensure_ascii=False) + "\n")
    if out:
        out.close()
    shares = ", ".join(f"{w} {df[w] / max(count, 1):.0%}" for w in BEAT_NAMES[:5])
    print(
        f"{count:,} articles in {time.perf_counter() - start:.1f} s; articles holding: {shares}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
