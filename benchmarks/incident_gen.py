"""Dated local reports of same-kind incidents: shootings in a few US cities over two years.

``generate(n_incidents, seed=...)`` returns the reports (each with ``meta["title"]``,
``meta["date"]`` and ``meta["source"]``), each report's incident label, and the follow-up
reports (follow-up id -> id of its incident's first report).

The shape is that of local gun-violence coverage, where what separates two stories is not
the kind of event, the city or the police wording but the victims, suspects, street and
date:

* **Cities.**  Six cities, each with its police department (full name and initials), two or
  three spokespeople who are quoted in most of its reports, a crime tip line, two hospitals,
  a county, 25 neighbourhoods, 120 streets and four local outlets.
* **Incidents.**  Spread uniformly over 2023-2024 and over the cities (so a city has about
  one incident every day or two).  Each has one or two victims (name, age, killed or
  wounded, sometimes a job or school and children), a block and street, a neighbourhood, a
  setting ("a gas station"), a named business nearby, a time of day, often a suspect
  description, vehicle, motive or gathering ("a dice game"), a statement of the
  spokesperson on duty (one of 16 stock lines, as departments reuse them) and sometimes a
  relative or a neighbour quoted in their own words.
* **Reports.**  Each incident is reported by one to four of its city's outlets (65%, 20%,
  10%, 5%) within zero to three days.  A report is a lead plus a selection of the incident's
  facts, each in one of two to four phrasings: the police release's (65% of the time, the
  same in every outlet's report of the incident), the outlet's habitual one (20%) or any
  (15%); then the outlet's header, a byline of one of its reporters and its footer.  So two
  reports of one incident share its names, numbers and much of their wording, while one
  outlet's reports of two incidents in one city share template sentences, the city, the
  department, the spokesperson, the tip line, the hospital and often the neighbourhood.
* **Follow-ups.**  20% of incidents with a suspect description get an arrest report 7-56
  days later, and half of those a court report (indictment, plea or sentence) another
  14-90 days later, each by one outlet.  They repeat the victim's name, age and street,
  name the suspect, and belong to their incident.
* **Dates** are ISO 8601 in mixed forms, by outlet habit (80%) or not: ``2024-03-05``,
  ``2024-03-05T14:30:00Z`` and ``2024-03-05T09:30:00-05:00`` (the city's offset that day,
  from the time zone database).  Every report has a ``title`` (not repeated in the text).

The defaults (3,400 incidents) give about 5,800 reports of about 140 words, the size of a
held-out corpus of real reports this shape imitates.  Measured on 1,000 incidents (mean
over pairs of word 5-shingle Jaccard / word-set Jaccard): two reports of one incident
0.18 / 0.42; of two incidents of one city by one outlet 0.06 / 0.29; of one city by two
outlets 0.03 / 0.23; of two cities 0.03 / 0.22.  On it the defaults of dupwire at the time
of writing score lower than on that real corpus (ARI 0.34 against 0.51, pair precision 0.26
against 0.39): the shape is, if anything, harder.

Limits: the phrasings are written for this generator (about a hundred sentence patterns),
so they repeat more exactly than real reporters do, and reports are short; names come from
short lists (about 10,000 combinations), so unrelated incidents sometimes share a name, as
real ones do; there are no updates of a story by the same outlet, no multi-incident
roundups and no wire copy.

    python benchmarks/incident_gen.py 3400 --seed 0 --out incidents.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from dupwire.model import Article

__all__ = ["START", "CityInfo", "Incident", "generate"]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _bars(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


START = datetime(2023, 1, 1)  # incidents fall in the two years from here
DAYS = 731
REPORTS_PER_INCIDENT = ((1, 0.65), (2, 0.20), (3, 0.10), (4, 0.05))
P_ARREST = 0.2  # of incidents with a suspect description
P_COURT = 0.5  # of arrests

_MALE = _words(
    "James Michael Robert John David William Richard Joseph Thomas Christopher Charles Daniel "
    "Matthew Anthony Mark Donald Steven Andrew Joshua Kevin Brian Kenneth Timothy Ronald "
    "Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Brandon "
    "Demetrius Terrell Marcus Andre Jamal Darius DeShawn Tyrone Malik Cedric Luis Carlos "
    "Jose Miguel Juan Antonio Dwayne Jermaine Keith Tavon Rashad Quinton"
)
_FEMALE = _words(
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy "
    "Betty Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah "
    "Stephanie Rebecca Sharon Laura Cynthia Keisha Tamika Latoya Shanice Aaliyah Jasmine "
    "Maria Rosa Ebony Monique Tiana Brittany"
)
_SURNAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
    "Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales "
    "Fisher Vasquez Simmons Graham Bryant Washington Tate Merriweather Pugh Boone Dupree"
)
_STREET_NAMES = _words(
    "Main Oak Elm Maple Cedar Pine Walnut Chestnut Park Lake Hill Washington Lincoln Jefferson "
    "Madison Jackson Franklin Grant Lee Church Spring Mill River Market Union Center Highland "
    "Ridge Prospect Greenwood Hollywood Lamar Chelsea Airways Elvis Poplar Summer Winchester "
    "Shelby Getwell Knight Arnold Raleigh Frayser Florida Tchulahoma Holmes Farrow Bluff "
    "Kirby Ross Riverdale Delmar Natural Bridge Kingshighway Grand Broadway Euclid Superior "
    "Woodland Kinsman Harvard Fulton Lorain Denison Clark Burleigh Capitol Hampton Fond du Lac "
    "Silver Spring Center Locust Greenmount Edmondson Pennsylvania Belair Harford Monroe"
)
_STREET_KINDS = ("Street", "Avenue", "Road", "Drive", "Boulevard", "Lane", "Parkway")
_HOODS = _bars(
    "Cedar Heights|Riverside|Oak Park|Mill Creek|Hollis Park|Northgate|Eastwood|Southpark|"
    "Westview|Pleasant Hill|Fairview|Lincoln Heights|Brookside|Glenwood|Parkway Village|"
    "Midtown|Old Town|Hillcrest|Greenbriar|Forest Hills|Union Square|Lakeview|Bayview|"
    "Sunset Ridge|Kensington|Morningside|Highland Park|Roseland|Belmont|Crestview"
)


@dataclass(frozen=True, slots=True)
class CityInfo:
    """A city: its police department, spokespeople, places and outlets."""

    name: str
    state: str
    tz: str
    dept: str
    short: str
    spokes: tuple[str, ...]
    chief: str
    hospitals: tuple[str, ...]
    county: str
    phone: str
    hoods: tuple[str, ...] = field(default=())
    streets: tuple[str, ...] = field(default=())
    outlets: tuple[Outlet, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Outlet:
    """A local outlet: name, date habit, reporters, furniture, habitual phrasings."""

    name: str
    date_style: int  # 0 date, 1 UTC datetime "Z", 2 local datetime with offset
    reporters: tuple[str, ...]
    header: str
    footer: str
    habit: int  # picks the habitual phrasing of each fact
    length: int  # optional facts it usually includes


_CITIES = (
    ("Memphis", "TN", "America/Chicago", "Memphis Police Department", "MPD", "Shelby"),
    ("Milwaukee", "WI", "America/Chicago", "Milwaukee Police Department", "MPD", "Milwaukee"),
    ("Baltimore", "MD", "America/New_York", "Baltimore Police Department", "BPD", "Baltimore"),
    ("St. Louis", "MO", "America/Chicago", "St. Louis Metropolitan Police Department", "SLMPD",
     "St. Louis"),
    ("Cleveland", "OH", "America/New_York", "Cleveland Division of Police", "CDP", "Cuyahoga"),
    ("Jackson", "MS", "America/Chicago", "Jackson Police Department", "JPD", "Hinds"),
)  # fmt: skip
_RANKS = ("Sgt.", "Officer", "Lt.", "Capt.", "Det.")


def _person(rng: random.Random, female: bool = False) -> tuple[str, str]:
    return rng.choice(_FEMALE if female else _MALE), rng.choice(_SURNAMES)


def _cities(seed: int) -> tuple[CityInfo, ...]:
    out = []
    for k, (name, state, tz, dept, short, county) in enumerate(_CITIES):
        rng = random.Random(f"{seed}:city:{k}")
        spokes = tuple(
            f"{rng.choice(_RANKS)} {' '.join(_person(rng, rng.random() < 0.5))}"
            for _ in range(rng.randint(2, 3))
        )
        streets = []
        for _ in range(120):
            direction = rng.choice(("", "", "", "North ", "South ", "East ", "West "))
            streets.append(f"{direction}{rng.choice(_STREET_NAMES)} {rng.choice(_STREET_KINDS)}")
        noun = rng.choice(("Ledger", "Courier", "Herald", "Tribune", "Daily Record"))
        call = "".join(rng.choice("KWBCDLMNRTV") for _ in range(3))
        outlet_names = (
            f"The {name} {noun}",
            f"{rng.choice('KW')}{call} News {rng.randint(2, 13)}",
            f"{name} Today",
            f"{name} Public Radio",
        )
        outlets = []
        for j, oname in enumerate(outlet_names):
            orng = random.Random(f"{seed}:outlet:{k}:{j}")
            reporters = tuple(
                " ".join(_person(orng, orng.random() < 0.5)) for _ in range(orng.randint(4, 8))
            )
            outlets.append(
                Outlet(
                    name=oname,
                    date_style=orng.randrange(3),
                    reporters=reporters,
                    header=orng.choice(
                        (f"{oname} | Crime", f"News › Local › {name}", f"{oname} - Public Safety")
                    ),
                    footer=orng.choice(
                        (
                            f"Copyright {{year}} {oname}. All rights reserved.",
                            f"Sign up for the {oname} morning newsletter for the day's local "
                            "headlines.",
                            f"Have a news tip? Email the {oname} newsroom.",
                        )
                    ),
                    habit=orng.getrandbits(32),
                    length=orng.randint(6, 10),
                )
            )
        out.append(
            CityInfo(
                name=name,
                state=state,
                tz=tz,
                dept=dept,
                short=short,
                spokes=spokes,
                chief=f"Chief {' '.join(_person(rng, rng.random() < 0.4))}",
                hospitals=tuple(
                    f"{rng.choice(('Regional', 'St. Luke', 'Mercy', 'University', 'Baptist'))} "
                    f"{rng.choice(('Medical Center', 'Hospital', 'Health'))}"
                    for _ in range(2)
                ),
                county=county,
                phone=f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-"
                f"{rng.randint(1000, 9999)}",
                hoods=tuple(rng.sample(_HOODS, 25)),
                streets=tuple(streets),
                outlets=tuple(outlets),
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Person:
    first: str
    last: str
    age: int
    female: bool = False
    killed: bool = False

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def noun(self) -> str:
        if self.age < 18:
            return "girl" if self.female else "boy"
        return "woman" if self.female else "man"

    @property
    def pronoun(self) -> str:
        return "She" if self.female else "He"


@dataclass(frozen=True, slots=True)
class Incident:
    """The facts of one shooting (every report of it draws on these)."""

    index: int
    city: int
    when: datetime  # local time, naive
    victims: tuple[Person, ...]
    block: int
    street: str
    cross: str
    hood: str
    setting: str
    motive: str | None
    vehicle: str | None
    suspect: Person | None
    description: str | None
    spokes: str
    quote: str
    hospital: str
    casings: int
    business: str  # a named place near the scene
    gathering: str | None  # what the victim was at
    job: str | None  # where the victim worked or studied
    children: int
    relative: tuple[str, str, str] | None  # name, relation, quote
    neighbour: tuple[str, str] | None  # name, quote


_SETTINGS = (
    "an apartment complex", "a gas station", "a convenience store", "a parking lot",
    "a home", "a park", "a bus stop", "a nightclub", "a restaurant", "an intersection",
    "a car wash", "a shopping center",
)  # fmt: skip
_MOTIVES = (
    "an argument", "a dispute between people who knew each other", "an attempted robbery",
    "a drive-by", "a fight that broke out earlier in the evening", "a domestic dispute",
)  # fmt: skip
_COLOURS = ("silver", "black", "white", "gray", "dark blue", "red", "dark-colored", "maroon")
_CARS = (
    "Nissan Altima", "Dodge Charger", "Chevrolet Malibu", "Honda Accord", "Toyota Camry",
    "Jeep Grand Cherokee", "Hyundai Sonata", "Ford Fusion", "Kia Optima", "sedan", "SUV",
    "pickup truck",
)  # fmt: skip
_POLICE_QUOTES = (
    "We will not tolerate this kind of violence in our neighborhoods",
    "This is a senseless act of violence and we are working around the clock to find who did this",
    "Our detectives are following every lead, but we need the community's help",
    "Someone out there knows what happened, and we are asking them to come forward",
    "Gun violence continues to devastate families in our city",
    "We are still in the early stages of this investigation",
    "There is no indication that the public is in any ongoing danger",
    "This appears to be an isolated incident and not a random act",
    "Our thoughts are with the family of the victim",
    "Too many guns are ending up in the hands of people who should not have them",
    "We have increased patrols in the area",
    "It is heartbreaking to see another young life lost to gun violence",
    "We are reviewing surveillance video from businesses in the area",
    "Disputes should never be settled with a gun",
    "Detectives are canvassing the area and speaking with witnesses",
    "We ask anyone who was in the area at the time to contact us",
)
_FAMILY_QUOTES = (
    "He was a good person who would give you the shirt off his back",
    "We just want justice. Somebody took my baby from me",
    "She had her whole life ahead of her",
    "He loved his kids more than anything",
    "I don't understand how somebody could do this",
    "This violence has to stop. Our family is broken",
    "He was just in the wrong place at the wrong time",
    "We are asking anybody who saw something to please say something",
)
_NEIGHBOUR_QUOTES = (
    "I heard five or six shots and then people were screaming",
    "This used to be a quiet street. Now you hear gunshots every weekend",
    "I was scared to come outside. I just stayed down on the floor",
    "It's getting worse around here, and nobody is doing anything about it",
    "You never think it's going to happen right outside your door",
    "I called 911 as soon as I heard the shots",
)
_SHOPS = (
    "Food Mart", "Market", "Lounge", "Tire Shop", "Barbershop", "Wings", "Liquor", "Car Wash",
    "Grill", "Beauty Supply", "Check Cashing", "Laundromat", "Motel", "Sports Bar", "Deli",
)  # fmt: skip
_BIZ_WORDS = _words(
    "Quick Stop Lucky Star Golden Royal Express Sunrise Midway Corner Ace Crown Diamond Eagle "
    "Liberty Metro Premier Sunshine Victory Empire Southern Northside Uptown Hometown"
)
_GATHERINGS = (
    "a birthday party", "a dice game", "a card game", "a block party", "a basketball game",
    "a funeral repast", "a cookout", "a graduation party", "a concert", "a family reunion",
)  # fmt: skip
_JOBS = ("a cook", "a cashier", "a mechanic", "a barber", "a security guard", "a driver",
         "a warehouse worker", "a nursing assistant", "a manager", "a delivery driver")  # fmt: skip


def _business(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(_SURNAMES)}'s {rng.choice(_SHOPS)}"
    return f"{rng.choice(_BIZ_WORDS)} {rng.choice(_SHOPS)}"


_MORE_FAMILY = (
    "{first} was always the one making everybody laugh.",
    "{first} had just started a new job and was saving for a car.",
    "We were supposed to see {first} this weekend.",
    "{first} never bothered anybody.",
    "I talked to {first} an hour before it happened.",
    "{first} was trying to turn things around.",
    "Everybody on this street knew {first}.",
    "{first} called me every single morning.",
)
_MORE_NEIGHBOUR = (
    "Then I saw a car speed off toward {cross}.",
    "By the time I looked out, police were already on {street}.",
    "My kids were playing out front an hour before.",
    "The whole block was lit up with blue lights.",
    "I ran out and saw someone lying near {business}.",
    "We need more lights on {street}.",
)
_RELATIONS = ("mother", "father", "aunt", "sister", "brother", "cousin", "grandmother")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = _words(
    "January February March April May June July August September October November December"
)


def _ordinal(n: int) -> str:
    """``1`` -> ``1st``, ``12`` -> ``12th``, ``23`` -> ``23rd``."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{({1: 'st', 2: 'nd', 3: 'rd'}).get(n % 10, 'th')}"


