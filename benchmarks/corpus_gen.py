"""Seeded news-like corpora with planted rewrite clusters, for benchmarks.

``generate(n, seed=...)`` returns ``n`` articles and the truth: which story each article
tells.  Most stories are told once (singletons); ``cluster_share`` of the articles belong to
planted clusters of 2 to 5 versions of one story, each version rewritten on its own.

How an article is made:

* **Sentences are real.** The pool is the 9,376 sentences of the ECB+ development texts in
  ``fixtures/ecbplus/dev.jsonl`` (news of 2004-2013), compiled once into templates whose
  slots are names, numbers and content words.
* **Stories are recombined.** A story is a headline plus runs of one to three consecutive
  pool sentences from random documents, about ``words`` tokens with the site furniture.
  Each story fills the slots its own way: names and places become invented words (a few
  "famous" ones recur across many stories, most are rare), numbers get new digits, and most
  content words (Zipf < 5 in wordfreq's English list) become other real words with the same
  ending, drawn by their frequency.  So two unrelated stories that reuse a pool sentence
  share its common words only, as two unrelated articles would.  Each slot has 128 possible
  values and a hash of the story and the slot picks one, so every version of a story fills
  it the same way.
* **Versions are rewritten.** Every article, singletons included, is a version of its story
  rewritten at an intensity drawn per version: synonym swaps, sentences dropped, added,
  merged and split, paragraphs moved and re-broken, phrase edits ("said that" -> "said"),
  another headline.
* **Sites wrap them.** Every article appears on one of 40 invented sites, each with its own
  spelling (British or American), house style (contractions, "Mr" or "Mr.") and fixed
  furniture: header and byline, "Read more" and newsletter inserts, "You May Also Like" and
  "More from" lists of other stories' headlines, "Leave a Reply" forms, tags, author bios,
  copyright lines.  The versions of one story appear on different sites.

Random choices come from ``random.Random`` seeded by ``(seed, story)`` and ``(seed, story,
version)``, so an article does not depend on the ones generated before it: the same
arguments give the same corpus in any process, and :func:`iter_corpus` streams it without
holding it.  Ids are ``a000000``, ``a000001``, ... over a shuffled order of the versions.

Limits: the pool is small (25 event topics, about 9,000 sentences), so the common-word
skeleton of sentences recurs far more often than in real news, and grammar suffers where a
content word is swapped for one of another part of speech.

    python benchmarks/corpus_gen.py 10000 --seed 0 --out corpus.jsonl --truth truth.json
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, combinations
from pathlib import Path

import numpy as np

from dupwire.model import Article

__all__ = [
    "DEFAULT_CLUSTER_SHARE",
    "DEFAULT_WORDS",
    "CorpusPlan",
    "generate",
    "iter_corpus",
    "planted_pairs",
    "shingle_jaccard",
    "write_jsonl",
]

ROOT = Path(__file__).resolve().parent.parent
POOL_PATH = ROOT / "fixtures" / "ecbplus" / "dev.jsonl"

DEFAULT_WORDS = 570
DEFAULT_CLUSTER_SHARE = 0.3
#: Planted cluster sizes and their weights.
CLUSTER_SIZES = (2, 3, 4, 5)
CLUSTER_WEIGHTS = (0.4, 0.3, 0.2, 0.1)
N_SITES = 40

_RARE_ZIPF = 5.0  # content words rarer than this (wordfreq Zipf) are slots a story may swap
_RARE_SWAP = 0.85  # share of content-word slots a story swaps
_SWAP_BAND = (2.7, 5.0)  # replacement words come from this Zipf band, by frequency
_FAMOUS_SHARE = 0.12  # share of names drawn from the small famous set
_FAMOUS = 2_000
_FURNITURE_WORDS = 110  # mean whitespace tokens of furniture around a body
_VARIANT_BITS = 7  # each slot has 2**7 possible values; a story's hash picks one

_MASK64 = (1 << 64) - 1
_GOLDEN_INT = 0x9E3779B97F4A7C15
_GOLDEN = np.uint64(_GOLDEN_INT)
_E, _N, _W, _C = range(4)  # slot kinds: entity, number, content word, capitalised one

# ---------------------------------------------------------------------------------------
# Word lists, written for this generator.


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Interchangeable words, one group a line.  A rewrite maps every member of a group it
# touches to one member (only single words are looked up; longer ones are outputs).
_SYNONYMS = """
said stated noted | says states notes | told informed | announced unveiled declared
died perished | began started | begin start | ended finished concluded | after following
before ahead_of | officials authorities | people individuals | large big sizeable
huge massive enormous | major significant | help assist | helped assisted | buy purchase
bought purchased | many numerous | several a_number_of | also additionally
attack assault | attacks assaults | attacked assaulted | injured wounded hurt
car vehicle | cars vehicles | homes houses residences | children kids | fire blaze
fires blazes | firefighters fire_crews | earthquake quake tremor
arrested detained held | nearly almost close_to | recently lately
currently presently | company firm | companies firms | deal agreement accord
deals agreements | government administration | country nation | countries nations
area region | areas regions | despite in_spite_of | received got obtained | need require
needed required | try attempt | tried attempted | struck hit | destroyed wrecked demolished
damage destruction | victims casualties | team squad | teams squads | game match
games matches | won clinched secured | win victory | season campaign | film movie
films movies | spokesman spokesperson representative | spokeswoman spokesperson
lawyer attorney | lawyers attorneys | jury panel | prison jail | murder killing
murdered killed | gun weapon firearm | guns weapons firearms | troops soldiers forces
war conflict | fighting clashes | protest demonstration | protests demonstrations rallies
protesters demonstrators | ship vessel | ships vessels | plane aircraft jet | rain rainfall
residents locals inhabitants | building structure | buildings structures | store shop
stores shops | launched initiated | plan proposal | plans proposals | problem issue
problems issues | important significant key | serious grave | quickly rapidly swiftly
immediately at_once | doctors physicians | doctor physician | money funds cash
job position post | jobs positions | workers employees staff | claimed alleged asserted
confirmed verified | denied rejected | warned cautioned | wanted sought | found discovered
find discover | saw witnessed | fell dropped declined | rose climbed increased
happened occurred | happen occur | caused triggered sparked | decided opted | chose selected
resigned stepped_down | investigation probe inquiry | investigators detectives
evidence proof | reportedly allegedly | scene site | incident episode event
accident crash collision | hospital medical_center | small little minor | near close_to
because since | among amongst | during throughout | killed slain | dead deceased
suspect assailant | suspects assailants | police officers
officer policeman | officers policemen | leader head | leaders heads | meeting session
talks negotiations | report account | reports accounts | continued persisted
expected anticipated | agreed consented | believed thought | shortly soon
later subsequently | again once_more
"""

# American -> British spellings beyond the -ize/-yze and -or/-our rules.
_US_UK = """
center centre | centers centres | theater theatre | theaters theatres | fiber fibre
liter litre | liters litres | meters metres | kilometers kilometres | kilometer kilometre
somber sombre | meager meagre | defense defence | offense offence | license licence
pretense pretence | catalog catalogue | dialog dialogue | analog analogue
traveled travelled | traveling travelling | traveler traveller | travelers travellers
canceled cancelled | canceling cancelling | labeled labelled | labeling labelling
modeled modelled | modeling modelling | fueled fuelled | fueling fuelling
counseled counselled | counselor counsellor | counseling counselling | jeweler jeweller
jewelry jewellery | marveled marvelled | signaled signalled | totaled totalled
leveled levelled | dueling duelling | tunneled tunnelled | channeled channelled
program programme | programs programmes | gray grey | aluminum aluminium | pajamas pyjamas
plow plough | mold mould | skeptic sceptic | skeptical sceptical | maneuver manoeuvre
maneuvers manoeuvres | pediatric paediatric | fetus foetus | anemia anaemia
diarrhea diarrhoea | enrollment enrolment | fulfill fulfil | installment instalment
judgment judgement | acknowledgment acknowledgement | aging ageing | mustache moustache
sulfur sulphur | cozy cosy | toward towards | learned learnt | spelled spelt | burned burnt
tire tyre | tires tyres | curb kerb | airplane aeroplane | airplanes aeroplanes
percent per_cent
"""
_OUR_STEMS = _words(
    "color honor favor labor neighbor behavior harbor humor rumor vigor valor savior flavor "
    "endeavor armor odor parlor tumor vapor splendor candor clamor rigor"
)
_IZE_EXCEPTIONS = frozenset(_words("size prize seize capsize baize maize resize downsize"))

# Phrase edits as "one form | other form", applied to the text with str.replace.
_CONTRACTIONS = """
did not | didn't ; does not | doesn't ; do not | don't ; is not | isn't ; are not | aren't
was not | wasn't ; were not | weren't ; will not | won't ; could not | couldn't
has not | hasn't ; have not | haven't ; it is | it's ; they are | they're
"""
_HOUSE_STYLE = """
Mr. |Mr ; Mrs. |Mrs ; Dr. |Dr ; U.S. |US ; a.m.|am ; p.m.|pm ; on Monday|Monday
on Tuesday|Tuesday ; on Wednesday|Wednesday ; on Thursday|Thursday ; on Friday|Friday
"""
_PHRASE_EDITS = """
said that | said ; in order to | to ; as well as | and ; more than | over
at least | no fewer than ; according to | citing ; also | ; very | ; just | ; then |
was killed | died ; were killed | died ; was arrested | was taken into custody
a lot of | plenty of ; so far | to date ; last year | a year ago ; in the area | nearby
"""
_JOINERS = (", and ", "; ", " - ", ", while ", ", as ")
_SPLITTERS = (", and ", "; ", ", but ", ", while ", ", which ")

# Capitalised words that are not names.
_KEEP_CAPITALISED = frozenset(
    _words(
        "I Mr Mrs Ms Dr Jr Sr St A OK TV Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec "
        "January February March April May June July August September October November December "
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
    )
)
# Replacement words never drawn (the frequency list comes partly from social media).
_BLOCKED = frozenset(
    _words(
        "anal anus arse ass asses bastard bitch bitches boner boob boobs butt butts cock cocks "
        "crap cum cunt damn dick dicks dildo erotic escort fag fags faggot fetish hentai hooker "
        "horny incest jizz kinky milf molest naked nude nudes penis piss pissed porn porno pussy "
        "rape raped rapes raping rapist retard retarded semen sex sexual sexy shit slut stripper "
        "threesome tits twat vagina wank wanker whore orgasm bollocks"
    )
)
_BLOCKED_PREFIXES = ("fuck", "shit", "porn", "masturb", "nigg", "pedoph", "blowjob", "cunt")

_FIRST_NAMES = _words(
    "Anna James Maria David Sarah Michael Laura Daniel Emma Thomas Olivia Peter Grace Mark "
    "Helen Paul Nadia Omar Priya Lucas Chloe Ben Sofia Ryan Leila Adam Hannah Jonas Mei Ivan "
    "Rosa Samuel Clara Tom Ines Victor Julia Kevin Amara Noah"
)
_SECTIONS = _words("News World Politics Business Local Sports Entertainment Crime Nation Health")
_BEATS = ("crime and courts", "breaking news", "politics", "business", "public safety", "sports")
_MONTHS = _words(
    "January February March April May June July August September October November December"
)
_WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
_SITE_NOUNS = _words(
    "Herald Courier Gazette Tribune Ledger Sentinel Chronicle Post Observer Dispatch Times "
    "Record Journal Express Beacon Register Bulletin Examiner"
)
_SITE_SUFFIXES = ("Today", "Now", "Daily", "Wire", "Live", "24", "Report", "Insider")

# Syllables of invented names: two syllables make about 14 million names.
_ONSETS = _words(
    "b bl br c ch cl cr d dr f fl fr g gl gr h j k kl kr l m n p pl pr r s sh sl st t tr v w z"
)
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou", "ei", "ia")
_CODAS = ("", "", "n", "r", "l", "s", "t", "m", "nd", "rt", "ck", "x", "lt", "sk", "v")
_SYLLABLES = tuple(o + v + c for o in _ONSETS for v in _VOWELS for c in _CODAS)
_SYLLABLES_CAP = tuple(s.capitalize() for s in _SYLLABLES)
_NAME_SPACE = len(_SYLLABLES) ** 2
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _groups(text: str) -> list[list[str]]:
    """``"a b | c d"`` -> ``[["a", "b"], ["c", "d"]]``; line ends separate groups too."""
    return [g.split() for line in text.split("\n") for g in line.split("|") if g.strip()]


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``"a | b ; c | d"`` -> ``((" a ", " b "), (" c ", " d "))``; spaces mark word edges."""
    out = []
    for item in [i for line in text.strip().split("\n") for i in line.split(";")]:
        a, b = item.split("|")
        a, b = " ".join(a.split()), " ".join(b.split())
        pad_a = " " if not a.endswith(".") else ""
        out.append((f" {a}{pad_a}", f" {b} " if b else " "))
    return tuple(out)


