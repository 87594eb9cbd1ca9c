"""Options objects, validated once, with messages that say how to fix the value."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from dupwire.errors import ParamsError

__all__ = ["AlignParams"]


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not (low <= value <= high):
        msg = f"{name} must be in [{low:g}, {high:g}], got {value!r}"
        raise ParamsError(msg)


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Options of :func:`dupwire.align.align`.

    Scores are on the 0-100 scale of :func:`dupwire.align.passage_similarity`: the rare-word
    weighted Dice overlap of the two passages' words.

    * ``min_score``: a link needs at least this score (default 40: below it, measured on the
      seed pair, passages share only a name or two, e.g. a subhead that names the same people).
    * ``max_merge``: at most this many consecutive sentences on one side form one link
      (1:n, n:1 and n:m merges up to max_merge:max_merge).
    * ``member_min``: each sentence of a merged link must have at least this share of its
      weight found on the other side, so a merge cannot swallow an unrelated neighbour.
    * ``same_story``: verdict "same_story" when both sides have at least this share of their
      story text covered by links.
    * ``partial_reuse``: verdict "partial_reuse" when one side has at least this share covered.
    """

    min_score: float = 40.0
    max_merge: int = 3
    member_min: float = 0.3
    same_story: float = 0.3
    partial_reuse: float = 0.3

    def __post_init__(self) -> None:
        _check_range("min_score", self.min_score, 0.0, 100.0)
        _check_range("member_min", self.member_min, 0.0, 1.0)
        _check_range("same_story", self.same_story, 0.0, 1.0)
        _check_range("partial_reuse", self.partial_reuse, 0.0, 1.0)
        if not isinstance(self.max_merge, int) or not 1 <= self.max_merge <= 5:
            msg = f"max_merge must be an integer in [1, 5], got {self.max_merge!r}"
            raise ParamsError(msg)

    @classmethod
    def from_options(cls, **options: Any) -> AlignParams:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            msg = f"unknown align option {unknown[0]!r}; valid options: {', '.join(sorted(known))}"
            raise ParamsError(msg)
        return cls(**options)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