def _incident(seed: int, index: int, cities: tuple[CityInfo, ...]) -> Incident:
    rng = random.Random(f"{seed}:incident:{index}")
    city_k = rng.randrange(len(cities))
    city = cities[city_k]
    hour = rng.choice((0, 1, 2, 3, 4, 14, 16, 17, 18, 19, 20, 21, 22, 22, 23, 23, 12, 10))
    when = START + timedelta(days=rng.randrange(DAYS), hours=hour, minutes=rng.randrange(60))
    n_victims = 1 if rng.random() < 0.85 else 2
    victims = []
    for v in range(n_victims):
        female = rng.random() < 0.15
        first, last = _person(rng, female)
        age = rng.randint(14, 17) if rng.random() < 0.1 else rng.randint(18, 62)
        killed = rng.random() < (0.5 if v == 0 else 0.3)
        victims.append(Person(first, last, age, female, killed))
    street = rng.choice(city.streets)
    cross = rng.choice([s for s in city.streets if s != street])
    has_suspect = rng.random() < 0.6
    suspect = None
    description = None
    if has_suspect:
        first, last = _person(rng)
        suspect = Person(first, last, rng.randint(16, 45))
        description = rng.choice(
            (
                "a man wearing a dark hoodie",
                "a man in his 20s wearing a black ski mask",
                "a thin man in a red jacket",
                "two men who ran from the scene on foot",
                f"a man in his {rng.choice(('20s', '30s', 'late teens'))}",
            )
        )
    relative = None
    if rng.random() < 0.35:
        rel_first, _ = _person(rng, rng.random() < 0.6)
        more = rng.choice(_MORE_FAMILY).format(first=victims[0].first)
        relative = (
            f"{rel_first} {victims[0].last}",
            rng.choice(_RELATIONS),
            f"{rng.choice(_FAMILY_QUOTES)}. {more[:-1]}",
        )
    gathering = rng.choice(_GATHERINGS) if rng.random() < 0.5 else None
    job = None
    if victims[0].age < 19:
        job = f"a {rng.choice(('freshman', 'sophomore', 'junior', 'senior'))} at "
        job += f"{rng.choice(_STREET_NAMES)} {rng.choice(('High School', 'Academy', 'Prep'))}"
    elif rng.random() < 0.5:
        job = f"{rng.choice(_JOBS)} at {_business(rng)}"
    neighbour = None
    if rng.random() < 0.3:
        more = rng.choice(_MORE_NEIGHBOUR).format(street=street, cross=cross, business="{b}")
        neighbour = (
            " ".join(_person(rng, rng.random() < 0.5)),
            f"{rng.choice(_NEIGHBOUR_QUOTES)}. {more[:-1]}",
        )
    return Incident(
        index=index,
        city=city_k,
        when=when,
        victims=tuple(victims),
        block=rng.randrange(1, 100) * 100,
        street=street,
        cross=cross,
        hood=rng.choice(city.hoods),
        setting=rng.choice(_SETTINGS),
        motive=rng.choice(_MOTIVES) if rng.random() < 0.4 else None,
        vehicle=f"a {rng.choice(_COLOURS)} {rng.choice(_CARS)}" if rng.random() < 0.4 else None,
        suspect=suspect,
        description=description,
        spokes=rng.choice(city.spokes),
        quote=rng.choice(_POLICE_QUOTES),
        hospital=rng.choice(city.hospitals),
        casings=rng.randint(3, 25),
        relative=relative,
        neighbour=neighbour,
        business=_business(rng),
        gathering=gathering,
        job=job,
        children=rng.choice((0, 0, 0, 1, 2, 3, 4)) if victims[0].age > 21 else 0,
    )