SYNONYM_GROUPS = tuple(tuple(w.replace("_", " ") for w in g) for g in _groups(_SYNONYMS))
CONTRACTIONS = _pairs(_CONTRACTIONS)
HOUSE_STYLE = _pairs(_HOUSE_STYLE)
PHRASE_EDITS = _pairs(_PHRASE_EDITS)


# ---------------------------------------------------------------------------------------
# The sentence pool, compiled once per process.

_TOKEN_RE = re.compile(r"[A-Za-z]+|\d+(?:[.,:]\d+)*")
_FIRST_WORD_RE = re.compile(r"^[\W_]*([A-Za-z]+)")


@dataclass(frozen=True, slots=True)
class _Template:
    """A pool sentence with slots: ``fmt.format(*[value of k for k in keys])``."""

    fmt: str
    keys: tuple[int, ...]
    n_words: int


@dataclass(frozen=True, slots=True)
class _Pool:
    templates: tuple[_Template, ...]
    docs: tuple[tuple[int, ...], ...]  # body sentences of each document, in order
    headlines: tuple[int, ...]  # short sentences that read as headlines
    kinds: tuple[int, ...]  # per slot key: _E, _N, _W or _C
    words: tuple[str, ...]  # per slot key: the word as written (lower case for _W, _C)
    links: tuple[int, ...]  # per slot key: _C keys -> their _W key; otherwise -1
    # per _W key: the replacement words for its ending and their cumulative weights
    swaps: tuple[tuple[tuple[str, ...], tuple[float, ...]] | None, ...]
    keyrand: tuple[int, ...]  # per slot key: 64 random bits, hashed with a story's salt
    keyrand_array: np.ndarray  # the same as a numpy uint64 array
    variants: list[tuple[str, ...] | None]  # per slot key: its possible values, built lazily
    lowercase: frozenset[str]  # words seen in lower case in the pool
    word_maps: dict[tuple[int, str], dict[str, str]]  # (synonym level, spelling) -> map


