"""dupwire: find news articles that tell the same story and show what they share."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from dupwire.errors import (
    BinaryInputError,
    DuplicateIdError,
    DupwireError,
    EmptyArticleError,
    EncodingError,
    InputError,
    InputTooLargeError,
    NoArticlesError,
    ParamsError,
)
from dupwire.model import Article, Span

try:
    __version__ = version("dupwire")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Article",
    "BinaryInputError",
    "DuplicateIdError",
    "DupwireError",
    "EmptyArticleError",
    "EncodingError",
    "InputError",
    "InputTooLargeError",
    "NoArticlesError",
    "ParamsError",
    "Span",
    "__version__",
]