def _part_of_day(when: datetime) -> str:
    h = when.hour
    if h < 5:
        return "early"
    if h < 12:
        return "morning"
    if h < 17:
        return "afternoon"
    return "night" if h >= 20 else "evening"


def _when_phrase(inc: Incident, published: datetime) -> str:
    day = _WEEKDAYS[inc.when.weekday()]
    part = _part_of_day(inc.when)
    lag = (published.date() - inc.when.date()).days
    if lag == 0:
        return {"early": "early this morning", "night": "tonight"}.get(part, f"this {part}")
    if part == "early":
        return f"early {day}"
    return f"{day} {part}"


def _clock(when: datetime) -> str:
    hour = when.hour % 12 or 12
    return f"{hour}:{when.minute:02d} {'a.m.' if when.hour < 12 else 'p.m.'}"


def _date_words(when: datetime) -> str:
    return f"{_MONTHS[when.month - 1]} {when.day}"


class _Writer:
    """Writes one outlet's report of one incident.

    Each fact is phrased as the police release put it (65%: the same in every outlet's
    report of the incident), as the outlet habitually puts it (20%), or freely (15%).
    """

    def __init__(self, outlet: Outlet, rng: random.Random, release: int) -> None:
        self.outlet, self.rng, self.release = outlet, rng, release

    def pick(self, fact: str, options: list[str]) -> str:
        r = self.rng.random()
        if r < 0.65:
            return options[(self.release ^ hash_str(fact)) % len(options)]
        if r < 0.85:
            return options[(self.outlet.habit ^ hash_str(fact)) % len(options)]
        return self.rng.choice(options)


