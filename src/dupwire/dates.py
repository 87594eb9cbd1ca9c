"""Publication dates: reading them, and what a time gap says about two articles.

Records may carry a publication date (``--date-field``, default ``date``, else
``published``).  :func:`parse_date` reads ISO 8601 dates and datetimes, with or without a
time zone (a datetime without one is taken as UTC), RFC 2822 dates as RSS feeds write them
("Tue, 05 Mar 2024 14:30:00 GMT"), the forms content systems, scrapers and databases keep
("2024/03/05", "March 5, 2024", "Tue, Mar. 5, 2024 2:30 PM EST", "5 March 2024 14:30",
"2024-03-05 14:30:00 UTC"), Unix times in seconds or milliseconds (numbers, or text of 9-10
or 12-13 digits), day.month.year with dots as German, Russian or Polish outlets write it
("05.03.2024", "5.3.2024 14:30"), and ``datetime``/``date`` objects.  A date with strokes
and the day and the month in numbers ("05/03/2024") is not read: it may be either day (5
March as Europe writes it, May 3 as the United States does).

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

A follow-up weeks later (an arrest, a charge, a trial) resembles its incident's reports no
more than the reports of other shootings in that city do, but it names the day it follows
up: "an arrest in the June 6 shooting".  So the days a dated article names
(:func:`named_days`: a month and a day, with or without the year) link it to the reports
published that day or the next (:class:`DayReferences`): the gap of such a pair is counted
from the named day, the pair stays a candidate whatever its rank, and an article's
best-scoring such pair counts above its background without the far rule (the far rule is
about reports of other occasions, and the named day says this one is the same occasion;
:mod:`dupwire.cluster.verify`).  The text still decides among the reports of that day.

A report also says which day its news is from: its lead names it ("President Trump on
Monday slammed ...", "A man was shot Saturday night ..."), and the reports of one story name
the same day, while the stories of one saga (a nomination's hearing, vote and confirmation,
a trial's opening and verdict) and a city's shootings of one week fall on different days.
A lead may name two days (the statement's and the event's: "the ministry said on Friday
... the patrol took place on Thursday"), and another report of the story only one of them.
On AllSides dev (left, centre and right reports of 2,124 stories, mostly undated), of the
same-story pairs 6% have leads that both name weekdays (in :data:`LEAD_CHARS` characters of
story text, outside date-stamp lines: :func:`lead_weekdays`) and no weekday in common,
against 33% of the different-story pairs that the clustering joins without this rule; on
ECB+ dev, 8% of same-event pairs against 14% of the wrongly joined pairs.  So a pair whose
leads name days but no day in common loses ``LEAD_DAY_COST`` points (:class:`LeadDays`), as
much as the score that links two articles (``ClusterParams.link_score``): a link's worth of
evidence, so reports of one event that name its day and the next still join on clear text,
while a saga's stories, which share names more than facts, no longer join on their names.
Days are compared as weekdays when the pair's gap is unknown; when both are dated, as the
days the weekdays stand for (the last such day on or before publication: "Saturday night"
in Monday's paper is the Saturday before), so a report and its follow-up two days later
about "Saturday night" name one day, and two reports of one week about Saturday's and
Tuesday's shootings do not.

>>> parse_date("2024-03-05"), parse_date("2024-03-05T23:30:00-05:00")
(19787.0, 19788.1875)
>>> round(float(time_penalty(np.array([0.0, 7.0, 30.0, 180.0]))[3]), 1)
9.9
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dupwire._numeric import ranges
from dupwire.boilerplate import is_timestamp
from dupwire.errors import ParamsError, kind_of
from dupwire.normalize import as_shown

__all__ = [
    "FAR_DAYS",
    "FAR_RANK",
    "LEAD_CHARS",
    "LEAD_DAY_COST",
    "NEWS_CYCLE",
    "TIME_COST",
    "DayReferences",
    "LeadDays",
    "format_day",
    "iso_date",
    "lead_weekdays",
    "lead_weekdays_of",
    "named_days",
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

#: Characters of story text that make its lead: about a headline and two sentences.
LEAD_CHARS = 400
#: Points of pair score lost by a pair whose leads name days but no day in common.
LEAD_DAY_COST = 5.0

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday is 0)


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


# The shape of an ISO 8601 date, alone or starting a datetime.
_ISO_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]|$)")


# The day and time of an RFC 2822 date, as RSS feeds and mail headers write them
# ("Tue, 05 Mar 2024 14:30:00 GMT"): a day, a month's name, a year, hours and minutes.
_RFC2822_RE = re.compile(r"^(?:[A-Za-z]{3}, *)?\d{1,2} +[A-Za-z]{3} +\d{2,4} +\d{1,2}:\d{2}")


def _rfc2822(value: object, text: str) -> dt.datetime:
    """The moment of an RFC 2822 date (``_RFC2822_RE``); ParamsError if it is no moment.  A
    zone's name is read by its offset in ``_ZONES`` (the standard knows those of universal
    time and the United States alone, and reads any other name as universal time)."""
    named = _NAMED_ZONE_END_RE.search(text)
    if named and named[1].upper() in _ZONES:
        text = f"{text[: named.start()]} {_offset(named[1], '')}"  # RFC 2822: +0100
    try:
        return email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError) as exc:
        msg = (
            f"date {value!r} is not a moment of the calendar ({exc}), so not an RFC 2822 "
            "date; the article is treated as undated"
        )
        raise ParamsError(msg) from None


# A month as written in news ("Sept.", "June"; its number in _MONTHS by its first three
# letters).
_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_MONTHS = {m: k + 1 for k, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul"])}
_MONTHS.update(aug=8, sep=9, oct=10, nov=11, dec=12)

# Other forms read, as the error for a date that is none of them says.
_ALSO_READ = ', an RFC 2822 date, a date written out ("March 5, 2024") or a Unix time'

# 2024/03/05 (or 2024/3/5), alone or starting a datetime.
_SLASHED_RE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})((?:[T ].*)?)$")

# 05.03.2024 (or 5.3.2024), alone or starting a datetime: with dots, the day comes first.
_DOTTED_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})((?:[T ].*)?)$")
# 05/03/2024 or 3/5/24: the day and the month in an order that cannot be told.
_DAY_OR_MONTH_RE = re.compile(r"^\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b")

# Unix time as text: seconds (9 or 10 digits, 1973-2286) or milliseconds (12 or 13).
_UNIX_DIGITS_RE = re.compile(r"^(?:\d{9,10}|\d{12,13})$")
_UNIX_SECONDS = (1e8, 1e11)  # a number in this range is seconds since 1970 ...
_UNIX_MILLISECONDS = (1e11, 1e14)  # ... and in this one, milliseconds


def _unix_time(value: object, number: float) -> dt.datetime:
    """The moment of a Unix time in seconds or milliseconds (told apart by size: from 1973
    to 5138 either way); ParamsError for a number of neither range."""
    if _UNIX_SECONDS[0] <= number < _UNIX_SECONDS[1]:
        return _EPOCH + dt.timedelta(seconds=number)
    if _UNIX_MILLISECONDS[0] <= number < _UNIX_MILLISECONDS[1]:
        return _EPOCH + dt.timedelta(milliseconds=number)
    msg = (
        f"date {value!r} is a number, but not a Unix time in seconds (from 10**8) or "
        'milliseconds (from 10**11), nor an ISO 8601 string (such as "2024-03-05"); the '
        "article is treated as undated"
    )
    raise ParamsError(msg)


# A date written out, as content systems and scrapers keep it: "March 5, 2024",
# "Tue, Mar. 5, 2024 2:30 PM EST", "Updated: 5 March 2024 14:30", the time optional.  A
# zone is an offset or one of _ZONES.
_WORDED_RE = re.compile(
    rf"^(?:[A-Za-z]+[.:]?,?\s+)?(?:{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}}))"
    r"(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([AaPp])\.?[Mm]\.?)?"
    r"(?:\s*([A-Za-z]{1,4}|[+-]\d{2}:?\d{2}))?)?$"
)
# An ISO 8601 date and time followed by a zone's name, as databases write timestamps.
_NAMED_ZONE_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*([A-Za-z]{1,4})$"
)
# Zones named in news datelines, by their offset in hours: universal time, those of the
# United States (standard and daylight; a bare "ET" is taken as standard time), Europe's, and
# those of Asia and Oceania whose names no other zone uses ("IST" is India's, Ireland's and
# Israel's: not read).
_ZONES = {"Z": 0, "UT": 0, "UTC": 0, "GMT": 0, "ET": -5, "EST": -5, "EDT": -4, "CT": -6}
_ZONES.update(CST=-6, CDT=-5, MT=-7, MST=-7, MDT=-6, PT=-8, PST=-8, PDT=-7, AKST=-9, AKDT=-8)
_ZONES.update(HST=-10, WET=0, WEST=1, BST=1, CET=1, CEST=2, EET=2, EEST=3, MSK=3, PKT=5)
_ZONES.update(HKT=8, SGT=8, AWST=8, JST=9, KST=9, AEST=10, AEDT=11, NZST=12, NZDT=13)
# A zone's name ending an RFC 2822 date, which is read by its offset (_ZONES).
_NAMED_ZONE_END_RE = re.compile(r"\s([A-Za-z]{1,4})$")


def _offset(zone: str, sep: str) -> str:
    """The offset from UTC of a zone of ``_ZONES`` by its name, as ``+HH`` ``sep`` ``MM``."""
    hours = _ZONES[zone.upper()]
    return f"{'-' if hours < 0 else '+'}{abs(hours):02d}{sep}00"


def _worded(value: object, text: str) -> tuple[dt.datetime, bool] | None:
    """The moment of a date written out (``_WORDED_RE``) and whether it has a time; None
    when the text is not of that form; ParamsError when it is but names no real moment."""
    m = _WORDED_RE.match(text)
    if m is None:
        return None
    month_name, day, year = (m[1], m[2], m[3]) if m[1] else (m[5], m[4], m[6])
    hour, minute, second, half, zone = m[7], m[8], m[9], m[10], m[11]
    offset = 0
    if zone is not None:
        if zone[0] in "+-":
            digits = zone[1:].replace(":", "")
            offset = (int(digits[:2]) * 60 + int(digits[2:])) * (1 if zone[0] == "+" else -1)
        elif zone.upper() in _ZONES:
            offset = _ZONES[zone.upper()] * 60
        else:
            return None  # an unknown word: not a date of this form
    try:
        h = int(hour or 0)
        if half is not None:  # 12 AM is midnight, 12 PM noon
            if not 1 <= h <= 12:
                why = f"hour {h} is not on a 12-hour clock"
                raise ValueError(why)
            h = h % 12 + (12 if half in "Pp" else 0)
        moment = dt.datetime(
            int(year),
            _MONTHS[month_name[:3].lower()],
            int(day),
            h,
            int(minute or 0),
            int(second or 0),
            tzinfo=dt.timezone(dt.timedelta(minutes=offset)),
        )
    except ValueError as exc:
        msg = (
            f"date {value!r} is not a moment of the calendar ({exc}); the article is "
            "treated as undated"
        )
        raise ParamsError(msg) from None
    return moment, hour is not None


def _read_date(value: object) -> tuple[dt.datetime, bool] | None:
    """The moment (time zone aware, UTC when none is given) and whether it has a time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NaTType":
        return None  # a missing value of a table (pandas writes NaN or NaT)
    timed = True
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment, timed = dt.datetime(value.year, value.month, value.day), False
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        slashed = _SLASHED_RE.match(text)
        if slashed:  # 2024/03/05: ISO 8601 but for its strokes
            year, month, day_of, rest = slashed.groups()
            text = f"{year}-{int(month):02d}-{int(day_of):02d}{rest}"
        dotted = _DOTTED_RE.match(text)
        if dotted:  # 05.03.2024: the day first, as the dots say
            day_of, month, year, rest = dotted.groups()
            text = f"{year}-{int(month):02d}-{int(day_of):02d}{rest}"
        named = _NAMED_ZONE_RE.match(text)
        if named and named[2].upper() in _ZONES:  # "2024-03-05 14:30:00 UTC", as SQL writes
            text = f"{named[1]}{_offset(named[2], ':')}"  # ISO 8601: +01:00
        try:
            day = dt.date.fromisoformat(text)
            moment, timed = dt.datetime(day.year, day.month, day.day), False
        except ValueError:
            try:
                moment = dt.datetime.fromisoformat(text)
            except ValueError:
                if _RFC2822_RE.search(text):
                    moment = _rfc2822(value, text)
                elif _UNIX_DIGITS_RE.match(text):
                    moment = _unix_time(value, int(text))
                elif (worded := _worded(value, text)) is not None:
                    moment, timed = worded
                elif _DAY_OR_MONTH_RE.match(text):
                    msg = (
                        f"date {value!r} gives the day and the month in numbers, in an order "
                        "that cannot be told (05/03/2024 is 5 March or May 3); write it as an "
                        "ISO 8601 date (such as 2024-03-05) or with the month's name; the "
                        "article is treated as undated"
                    )
                    raise ParamsError(msg) from None
                else:
                    # Written as a date but not a day of the calendar ("2024-02-30"): say why.
                    what = "an ISO 8601 date or datetime"
                    if _ISO_DAY_RE.match(text):
                        try:
                            dt.date.fromisoformat(text[:10])
                        except ValueError as bad:
                            what = f"a day of the calendar ({bad}), so not an ISO 8601 date"
                    msg = (
                        f"date {value!r} is not {what} (such as 2024-03-05 or "
                        f"2024-03-05T14:30:00Z){_ALSO_READ}; the article is treated as undated"
                    )
                    raise ParamsError(msg) from None
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        moment = _unix_time(value, value)
    else:
        msg = (
            f"date {value!r} is {kind_of(value)}, not an ISO 8601 string (such as "
            '"2024-03-05" or "2024-03-05T14:30:00Z") or a Unix time; the article is treated '
            "as undated"
        )
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


