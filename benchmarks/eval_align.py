"""Score text-alignment detections with the standard measure of text-reuse benchmarks.

The measure is that of Potthast et al. (2010), "An Evaluation Framework for Plagiarism
Detection", as used by the PAN text-alignment tasks.  A *case* is a reused passage, a
*detection* a reported one; each is a pair of character ranges, one in the source document
and one in the suspicious document, and a detection *detects* a case when the two overlap on
both sides.  Characters are counted on both sides together.

* **recall** (macro): the mean over cases of the share of the case's characters covered by the
  detections that detect it;
* **precision** (macro): the mean over detections of the share of the detection's characters
  covered by the cases it detects;
* **granularity**: the mean number of detections per detected case (1 is best);
* **plagdet** = F1(precision, recall) / log2(1 + granularity).

``python benchmarks/eval_align.py`` generates pairs with ``benchmarks/reuse_gen.py`` and
prints these per obfuscation type and overall for dupwire ``align`` (links as reported, and
passages), with a rapidfuzz baseline (``fuzz.partial_ratio_alignment`` of each suspicious
sentence against the source, adjacent hits joined) in the same run.

    python benchmarks/eval_align.py [--pairs 210] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rapidfuzz import fuzz

from dupwire.align import align
from dupwire.segment import split_units

Range = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Annotation:
    """A case or a detection in one document pair: ``source[src]`` and ``suspicious[susp]``."""

    pair: str
    src: Range
    susp: Range


def _overlaps(x: Range, y: Range) -> bool:
    return x[0] < y[1] and y[0] < x[1]


def _detects(det: Annotation, case: Annotation) -> bool:
    return det.pair == case.pair and _overlaps(det.src, case.src) and _overlaps(det.susp, case.susp)


def _covered(target: Range, others: Iterable[Range]) -> int:
    """Characters of ``target`` inside the union of ``others``."""
    cuts = sorted((max(a, target[0]), min(b, target[1])) for a, b in others)
    total, reach = 0, target[0]
    for a, b in cuts:
        if b <= a:
            continue
        a = max(a, reach)
        if b > a:
            total += b - a
            reach = b
    return total


def _coverage(ann: Annotation, others: Sequence[Annotation]) -> float:
    """Share of ``ann``'s characters (both sides) covered by the ``others`` that overlap it."""
    hits = [o for o in others if _detects(o, ann)]
    size = (ann.src[1] - ann.src[0]) + (ann.susp[1] - ann.susp[0])
    if not hits or size <= 0:
        return 0.0
    got = _covered(ann.src, [o.src for o in hits]) + _covered(ann.susp, [o.susp for o in hits])
    return got / size


def _by_pair(anns: Iterable[Annotation]) -> dict[str, list[Annotation]]:
    out: dict[str, list[Annotation]] = {}
    for a in anns:
        out.setdefault(a.pair, []).append(a)
    return out