def hash_str(text: str) -> int:
    """A process-independent 32-bit hash (``hash(str)`` is salted per process)."""
    h = 2166136261
    for ch in text.encode("utf-8"):
        h = (h ^ ch) * 16777619 & 0xFFFFFFFF
    return h


def _lead(w: _Writer, inc: Incident, city: CityInfo, when: str) -> tuple[str, str]:
    v = inc.victims[0]
    place = f"the {inc.block} block of {inc.street}"
    if len(inc.victims) == 2:
        other = inc.victims[1]
        dead = sum(p.killed for p in inc.victims)
        outcome = ("two people were wounded", "one person was killed and another wounded",
                   "two people were killed")[dead]  # fmt: skip
        lead = w.pick(
            "lead2",
            [
                f"Police say {outcome} in a shooting {when} in {place}.",
                f"A {v.age}-year-old {v.noun} and a {other.age}-year-old {other.noun} were shot "
                f"{when} in {city.name}'s {inc.hood} neighborhood, {city.dept} said.",
                f"{city.short} officers are investigating a double shooting {when} on "
                f"{inc.street} in which {outcome}.",
            ],
        )
        title = w.pick(
            "title2",
            [
                f"Double shooting on {inc.street} leaves {'one dead' if dead else 'two hurt'}",
                f"2 shot in {inc.hood}, police say",
                f"Police investigate double shooting in {city.name}",
            ],
        )
        return lead, title
    if v.killed:
        lead = w.pick(
            "lead-fatal",
            [
                f"A {v.age}-year-old {v.noun} was shot and killed {when} in {place}, "
                f"{city.dept} said.",
                f"{city.short} officers are investigating a fatal shooting that left a "
                f"{v.age}-year-old {v.noun} dead {when} in {inc.hood}.",
                f"One {v.noun} is dead after a shooting {when} on {inc.street} in "
                f"{city.name}'s {inc.hood} neighborhood, police said.",
                f"Police say a {v.noun} died after being shot {when} near {inc.setting} on "
                f"{inc.street}.",
            ],
        )
        title = w.pick(
            "title-fatal",
            [
                f"{v.noun.capitalize()}, {v.age}, killed in {inc.hood} shooting",
                f"Police investigate deadly shooting on {inc.street}",
                f"{v.noun.capitalize()} shot and killed in {city.name}, police say",
                f"Fatal shooting in {inc.block} block of {inc.street}",
            ],
        )
        return lead, title
    lead = w.pick(
        "lead-hurt",
        [
            f"A {v.age}-year-old {v.noun} was hospitalized after a shooting {when} in {place}, "
            "police said.",
            f"{city.dept} officers responded to a report of shots fired {when} in {inc.hood} "
            f"and found a {v.age}-year-old {v.noun} with a gunshot wound.",
            f"A {v.age}-year-old {v.noun} was wounded in a shooting {when} on {inc.street}, "
            f"{city.short} said.",
        ],
    )
    title = w.pick(
        "title-hurt",
        [
            f"{v.noun.capitalize()}, {v.age}, wounded in {inc.hood} shooting",
            f"Police: {v.noun} shot on {inc.street}",
            f"{v.noun.capitalize()} hospitalized after {city.name} shooting",
        ],
    )
    return lead, title


