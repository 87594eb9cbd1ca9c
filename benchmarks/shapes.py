"""Labelled corpora of the shapes news takes in the wild, one function per shape.

Each function returns a :class:`Shape`: the articles (``meta["title"]`` and ``meta["date"]``
where the shape has them, dates as the raw ISO 8601 strings), the truth (article id ->
label), and ``planted``: articles that must share a cluster with a given *anchor* article
(a copy and its original, a follow-up and its incident's first report).  The share of
planted articles found in their anchor's cluster is the shape's planted recall.

Shapes:

* :func:`seed_copies` (``copies-seed``): ``k`` verbatim copies of seed A
  (``seeds/000_8f5a9e346875b4fc.txt``), ``l`` lightly edited copies (an outlet's header and
  footer added, one sentence dropped) and seed B, mixed into ECB+ dev
  (``fixtures/ecbplus/dev.jsonl``, label ``event``).  With the defaults (60 and 40) all
  101 must form one cluster, and ECB+ must score as it does alone (``background`` holds the
  ECB+ ids for that).
* :func:`many_copies` (``copies-1000`` and ``copies-1000-mixed``): 1,000 copies of seed B,
  a quarter verbatim and the rest under another outlet's header and footer, alone or mixed
  into ECB+ dev.  They must form one cluster.
* :func:`beat` (``beat``): the focused-beat corpus of :mod:`beat_gen` (planted copies that
  keep 80-95% of the words, paragraphs swapped, another site's furniture; ``narrow`` from
  broad 0 to one beat 1).
* :func:`incidents` (``incidents``): the dated local shooting reports of
  :mod:`incident_gen`; planted are the follow-ups (arrest, court) weeks later.
* :func:`allsides` (``allsides``): the AllSides / NeuS dev file, real data read from
  ``../shared/data/allsides_neus/dev.jsonl`` (MIT per its repository; not copied here):
  label ``story``, with titles, mostly undated.  Raises :class:`ShapeUnavailable` with the
  path it looked for when the file is absent.
* :func:`ecb` (``ecb``): ECB+ dev alone, the corpus the defaults were tuned on.
* :func:`grown` (``grown``): ECB+ dev grown by ``n`` unrelated articles (AllSides dev when
  present, then dated incident reports of :mod:`incident_gen` up to ``n``).  ECB+ must
  score inside it as it does alone (``background`` holds the ECB+ ids): a corpus that grows
  by stories of other kinds must not lose the ones it had.

The outlets' headers and footers come from :mod:`corpus_gen`'s 40 invented sites (the same
furniture its corpora carry).  Everything is seeded and takes well under a second, except
the focused beat (about 300-500 articles/s) and the incidents (about 10,000 reports/s).

Limits: the copy shapes use one story (the seeds), so they test multiplicity, not variety;
"lightly edited" means furniture and one dropped sentence, never rewording.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import beat_gen  # noqa: E402
import corpus_gen  # noqa: E402
import incident_gen  # noqa: E402
from dupwire.model import Article  # noqa: E402

__all__ = [
    "ALLSIDES_PATH",
    "ECB_PATH",
    "SEED_A",
    "SEED_B",
    "Shape",
    "ShapeUnavailable",
    "allsides",
    "beat",
    "ecb",
    "grown",
    "incidents",
    "load_labelled",
    "many_copies",
    "seed_copies",
]

ROOT = BENCH_DIR.parent
ECB_PATH = ROOT / "fixtures" / "ecbplus" / "dev.jsonl"
SEED_A = ROOT / "seeds" / "000_8f5a9e346875b4fc.txt"
SEED_B = ROOT / "seeds" / "002_ff4983121d516d6b.txt"
#: Shared data lives beside the repository; ``DUPWIRE_SHARED_DATA`` points elsewhere.
SHARED_DATA = Path(os.environ.get("DUPWIRE_SHARED_DATA", ROOT.parent / "shared" / "data"))
ALLSIDES_PATH = SHARED_DATA / "allsides_neus" / "dev.jsonl"
_FURNITURE = frozenset(("Read also:", "Read more:", "Leave a Reply", "You May Also Like"))
_SENTENCE_END = re.compile(r"(?<=[.!?\"”])\s+(?=[A-Z\"“])")


class ShapeUnavailable(RuntimeError):
    """The data a shape needs is not on this machine; the message says where it looked."""


@dataclass(frozen=True)
class Shape:
    """A labelled corpus and what it is for."""

    name: str
    articles: list[Article] = field(repr=False)
    truth: dict[str, Hashable] = field(repr=False)
    #: Article id -> the anchor id it must share a cluster with.
    planted: dict[str, str] = field(default_factory=dict, repr=False)
    planted_label: str = "planted in anchor's cluster"
    #: Ids of the corpus the shape was mixed into, scored on their own too.
    background: frozenset[str] = field(default=frozenset(), repr=False)
    note: str = ""


def load_labelled(path: Path, label_field: str) -> tuple[list[Article], dict[str, Hashable]]:
    """Articles of a labelled JSON Lines file, ``title`` and ``date`` (if any) in ``meta``."""
    articles: list[Article] = []
    truth: dict[str, Hashable] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        if "id" not in rec or label_field not in rec:
            msg = f"{path}:{number}: record has no 'id' or {label_field!r} field"
            raise ValueError(msg)
        meta = {k: rec[k] for k in ("title", "date") if isinstance(rec.get(k), str) and rec[k]}
        art = Article(str(rec["id"]), rec.get("text") or "", meta=meta)
        articles.append(art)
        truth[art.id] = str(rec[label_field])
    return articles, truth


def _outlet(rng: random.Random, text: str) -> str:
    """``text`` under one of corpus_gen's sites' header and byline, with its footers."""
    site = rng.choice(corpus_gen._sites(0))
    maker = _maker()
    author = rng.choice(site.authors)
    section = rng.choice(site.sections)
    date = corpus_gen._date(rng.randrange(360 * 8), site.date_style, rng)
    head = f"{site.name} › {section}\nBy {author}, {site.name}\nPublished {date}"
    fill = corpus_gen._Fill(maker.pool, rng.getrandbits(64))
    kinds = [k for k in site.footer if k != 1] or [0]
    tail = "\n\n".join(maker._footer(k, site, rng, author, fill, 0) for k in kinds)
    return f"{head}\n\n{text.strip()}\n\n{tail}\n"


_MAKER: list[corpus_gen._Maker] = []


def _maker() -> corpus_gen._Maker:
    if not _MAKER:
        _MAKER.append(corpus_gen._Maker(0, corpus_gen.DEFAULT_WORDS))
    return _MAKER[0]


def drop_sentence(text: str, rng: random.Random) -> str:
    """``text`` without one of its story sentences (in a line of at least 12 words, before
    the first furniture line such as "Read also:")."""
    lines = text.split("\n")
    end = next((i for i, line in enumerate(lines) if line.strip() in _FURNITURE), len(lines))
    spots = [
        (i, j)
        for i, line in enumerate(lines[:end])
        if len(line.split()) >= 12
        for j in range(len(_SENTENCE_END.split(line)))
    ]
    i, j = rng.choice(spots)
    sentences = _SENTENCE_END.split(lines[i])
    del sentences[j]
    lines[i] = " ".join(sentences)
    return "\n".join(line for k, line in enumerate(lines) if line or k != i)


def seed_copies(k: int = 60, edited: int = 40, *, seed: int = 0) -> Shape:
    """ECB+ dev plus ``k`` verbatim and ``edited`` lightly edited copies of seed A, and seed
    B: ``k + edited + 1`` articles of one story."""
    if k < 1 or edited < 0:
        msg = f"need at least one verbatim copy and no negative count, got k={k}, l={edited}"
        raise ValueError(msg)
    articles, truth = load_labelled(ECB_PATH, "event")
    background = frozenset(truth)
    a = SEED_A.read_text(encoding="utf-8")
    anchor = "seedA-verbatim-000"
    copies = [Article(f"seedA-verbatim-{i:03d}", a) for i in range(k)]
    for i in range(edited):
        rng = random.Random(f"{seed}:seedA:{i}")
        copies.append(Article(f"seedA-edited-{i:03d}", _outlet(rng, drop_sentence(a, rng))))
    copies.append(Article("seedB", SEED_B.read_text(encoding="utf-8")))
    for art in copies:
        articles.append(art)
        truth[art.id] = "seed-story"
    return Shape(
        name="copies-seed",
        articles=articles,
        truth=truth,
        planted={c.id: anchor for c in copies if c.id != anchor},
        planted_label="seed copies in one cluster",
        background=background,
        note=f"{k} verbatim + {edited} edited copies of seed A + seed B in ECB+ dev",
    )


def many_copies(n: int = 1000, *, mixed: bool = False, seed: int = 0) -> Shape:
    """``n`` copies of seed B (a quarter verbatim, the rest under another outlet's header and
    footer), alone or (``mixed``) in ECB+ dev."""
    if n < 2:
        msg = f"n must be at least 2 copies, got {n}"
        raise ValueError(msg)
    b = SEED_B.read_text(encoding="utf-8")
    articles: list[Article] = []
    truth: dict[str, Hashable] = {}
    background: frozenset[str] = frozenset()
    if mixed:
        articles, truth = load_labelled(ECB_PATH, "event")
        background = frozenset(truth)
    ids = []
    for i in range(n):
        text = b if i % 4 == 0 else _outlet(random.Random(f"{seed}:many:{i}"), b)
        art = Article(f"copy-{i:04d}", text)
        ids.append(art.id)
        articles.append(art)
        truth[art.id] = "seedB-story"
    return Shape(
        name="copies-1000-mixed" if mixed else "copies-1000",
        articles=articles,
        truth=truth,
        planted={i: ids[0] for i in ids[1:]},
        planted_label="copies in one cluster",
        background=background,
        note=f"{n} copies of seed B" + (" in ECB+ dev" if mixed else " alone"),
    )


def beat(n: int = 20_000, *, narrow: float = 1.0, seed: int = 0) -> Shape:
    """The focused-beat corpus of :mod:`beat_gen`: ``n`` articles, 10% planted copies."""
    articles, truth, planted = beat_gen.generate(n, seed=seed, narrow=narrow)
    return Shape(
        name=f"beat-{n // 1000}k" + ("" if narrow == 1.0 else f"-narrow{narrow:g}"),
        articles=articles,
        truth=dict(truth),
        planted=planted,
        planted_label="planted-copy recall",
        note=f"{n:,} beat articles, narrow={narrow:g}, {len(planted):,} planted copies",
    )


def incidents(n_incidents: int = 3400, *, seed: int = 0) -> Shape:
    """The dated incident reports of :mod:`incident_gen`; follow-ups are planted."""
    articles, truth, followups = incident_gen.generate(n_incidents, seed=seed)
    return Shape(
        name="incidents",
        articles=articles,
        truth=dict(truth),
        planted=followups,
        planted_label="follow-ups in their incident",
        note=f"{len(articles):,} reports of {n_incidents:,} incidents, "
        f"{len(followups):,} follow-ups",
    )


def allsides(path: Path | None = None) -> Shape:
    """The AllSides / NeuS dev file (real data, label ``story``)."""
    path = path or ALLSIDES_PATH
    if not path.is_file():
        msg = (
            f"AllSides data not found at {path}: put allsides_neus/dev.jsonl under "
            "../shared/data/ or set DUPWIRE_SHARED_DATA to its parent directory"
        )
        raise ShapeUnavailable(msg)
    articles, truth = load_labelled(path, "story")
    return Shape("allsides", articles, truth, note=f"{path} (label story)")


def ecb() -> Shape:
    """ECB+ dev, label ``event``."""
    articles, truth = load_labelled(ECB_PATH, "event")
    return Shape("ecb", articles, truth, note=f"{ECB_PATH.relative_to(ROOT)} (label event)")


def grown(n: int = 20_000, *, seed: int = 0, allsides_path: Path | None = None) -> Shape:
    """ECB+ dev and ``n`` unrelated articles: AllSides dev (when present, at most ``n``),
    then incident reports up to ``n``; labels are kept apart by a prefix per corpus."""
    if n < 0:
        msg = f"n must be at least 0 added articles, got {n}"
        raise ValueError(msg)
    base, base_truth = load_labelled(ECB_PATH, "event")
    articles = list(base)
    truth: dict[str, Hashable] = {k: ("ecb", v) for k, v in base_truth.items()}
    parts = []
    path = allsides_path or ALLSIDES_PATH
    if path.is_file() and n:
        extra, extra_truth = load_labelled(path, "story")
        extra = sorted(extra, key=lambda a: a.id)[:n]
        articles.extend(extra)
        truth.update({a.id: ("allsides", extra_truth[a.id]) for a in extra})
        parts.append(f"{len(extra):,} AllSides dev")
    missing = n - (len(articles) - len(base))
    if missing > 0:
        # About 1.71 reports an incident: generate enough, keep the first ``missing`` ids.
        n_incidents = missing // 2 + 1
        reports, labels, _ = incident_gen.generate(n_incidents, seed=seed)
        while len(reports) < missing:
            n_incidents *= 2
            reports, labels, _ = incident_gen.generate(n_incidents, seed=seed)
        kept = sorted(reports, key=lambda a: a.id)[:missing]
        articles.extend(kept)
        truth.update({a.id: ("incidents", labels[a.id]) for a in kept})
        parts.append(f"{len(kept):,} incident reports")
    return Shape(
        name=f"grown-{n}",
        articles=articles,
        truth=truth,
        background=frozenset(base_truth),
        note=f"ECB+ dev grown by {' and '.join(parts) or 'nothing'}",
    )