# A day of a month as written in news: "June 6", "Sept. 12, 2023", "6 June 2023".
_NAMED_DAY_RE = re.compile(
    rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?"
    rf"|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(\d{{4}})\b)?"
)
#: Days a report may come out after the day it tells of (a shooting late on Saturday is in
#: Sunday's paper).
REFERENCE_SLACK = 1.0
#: Named days read from one article, at most.
_MOST_NAMED = 16


def named_days(text: str, published: float) -> list[float]:
    """The days (as :func:`parse_date`) that ``text``, published on day ``published``,
    names as a month and a day ("the June 6 shooting", "Sept. 12, 2023"): without a year,
    the nearest such day to the publication date.  Distinct, in order of first mention.

    >>> [format_day(d) for d in named_days("Arrest in the June 6 shooting.", 19787.0)]
    ['2024-06-06']
    >>> [format_day(d) for d in named_days("Tried for the Dec. 30 killing.", 19737.0)]
    ['2023-12-30']
    """
    if math.isnan(published):
        return []
    when = (_EPOCH + dt.timedelta(days=math.floor(published))).date()
    out: list[float] = []
    for m in _NAMED_DAY_RE.finditer(as_shown(text)):  # "June&nbsp;6" is June 6
        month_name, day, year = (m[1], m[2], m[3]) if m[1] else (m[5], m[4], m[6])
        month = _MONTHS[month_name[:3].lower()]
        years = [int(year)] if year else [when.year - 1, when.year, when.year + 1]
        found: list[dt.date] = []
        for y in years:
            try:
                found.append(dt.date(y, month, int(day)))
            except ValueError:
                continue
        if not found:
            continue
        named = min(found, key=lambda d: abs((d - when).days))
        value = float((named - _EPOCH.date()).days)
        if value not in out:
            out.append(value)
            if len(out) == _MOST_NAMED:
                break
    return out