_DATELINE = 0  # slot key of a story's dateline place


def _ending(word: str) -> str:
    for suffix in ("ings", "ing", "ed", "ly", "ions", "ion", "ies", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return suffix
    return ""


def _blocked(word: str) -> bool:
    return word in _BLOCKED or word.startswith(_BLOCKED_PREFIXES)


def _with_forms(mapping: dict[str, str]) -> dict[str, str]:
    """Also map the capitalised forms and forms followed by punctuation (``str.split`` tokens)."""
    out: dict[str, str] = {}
    for src, dst in mapping.items():
        if src == dst:
            continue
        for a, b in ((src, dst), (src[:1].upper() + src[1:], dst[:1].upper() + dst[1:])):
            for tail in ("", ",", ".", ";", ":", '"', "'s", '."', ',"'):
                out[a + tail] = b + tail
    return out


def _spelling_maps(vocab: Iterable[str]) -> dict[str, dict[str, str]]:
    us_uk = {us: uk.replace("_", " ") for us, uk in _groups(_US_UK)}
    tails = {"", "s", "d", "r", "rs", "ation", "ations"}
    for w in vocab:
        if not (w.isalpha() and w.islower()):
            continue
        for us, uk in (("ize", "ise"), ("yze", "yse")):
            i = w.find(us)
            if i > 1 and w[: i + 3] not in _IZE_EXCEPTIONS and w[i + 3 :] in tails:
                us_uk[w] = w[:i] + uk + w[i + 3 :]
            j = w.find(us[:2] + "ing")
            if j > 1 and w[:j] + us not in _IZE_EXCEPTIONS and w.endswith("ing"):
                us_uk[w] = w[:j] + uk[:2] + w[j + 2 :]
        for stem in _OUR_STEMS:
            if w.startswith(stem):
                us_uk[w] = stem[:-2] + "our" + w[len(stem) :]
    uk_us = {uk: us for us, uk in us_uk.items() if " " not in uk}
    return {"uk": _with_forms(us_uk), "us": _with_forms(uk_us)}


_SYN_LEVELS = 16


def _word_maps(vocab: Iterable[str]) -> dict[tuple[int, str], dict[str, str]]:
    """Word maps for each synonym level (share of groups swapped) and spelling."""
    spelling = _spelling_maps(vocab)
    rng = random.Random(20_240_601)
    maps: dict[tuple[int, str], dict[str, str]] = {}
    for level in range(_SYN_LEVELS):
        share = 0.25 + 0.7 * level / (_SYN_LEVELS - 1)
        syn: dict[str, str] = {}
        for group in SYNONYM_GROUPS:
            if rng.random() < share:
                target = group[rng.randrange(len(group))]
                syn.update({m: target for m in group if " " not in m})
        syn_forms = _with_forms(syn)
        for name, spell in spelling.items():
            combined = dict(spell)
            # A synonym's output still gets the site's spelling ("programme" on a US site).
            combined.update({k: spell.get(v, v) for k, v in syn_forms.items()})
            maps[level, name] = combined
    return maps


def _zipf_table() -> dict[str, float]:
    import wordfreq

    freqs = wordfreq.get_frequency_dict("en")
    return {w: math.log10(f) + 9.0 for w, f in freqs.items() if f > 1e-7}


@lru_cache(maxsize=1)
def _pool() -> _Pool:
    rows = [json.loads(line) for line in POOL_PATH.read_text(encoding="utf-8").splitlines()]
    rows.sort(key=lambda r: r["id"])
    sentences = [[s.strip() for s in r["text"].split("\n") if s.strip()] for r in rows]
    lower_count: Counter[str] = Counter()
    cap_mid_count: Counter[str] = Counter()
    for doc in sentences:
        for s in doc:
            first = _FIRST_WORD_RE.match(s)
            start = first.end() if first else 0
            for m in _TOKEN_RE.finditer(s):
                w = m.group()
                if w.islower():
                    lower_count[w] += 1
                elif w[0].isupper() and m.start() >= start:
                    cap_mid_count[w] += 1
    zipf = _zipf_table()

    def classify(word: str) -> tuple[int, str] | None:
        if word[0].isdigit():
            return _N, word
        low = word.lower()
        rare = len(low) >= 4 and zipf.get(low, 0.0) < _RARE_ZIPF
        if word[0].isupper():
            if word in _KEEP_CAPITALISED:
                return None
            # A name: written capitalised mid-sentence far more often than in lower case,
            # or never seen in lower case and not a common English word.
            if cap_mid_count[word] > 3 * lower_count[low] or (
                lower_count[low] == 0 and zipf.get(low, 0.0) < 3.0
            ):
                return _E, word
            return (_C, low) if rare else None
        return (_W, word) if rare and word.islower() else None

    key_ids: dict[tuple[int, str], int] = {(_E, "Dateline"): _DATELINE}

    def key_id(kind: int, word: str) -> int:
        if kind == _C:
            key_id(_W, word)
        return key_ids.setdefault((kind, word), len(key_ids))

    templates: list[_Template] = []
    docs: list[tuple[int, ...]] = []
    headlines: list[int] = []
    for doc in sentences:
        body: list[int] = []
        for s in doc:
            pieces: list[str] = []
            keys: list[int] = []
            last = 0
            for m in _TOKEN_RE.finditer(s):
                after = s[m.end() : m.end() + 3]
                if after[:1] in "'’" and after[1:2].isalpha() and not after[1:].startswith("s"):
                    continue  # "didn't", "we'll": leave the word alone (but "Reid's" is a name)
                slot = classify(m.group())
                if slot is None:
                    continue
                pieces += [s[last : m.start()].replace("{", "{{").replace("}", "}}"), "{}"]
                keys.append(key_id(*slot))
                last = m.end()
            pieces.append(s[last:].replace("{", "{{").replace("}", "}}"))
            n_words = len(s.split())
            templates.append(_Template("".join(pieces), tuple(keys), n_words))
            idx = len(templates) - 1
            if n_words >= 5 and s[-1] in ".!?\"'”":
                body.append(idx)
            lower_words = sum(w.islower() for w in s.split())
            if 5 <= n_words <= 13 and lower_words >= 3 and s[0].isalpha() and s[-1].isalpha():
                headlines.append(idx)
        if body:
            docs.append(tuple(body))

    lo, hi = _SWAP_BAND
    buckets: dict[str, tuple[list[str], list[float]]] = {}
    for w, z in zipf.items():
        plain = w.isascii() and w.isalpha() and w.islower() and 4 <= len(w) <= 14
        if lo <= z < hi and plain and not _blocked(w):
            words, weights = buckets.setdefault(_ending(w), ([], []))
            words.append(w)
            weights.append(10.0**z)
    swaps = {
        end: (tuple(words), tuple(accumulate(weights)))
        for end, (words, weights) in sorted(buckets.items())
    }
    n_keys = len(key_ids)
    kinds, words_, links = [0] * n_keys, [""] * n_keys, [-1] * n_keys
    key_swaps: list[tuple[tuple[str, ...], tuple[float, ...]] | None] = [None] * n_keys
    for (kind, word), kid in key_ids.items():
        kinds[kid], words_[kid] = kind, word
        if kind == _C:
            links[kid] = key_ids[_W, word]
        if kind == _W:
            key_swaps[kid] = swaps.get(_ending(word)) or swaps[""]
    keyrand = tuple(_mix(0x6B65, link if link >= 0 else kid) for kid, link in enumerate(links))
    lowercase = frozenset(lower_count)
    vocab = lowercase.union(*(words for words, _ in swaps.values()))
    return _Pool(
        templates=tuple(templates),
        docs=tuple(docs),
        headlines=tuple(headlines),
        kinds=tuple(kinds),
        words=tuple(words_),
        links=tuple(links),
        swaps=tuple(key_swaps),
        keyrand=keyrand,
        keyrand_array=np.array(keyrand, dtype=np.uint64),
        variants=[None] * n_keys,
        lowercase=lowercase,
        word_maps=_word_maps(vocab),
    )


# ---------------------------------------------------------------------------------------
# Filling the slots.


def _mix(*parts: int) -> int:
    """A 64-bit hash of integers (splitmix64 steps): seeds that do not correlate."""
    h = 0x243F6A8885A308D3
    for p in parts:
        h = (h ^ (p & _MASK64)) * 0x9E3779B97F4A7C15 & _MASK64
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9 & _MASK64
        h = (h ^ (h >> 27)) * 0x94D049BB133111EB & _MASK64
        h ^= h >> 31
    return h


def _name(k: int) -> str:
    k = k * 0x9E3779B1 % _NAME_SPACE  # scatter, so famous names do not look alike
    n = len(_SYLLABLES)
    return _SYLLABLES_CAP[k % n] + _SYLLABLES[k // n % n]


def _variants(pool: _Pool, kid: int) -> tuple[str, ...]:
    """The possible values of a slot key (built once per key)."""
    found = pool.variants[kid]
    if found is not None:
        return found
    rng = random.Random(pool.keyrand[kid])
    kind, word, n = pool.kinds[kid], pool.words[kid], 1 << _VARIANT_BITS
    if kind == _W:
        words, cum = pool.swaps[kid] or ((word,), (1.0,))
        drawn = rng.choices(words, cum_weights=cum, k=n)
        values = tuple(word if rng.random() >= _RARE_SWAP else w for w in drawn)
    elif kind == _C:
        values = tuple(v[:1].upper() + v[1:] for v in _variants(pool, pool.links[kid]))
    elif kind == _N:
        values = tuple(_number(word, rng.getrandbits(64)) for _ in range(n))
    elif word.isupper() and len(word) <= 5:
        values = tuple("".join(rng.choices(_LETTERS, k=len(word))) for _ in range(n))
    else:
        values = tuple(
            _name(int(_FAMOUS * rng.random() ** 2))
            if rng.random() < _FAMOUS_SHARE
            else _name(_FAMOUS + rng.randrange(_NAME_SPACE - _FAMOUS))
            for _ in range(n)
        )
    pool.variants[kid] = values
    return values


class _Fill(dict[int, str]):
    """The slot values of one story: a hash of the story's salt and the slot key picks one
    of the slot's variants (a _C key shares its _W key's random bits, so its capitalised
    value matches)."""

    __slots__ = ("keyrand", "pool", "salt")

    def __init__(self, pool: _Pool, salt: int) -> None:
        super().__init__()
        self.pool, self.salt, self.keyrand = pool, salt, pool.keyrand

    def __missing__(self, kid: int) -> str:
        h = ((self.salt ^ self.keyrand[kid]) * _GOLDEN_INT) & _MASK64
        value = _variants(self.pool, kid)[h >> (64 - _VARIANT_BITS)]
        self[kid] = value
        return value

    def fill(self, keys: Iterable[int]) -> None:
        """Look up the values of many keys at once (the same values as one at a time)."""
        pool = self.pool
        ids = list(keys)
        mixed = (np.uint64(self.salt) ^ pool.keyrand_array[ids]) * _GOLDEN
        picks = (mixed >> np.uint64(64 - _VARIANT_BITS)).tolist()
        variants = pool.variants
        self.update(
            {k: (variants[k] or _variants(pool, k))[i] for k, i in zip(ids, picks, strict=True)}
        )

    def render(self, tid: int) -> str:
        t = self.pool.templates[tid]
        return t.fmt.format(*[self[k] for k in t.keys]) if t.keys else t.fmt

    def names(self) -> list[str]:
        kinds = self.pool.kinds
        return sorted({v for k, v in self.items() if kinds[k] == _E and k != _DATELINE})


def _number(word: str, bits: int) -> str:
    if word.isdigit():
        value = int(word)
        if len(word) == 4 and 1900 <= value <= 2030:
            return str(1995 + bits % 30)
        if value <= 31:
            return str(1 + bits % 30)
    if re.fullmatch(r"\d{1,2}:\d\d", word):  # a time of day
        return f"{bits % 12 + 1}:{(bits >> 8) % 60:02d}"
    out = []
    for i, ch in enumerate(word):
        if ch.isdigit():
            digit = (bits >> (4 * (i % 12))) % 10
            out.append(str(digit if digit or i else 1))
        else:
            out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Sites.


@dataclass(frozen=True, slots=True)
class _Site:
    name: str
    domain: str
    spelling: str  # "uk" or "us"
    house: tuple[tuple[str, str], ...]
    contractions: tuple[tuple[str, str], ...]  # applied as given (contract or expand)
    authors: tuple[str, ...]
    sections: tuple[str, ...]
    header: int
    byline: int
    date_style: int
    dateline: bool
    inserts: tuple[int, ...]
    footer: tuple[int, ...]
    owner: str


@lru_cache(maxsize=8)
def _sites(seed: int) -> tuple[_Site, ...]:
    sites = []
    for i in range(N_SITES):
        rng = random.Random(_mix(seed, 0x5173, i))
        place = _name(_FAMOUS + rng.randrange(_NAME_SPACE - _FAMOUS))
        if i % 3 == 0:
            name = f"The {place} {rng.choice(_SITE_NOUNS)}"
        elif i % 3 == 1:
            name = f"{place}{rng.choice(_SITE_SUFFIXES)}"
        else:
            call = "".join(chr(65 + rng.randrange(26)) for _ in range(3))
            name = f"{rng.choice('KW')}{call} News {rng.randint(2, 13)}"
        domain = re.sub(r"[^a-z0-9]", "", name.lower()) + rng.choice((".com", ".co.uk", ".net"))
        style = rng.choice(("contract", "expand", "keep", "keep"))
        contractions: tuple[tuple[str, str], ...] = ()
        if style != "keep":
            chosen = [p for p in CONTRACTIONS if rng.random() < 0.5]
            contractions = tuple(chosen if style == "contract" else [(b, a) for a, b in chosen])
        sites.append(
            _Site(
                name=name,
                domain=domain,
                spelling="uk" if rng.random() < 0.4 else "us",
                house=tuple(p for p in HOUSE_STYLE if rng.random() < 0.4),
                contractions=contractions,
                authors=tuple(
                    f"{rng.choice(_FIRST_NAMES)} {_name(_FAMOUS + rng.randrange(10**6))}"
                    for _ in range(rng.randint(3, 8))
                ),
                sections=tuple(rng.sample(_SECTIONS, rng.randint(3, 6))),
                header=rng.randrange(4),
                byline=rng.randrange(5),
                date_style=rng.randrange(4),
                dateline=rng.random() < 0.4,
                inserts=tuple(rng.sample(range(6), rng.randint(0, 2))),
                footer=tuple(sorted(rng.sample(range(9), rng.randint(3, 5)))),
                owner=f"{_name(_FAMOUS + rng.randrange(10**6))} Media Group",
            )
        )
    return tuple(sites)


def _date(day: int, style: int, rng: random.Random) -> str:
    # Days from Monday 2 January 2006 on a calendar of 30-day months: dates need only look
    # like dates.
    year, rest = 2006 + day // 360, day % 360
    month, mday = rest // 30, rest % 30 + 1
    hour, minute = rng.randrange(6, 23), rng.randrange(60)
    if style == 0:
        return f"{_MONTHS[month]} {mday}, {year}"
    if style == 1:
        return f"{year}-{month + 1:02d}-{mday:02d} {hour:02d}:{minute:02d}"
    if style == 2:
        return f"{_WEEKDAYS[day % 7]}, {mday} {_MONTHS[month]} {year}"
    noon = "am" if hour < 12 else "pm"
    return f"{_MONTHS[month][:3]}. {mday}, {year} {hour % 12 + 1}:{minute:02d} {noon}"


# ---------------------------------------------------------------------------------------
# Stories and versions.


@dataclass(frozen=True, slots=True)
class CorpusPlan:
    """Which story and version each article position holds (no text)."""

    seed: int
    slots: tuple[tuple[int, int, int], ...]  # (story, version, versions of the story)

    @classmethod
    def make(cls, n_articles: int, *, seed: int, cluster_share: float) -> CorpusPlan:
        if n_articles < 0:
            msg = f"n_articles must be at least 0, got {n_articles}"
            raise ValueError(msg)
        if not 0.0 <= cluster_share <= 1.0:
            msg = f"cluster_share must be in [0, 1], got {cluster_share}"
            raise ValueError(msg)
        rng = random.Random(_mix(seed, 0x91A4))
        target = round(n_articles * cluster_share)
        sizes: list[int] = []
        while sum(sizes) < target:
            sizes.append(rng.choices(CLUSTER_SIZES, CLUSTER_WEIGHTS)[0])
        while sizes and sum(sizes) > target:
            excess = sum(sizes) - target
            if sizes[-1] - excess >= 2:
                sizes[-1] -= excess
            else:
                sizes.pop()
        sizes += [1] * (n_articles - sum(sizes))
        rng.shuffle(sizes)
        slots = [(story, v, size) for story, size in enumerate(sizes) for v in range(size)]
        rng.shuffle(slots)
        return cls(seed=seed, slots=tuple(slots))

    def __len__(self) -> int:
        return len(self.slots)

    def article_id(self, position: int) -> str:
        return f"a{position:0{max(6, len(str(len(self.slots) - 1)))}d}"


@dataclass(slots=True)
class _Story:
    fill: _Fill
    headline: int  # template ids
    paragraphs: list[list[int]]
    sites: list[int]
    day: int


class _Maker:
    def __init__(self, seed: int, words: int) -> None:
        if words < 150:
            msg = f"words must be at least 150, got {words}"
            raise ValueError(msg)
        self.pool = _pool()
        self.sites = _sites(seed)
        self.seed = seed
        self.body_words = words - _FURNITURE_WORDS
        # Per word map: each template's text with the map applied, filled in on first use.
        self.formats: dict[tuple[int, str], list[str | None]] = {}

    def story(self, story: int, versions: int) -> _Story:
        """The story as told before any rewrite: the same for every version."""
        pool = self.pool
        rng = random.Random(_mix(self.seed, story))
        rand = rng.random
        target = self.body_words * min(max(rng.lognormvariate(0.0, 0.2), 0.6), 1.8)
        headlines, docs, templates = pool.headlines, pool.docs, pool.templates
        headline = headlines[int(rand() * len(headlines))]
        paragraphs: list[list[int]] = []
        count = 0
        while count < target:
            doc = docs[int(rand() * len(docs))]
            start = int(rand() * len(doc))
            run = list(doc[start : start + 1 + int(rand() * 3)])
            paragraphs.append(run)
            count += sum(templates[t].n_words for t in run)
        sites = rng.sample(range(N_SITES), versions)
        fill = _Fill(pool, _mix(self.seed, story, 0x57))
        keys = {_DATELINE, *templates[headline].keys}
        keys.update(*[templates[t].keys for run in paragraphs for t in run])
        fill.fill(keys)
        return _Story(fill, headline, paragraphs, sites, int(rand() * 360 * 8))

    def _formats(self, level: int, spelling: str) -> list[str | None]:
        found = self.formats.get((level, spelling))
        if found is None:
            found = self.formats[level, spelling] = [None] * len(self.pool.templates)
        return found

    def article(self, story: int, version: int, versions: int) -> str:
        """One version of a story, rewritten and wrapped in its site's furniture."""
        told = self.story(story, versions)
        pool, fill = self.pool, told.fill
        rng = random.Random(_mix(self.seed, story, version + 1))
        site = self.sites[told.sites[version]]
        h = rng.random()  # rewrite intensity
        level = min(int(h * _SYN_LEVELS), _SYN_LEVELS - 1)
        wmap = pool.word_maps[level, site.spelling]
        formats, templates = self._formats(level, site.spelling), pool.templates

        def render(tid: int) -> str:
            fmt = formats[tid]
            if fmt is None:
                words = templates[tid].fmt.split(" ")
                fmt = formats[tid] = " ".join([wmap.get(w, w) for w in words])
            keys = templates[tid].keys
            return fmt.format(*[fill[k] for k in keys]) if keys else fmt

        hl = told.headline
        if rng.random() < 0.2 + 0.5 * h:
            hl = pool.headlines[int(rng.random() * len(pool.headlines))]
        headline = render(hl).rstrip(".")
        body = self._rewrite([[render(t) for t in p] for p in told.paragraphs], render, rng, h)
        text = " " + "\n\n".join(" ".join(para) for para in body)
        for a, b in site.contractions:
            text = text.replace(a, b)
        for a, b in site.house:
            text = text.replace(a, b)
        for a, b in PHRASE_EDITS:
            if rng.random() < 0.1 + 0.4 * h:
                text = text.replace(a, b)
        return self._wrap(site, headline, text.strip(), fill, rng, told.day)

    def _rewrite(
        self,
        paragraphs: list[list[str]],
        render: Callable[[int], str],
        rng: random.Random,
        h: float,
    ) -> list[list[str]]:
        pool, rand = self.pool, rng.random
        p_drop, p_add = 0.04 + 0.16 * h, 0.05 + 0.2 * h
        p_merge, p_split = 0.05 + 0.2 * h, 0.1 + 0.4 * h
        out: list[list[str]] = []
        for para in paragraphs:
            sents = [s for s in para if rand() >= p_drop]
            if rand() < p_add:
                doc = pool.docs[int(rand() * len(pool.docs))]
                added = render(doc[int(rand() * len(doc))])
                sents.insert(int(rand() * (len(sents) + 1)), added)
            done: list[str] = []
            for s in sents:
                if rand() < p_split:
                    for sep in _SPLITTERS:
                        i = s.find(sep, 20)
                        if 0 < i < len(s) - 20:
                            rest = s[i + len(sep) :]
                            done.append(s[:i] + ".")
                            s = rest[:1].upper() + rest[1:]
                            break
                if done and rand() < p_merge and done[-1][-1:] == ".":
                    if s.split(" ", 1)[0].lower() in pool.lowercase:
                        s = s[:1].lower() + s[1:]
                    done[-1] = done[-1][:-1] + _JOINERS[int(rand() * len(_JOINERS))] + s
                else:
                    done.append(s)
            if done:
                out.append(done)
        if not out:
            out = [list(paragraphs[0])]
        for _ in range(round(h * rand() * len(out) / 3)):  # move paragraphs
            i, j = int(rand() * len(out)), int(rand() * len(out))
            out[i], out[j] = out[j], out[i]
        if rand() < 0.3 + 0.5 * h:  # re-break paragraphs: a site's are not the wire's
            flat = [s for p in out for s in p]
            out, k = [], 0
            while k < len(flat):
                n = (1, 2, 2, 3, 4)[int(rand() * 5)]
                out.append(flat[k : k + n])
                k += n
        return out

    def _headlines(self, rng: random.Random, n: int) -> list[str]:
        other = _Fill(self.pool, rng.getrandbits(64))
        hl = self.pool.headlines
        return [other.render(hl[int(rng.random() * len(hl))]).rstrip(".") for _ in range(n)]

    def _wrap(
        self, site: _Site, headline: str, body: str, fill: _Fill, rng: random.Random, day: int
    ) -> str:
        author = rng.choice(site.authors)
        date = _date(day + rng.choice((0, 0, 0, 1)), site.date_style, rng)
        section = rng.choice(site.sections)
        top = [
            f"{site.name} › {section}",
            f"Home / {section} / {rng.choice(site.sections)}",
            f"{section.upper()} | {site.name}",
            "",
        ][site.header : site.header + 1]
        top.append(headline)
        top.append(
            [
                f"By {author}, {site.name}\nPublished {date}",
                f"{author} | {date}",
                f"Posted on {date} by {author}",
                f"By {author.upper()}\n{site.name} staff writer\n{date}",
                f"{date} | Updated {rng.randrange(1, 12)} hours ago",
            ][site.byline]
        )
        if site.dateline:
            body = f"{fill[_DATELINE].upper()} ({site.name}) - {body}"
        paras = body.split("\n\n")
        for k, kind in enumerate(site.inserts):
            paras.insert(min(2 + 2 * k, len(paras)), self._insert(kind, site, rng, author))
        tail = [self._footer(kind, site, rng, author, fill, day) for kind in site.footer]
        head = "\n".join(line for line in top if line)
        return f"{head}\n\n" + "\n\n".join(paras) + "\n\n" + "\n\n".join(tail) + "\n"

    def _insert(self, kind: int, site: _Site, rng: random.Random, author: str) -> str:
        if kind == 0:
            return f"Read more: {self._headlines(rng, 1)[0]}"
        if kind == 1:
            return f"RELATED: {self._headlines(rng, 1)[0]}"
        if kind == 2:
            return (
                f"Sign up for our {site.name} newsletter to get the day's top stories "
                "delivered to your inbox."
            )
        if kind == 3:
            return "Advertisement\n\nStory continues below"
        if kind == 4:
            return (
                f"Stay informed: the free {site.name} briefing lands in your inbox every "
                "weekday morning, with the stories people are talking about."
            )
        return f"(Photo: {author}/{site.name})"

    def _footer(
        self, kind: int, site: _Site, rng: random.Random, author: str, fill: _Fill, day: int
    ) -> str:
        year = 2006 + day // 360
        if kind == 0:
            return "Share this:\nFacebook\nX\nWhatsApp\nEmail\nPrint"
        if kind == 1:
            return "Tags: " + ", ".join(fill.names()[:4])
        if kind == 2:
            mail = f"{author.split()[0].lower()}@{site.domain}"
            return f"{author} covers {rng.choice(_BEATS)} for {site.name}. Reach them at {mail}."
        if kind == 3:
            return (
                f"Copyright {year} {site.name}. All rights reserved. This material may not be "
                "published, broadcast, rewritten or redistributed."
            )
        if kind == 4:
            return "You May Also Like\n\n" + "\n\n".join(self._headlines(rng, rng.randint(3, 5)))
        if kind == 5:
            return (
                "Leave a Reply\n\nYour email address will not be published. Required fields "
                "are marked *\n\nComment *\n\nName *\n\nEmail *\n\nWebsite\n\nSave my name, "
                "email, and website in this browser for the next time I comment."
            )
        if kind == 6:
            return f"More from {site.name}\n\n" + "\n\n".join(self._headlines(rng, 3))
        if kind == 7:
            phone = f"{rng.randint(200, 989)}-555-{rng.randint(1000, 9999)}"
            return f"Have a news tip? Contact the {site.name} newsroom at {phone}."
        return (
            "We welcome your comments. Please keep them civil and on topic; comments are "
            f"moderated before they appear. © {year} {site.owner}"
        )


# ---------------------------------------------------------------------------------------
# Public functions.


def iter_corpus(
    n_articles: int,
    *,
    seed: int = 0,
    cluster_share: float = DEFAULT_CLUSTER_SHARE,
    words: int = DEFAULT_WORDS,
) -> Iterator[tuple[Article, int]]:
    """Yield ``(article, story label)`` for each article, without holding the corpus.

    Articles with the same label are versions of one planted story; the same arguments
    always give the same articles in the same order.
    """
    plan = CorpusPlan.make(n_articles, seed=seed, cluster_share=cluster_share)
    maker = _Maker(seed, words)
    for position, (story, version, versions) in enumerate(plan.slots):
        text = maker.article(story, version, versions)
        yield Article(id=plan.article_id(position), text=text), story


def generate(
    n_articles: int,
    *,
    seed: int = 0,
    cluster_share: float = DEFAULT_CLUSTER_SHARE,
    words: int = DEFAULT_WORDS,
) -> tuple[list[Article], dict[str, int]]:
    """``n_articles`` articles of about ``words`` tokens, and each article id's story label.

    ``cluster_share`` of the articles (rounded) are versions of planted stories told 2-5
    times; the rest tell a story of their own.  Deterministic for a given ``seed``.
    """
    articles: list[Article] = []
    truth: dict[str, int] = {}
    for article, label in iter_corpus(
        n_articles, seed=seed, cluster_share=cluster_share, words=words
    ):
        articles.append(article)
        truth[article.id] = label
    return articles, truth


def planted_pairs(truth: dict[str, int]) -> set[tuple[str, str]]:
    """Every pair ``(a, b)``, ``a < b``, of article ids with the same story label."""
    groups: dict[int, list[str]] = {}
    for article_id, label in truth.items():
        groups.setdefault(label, []).append(article_id)
    return {
        (a, b) for ids in groups.values() if len(ids) > 1 for a, b in combinations(sorted(ids), 2)
    }


def shingle_jaccard(a: str, b: str, n: int = 5) -> float:
    """Jaccard similarity of the sets of lower-cased word ``n``-grams of two texts."""

    def grams(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + n]) for i in range(max(len(words) - n + 1, 1))}

    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y) if x or y else 1.0