def _facts(w: _Writer, inc: Incident, city: CityInfo, n_homicide: int) -> list[str]:
    """Optional sentences about an incident, in a typical order."""
    v = inc.victims[0]
    he = v.pronoun
    out: list[str] = []
    wounds = "a gunshot wound" if w.rng.random() < 0.5 else "multiple gunshot wounds"
    out.append(
        w.pick(
            "found",
            [
                f"Officers were called to the area around {_clock(inc.when)} and found the "
                f"victim suffering from {wounds}.",
                f"When officers arrived shortly after {_clock(inc.when)}, they found the "
                f"{v.noun} with {wounds}, police said.",
                f"Police said they received a call about the shooting at {_clock(inc.when)}.",
            ],
        )
    )
    if v.killed:
        out.append(
            w.pick(
                "dead",
                [
                    f"{he} was taken to {inc.hospital}, where {he.lower()} was pronounced dead.",
                    f"{he} died at the scene.",
                    f"{he} was rushed to {inc.hospital} but did not survive.",
                ],
            )
        )
    else:
        condition = w.rng.choice(("critical", "stable", "serious", "non-critical"))
        out.append(
            w.pick(
                "hurt",
                [
                    f"{he} was taken to {inc.hospital} in {condition} condition.",
                    f"{he} was transported to {inc.hospital} and is expected to survive.",
                    f"The victim was listed in {condition} condition at {inc.hospital}.",
                ],
            )
        )
    if w.rng.random() < 0.8:
        named = [
            f"Police identified the victim as {v.full}, {v.age}, of {city.name}.",
            f"Family members identified the victim as {v.full}.",
        ]
        if v.killed:
            named.append(
                f"The {city.county} County Medical Examiner's Office identified the {v.noun} "
                f"as {v.full}."
            )
        out.append(w.pick("identity", named))
    out.append(
        w.pick(
            "setting",
            [
                f"The shooting happened at {inc.setting} near {inc.street} and {inc.cross}.",
                f"It happened outside {inc.setting} in the {inc.block} block of {inc.street}.",
            ],
        )
    )
    if inc.motive:
        out.append(
            w.pick(
                "motive",
                [
                    f"Investigators believe the shooting stemmed from {inc.motive}.",
                    f"Police said the shooting appeared to be the result of {inc.motive}.",
                ],
            )
        )
    if inc.vehicle:
        out.append(
            w.pick(
                "vehicle",
                [
                    f"Witnesses told police the shooter fled in {inc.vehicle}.",
                    f"The gunman drove away in {inc.vehicle}, according to police.",
                ],
            )
        )
    if inc.description:
        out.append(
            w.pick(
                "description",
                [
                    f"Police are looking for {inc.description}.",
                    f"The suspect was described as {inc.description}.",
                ],
            )
        )
    if inc.gathering and w.rng.random() < 0.7:
        out.append(
            w.pick(
                "gathering",
                [
                    f"Witnesses said the shooting broke out during {inc.gathering} near "
                    f"{inc.business}.",
                    f"The victim had just left {inc.gathering} when the gunfire started, police "
                    "said.",
                ],
            )
        )
    if w.rng.random() < 0.6:
        out.append(
            w.pick(
                "business",
                [
                    f"Surveillance cameras at {inc.business} captured part of the shooting.",
                    f"Employees at {inc.business} said they heard several shots and locked the "
                    "doors.",
                    f"Crime scene tape stretched across the parking lot of {inc.business} for "
                    "hours.",
                ],
            )
        )
    if inc.job and w.rng.random() < 0.6:
        out.append(f"{v.first} was {inc.job}, relatives said.")
    if inc.children and w.rng.random() < 0.5:
        kids = ("one child", "two children", "three children", "four children")
        out.append(
            f"{he} was the father of {kids[inc.children - 1]}.".replace(
                "She was the father", "She was the mother"
            )
        )
    if w.rng.random() < 0.4:
        out.append(
            w.pick(
                "quote",
                [f'"{inc.quote}," {inc.spokes} said.', f'"{inc.quote}," said {inc.spokes}.'],
            )
        )
    if inc.relative and w.rng.random() < 0.7:
        name, relation, quote = inc.relative
        out.append(f'"{quote}," said {name}, {v.first}\'s {relation}.')
    if inc.neighbour and w.rng.random() < 0.6:
        name, quote = inc.neighbour
        quote = quote.replace("{b}", inc.business)
        out.append(f'"{quote}," said {name}, who lives nearby.')
    if w.rng.random() < 0.4:
        out.append(f"Officers found {inc.casings} shell casings at the scene.")
    if v.killed and w.rng.random() < 0.5:
        nth = _ordinal(n_homicide)
        out.append(
            w.pick(
                "count",
                [
                    f"It was at least the {nth} homicide in {city.name} this year.",
                    f"The killing is the city's {nth} homicide of the year, according "
                    f"to {w.outlet.name} records.",
                ],
            )
        )
    out.append(
        w.pick(
            "no-arrest",
            [
                "No arrests have been made.",
                "No suspects are in custody, and the investigation is ongoing.",
                f"{city.short} said the investigation is ongoing.",
            ],
        )
    )
    unit = "Homicide Unit" if v.killed else "Violent Crimes Unit"
    if w.rng.random() < 0.6:
        out.append(
            w.pick(
                "tips",
                [
                    f"Anyone with information is asked to call Crime Stoppers at {city.phone}.",
                    f"Anyone with information is asked to contact the {city.short} {unit} at "
                    f"{city.phone}. Tips can be made anonymously.",
                    f"Police ask anyone with information to call {city.phone}.",
                ],
            )
        )
    return out


