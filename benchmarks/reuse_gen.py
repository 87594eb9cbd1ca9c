"""Seeded text-reuse pairs with exact gold offsets, in the shape of a text-alignment benchmark.

``generate(n, seed=...)`` returns ``n`` document pairs.  Each pair is a *source* document and
a *suspicious* document; the suspicious one holds passages taken from the source and
rewritten by one obfuscation type, and the gold says, in character offsets into both texts,
where each reused passage lies on each side.  One pair in seven is a negative (no reuse).

How a pair is made:

* **Text is real.** Sentences are those of the ECB+ development texts
  (``fixtures/ecbplus/dev.jsonl``, news of 2004-2013), split with dupwire's own sentence
  splitter.  A source document is one news text (condensation: one of at least 550 words,
  cut to about 600); a suspicious document is built from texts of *other* topics, so it
  shares nothing with its source but what is planted.
* **Passages** are runs of 3 to 6 consecutive source sentences (one or two per pair),
  rewritten and inserted at a sentence boundary of the suspicious text.  The gold source span
  runs from the first to the last character of the run; the gold suspicious span covers the
  rewritten text exactly.
* **Obfuscation types:**

  - ``verbatim``: copied as is;
  - ``random``: about a third of the words deleted, replaced by words of the host text,
    swapped with a neighbour or followed by an inserted word;
  - ``synonym``: content words replaced from a thesaurus of news vocabulary, function
    phrases reworded ("said that" -> "stated");
  - ``merge_split``: adjacent sentences fused with a conjunction, long ones cut at a comma;
  - ``reorder``: the sentences of the passage in another order, clauses of some sentences
    swapped around their comma;
  - ``condensation``: a summary of about 100 words of the whole 600-word source story.
    Each summary sentence fuses short fragments (the names, figures and a few content words)
    of two or three non-adjacent source sentences, with synonyms and connectives, so it keeps
    few exact words of any one of them.  The gold source span is the whole story, as in
    summary cases of published benchmarks.

Every choice comes from ``random.Random((seed, pair index))``, so a pair does not depend on
the pairs generated before it.

    python benchmarks/reuse_gen.py 140 --seed 0 --out pairs.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from dupwire.segment import split_units

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("verbatim", "random", "synonym", "merge_split", "reorder", "condensation")
NEGATIVE = "negative"

# A small thesaurus of news vocabulary (both directions are used).
_THESAURUS = {
    "said": "stated",
    "says": "states",
    "told": "informed",
    "soldiers": "troops",
    "killed": "slain",
    "police": "officers",
    "people": "persons",
    "began": "started",
    "begin": "start",
    "after": "following",
    "announced": "declared",
    "officials": "authorities",
    "official": "spokesperson",
    "large": "big",
    "small": "little",
    "died": "perished",
    "dead": "deceased",
    "attack": "assault",
    "attacks": "assaults",
    "arrested": "detained",
    "charged": "indicted",
    "home": "house",
    "car": "vehicle",
    "city": "town",
    "children": "kids",
    "buy": "purchase",
    "bought": "purchased",
    "company": "firm",
    "shares": "stock",
    "help": "assist",
    "helped": "assisted",
    "show": "display",
    "showed": "displayed",
    "big": "major",
    "fire": "blaze",
    "house": "residence",
    "man": "individual",
    "woman": "lady",
    "hospital": "clinic",
    "injured": "wounded",
    "quake": "tremor",
    "earthquake": "temblor",
    "magnitude": "strength",
    "film": "movie",
    "star": "celebrity",
    "actor": "performer",
    "actress": "performer",
    "game": "match",
    "team": "squad",
    "won": "clinched",
    "win": "victory",
    "lost": "was defeated in",
    "new": "fresh",
    "first": "initial",
    "last": "final",
    "week": "seven days",
    "month": "few weeks",
    "year": "twelve months",
    "Monday": "Monday",
    "country": "nation",
    "government": "administration",
    "president": "leader",
    "minister": "secretary",
    "report": "account",
    "reported": "stated",
    "according": "per",
    "statement": "release",
    "spokesman": "representative",
    "spokeswoman": "representative",
    "because": "since",
    "however": "nonetheless",
    "also": "additionally",
    "near": "close to",
    "about": "around",
    "more": "additional",
    "many": "numerous",
    "several": "a number of",
    "while": "whereas",
    "before": "prior to",
    "during": "throughout",
    "against": "versus",
    "found": "discovered",
    "hit": "struck",
    "struck": "hit",
    "left": "departed",
    "took": "seized",
    "make": "produce",
    "made": "produced",
    "get": "obtain",
    "got": "obtained",
    "area": "region",
    "town": "community",
    "village": "hamlet",
    "building": "structure",
    "court": "tribunal",
    "judge": "magistrate",
    "deal": "agreement",
    "agreed": "consented",
    "plan": "scheme",
    "plans": "intends",
    "expected": "anticipated",
    "believe": "think",
    "believed": "thought",
    "called": "named",
    "told reporters": "told the press",
    "rehab": "rehabilitation",
    "center": "facility",
    "treatment": "care",
    "shot": "gunned down",
    "gunman": "shooter",
    "victims": "casualties",
    "victim": "casualty",
    "investigation": "probe",
    "suspect": "accused",
    "crash": "collision",
    "storm": "tempest",
    "weather": "conditions",
    "residents": "locals",
    "destroyed": "wrecked",
    "damage": "destruction",
    "damaged": "harmed",
    "record": "best-ever",
    "percent": "per cent",
    "million": "mn",
    "billion": "bn",
}
_PHRASES = (
    ("said that", "stated"),
    ("in order to", "to"),
    ("a number of", "several"),
    ("as well as", "and"),
    ("at least", "no fewer than"),
    ("more than", "over"),
    ("on Monday", "Monday"),
    ("according to", "as per"),
)
_CONNECTIVES = (", and ", "; meanwhile, ", ", while ", ", as ", "; ", ", after which ")
_FUSERS = (" and ", ", while ", "; ", ", as ", " after ", ", with ")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|\d+(?:[.,]\d+)*")


@dataclass(frozen=True, slots=True)
class Case:
    """One reused passage: ``source[src_start:src_end]`` reappears as
    ``suspicious[susp_start:susp_end]``, rewritten by ``obfuscation``."""

    src_start: int
    src_end: int
    susp_start: int
    susp_end: int
    obfuscation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "src_start": self.src_start,
            "src_end": self.src_end,
            "susp_start": self.susp_start,
            "susp_end": self.susp_end,
            "obfuscation": self.obfuscation,
        }


@dataclass(frozen=True, slots=True)
class Pair:
    """A source and a suspicious document with the gold cases between them."""

    id: str
    obfuscation: str  # one of TYPES, or "negative"
    source: str = field(repr=False)
    suspicious: str = field(repr=False)
    cases: tuple[Case, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "obfuscation": self.obfuscation,
            "source": self.source,
            "suspicious": self.suspicious,
            "cases": [c.to_dict() for c in self.cases],
        }


@dataclass(frozen=True, slots=True)
class _Doc:
    topic: int
    paragraphs: tuple[tuple[str, ...], ...]  # story sentences per line

    @property
    def sentences(self) -> list[str]:
        return [s for p in self.paragraphs for s in p]

    @property
    def words(self) -> int:
        return sum(len(s.split()) for s in self.sentences)


@lru_cache(maxsize=1)
def _docs() -> tuple[_Doc, ...]:
    path = ROOT / "fixtures" / "ecbplus" / "dev.jsonl"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        text = rec["text"]
        paras: dict[int, list[str]] = {}
        for u in split_units(text):
            if u.kind == "story":
                paras.setdefault(u.block, []).append(" ".join(text[u.start : u.end].split()))
        doc = _Doc(int(rec["topic"]), tuple(tuple(p) for p in paras.values()))
        if doc.sentences:
            out.append(doc)
    return tuple(out)


def _join(paragraphs: list[list[str]]) -> tuple[str, list[list[tuple[int, int]]]]:
    """Paragraphs joined (sentences by a space, paragraphs by a newline), with the offsets of
    every sentence."""
    parts: list[str] = []
    offsets: list[list[tuple[int, int]]] = []
    pos = 0
    for k, para in enumerate(paragraphs):
        if k:
            parts.append("\n")
            pos += 1
        row = []
        for i, sent in enumerate(para):
            if i:
                parts.append(" ")
                pos += 1
            row.append((pos, pos + len(sent)))
            parts.append(sent)
            pos += len(sent)
        offsets.append(row)
    return "".join(parts), offsets


def _case_word(word: str, like: str) -> str:
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _synonym(word: str) -> str | None:
    lower = word.lower()
    if lower in _THESAURUS:
        return _case_word(_THESAURUS[lower], word)
    return None


def _words(sentence: str) -> list[str]:
    return sentence.split()


def _sentence_case(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    if text[-1] not in ".!?\"'":
        text += "."
    return text


def _obf_random(sents: list[str], rng: random.Random, vocab: list[str]) -> list[str]:
    out = []
    for sent in sents:
        words = _words(sent)
        new: list[str] = []
        k = 0
        while k < len(words):
            w = words[k]
            roll = rng.random()
            if roll < 0.12 and len(words) > 4:
                pass  # deleted
            elif roll < 0.22:
                new.append(rng.choice(vocab))  # replaced
            elif roll < 0.30 and k + 1 < len(words):
                new.extend([words[k + 1], w])  # swapped with the next word
                k += 1
            elif roll < 0.36:
                new.extend([w, rng.choice(vocab)])  # followed by an inserted word
            else:
                new.append(w)
            k += 1
        out.append(_sentence_case(" ".join(new)))
    return out


def _reword(sent: str, rng: random.Random, share: float = 1.0) -> str:
    for old, new in _PHRASES:
        if old in sent and rng.random() < share:
            sent = sent.replace(old, new)
    words = _words(sent)
    new_words = []
    for w in words:
        core = w.strip(".,;:!?\"'()")
        syn = _synonym(core) if core else None
        if syn is not None and rng.random() < share:
            new_words.append(w.replace(core, syn, 1))
        else:
            new_words.append(w)
    return " ".join(new_words)


def _obf_synonym(sents: list[str], rng: random.Random) -> list[str]:
    return [_sentence_case(_reword(s, rng, 0.9)) for s in sents]


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first.isupper() or first in ("I",) or (len(first) > 1 and first[1:].lower() != first[1:]):
        return text
    return text[:1].lower() + text[1:]


def _obf_merge_split(sents: list[str], rng: random.Random) -> list[str]:
    out: list[str] = []
    k = 0
    while k < len(sents):
        sent = sents[k]
        if k + 1 < len(sents) and rng.random() < 0.5:
            conn = rng.choice(_CONNECTIVES)
            sent = sent.rstrip(".!? ") + conn + _lower_first(sents[k + 1])
            k += 1
            out.append(sent)
        elif sent.count(", ") >= 1 and len(sent) > 80:
            cut = sent.index(", ", len(sent) // 3) if ", " in sent[len(sent) // 3 :] else -1
            if cut > 0:
                out.append(_sentence_case(sent[:cut]))
                out.append(_sentence_case(sent[cut + 2 :]))
            else:
                out.append(sent)
        else:
            out.append(sent)
        k += 1
    return out


def _obf_reorder(sents: list[str], rng: random.Random) -> list[str]:
    order = list(range(len(sents)))
    while order == sorted(order):
        rng.shuffle(order)
    out = []
    for k in order:
        sent = sents[k]
        if ", " in sent and rng.random() < 0.4:
            head, tail = sent.split(", ", 1)
            sent = _sentence_case(tail.rstrip(".!? ") + ", " + _lower_first(head))
        out.append(sent)
    return out


def _fragment(sent: str, rng: random.Random) -> str:
    """A short piece of a sentence around its heaviest words (names and figures), reworded."""
    from dupwire.weights import background_weight

    words = _words(sent)
    if len(words) <= 6:
        return _reword(sent, rng).rstrip(".!? ")
    scores = [
        background_weight(_WORD.sub(lambda m: m.group().lower(), w.strip(".,;:!?\"'()")))
        for w in words
    ]
    width = rng.randint(4, 7)
    best = max(range(len(words) - width + 1), key=lambda i: sum(scores[i : i + width]))
    piece = words[best : best + width]
    # Drop a word or two of the piece's common words: few exact words survive.
    keep = [
        w
        for w, s in zip(piece, scores[best : best + width], strict=True)
        if s >= 2.5 or rng.random() < 0.5
    ]
    return _reword(" ".join(keep or piece), rng).strip(".,;:!? ")


def _condense(sents: list[str], rng: random.Random, target_words: int = 100) -> list[str]:
    """A summary: each sentence fuses fragments of 2-3 non-adjacent source sentences."""
    n = len(sents)
    pool = list(range(n))
    summary: list[str] = []
    words = 0
    while words < target_words and len(pool) >= 2:
        k = rng.choice((2, 2, 3))
        first = rng.choice(pool)
        picks = [first]
        for _ in range(k - 1):
            far = [i for i in pool if all(abs(i - p) >= 2 for p in picks)]
            if not far:
                break
            picks.append(rng.choice(far))
        for p in picks:
            pool.remove(p)
        picks.sort()
        parts = [_fragment(sents[p], rng) for p in picks]
        text = parts[0]
        for part in parts[1:]:
            text += rng.choice(_FUSERS) + _lower_first(part)
        summary.append(_sentence_case(text))
        words += len(text.split())
    return summary


def _host(rng: random.Random, exclude: set[int], sentences: int) -> list[list[str]]:
    docs = [d for d in _docs() if d.topic not in exclude]
    paras: list[list[str]] = []
    count = 0
    while count < sentences:
        doc = rng.choice(docs)
        for p in doc.paragraphs:
            paras.append(list(p))
            count += len(p)
            if count >= sentences:
                break
    return paras


def _pick_source(rng: random.Random, obfuscation: str) -> _Doc:
    docs = _docs()
    if obfuscation == "condensation":
        long_docs = [d for d in docs if d.words >= 550]
        return rng.choice(long_docs)
    return rng.choice([d for d in docs if len(d.sentences) >= 8])


def _trim(doc: _Doc, words: int) -> list[list[str]]:
    out: list[list[str]] = []
    count = 0
    for para in doc.paragraphs:
        keep = []
        for sent in para:
            if count >= words:
                break
            keep.append(sent)
            count += len(sent.split())
        if keep:
            out.append(keep)
    return out


def make_pair(index: int, seed: int = 0, obfuscation: str | None = None) -> Pair:
    """Pair number ``index`` of the run with ``seed`` (type cycles through TYPES + negative)."""
    rng = random.Random(f"{seed}:{index}")
    kinds = (*TYPES, NEGATIVE)
    obfuscation = obfuscation or kinds[index % len(kinds)]
    src_doc = _pick_source(rng, obfuscation)
    src_paras = _trim(src_doc, 600 if obfuscation == "condensation" else 10_000)
    source, src_offsets = _join(src_paras)
    flat_src = [
        (s, off)
        for para, offs in zip(src_paras, src_offsets, strict=True)
        for s, off in zip(para, offs, strict=True)
    ]
    host = _host(rng, {src_doc.topic}, rng.randint(12, 24))
    vocab = [w.strip(".,;:!?\"'()") for p in host for s in p for w in s.split()]
    vocab = [w for w in vocab if w.isalpha()] or ["the"]

    # Passages to plant: (source sentence range, rewritten sentences).
    plants: list[tuple[int, int, list[str]]] = []
    if obfuscation == "condensation":
        plants.append((0, len(flat_src), _condense([s for s, _ in flat_src], rng)))
    elif obfuscation != NEGATIVE:
        n_passages = 1 if len(flat_src) < 12 or rng.random() < 0.5 else 2
        slots = list(range(0, len(flat_src) - 2))
        for _ in range(n_passages):
            if not slots:
                break
            lo = rng.choice(slots)
            hi = min(len(flat_src), lo + rng.randint(3, 6))
            slots = [s for s in slots if s + 6 <= lo or s >= hi]
            sents = [s for s, _ in flat_src[lo:hi]]
            if obfuscation == "random":
                new = _obf_random(sents, rng, vocab)
            elif obfuscation == "synonym":
                new = _obf_synonym(sents, rng)
            elif obfuscation == "merge_split":
                new = _obf_merge_split(sents, rng)
            elif obfuscation == "reorder":
                new = _obf_reorder(sents, rng)
            else:
                new = list(sents)
            plants.append((lo, hi, new))

    # Insert the rewritten passages between host sentences: as a paragraph of their own or
    # continuing a host paragraph.
    susp_paras = [list(p) for p in host]
    placed: list[tuple[int, int, int, int]] = []  # (plant, paragraph, first sentence, count)
    for k, (_, _, new) in enumerate(plants):
        para = rng.randrange(len(susp_paras) + 1)
        if para < len(susp_paras) and rng.random() < 0.5:
            at = rng.randrange(len(susp_paras[para]) + 1)
            susp_paras[para][at:at] = new
            placed = [
                (pk, pp, ps + len(new) if pp == para and ps >= at else ps, pn)
                for pk, pp, ps, pn in placed
            ]
            placed.append((k, para, at, len(new)))
        else:
            susp_paras.insert(para, list(new))
            placed = [(pk, pp + 1 if pp >= para else pp, ps, pn) for pk, pp, ps, pn in placed]
            placed.append((k, para, 0, len(new)))
    suspicious, susp_offsets = _join(susp_paras)
    cases = []
    for k, para, first, count in placed:
        lo, hi, _ = plants[k]
        row = susp_offsets[para]
        cases.append(
            Case(
                src_start=flat_src[lo][1][0],
                src_end=flat_src[hi - 1][1][1],
                susp_start=row[first][0],
                susp_end=row[first + count - 1][1],
                obfuscation=obfuscation,
            )
        )
    cases.sort(key=lambda c: c.susp_start)
    return Pair(f"p{seed}-{index:05d}", obfuscation, source, suspicious, tuple(cases))


def generate(n: int, seed: int = 0) -> Iterator[Pair]:
    """``n`` pairs, the obfuscation types in turn (one in seven a negative)."""
    for index in range(n):
        yield make_pair(index, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=140)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with args.out.open("w", encoding="utf-8") as fh:
        for pair in generate(args.n, args.seed):
            fh.write(json.dumps(pair.to_dict(), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