def write_jsonl(path: Path, articles: Iterable[Article]) -> int:
    """Write ``{"id", "text"}`` records, one a line; return how many were written."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for article in articles:
            out.write(json.dumps({"id": article.id, "text": article.text}, ensure_ascii=False))
            out.write("\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cluster-share", type=float, default=DEFAULT_CLUSTER_SHARE)
    parser.add_argument("--words", type=int, default=DEFAULT_WORDS)
    parser.add_argument("--out", type=Path, help="write the articles here as JSON Lines")
    parser.add_argument("--truth", type=Path, help="write {id: story label} here as JSON")
    parser.add_argument("--show", type=int, default=0, help="print the first N articles")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    _pool()
    setup = time.perf_counter() - start
    truth: dict[str, int] = {}
    total_words = 0

    def stream() -> Iterator[Article]:
        nonlocal total_words
        for article, label in iter_corpus(
            args.n, seed=args.seed, cluster_share=args.cluster_share, words=args.words
        ):
            truth[article.id] = label
            total_words += len(article.text.split())
            if len(truth) <= args.show:
                print(f"=== {article.id} (story {label}) ===\n{article.text}")
            yield article

    if args.out:
        write_jsonl(args.out, stream())
    else:
        for _ in stream():
            pass
    elapsed = time.perf_counter() - start
    if args.truth:
        args.truth.write_text(json.dumps(truth), encoding="utf-8")
    print(
        f"{args.n:,} articles in {elapsed:.1f} s (pool {setup:.1f} s), "
        f"{total_words / max(args.n, 1):.0f} tokens each, {len(set(truth.values())):,} "
        f"stories, {len(planted_pairs(truth)):,} planted pairs",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