def _report(
    seed: int,
    inc: Incident,
    city: CityInfo,
    outlet: Outlet,
    published: datetime,
    n_homicide: int,
    key: str,
) -> tuple[str, str]:
    rng = random.Random(f"{seed}:report:{inc.index}:{key}")
    w = _Writer(outlet, rng, hash_str(f"{seed}:release:{inc.index}"))
    lead, title = _lead(w, inc, city, _when_phrase(inc, published))
    facts = _facts(w, inc, city, n_homicide)
    core, rest = facts[:2], facts[2:]
    keep = max(2, min(len(rest), outlet.length + rng.randint(-2, 2)))
    kept = sorted(rng.sample(range(len(rest)), min(keep, len(rest))))
    body = [lead, *core, *[rest[k] for k in kept]]
    return title, _furnish(outlet, rng, body, published)


def _furnish(outlet: Outlet, rng: random.Random, body: list[str], published: datetime) -> str:
    paras = []
    i = 0
    while i < len(body):
        n = rng.choice((1, 1, 2, 2, 3))
        paras.append(" ".join(body[i : i + n]))
        i += n
    byline = f"By {rng.choice(outlet.reporters)}"
    footer = outlet.footer.replace("{year}", str(published.year))
    text = "\n\n".join(paras).replace(".m..", ".m.")
    return f"{outlet.header}\n\n{byline}\n\n{text}\n\n{footer}\n"