def macro_recall(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean over cases of the share of each case covered by the detections detecting it."""
    if not cases and not detections:
        return 1.0
    if not cases or not detections:
        return 0.0
    dets = _by_pair(detections)
    return sum(_coverage(c, dets.get(c.pair, [])) for c in cases) / len(cases)


def macro_precision(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean over detections of the share of each detection covered by the cases it detects."""
    return macro_recall(detections, cases)


def granularity(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean number of detections per detected case (1 when no case is detected)."""
    dets = _by_pair(detections)
    counts = [sum(_detects(d, c) for d in dets.get(c.pair, [])) for c in cases]
    hit = [k for k in counts if k]
    return sum(hit) / len(hit) if hit else 1.0


def plagdet(precision: float, recall: float, gran: float) -> float:
    """F1 of precision and recall divided by log2(1 + granularity)."""
    if precision + recall <= 0:
        return 0.0
    return (2 * precision * recall / (precision + recall)) / math.log2(1 + gran)


@dataclass(frozen=True, slots=True)
class Scores:
    plagdet: float
    recall: float
    precision: float
    granularity: float
    cases: int
    detections: int


def score(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> Scores:
    rec = macro_recall(cases, detections)
    prec = macro_precision(cases, detections)
    gran = granularity(cases, detections)
    return Scores(plagdet(prec, rec, gran), rec, prec, gran, len(cases), len(detections))


# --- detectors ----------------------------------------------------------------------------

Detector = Callable[[str, str], list[tuple[Range, Range]]]


def dupwire_links(source: str, suspicious: str) -> list[tuple[Range, Range]]:
    al = align(source, suspicious)
    return [((ln.a.start, ln.a.end), (ln.b.start, ln.b.end)) for ln in al.links]


def dupwire_passages(source: str, suspicious: str) -> list[tuple[Range, Range]]:
    al = align(source, suspicious)
    return [((p.a.start, p.a.end), (p.b.start, p.b.end)) for p in al.passages]


def rapidfuzz_windows(
    source: str, suspicious: str, threshold: float = 75.0, gap: int = 300
) -> list[tuple[Range, Range]]:
    """Each suspicious sentence aligned to its best source substring; hits adjacent in the
    suspicious text and near each other in the source are joined."""
    hits: list[tuple[Range, Range]] = []
    for u in split_units(suspicious):
        sent = suspicious[u.start : u.end]
        if len(sent) < 20:
            continue
        res = fuzz.partial_ratio_alignment(sent, source)
        if res is None or res.score < threshold:
            continue
        src = (res.dest_start, res.dest_end)
        if hits:
            (ps, pe), (qs, qe) = hits[-1]
            if u.start - qe <= 2 and src[0] - pe <= gap and pe - src[0] <= gap * 4:
                hits[-1] = ((min(ps, src[0]), max(pe, src[1])), (qs, u.end))
                continue
        hits.append((src, (u.start, u.end)))
    return hits


# --- the run ------------------------------------------------------------------------------


def evaluate(
    pairs: Sequence[object], detectors: dict[str, Detector]
) -> dict[str, dict[str, Scores]]:
    """Scores per detector, per obfuscation type and ``overall``."""
    out: dict[str, dict[str, Scores]] = {}
    for name, detect in detectors.items():
        cases: dict[str, list[Annotation]] = {}
        dets: dict[str, list[Annotation]] = {}
        for pair in pairs:
            kind = pair.obfuscation  # type: ignore[attr-defined]
            pid = pair.id  # type: ignore[attr-defined]
            cases.setdefault(kind, []).extend(
                Annotation(pid, (c.src_start, c.src_end), (c.susp_start, c.susp_end))
                for c in pair.cases  # type: ignore[attr-defined]
            )
            found = detect(pair.source, pair.suspicious)  # type: ignore[attr-defined]
            dets.setdefault(kind, []).extend(Annotation(pid, s, t) for s, t in found)
        table = {kind: score(cases[kind], dets[kind]) for kind in cases}
        table["overall"] = score(
            [c for v in cases.values() for c in v], [d for v in dets.values() for d in v]
        )
        out[name] = table
    return out


def main() -> None:
    import reuse_gen

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=210)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["links", "passages", "rapidfuzz"], action="append")
    args = parser.parse_args()
    pairs = list(reuse_gen.generate(args.pairs, args.seed))
    detectors: dict[str, Detector] = {"dupwire links": dupwire_links}
    from dupwire.model import Alignment

    if hasattr(Alignment, "passages"):
        detectors["dupwire passages"] = dupwire_passages
    detectors["rapidfuzz windows"] = rapidfuzz_windows
    if args.only:
        wanted = {
            "links": "dupwire links",
            "passages": "dupwire passages",
            "rapidfuzz": "rapidfuzz windows",
        }
        detectors = {k: v for k, v in detectors.items() if k in {wanted[o] for o in args.only}}
    kinds = [*reuse_gen.TYPES, reuse_gen.NEGATIVE, "overall"]
    print(f"{len(pairs)} pairs, seed {args.seed}")
    for name, detect in detectors.items():
        start = time.perf_counter()
        table = evaluate(pairs, {name: detect})[name]
        took = time.perf_counter() - start
        print(f"\n{name} ({took:.1f} s)")
        print("| type | plagdet | recall | precision | granularity | cases | detections |")
        print("|---|---|---|---|---|---|---|")
        for kind in kinds:
            s = table.get(kind)
            if s is None:
                continue
            if kind == reuse_gen.NEGATIVE:
                print(f"| {kind} | | | | | 0 | {s.detections} |")
                continue
            print(
                f"| {kind} | {s.plagdet:.3f} | {s.recall:.3f} | {s.precision:.3f} "
                f"| {s.granularity:.3f} | {s.cases} | {s.detections} |"
            )


if __name__ == "__main__":
    main()
