"""Publication dates: reading them, and what a time gap says about two articles.

Records may carry a publication date (``--date-field``, default ``date``, else
``published``).  :func:`parse_date` reads ISO 8601 dates and datetimes, with or without a
time zone (a datetime without one is taken as UTC), and also ``datetime``/``date`` objects.

Reprints of a story cluster within days; a report of a different event of the same kind
months later is a different story, though it may share the city, the police department and
the template.  So a pair published far apart needs stronger text evidence to be called one
story.  The rule (:func:`time_penalty`) is a log prior on the gap: a pair's score (0-100)
loses ``TIME_COST * ln(1 + gap / NEWS_CYCLE)`` points, where ``gap`` is the number of days
between the two dates and ``NEWS_CYCLE`` is 7 days.  Within a week the cost is at most
``TIME_COST * ln 2`` (about 2 points); each further doubling of the gap costs about
``TIME_COST * ln 2`` more, so a follow-up a month later (cost about 5) still joins when its
text is clearly about the same event, while two same-city reports half a year apart (cost
about 10) need a score well above what a shared city and template give.  A pair with one
or both dates unknown pays nothing.  ``window`` (``--window DAYS``) is an optional hard
limit on top: pairs further apart never join.

What an article shares with reports published weeks away from it is its kind of event (the
city, the police department, the template of the outlet), not its story: a story's reports
cluster within days, and few stories have more than one or two follow-ups weeks later.  So
a dated article's *background* (:mod:`dupwire.cluster.verify`), the level of resemblance
that is topic rather than event, is at least its text score with its ``FAR_RANK``-th (3rd)
best candidate published more than ``FAR_DAYS`` (four news cycles, 28 days) away.  A pair
counts only above that level, so two reports of different shootings in one city, which
resemble each other as much as each resembles the other months of that city's coverage,
do not join, while a follow-up that resembles its incident far more than other incidents
still does.

>>> parse_date("2024-03-05"), parse_date("2024-03-05T23:30:00-05:00")
(19787.0, 19788.1875)
>>> round(float(time_penalty(np.array([0.0, 7.0, 30.0, 180.0]))[3]), 1)
9.9
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import numpy.typing as npt

from dupwire.errors import ParamsError

__all__ = [
    "FAR_DAYS",
    "FAR_RANK",
    "NEWS_CYCLE",
    "TIME_COST",
    "format_day",
    "iso_date",
    "parse_date",
    "time_penalty",
]

#: Days in which reprints and same-day follow-ups of one story appear.
NEWS_CYCLE = 7.0
#: Points of pair score one e-fold of ``1 + gap / NEWS_CYCLE`` costs.
TIME_COST = 3.0
#: Days apart beyond which a candidate tells of another occasion: four news cycles.
FAR_DAYS = 4 * NEWS_CYCLE
#: The rank of the far candidate that sets a dated article's background: the two best may
#: be follow-ups of its own story.
FAR_RANK = 3

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def parse_date(value: object) -> float | None:
    """Days since 1970-01-01 UTC (fractional for datetimes), or None for no date.

    Raises :class:`ParamsError` with a one-line reason for a value that is not a date.
    """
    read = _read_date(value)
    return None if read is None else (read[0] - _EPOCH).total_seconds() / 86400.0


def iso_date(value: object) -> str | None:
    """The date as ISO 8601 text, or None for no date: ``YYYY-MM-DD`` for a date, and
    ``YYYY-MM-DDTHH:MM:SS[.ffffff]`` in UTC for a datetime, so that texts compare as times.

    Raises :class:`ParamsError` (as :func:`parse_date`) for a value that is not a date.

    >>> iso_date("2024-03-05"), iso_date("2024-03-05T23:30:00-05:00")
    ('2024-03-05', '2024-03-06T04:30:00')
    """
    read = _read_date(value)
    if read is None:
        return None
    moment, timed = read
    if not timed:
        return moment.date().isoformat()
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat()


def _read_date(value: object) -> tuple[dt.datetime, bool] | None:
    """The moment (time zone aware, UTC when none is given) and whether it has a time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    timed = True
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment, timed = dt.datetime(value.year, value.month, value.day), False
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            day = dt.date.fromisoformat(text)
            moment, timed = dt.datetime(day.year, day.month, day.day), False
        except ValueError:
            try:
                moment = dt.datetime.fromisoformat(text)
            except ValueError:
                msg = (
                    f"date {value!r} is not an ISO 8601 date or datetime (such as 2024-03-05 "
                    "or 2024-03-05T14:30:00Z); the article is treated as undated"
                )
                raise ParamsError(msg) from None
    else:
        msg = f"date {value!r} is a {type(value).__name__}, not an ISO 8601 string"
        raise ParamsError(msg)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment, timed


def format_day(days: float) -> str:
    """The calendar date (UTC) of a :func:`parse_date` value.

    >>> format_day(19787.0)
    '2024-03-05'
    """
    return (_EPOCH + dt.timedelta(days=math.floor(days))).date().isoformat()


def time_penalty(
    gap: npt.NDArray[np.float64], cost: float = TIME_COST, cycle: float = NEWS_CYCLE
) -> npt.NDArray[np.float64]:
    """Points of pair score lost for a gap of ``gap`` days (NaN, an unknown gap: 0)."""
    if cost < 0 or cycle <= 0:
        msg = "the time cost must be >= 0 and the news cycle > 0 days"
        raise ParamsError(msg)
    out = cost * np.log1p(np.abs(gap) / cycle)
    return np.asarray(np.where(np.isnan(out), 0.0, out), dtype=np.float64)