def _arrest(
    seed: int, inc: Incident, city: CityInfo, outlet: Outlet, published: datetime
) -> tuple[str, str]:
    rng = random.Random(f"{seed}:arrest:{inc.index}")
    w = _Writer(outlet, rng, hash_str(f"{seed}:release:{inc.index}"))
    v, s = inc.victims[0], inc.suspect
    assert s is not None
    on = _date_words(inc.when)
    charge = (
        rng.choice(("first-degree murder", "second-degree murder"))
        if v.killed
        else rng.choice(("aggravated assault", "attempted murder"))
    )
    verb = "shooting death" if v.killed else "shooting"
    lead = w.pick(
        "arrest-lead",
        [
            f"{city.dept} has arrested a {s.age}-year-old man in connection with the {on} "
            f"{verb} of {v.full}.",
            f"Police have charged {s.full}, {s.age}, with {charge} in the {on} shooting "
            f"{'that killed' if v.killed else 'that wounded'} {v.full} on {inc.street}.",
            f"An arrest has been made in the {on} shooting of {v.full} in {inc.hood}, "
            f"{city.short} said.",
        ],
    )
    recap = w.pick(
        "arrest-recap",
        [
            f"{v.full}, {v.age}, was shot in the {inc.block} block of {inc.street} on {on}"
            + (f" and died at {inc.hospital}." if v.killed else "."),
            f"Officers found {v.first} {v.last} with {'fatal ' if v.killed else ''}gunshot "
            f"wounds outside {inc.setting} near {inc.street} and {inc.cross} on {on}.",
        ],
    )
    body = [
        lead,
        recap,
        w.pick(
            "arrest-charge",
            [
                f"{s.full} faces charges of {charge} and unlawful possession of a firearm.",
                f"{s.last} is charged with {charge}, according to court records.",
            ],
        ),
        w.pick(
            "arrest-how",
            [
                f"Investigators identified {s.last} through surveillance video and witness "
                f"statements, {inc.spokes} said.",
                f"{inc.spokes} said detectives tracked {s.last} down with help from tips from "
                "the public.",
            ],
        ),
        f"{s.last} is being held at the {city.county} County jail on a "
        f"${rng.choice((100, 250, 500, 750, 1000))},000 bond.",
    ]
    if inc.relative and rng.random() < 0.6:
        name, relation, _ = inc.relative
        body.append(f'"We finally have some answers," said {name}, {v.first}\'s {relation}.')
    title = w.pick(
        "arrest-title",
        [
            f"Arrest made in {on} shooting of {v.full}",
            f"{s.full}, {s.age}, charged in {inc.street} shooting",
            f"Police arrest suspect in {inc.hood} {'killing' if v.killed else 'shooting'}",
        ],
    )
    return title, _furnish(outlet, rng, body, published)


def _court(
    seed: int, inc: Incident, city: CityInfo, outlet: Outlet, published: datetime
) -> tuple[str, str]:
    rng = random.Random(f"{seed}:court:{inc.index}")
    v, s = inc.victims[0], inc.suspect
    assert s is not None
    on = f"{_date_words(inc.when)}, {inc.when.year}"
    what = "killing" if v.killed else "shooting"
    event = rng.randrange(3)
    lead = (
        f"{s.full} pleaded not guilty to {'murder' if v.killed else 'assault'} charges in the "
        f"{on}, {what} of {v.full}.",
        f"A {city.county} County grand jury has indicted {s.full}, {s.age}, in the {on}, "
        f"{what} of {v.full} on {inc.street}.",
        f"{s.full} was sentenced to {rng.randint(8, 40)} years in prison for the {on}, "
        f"{what} of {v.full}.",
    )[event]
    body = [
        lead,
        f"Prosecutors say {s.last} shot {v.last} outside {inc.setting} in the {inc.block} "
        f"block of {inc.street} after {inc.motive or 'an argument'}.",
        f"{v.last}, {v.age}, "
        + ("died at " if v.killed else "was treated at ")
        + f"{inc.hospital}.",
        f"{s.last}'s attorney declined to comment.",
    ]
    if inc.relative:
        name, relation, quote = inc.relative
        body.append(f'"{quote}," {v.first}\'s {relation}, {name}, said outside the courtroom.')
    title = (
        f"{s.full} pleads not guilty in {v.full} {what}",
        f"Grand jury indicts {s.last} in {inc.street} {what}",
        f"{s.full} sentenced in {what} of {v.full}",
    )[event]
    return title, _furnish(outlet, rng, body, published)