@dataclass(frozen=True)
class DayReferences:
    """The days each article names (:func:`named_days`), read for dated articles only, and
    the gap of a pair as a reader would take it.

    A follow-up names the day of the event it follows ("an arrest in the June 6 shooting"),
    and the first reports came out that day or the next.  So the *gap* of a pair is the
    smaller of the days between the two publications and the days between a day one of them
    names and the other's publication, less :data:`REFERENCE_SLACK` (not below 0).  A pair
    with an unknown date has an unknown gap (NaN).

    >>> refs = DayReferences.of(["Police: man shot.", "Arrest in the June 6 shooting."],
    ...                         np.array([19880.0, 19921.0]))  # 2024-06-06, 2024-07-17
    >>> refs.gaps(np.array([0]), np.array([1])).tolist()
    [0.0]
    """

    published: npt.NDArray[np.float64]
    ptr: npt.NDArray[np.int64]
    named: npt.NDArray[np.float64]

    @classmethod
    def of(cls, texts: Sequence[str], published: npt.NDArray[np.float64]) -> DayReferences:
        lists = [named_days(t, float(d)) for t, d in zip(texts, published.tolist(), strict=True)]
        ptr = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(v) for v in lists], out=ptr[1:])
        named = np.array([d for v in lists for d in v], dtype=np.float64)
        return cls(np.asarray(published, dtype=np.float64), ptr, named)

    def gaps(self, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """The gap in days of each pair ``(i[k], j[k])`` (see the class)."""
        d = self.published
        gap = np.abs(d[i] - d[j])
        for a, b in ((i, j), (j, i)):
            counts = self.ptr[a + 1] - self.ptr[a]
            rows = np.flatnonzero(counts)
            if not len(rows):
                continue
            owner = np.repeat(rows, counts[rows])
            named = self.named[ranges(self.ptr, a[rows])]
            near = np.full(len(gap), np.inf)
            with np.errstate(invalid="ignore"):
                np.minimum.at(near, owner, np.abs(named - d[b[owner]]) - REFERENCE_SLACK)
                near = np.maximum(near, 0.0)
                gap = np.where(near < gap, near, gap)  # kept where either is unknown
        out: npt.NDArray[np.float64] = gap
        return out

    def linked(
        self,
        i: npt.NDArray[np.int64],
        j: npt.NDArray[np.int64],
        gaps: npt.NDArray[np.float64] | None = None,
    ) -> npt.NDArray[np.bool_]:
        """Whether one of each pair names the day the other was published (or the day
        before), the two published more than a news cycle apart (``gaps``: the pairs'
        :meth:`gaps`, when already known)."""
        d = self.published
        gap = self.gaps(i, j) if gaps is None else gaps
        with np.errstate(invalid="ignore"):
            apart = np.abs(d[i] - d[j])
            out: npt.NDArray[np.bool_] = (gap == 0.0) & (apart > NEWS_CYCLE)
        return out


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_RE = re.compile(rf"\b({'|'.join(_WEEKDAYS)})\b")
_WEEKDAY = {name: k for k, name in enumerate(_WEEKDAYS)}


def lead_weekdays(text: str, chars: int = LEAD_CHARS) -> int:
    """The weekdays that the lead of ``text``, its first ``chars`` characters as a reader
    sees them (:func:`dupwire.normalize.as_shown`), names outside date-stamp lines, as bits
    (bit 0 for Monday to bit 6 for Sunday; 0 for none; English names, capitalised as in
    running text).  A stamp (:func:`dupwire.boilerplate.is_timestamp`: "Posted: Friday,
    March 8, 2013") says when the page was made, not what day the story tells of.

    >>> lead_weekdays("Friday, June 7, 2013\\nThe jury found him guilty on Tuesday.")
    2
    >>> lead_weekdays("Officials said on Friday that the patrol left on Thursday.")
    24
    >>> lead_weekdays("Esther Williams dies at 91"), lead_weekdays("x" * 500 + " on Monday")
    (0, 0)
    """
    text = as_shown(text)  # a feed item's paragraphs are lines, its markup no characters
    if "day" not in text[:chars] or not _WEEKDAY_RE.search(text, 0, chars):
        return 0  # most leads
    named = 0
    for found in _WEEKDAY_RE.finditer(text, 0, chars):
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        if not is_timestamp(text[start : len(text) if end < 0 else end].strip()):
            named |= 1 << _WEEKDAY[found.group(1)]
    return named


def lead_weekdays_of(texts: Sequence[str], chars: int = LEAD_CHARS) -> npt.NDArray[np.int8]:
    """:func:`lead_weekdays` of each text."""
    return np.fromiter((lead_weekdays(t, chars) for t in texts), np.int8, len(texts))


@dataclass(frozen=True)
class LeadDays:
    """The weekdays each article's lead names (:func:`lead_weekdays_of`: bits, 0 for none)
    and each article's publication day (NaN when undated).  For a dated article a weekday
    stands for a day: the last such weekday on or before the publication ("Saturday night"
    in Monday's paper is the Saturday before).

    >>> leads = LeadDays.of(np.array([32, 32], dtype=np.int8), np.array([19788.0, 19787.5]))
    >>> [format_day(d) for d in leads.days(0)], [format_day(d) for d in leads.days(1)]
    (['2024-03-02'], ['2024-03-02'])
    """

    weekdays: npt.NDArray[np.int8]
    published: npt.NDArray[np.float64]

    @classmethod
    def of(cls, weekdays: npt.NDArray[np.int8], published: npt.NDArray[np.float64]) -> LeadDays:
        return cls(np.asarray(weekdays, dtype=np.int8), np.floor(published))

    def days(self, k: int) -> list[float]:
        """The days article ``k``'s lead names (dated articles)."""
        return [
            float(_last_weekday(self.published[k : k + 1], w)[0])
            for w in range(7)
            if int(self.weekdays[k]) >> w & 1
        ]

    def penalty(
        self,
        i: npt.NDArray[np.int64],
        j: npt.NDArray[np.int64],
        gaps: npt.NDArray[np.float64] | None,
        cost: float = LEAD_DAY_COST,
    ) -> npt.NDArray[np.float64]:
        """Points lost by each pair ``(i[k], j[k])``: ``cost`` when both leads name a day and
        no day in common: as weekdays when the pair's gap is unknown (``gaps`` NaN, or None
        when no article is dated), as the days they stand for when both are dated; else 0.

        >>> leads = LeadDays.of(np.array([2, 8, 0, 10], dtype=np.int8), np.full(4, np.nan))
        >>> leads.penalty(np.array([0, 0, 0]), np.array([1, 2, 3]), None).tolist()
        [5.0, 0.0, 0.0]
        >>> leads = LeadDays.of(np.array([32, 32, 64], dtype=np.int8),
        ...                     np.array([19788.0, 19787.0, 19788.0]))
        >>> leads.penalty(np.array([0, 0]), np.array([1, 2]), np.array([1.0, 0.0])).tolist()
        [0.0, 5.0]
        """
        a = self.weekdays[i].astype(np.int64)
        b = self.weekdays[j].astype(np.int64)
        common = (a & b) != 0
        if gaps is not None:
            with np.errstate(invalid="ignore"):
                dated = ~np.isnan(gaps)
            if dated.any():
                same_day = np.zeros(len(a), dtype=bool)
                pi, pj = self.published[i], self.published[j]
                for w in range(7):
                    both = (a >> w & b >> w & 1).astype(bool)
                    with np.errstate(invalid="ignore"):
                        same_day |= both & (_last_weekday(pi, w) == _last_weekday(pj, w))
                common = np.where(dated, same_day, common)
        return np.where((a > 0) & (b > 0) & ~common, cost, 0.0)


def _last_weekday(days: npt.NDArray[np.float64], weekday: int) -> npt.NDArray[np.float64]:
    """The last ``weekday`` on or before each of ``days`` (whole days since 1970-01-01)."""
    out: npt.NDArray[np.float64] = days - (days + _EPOCH_WEEKDAY - weekday) % 7
    return out
