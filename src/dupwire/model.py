"""Frozen result types passed between the stages.

Offsets are always character offsets into the original text as read (after decoding),
so ``article.text[span.start:span.end]`` is what a user sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Article", "Span"]


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``text[start:end]``."""

    start: int
    end: int

    def slice(self, text: str) -> str:
        return text[self.start : self.end]

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Article:
    """One news article: an id, its text as read, and where it came from.

    ``meta`` holds optional fields such as ``title``, ``date`` and ``source`` (outlet).
    """

    id: str
    text: str = field(repr=False)
    source: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    @property
    def title(self) -> str:
        """The ``title`` field if there is one, else the first line of text."""
        title = self.meta.get("title")
        if isinstance(title, str) and title.strip():
            return title.strip()
        for line in self.text.splitlines():
            if line.strip():
                return line.strip()
        return ""