def _iso(published: datetime, outlet: Outlet, city: CityInfo, rng: random.Random) -> str:
    style = outlet.date_style if rng.random() < 0.8 else rng.randrange(3)
    local = published.replace(tzinfo=ZoneInfo(city.tz))
    if style == 0:
        return local.date().isoformat()
    if style == 1:
        return local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Report:
    """One generated report: the article, its incident label and kind."""

    article: Article
    incident: int
    kind: str  # "report", "arrest" or "court"
    published: datetime  # local, naive


def _reports(seed: int, n_incidents: int) -> list[Report]:
    cities = _cities(seed)
    incidents = [_incident(seed, i, cities) for i in range(n_incidents)]
    # Homicide count per city, in date order, for the "nth homicide this year" line.
    nth: dict[int, int] = {}
    per_city_year: dict[tuple[int, int], int] = {}
    for inc in sorted(incidents, key=lambda x: (x.when, x.index)):
        if inc.victims[0].killed:
            k = (inc.city, inc.when.year)
            per_city_year[k] = per_city_year.get(k, 0) + 1
            nth[inc.index] = per_city_year[k]
    out: list[Report] = []

    def add(
        inc: Incident, kind: str, outlet: Outlet, when: datetime, made: tuple[str, str]
    ) -> None:
        title, text = made
        rng = random.Random(f"{seed}:date:{inc.index}:{kind}:{outlet.name}")
        meta = {"title": title, "date": _iso(when, outlet, cities[inc.city], rng)}
        meta["source"] = outlet.name
        out.append(Report(Article("", text, meta=meta), inc.index, kind, when))

    for inc in incidents:
        city = cities[inc.city]
        rng = random.Random(f"{seed}:coverage:{inc.index}")
        r = rng.random()
        n_reports = next(k for k, p in _cumulative_reports() if r < p)
        for k, outlet in enumerate(rng.sample(city.outlets, n_reports)):
            days = rng.choice((0, 0, 0, 1, 1, 2, 3)) if k else rng.choice((0, 0, 1))
            when = inc.when + timedelta(
                days=days, hours=rng.randint(1, 9), minutes=rng.randrange(60)
            )
            made = _report(seed, inc, city, outlet, when, nth.get(inc.index, 0), str(k))
            add(inc, "report", outlet, when, made)
        if inc.suspect is not None and rng.random() < P_ARREST:
            outlet = rng.choice(city.outlets)
            arrested = inc.when + timedelta(days=rng.randint(7, 56), hours=rng.randint(0, 8))
            add(inc, "arrest", outlet, arrested, _arrest(seed, inc, city, outlet, arrested))
            if rng.random() < P_COURT:
                outlet = rng.choice(city.outlets)
                heard = arrested + timedelta(days=rng.randint(14, 90), hours=rng.randint(0, 6))
                add(inc, "court", outlet, heard, _court(seed, inc, city, outlet, heard))
    return out


def _cumulative_reports() -> list[tuple[int, float]]:
    total, out = 0.0, []
    for k, p in REPORTS_PER_INCIDENT:
        total += p
        out.append((k, total))
    out[-1] = (out[-1][0], 1.01)
    return out


def generate(
    n_incidents: int = 3400, *, seed: int = 0
) -> tuple[list[Article], dict[str, int], dict[str, str]]:
    """The reports (ids ``r000000``...), each id's incident label, and each follow-up's first
    report of its incident.  Deterministic for a given ``seed``."""
    if n_incidents < 1:
        msg = f"n_incidents must be at least 1, got {n_incidents}"
        raise ValueError(msg)
    reports = _reports(seed, n_incidents)
    order = list(range(len(reports)))
    random.Random(f"{seed}:ids").shuffle(order)
    width = max(6, len(str(len(reports) - 1)))
    articles, truth, first, followups = [], {}, {}, {}
    for pos, rep in zip(order, reports, strict=True):
        art = Article(f"r{pos:0{width}d}", rep.article.text, meta=rep.article.meta)
        articles.append(art)
        truth[art.id] = rep.incident
        if rep.kind == "report":
            first.setdefault(rep.incident, art.id)
        else:
            followups[art.id] = rep.incident
    articles.sort(key=lambda a: a.id)
    return articles, truth, {fid: first[inc] for fid, inc in followups.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=3400, help="number of incidents")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write {id, title, date, text, incident}")
    parser.add_argument("--show", type=int, default=0, help="print the first N reports")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    articles, truth, followups = generate(args.n, seed=args.seed)
    for art in articles[: args.show]:
        print(f"=== {art.id} incident {truth[art.id]} {art.meta['date']} ===")
        print(f"{art.meta['title']}\n{art.text}")
    if args.out:
        with args.out.open("w", encoding="utf-8") as out:
            for art in articles:
                rec = {"id": art.id, **art.meta, "text": art.text, "incident": truth[art.id]}
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(
        f"{len(articles):,} reports of {args.n:,} incidents ({len(followups):,} follow-ups) "
        f"in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
