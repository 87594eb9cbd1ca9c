"""The errors dupwire raises.

Every message is one line that says what is wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence


class DupwireError(Exception):
    """Base class of every error dupwire raises on purpose."""


class InputError(DupwireError):
    """An input file or record cannot be used as an article."""


class EmptyArticleError(InputError):
    """The article has no text."""


class EncodingError(InputError):
    """The bytes of an article cannot be decoded as text."""


class BinaryInputError(InputError):
    """The input looks like a binary file, not text."""


class InputTooLargeError(InputError):
    """The input is larger than the configured limit."""


class ParamsError(DupwireError, ValueError):
    """An option has a value outside its valid range."""


class DuplicateIdError(InputError):
    """Two or more articles share one id."""


class NoArticlesError(InputError):
    """An input held no article at all."""


class SegmentationError(InputError):
    """The sentence splitter or tokeniser failed on an article's text."""


class OutputError(DupwireError):
    """A report or the standard output cannot be written."""


class DupwireWarning(UserWarning):
    """Base class of the warnings dupwire issues: the input was used, but not as written."""


class DecodingWarning(DupwireWarning):
    """Some bytes or characters of an input could not be decoded and were replaced."""


class IndexFileError(DupwireError):
    """An index file cannot be used: missing, foreign, damaged, or built with other settings."""


def listed(values: Sequence[str], most: int = 3) -> str:
    """How a message names some of many ``values``: the first ``most``, then how many more.

    >>> listed(["a.txt", "b.txt", "c.txt", "d.txt"])
    "'a.txt', 'b.txt', 'c.txt' and 1 more"
    """
    more = f" and {len(values) - most} more" if len(values) > most else ""
    return ", ".join(map(repr, values[:most])) + more


def kind_of(value: object) -> str:
    """How a message names the kind of a decoded value (JSON's names, with the article).

    >>> kind_of(None), kind_of(12345), kind_of(True), kind_of([1])
    ('null', 'a number', 'a boolean', 'an array')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (bytes, bytearray)):
        return "bytes"
    return "an array" if isinstance(value, (list, tuple)) else "an object"
