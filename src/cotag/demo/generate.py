"""Generate the synthetic demo corpus: 143 expert and 44 graduate interviews, a reference coding, a README.

    python -m cotag.demo.generate [--out DIR] [--seed N] [--limit N]

Everything comes from ``random.Random`` instances seeded from ``--seed``
(default 2018): one for the respondent population, one per document, so a
rerun reproduces every file byte for byte and ``--limit N`` writes the same
first N documents of each group as a full run.  The text is invented from the
phrase banks in :mod:`cotag.demo.phrases`, :mod:`cotag.demo.talk` and
:mod:`cotag.demo.guide`; the study's real transcripts are confidential.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cache, lru_cache
from pathlib import Path

from cotag.demo import guide, lexicon, phrases, talk

DEFAULT_SEED = 2018
N_EXPERTS = 143
N_GRADUATES = 44
#: Words per document (whitespace-separated, labels included) the generator aims between.
WORD_RANGE = (2650, 5650)
#: Exchanges (question and answer) per interview.
EXCHANGE_RANGE = (21, 39)

CODE_KEYS: tuple[str, ...] = tuple(phrases.CODED)

__all__ = [
    "DEFAULT_SEED",
    "N_EXPERTS",
    "N_GRADUATES",
    "Document",
    "Persona",
    "build_population",
    "generate",
    "main",
    "write_corpus",
]


# ----------------------------------------------------------------------------- entries

@dataclass(frozen=True)
class Entry:
    """One bank entry: who may say it, and its sentences as (codes, template)."""

    bank: str
    index: int
    tags: frozenset[str]
    parts: tuple[tuple[tuple[str, ...], str], ...]
    needs: frozenset[str]

    @property
    def codes(self) -> tuple[str, ...]:
        out: list[str] = []
        for codes, _ in self.parts:
            out.extend(c for c in codes if c not in out)
        return tuple(out)


_TAGS = re.compile(r"^((?:@[A-Z])+) ")
_MARK = re.compile(r"^\[([a-z0-9*,_-]*)\] ")
_SLOT = re.compile(r"\{(\w+)\}")
_ALT = re.compile(r"\{([^{}]*\|[^{}]*)\}")

# Slots a respondent can fill only when they carry a tag.
SLOT_NEEDS: dict[str, str] = {
    "spouse": "M", "child": "P", "child_age": "P", "kids_desc": "P", "parent": "R",
    "degree_country": "G", "degree_city": "G", "degree": "G", "years_abroad": "G",
    "residence": "A", "residence_city": "A", "own_field": "G", "thesis_topic": "G", "marriage_years": "M",
}


def parse_entry(text: str, bank: str, index: int, code: str | None = None) -> Entry:
    tags: frozenset[str] = frozenset()
    m = _TAGS.match(text)
    if m:
        tags = frozenset(m.group(1)[1::2])
        text = text[m.end():]
    raw_parts = text.split(" || ")
    parts = []
    for raw in raw_parts:
        codes: tuple[str, ...] = ()
        mark = _MARK.match(raw)
        if mark:
            raw = raw[mark.end():]
            names = [c for c in mark.group(1).split(",") if c]
            codes = tuple(code if c == "*" else c for c in names)
        elif code is not None and len(raw_parts) == 1:
            codes = (code,)
        unknown = [c for c in codes if c not in phrases.CODED]
        if unknown or len(codes) > 2:
            raise ValueError(f"{bank}[{index}]: bad codes {codes}")
        parts.append((codes, raw))
    needs = set()
    for _, raw in parts:
        for slot in _SLOT.findall(raw):
            base = slot.removesuffix("_cap")
            if base in SLOT_NEEDS:
                needs.add(SLOT_NEEDS[base])
    return Entry(bank, index, tags, tuple(parts), frozenset(needs))


@cache
def banks() -> dict[str, tuple[Entry, ...]]:
    """Every bank parsed once: ``code:<key>``, ``pairs``, ``talk:<topic>``, ``work:<family>``, ..."""
    out: dict[str, tuple[Entry, ...]] = {}
    for key, texts in phrases.CODED.items():
        out["code:" + key] = tuple(parse_entry(t, "code:" + key, i, key) for i, t in enumerate(texts))
    out["pairs"] = tuple(parse_entry(t, "pairs", i) for i, t in enumerate(phrases.PAIRS))
    simple = {"openers": talk.OPENERS, "hedges": talk.HEDGES, "second": talk.SECOND_THOUGHTS,
              "fillers": talk.FILLERS}
    for name, texts in simple.items():
        out[name] = tuple(parse_entry(t, name, i) for i, t in enumerate(texts))
    for prefix, table in (("talk:", talk.TOPIC_TALK), ("work:", talk.WORK_TALK), ("city:", talk.CITY_TALK)):
        for key, texts in table.items():
            out[prefix + key] = tuple(parse_entry(t, prefix + key, i) for i, t in enumerate(texts))
    return out


# ----------------------------------------------------------------------------- people

@dataclass
class Persona:
    """One respondent: front matter attributes plus what the generator needs to speak for them."""

    id: str
    group: str
    gender: str
    age: int
    occupation: str
    sector: str
    place: str
    language: str
    interview_date: _dt.date
    city: str = ""  # experts: the fieldwork city
    home: str = ""  # the Kazakh town they talk about as theirs
    region: str = "north"
    capital: str = "Astana"
    degree_level: str = ""
    field: str = ""
    degree_country: str = ""
    degree_country_phrase: str = ""
    degree_city: str = ""
    residence_country: str = "Kazakhstan"
    residence_phrase: str = "Kazakhstan"
    residence_city: str = ""
    years_abroad: int = 0
    bolashak: bool = False
    married: bool = False
    children: list[tuple[str, int]] = dc_field(default_factory=list)
    parents_alive: bool = True
    org: str = ""
    salary_k: int = 150
    work_years: int = 5
    grad_year: int = 2000
    birth_city: str = ""
    stance: str = "undecided"
    weights: dict[str, float] = dc_field(default_factory=dict)
    destinations: list[tuple[str, int]] = dc_field(default_factory=list)
    tags: frozenset[str] = frozenset()

    def front_matter(self) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = [("id", self.id), ("group", self.group), ("gender", self.gender),
                                           ("age", self.age), ("occupation", self.occupation),
                                           ("sector", self.sector), ("place", self.place)]
        if self.group == "expert":
            items.append(("city", self.city))
        else:
            items += [("degree_level", self.degree_level), ("field", self.field),
                      ("degree_country", self.degree_country), ("residence_country", self.residence_country),
                      ("years_abroad", self.years_abroad)]
        items += [("language", self.language), ("interview_date", self.interview_date.isoformat()),
                  ("synthetic", "true")]
        return items


def _weighted(rng: random.Random, pairs) -> str:
    items = [p[0] for p in pairs]
    weights = [p[-1] for p in pairs]
    return rng.choices(items, weights=weights)[0]


def _capital_on(day: _dt.date) -> str:
    """What the capital was called on that day (renamed in March 2019, renamed back in September 2022)."""
    if _dt.date(2019, 3, 20) <= day < _dt.date(2022, 9, 17):
        return "Nur-Sultan"
    return "Astana"


def _family(rng: random.Random, age: int) -> tuple[bool, list[tuple[str, int]], bool]:
    married = rng.random() < (0.35 if age < 28 else 0.75 if age < 45 else 0.8)
    children: list[tuple[str, int]] = []
    if age >= 25 and rng.random() < (0.85 if married else 0.2):
        n = rng.choice((1, 1, 2, 2, 2, 3))
        for _ in range(n):
            children.append((rng.choice(("son", "daughter")), rng.randint(1, max(1, min(age - 23, 35)))))
        children.sort(key=lambda c: -c[1])
    parents_alive = rng.random() < (0.95 if age < 45 else 0.7 if age < 55 else 0.35)
    return married, children, parents_alive


def _base_weights(rng: random.Random) -> dict[str, float]:
    return {c: rng.lognormvariate(0.0, 0.45) for c in CODE_KEYS}


def _scale(weights: dict[str, float], codes, factor: float) -> None:
    for c in codes:
        weights[c] *= factor


PUSH = ("wages", "employment", "education-quality", "corruption", "living-standards",
        "political-instability", "ethnic-language", "recognition")
PULL = ("pull-wages", "development", "career-prospects", "quality-services", "lower-corruption",
        "self-realisation")
RETENTION = ("family-ties", "homeland", "patriotism", "way-of-life", "hope-reforms")


def _shape_weights(p: Persona, rng: random.Random) -> None:
    w = _base_weights(rng)
    if p.age >= 50:
        _scale(w, ("way-of-life",), 2.5)
        _scale(w, ("homeland",), 1.5)
        _scale(w, ("permanent-emigration", "self-realisation"), 0.6)
    elif p.age <= 32:
        _scale(w, ("career-prospects", "pull-wages", "self-realisation"), 1.4)
        _scale(w, ("way-of-life",), 0.5)
    if p.region == "north":
        _scale(w, ("ethnic-language",), 2.2)
        _scale(w, ("educational-migration", "destination"), 1.3)
    if p.region == "south":
        _scale(w, ("family-ties",), 1.4)
        _scale(w, ("ethnic-language",), 0.5)
    if p.region == "west":
        _scale(w, ("wages", "living-standards"), 1.4)
    if p.sector == "science":
        _scale(w, ("recognition",), 2.0)
        _scale(w, ("self-realisation", "brain-circulation"), 1.4)
    elif p.sector == "education":
        _scale(w, ("education-quality",), 1.8)
    elif p.sector == "civil service":
        _scale(w, ("hope-reforms", "patriotism"), 1.5)
    elif p.sector == "private sector":
        _scale(w, ("corruption", "development"), 1.4)
    if p.group == "graduate":
        _scale(w, ("recognition",), 1.6)
        _scale(w, ("brain-circulation", "educational-migration"), 1.8)
        _scale(w, PULL, 1.3)
        _scale(w, ("political-instability",), 1.4)
        if p.residence_country != "Kazakhstan":
            _scale(w, ("permanent-emigration", "development", "career-prospects"), 1.4)
            _scale(w, ("hope-reforms", "way-of-life"), 0.6)
    if p.stance == "leave":
        _scale(w, ("permanent-emigration", "destination"), 1.6)
        _scale(w, PULL, 1.3)
        _scale(w, RETENTION, 0.6)
    elif p.stance == "stay":
        _scale(w, RETENTION, 1.6)
        _scale(w, ("permanent-emigration",), 0.6)
        _scale(w, PULL, 0.8)
    if p.children:
        _scale(w, ("quality-services", "family-ties"), 1.3)
    p.weights = w


def _tags(p: Persona) -> frozenset[str]:
    t = {"E" if p.group == "expert" else "G"}
    t.add("K" if p.residence_country == "Kazakhstan" else "A")
    t.add({"north": "N", "south": "S", "west": "W"}[p.region])
    if p.age >= 45:
        t.add("O")
    if p.age <= 35:
        t.add("Y")
    if p.children:
        t.add("P")
        if 12 <= p.children[0][1] <= 25:
            t.add("T")
    if p.married:
        t.add("M")
    t.add("F" if p.gender == "female" else "L")
    if p.parents_alive:
        t.add("R")
    if p.bolashak:
        t.add("B")
    return frozenset(t)


def _destinations(p: Persona) -> list[tuple[str, int]]:
    dest = list(lexicon.DESTINATIONS[p.region])
    if p.group == "graduate":
        dest.append((p.degree_country_phrase, 8))
    if p.residence_country != "Kazakhstan":
        dest = [d for d in dest if d[0] != p.degree_country_phrase or p.residence_country != p.degree_country]
    return dest


def _home_name(city: str, day: _dt.date) -> str:
    return _capital_on(day) if city == "Nur-Sultan" else city


def build_population(seed: int = DEFAULT_SEED) -> list[Persona]:
    """Every respondent of the corpus, experts first, in id order."""
    rng = random.Random(f"cotag-demo/{seed}/population")
    people: list[Persona] = []

    # Experts: cities visited in order, 20 or 21 interviews each; sectors, genders balanced per city.
    sizes = [N_EXPERTS // len(lexicon.CITIES)] * len(lexicon.CITIES)
    for i in rng.sample(range(len(lexicon.CITIES)), N_EXPERTS - sum(sizes)):
        sizes[i] += 1
    sectors = tuple(lexicon.OCCUPATIONS)
    number = 0
    for city, size in zip(lexicon.CITIES, sizes):
        start = _dt.date.fromisoformat(city["window"][0])
        days = sorted(rng.randrange(city["window"][1]) for _ in range(size))
        genders = ["female", "male"] * (size // 2 + 1)
        rng.shuffle(genders)
        sector_cycle = [sectors[(k + number) % len(sectors)] for k in range(size)]
        rng.shuffle(sector_cycle)
        for k in range(size):
            number += 1
            day = start + _dt.timedelta(days=days[k])
            sector = sector_cycle[k]
            occupation, orgs, pay = rng.choice(lexicon.OCCUPATIONS[sector])
            age = rng.randint(24, 64)
            if occupation in ("school principal", "laboratory head", "associate professor", "senior researcher"):
                age = max(age, rng.randint(36, 50))
            married, children, parents_alive = _family(rng, age)
            language = "Kazakh" if rng.random() < city["kazakh_share"] else "Russian"
            p = Persona(
                id=f"E{number:03d}", group="expert", gender=genders[k], age=age, occupation=occupation,
                sector=sector, place=rng.choice(city["places"]), language=language, interview_date=day,
                city=city["city"], home=_home_name(city["city"], day), region=city["region"],
                capital=_capital_on(day), married=married, children=children, parents_alive=parents_alive,
                org=rng.choice(orgs), salary_k=5 * (rng.randint(pay[0], pay[1]) // 5),
                work_years=max(1, min(age - 22, rng.randint(2, 35))),
                grad_year=day.year - age + rng.randint(21, 23),
                birth_city=(f"a village near {_home_name(city['city'], day)}" if rng.random() < 0.5
                            else rng.choice([c for c in lexicon.OTHER_KZ_CITIES if c != city["city"]])),
                stance=_weighted(rng, (("leave", 3), ("stay", 4), ("undecided", 4))),
            )
            people.append(p)

    # Graduates: interviewed from spring 2022 to autumn 2023.
    first = _dt.date(2022, 3, 1)
    span = (_dt.date(2023, 10, 31) - first).days
    days = sorted(rng.randrange(span) for _ in range(N_GRADUATES))
    for k in range(N_GRADUATES):
        day = first + _dt.timedelta(days=days[k])
        level = "phd" if rng.random() < 0.3 else "master"
        code, phrase, towns, _ = _weighted(rng, [(c, c[3]) for c in lexicon.DEGREE_COUNTRIES])
        field_name, occupations = rng.choice(lexicon.GRAD_FIELDS)
        occupation = rng.choice(occupations)
        study_years = rng.randint(1, 2) if level == "master" else rng.randint(3, 5)
        abroad = rng.random() < 0.45
        extra = rng.randint(1, 8) if abroad else rng.randint(0, 2)
        years_abroad = study_years + extra
        age = min(45, max(25, 22 + years_abroad + rng.randint(0, 8) + (3 if level == "phd" else 0)))
        birth = rng.choice(("Almaty", "Nur-Sultan", "Karaganda", "Shymkent", "Pavlodar", "Aktobe",
                            "Ust-Kamenogorsk", "Petropavlovsk", "Aktau", "Kostanay", "Taraz", "Atyrau"))
        region = {"Shymkent": "south", "Almaty": "south", "Taraz": "south", "Aktau": "west",
                  "Aktobe": "west", "Atyrau": "west"}.get(birth, "north")
        if abroad:
            residence = code if rng.random() < 0.7 else rng.choice(("USA", "UK", "Canada", "Germany", "Netherlands"))
            res_phrase = next(d[1] for d in lexicon.DEGREE_COUNTRIES if d[0] == residence)
            res_city = rng.choice(next(d[2] for d in lexicon.DEGREE_COUNTRIES if d[0] == residence))
            place = res_city
            language = _weighted(rng, (("Russian", 5), ("English", 4), ("Kazakh", 2)))
            home = birth
        else:
            residence, res_phrase = "Kazakhstan", "Kazakhstan"
            res_city = birth if rng.random() < 0.4 else rng.choice(("Almaty", "Nur-Sultan", "Nur-Sultan"))
            place = _home_name(res_city, day)
            language = _weighted(rng, (("Russian", 6), ("Kazakh", 4)))
            home = place
        married, children, parents_alive = _family(rng, age)
        sector = lexicon.SECTOR_OF_OCCUPATION.get(occupation, "private sector")
        p = Persona(
            id=f"G{k + 1:03d}", group="graduate", gender=rng.choice(("female", "male")), age=age,
            occupation=occupation, sector=sector, place=place, language=language, interview_date=day,
            home=_home_name(home, day), region=region, capital=_capital_on(day), degree_level=level,
            field=field_name, degree_country=code, degree_country_phrase=phrase,
            degree_city=rng.choice(towns), residence_country=residence,
            residence_city=res_city, years_abroad=years_abroad,
            bolashak=(not abroad and rng.random() < 0.6) or (abroad and rng.random() < 0.2),
            married=married, children=children, parents_alive=parents_alive,
            org=rng.choice(("an international company", "a national company", "a university", "a ministry",
                            "a research centre", "a consulting firm", "a bank", "a start-up", "a hospital")),
            salary_k=5 * (rng.randint(250, 700) // 5), work_years=max(1, min(age - 23, rng.randint(1, 12))),
            grad_year=day.year - rng.randint(0, max(0, extra)) - (0 if abroad else rng.randint(0, 4)),
            birth_city=_home_name(birth, day),
            stance=_weighted(rng, (("leave", 5), ("stay", 3), ("undecided", 3))),
        )
        p.residence_phrase = res_phrase
        people.append(p)

    for p in people:
        p.tags = _tags(p)
        p.destinations = _destinations(p)
        _shape_weights(p, random.Random(f"cotag-demo/{seed}/weights/{p.id}"))
    return people


# ----------------------------------------------------------------------------- slots

def _money_k(rng: random.Random, k: int) -> str:
    k = max(5, 5 * round(k / 5))
    style = rng.random()
    if style < 0.35:
        text = f"{k} thousand tenge"
    elif style < 0.65:
        text = f"{lexicon.digits(k * 1000)} tenge"
    else:
        text = f"{lexicon.number_words(k)} thousand tenge"
    return ("about " if rng.random() < 0.35 else "") + text


def _dollars(rng: random.Random, amount: int) -> str:
    style = rng.random()
    if style < 0.4:
        return f"${lexicon.digits(amount)}"
    if style < 0.7:
        return f"{lexicon.digits(amount)} dollars"
    return f"{lexicon.number_words(amount)} dollars"


def _years(n: int) -> str:
    return f"{lexicon.number_words(n)} year{'s' if n != 1 else ''}"


def _article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


STICKY_CHOICES = {
    "school_subject": ("mathematics", "history", "physics", "Kazakh literature", "English", "chemistry",
                       "biology", "geography", "computer science", "Russian literature"),
    "research_topic": ("soil chemistry", "water resources", "regional economics", "plant genetics",
                       "materials for mining equipment", "the history of the region", "air quality",
                       "cardiology", "social policy", "metallurgical processes"),
    "medical_field": ("cardiology", "paediatrics", "surgery", "neurology", "therapy", "gynaecology",
                      "ophthalmology"),
    "uni_subject": ("economics", "accounting", "mechanics", "the history of Kazakhstan", "English",
                    "programming", "law", "pedagogy", "chemistry", "marketing"),
    "eng_field": ("mechanical engineering", "electrical engineering", "petroleum engineering",
                  "mining", "civil engineering", "automation"),
    "thesis_topic": ("energy policy", "water management in Central Asia", "machine learning",
                     "public procurement", "language education", "urban transport", "financial regulation",
                     "healthcare financing", "soil pollution", "migration"),
}


class Voice:
    """Fills templates for one respondent, with the document's random generator."""

    def __init__(self, persona: Persona, rng: random.Random):
        self.p = persona
        self.rng = rng
        self.sticky: dict[str, str] = {}
        money_scale = 1.0 if persona.interview_date.year < 2020 else 1.7
        self.money_scale = money_scale
        self.proper = _proper_words()

    # slot values -----------------------------------------------------------
    def slot(self, name: str) -> str:
        cap = name.endswith("_cap")
        base = name[:-4] if cap else name
        value = self._value(base)
        if cap:
            value = value[:1].upper() + value[1:]
        return value

    def _value(self, name: str) -> str:
        p, rng = self.p, self.rng
        if name in STICKY_CHOICES:
            if name not in self.sticky:
                self.sticky[name] = rng.choice(STICKY_CHOICES[name])
            return self.sticky[name]
        if name == "home":
            return p.home
        if name == "capital":
            return p.capital
        if name == "capital_away":
            # "the capital" as someone elsewhere says it; a respondent living in the capital names
            # Almaty instead, so no sentence compares the capital with itself. No draw from rng:
            # every other sentence of the corpus stays as it was.
            return p.capital if p.capital != p.home else "Almaty"
        if name == "city":
            return rng.choice([c for c in lexicon.OTHER_KZ_CITIES if c not in (p.home, p.city)])
        if name == "big_city":
            return rng.choice([c for c in ("Almaty", p.capital) if c != p.home] or ["Almaty"])
        if name == "country":
            options = [d for d in p.destinations if d[0] != p.residence_phrase]
            return _weighted(rng, options)
        if name == "west":
            return rng.choice(lexicon.WEST_COUNTRIES)
        if name == "ru_city":
            return rng.choice(lexicon.RU_CITIES)
        if name == "foreign_city":
            return rng.choice(lexicon.FOREIGN_CITIES)
        if name == "relative":
            return rng.choice(lexicon.RELATIVES)
        if name == "relative_m":
            return rng.choice(lexicon.RELATIVES_M)
        if name == "relative_f":
            return rng.choice(lexicon.RELATIVES_F)
        if name == "colleague":
            return rng.choice(lexicon.COLLEAGUES)
        if name in ("man", "woman"):
            names = lexicon.NAMES_M if name == "man" else lexicon.NAMES_F
            frame = rng.choice(("my friend {}", "my neighbour {}", "my classmate {}", "my old friend {}",
                                "our former colleague {}"))
            return frame.format(rng.choice(names))
        if name == "name_m":
            return rng.choice(lexicon.NAMES_M)
        if name == "name_f":
            return rng.choice(lexicon.NAMES_F)
        if name == "spouse":
            return "my husband" if p.gender == "female" else "my wife"
        if name == "child":
            noun = p.children[0][0]
            if len(p.children) > 1:
                same = sum(1 for c in p.children if c[0] == noun)
                return f"my eldest {noun}" if same > 1 else f"my {noun}"
            return f"my {noun}"
        if name == "child_age":
            return lexicon.number_words(p.children[0][1])
        if name == "kids_desc":
            return self._kids()
        if name == "parent":
            return rng.choice(("my mother", "my father", "my mother", "my elderly mother"))
        if name == "prof_pl":
            return rng.choice(lexicon.PROFESSIONS_PL)
        if name == "prof_a":
            return rng.choice(lexicon.PROFESSIONS_A)
        if name == "industry":
            return rng.choice(lexicon.INDUSTRIES)
        if name == "own_field":
            return p.field
        if name == "field":
            if p.field and rng.random() < 0.5:
                return p.field
            return rng.choice(lexicon.ACADEMIC_FIELDS)
        if name == "my_salary":
            return _money_k(rng, p.salary_k)
        if name == "salary":
            return _money_k(rng, rng.randint(90, 260) * self.money_scale)
        if name == "low_salary":
            return _money_k(rng, rng.randint(60, 120) * self.money_scale)
        if name == "usd_abroad":
            return _dollars(rng, 500 * rng.randint(6, 16))
        if name == "usd_here":
            return _dollars(rng, 50 * rng.randint(5, 16))
        if name == "usd_small":
            return "about " + _dollars(rng, 10 * rng.randint(10, 22))
        if name == "n_years":
            return _years(rng.randint(2, 15))
        if name == "year_past":
            return str(rng.randint(p.interview_date.year - 12, p.interview_date.year - 1))
        if name == "month":
            return rng.choice(lexicon.MONTHS)
        if name == "n_people":
            return rng.choice(("three", "four", "five", "six", "seven", "eight", "ten", "twelve", "fifteen",
                               "twenty", "a dozen", "about thirty"))
        if name == "degree_country":
            return p.degree_country_phrase
        if name == "degree_city":
            return p.degree_city
        if name == "degree":
            return "master's" if p.degree_level == "master" else "doctorate"
        if name == "years_abroad":
            return _years(p.years_abroad)
        if name == "residence":
            return p.residence_phrase
        if name == "residence_city":
            return p.residence_city
        if name == "org":
            return p.org
        if name == "occupation_a":
            return _article(p.occupation)
        if name == "work_years":
            return _years(p.work_years)
        if name == "grad_year":
            return str(p.grad_year)
        if name == "birth_city":
            return p.birth_city
        if name == "marriage_years":
            return _years(max(1, min(p.age - 21, rng.randint(2, 30))))
        if name == "school_size":
            return rng.choice(("eight hundred", "1,200", "six hundred", "1,500", "nine hundred"))
        if name == "teaching_hours":
            return rng.choice(("800", "850", "900", "750", "nine hundred"))
        raise KeyError(f"unknown slot {{{name}}}")

    def _kids(self) -> str:
        kids = self.p.children
        if len(kids) == 1:
            noun, age = kids[0]
            return f"one {noun}, who is {lexicon.number_words(age)}"
        words = [f"a {noun} of {lexicon.number_words(age)}" for noun, age in kids]
        head = {2: "two children", 3: "three children"}[len(kids)]
        return head + ", " + ", ".join(words[:-1]) + " and " + words[-1]

    # templates -------------------------------------------------------------
    def fill(self, template: str) -> str:
        text = _ALT.sub(lambda m: self.rng.choice(m.group(1).split("|")), template)
        text = _SLOT.sub(lambda m: self.slot(m.group(1)), text)
        text = re.sub(r" {2,}", " ", text).strip()
        text = re.sub(r" ([,.!?])", r"\1", text)
        return text[:1].upper() + text[1:]

    def vary(self, sentence: str) -> str:
        """Sometimes put a discourse marker before or a tag after a plain statement."""
        if not sentence.endswith(".") or "," in sentence[:12]:
            return sentence
        first = sentence.split()[0].strip(",").lower()
        if first in _NO_PREFIX:
            return sentence
        personal = first in _PERSONAL
        r = self.rng.random()
        if r < 0.2:
            prefix = self.rng.choice(_DISCOURSE if personal else _PREFIXES)
            word = sentence.split()[0]
            keep = word.strip(",") in self.proper or word == "I" or word.startswith("I'")
            body = sentence if keep else sentence[:1].lower() + sentence[1:]
            return prefix + body
        if r < 0.3 and not any(s.strip(", ") in sentence for s in _SUFFIXES):
            return sentence[:-1] + self.rng.choice(_PERSONAL_SUFFIXES if personal else _SUFFIXES) + "."
        return sentence


_PREFIXES = ("Honestly, ", "To be honest, ", "Frankly speaking, ", "In my opinion, ", "I think ",
             "As far as I can see, ", "You know, ", "Well, ", "In general, ", "Actually, ",
             "It seems to me that ", "Look, ", "The thing is, ", "Let us be honest, ", "I would say ",
             "Basically, ", "If you ask me, ", "Personally, I think ")
_DISCOURSE = ("Honestly, ", "To be honest, ", "You know, ", "Well, ", "Actually, ", "Frankly speaking, ",
              "Look, ", "And ")
_PERSONAL = frozenset({"i", "my", "we", "our", "me", "i'm", "i've", "i'd", "i'll", "us"})
_PERSONAL_SUFFIXES = (", to be honest", ", to tell the truth", ", honestly")
_SUFFIXES = (", I think", ", at least that is how I see it", ", as far as I know", ", to be honest",
             ", if you ask me", ", in my experience", ", in my view", ", I would say")
_NO_PREFIX = frozenset({"but", "and", "so", "well", "yes", "no", "honestly", "frankly", "actually", "anyway",
                        "personally", "maybe", "perhaps", "still", "then", "also", "now", "look", "of",
                        "sorry", "excuse", "ha", "hmm", "mm", "oh", "by", "let", "good", "right", "that",
                        "although", "if", "it", "because", "when", "once"})


@lru_cache(maxsize=1)
def _proper_words() -> frozenset[str]:
    words = {"I", "Kazakhstan", "Kazakh", "Kazakhs", "Kazakhstanis", "Russian", "Russians", "Russia", "English",
             "Europe", "European", "America", "American", "Western", "Korea", "Korean", "Koreans", "Germany",
             "Germans", "German", "Canada", "Bolashak", "Soviet", "January", "Almaty", "Astana", "Nur-Sultan",
             "Czech", "Polish", "Poland", "Aktau", "Mangystau", "Tatars", "Ukrainians", "Australia", "Turkey",
             "South", "China", "Israel", "Karaganda", "Petropavlovsk", "Ust-Kamenogorsk", "Shymkent",
             "Instagram", "Nauryz", "Kok-Tobe", "Irtysh", "Ishim", "Yesil", "Altai", "Lake", "Temirtau",
             "Omsk", "Moscow", "Baku", "Emirates", "Gulf", "IT", "Half", "Abroad"}
    for group in (lexicon.OTHER_KZ_CITIES, lexicon.RU_CITIES, lexicon.FOREIGN_CITIES, lexicon.NAMES_M,
                  lexicon.NAMES_F, lexicon.MONTHS):
        for item in group:
            words.update(item.split())
    words.discard("Half")
    words.discard("Abroad")
    return frozenset(words)


# ----------------------------------------------------------------------------- documents

@dataclass
class Sentence:
    text: str
    codes: tuple[str, ...] = ()


@dataclass
class Turn:
    speaker: str  # "Interviewer" or "Respondent"
    paragraphs: list[list[Sentence]]


@dataclass
class Document:
    persona: Persona
    text: str  # the whole file
    body: str  # what follows the front matter's closing line
    rows: list[tuple[str, int, int, str]]  # (code, start, end, text) into body
    units: list[tuple[int, int]]  # every respondent sentence, (start, end) into body
    words: int
    exchanges: int


class Interview:
    """Builds one interview: plan the exchanges, ask, answer, assemble text and offsets."""

    def __init__(self, persona: Persona, seed: int):
        self.p = persona
        self.rng = random.Random(f"cotag-demo/{seed}/{persona.id}")
        self.voice = Voice(persona, self.rng)
        self.used: set[tuple[str, int]] = set()
        self.banks = banks()

    # picking entries ---------------------------------------------------------
    def eligible(self, bank: str) -> list[Entry]:
        tags = self.p.tags
        return [e for e in self.banks.get(bank, ()) if e.tags <= tags and e.needs <= tags]

    def pick(self, bank: str, fresh_only: bool = False) -> Entry | None:
        options = self.eligible(bank)
        fresh = [e for e in options if (e.bank, e.index) not in self.used]
        if fresh:
            options = fresh
        elif fresh_only:
            return None
        if not options:
            return None
        entry = self.rng.choice(options)
        self.used.add((entry.bank, entry.index))
        return entry

    def render(self, entry: Entry, vary: bool = False) -> list[Sentence]:
        out = []
        for codes, template in entry.parts:
            text = self.voice.fill(template)
            if vary and codes and len(entry.parts) == 1:
                text = self.voice.vary(text)
            out.append(Sentence(text, codes))
        return out

    # answers -----------------------------------------------------------------
    def choose_code(self, topic: guide.Topic) -> str:
        w = self.p.weights
        if self.rng.random() < 0.1 or not topic.codes:
            pairs = [(c, w[c]) for c in CODE_KEYS]
        else:
            pairs = [(c, topic.codes[c] * w[c]) for c in topic.codes]
        return _weighted(self.rng, pairs)

    def coded(self, topic: guide.Topic) -> list[Sentence]:
        for _ in range(6):
            code = self.choose_code(topic)
            entry = self.pick("code:" + code, fresh_only=True)
            if entry is not None:
                return self.render(entry, vary=True)
        entry = self.pick("code:" + self.choose_code(topic))
        return self.render(entry, vary=True) if entry else []

    def on_topic(self, topic: guide.Topic) -> list[Sentence]:
        """A direct answer: a sentence on one of the topic's two main themes."""
        main = sorted(topic.codes, key=lambda c: -topic.codes[c])[:2]
        code = _weighted(self.rng, [(c, topic.codes[c] * self.p.weights[c]) for c in main])
        entry = self.pick("code:" + code, fresh_only=True)
        return self.render(entry, vary=True) if entry else []

    def pair(self, topic: guide.Topic) -> list[Sentence]:
        options = [e for e in self.eligible("pairs") if (e.bank, e.index) not in self.used
                   and any(c in topic.codes for c in e.codes)]
        if not options:
            return []
        entry = self.rng.choice(options)
        self.used.add((entry.bank, entry.index))
        return self.render(entry)

    def neutral(self, topic: guide.Topic) -> list[Sentence]:
        banks_for_topic = ["talk:" + topic.talk]
        if topic.key == "intro":
            banks_for_topic.append("work:" + talk.OCCUPATION_FAMILY.get(self.p.occupation, "office"))
        if topic.key == "city":
            banks_for_topic.append("city:" + (self.p.city or self.p.birth_city))
        self.rng.shuffle(banks_for_topic)
        for bank in banks_for_topic:
            entry = self.pick(bank, fresh_only=True)
            if entry is not None:
                return self.render(entry, vary=True)
        return self.filler()

    def filler(self) -> list[Sentence]:
        entry = self.pick("fillers")
        return self.render(entry) if entry else []

    def answer(self, topic: guide.Topic, budget: int, main: bool) -> list[list[Sentence]]:
        rng = self.rng
        sentences: list[Sentence] = []
        if main and rng.random() < 0.3:
            sentences += self.render(self.pick("openers"))
        words = sum(len(s.text.split()) for s in sentences)
        second_thoughts = topic.key in ("plans", "stay") and rng.random() < 0.45
        minimum = 2 if topic.key != "closing" else 1
        if main and topic.key == "intro":
            sentences += self.render(self.pick("talk:intro_first"))
            sentences += self.neutral(topic)
        elif topic.codes and rng.random() < 0.7:
            sentences += self.on_topic(topic)
        words = sum(len(s.text.split()) for s in sentences)
        while words < budget or len(sentences) < minimum:
            r = rng.random()
            if r < 0.42:
                new = self.coded(topic)
                if new and rng.random() < 0.15:
                    entry = self.pick("hedges", fresh_only=True)
                    if entry:
                        new += self.render(entry)
            elif r < 0.48:
                new = self.pair(topic) or self.coded(topic)
            elif r < 0.87:
                new = self.neutral(topic)
            elif second_thoughts and len(sentences) > 2:
                new = self.render(self.pick("second"))
                second_thoughts = False
            else:
                new = self.filler()
            sentences += new
            words += sum(len(s.text.split()) for s in new)
        paragraphs = [sentences]
        if len(sentences) >= 7 and rng.random() < 0.35:
            cut = rng.randint(3, len(sentences) - 3)
            paragraphs = [sentences[:cut], sentences[cut:]]
        return paragraphs

    # questions ---------------------------------------------------------------
    def question(self, topic: guide.Topic, main: bool, first: bool) -> str:
        rng = self.rng
        if main:
            options = [q for q in topic.questions if _tags_ok(q, self.p.tags)]
            text = self.voice.fill(_strip_tags(rng.choice(options)))
            if not first:
                lead = ""
                r = rng.random()
                if r < 0.4:
                    lead = rng.choice(guide.ACKNOWLEDGEMENTS) + " "
                elif r < 0.55:
                    lead = rng.choice(("Let us move on.", "Now a different topic.",
                                       "I would like to ask about something else.",
                                       "Let me turn to another question.")) + " "
                text = lead + text
            return text
        fresh = [f for f in topic.followups if ("q", topic.key, f) not in self.used]
        if fresh and rng.random() < 0.65:
            choice = rng.choice(fresh)
            self.used.add(("q", topic.key, choice))  # type: ignore[arg-type]
        else:
            generic = [f for f in guide.GENERIC_FOLLOWUPS if ("q", "*", f) not in self.used]
            choice = rng.choice(generic or list(guide.GENERIC_FOLLOWUPS))
            self.used.add(("q", "*", choice))  # type: ignore[arg-type]
        text = self.voice.fill(choice)
        if rng.random() < 0.3:
            text = rng.choice(guide.ACKNOWLEDGEMENTS) + " " + text
        return text

    # the whole interview -------------------------------------------------------
    def plan(self) -> list[tuple[guide.Topic, bool]]:
        rng = self.rng
        topics = guide.EXPERT_TOPICS if self.p.group == "expert" else guide.GRADUATE_TOPICS
        chosen = [t for t in topics if t.probability >= 1.0 or rng.random() < t.probability]
        target = rng.randint(*EXCHANGE_RANGE) - 1  # the closing thanks is one more exchange
        counts = {t.key: 1 for t in chosen}
        spare = {t.key: t.max_followups for t in chosen}
        while sum(counts.values()) < target:
            open_topics = [t for t in chosen if spare[t.key] > 0]
            if not open_topics:
                open_topics = [t for t in chosen if t.key not in ("intro", "closing")]
            t = rng.choice(open_topics)
            counts[t.key] += 1
            spare[t.key] -= 1
        plan: list[tuple[guide.Topic, bool]] = []
        for t in chosen:
            plan.append((t, True))
            plan += [(t, False)] * (counts[t.key] - 1)
        return plan

    def build(self) -> tuple[list[Turn], int]:
        rng = self.rng
        plan = self.plan()
        questions = [self.question(t, main, i == 0) for i, (t, main) in enumerate(plan)]
        closing_q = rng.choice(guide.CLOSING_THANKS)
        closing_a = rng.choice(guide.FINAL_REPLIES)
        fixed = sum(len(q.split()) + 1 for q in questions) + len(closing_q.split()) + len(closing_a.split()) + 2
        target = rng.randint(*WORD_RANGE)
        budget_total = max(1500, target - fixed - len(plan))
        shares = [t.length * (1.0 if main else 0.6) * rng.uniform(0.6, 1.45) for t, main in plan]
        scale = budget_total / sum(shares)
        turns: list[Turn] = []
        for (t, main), q, share in zip(plan, questions, shares):
            turns.append(Turn("Interviewer", [[Sentence(q)]]))
            turns.append(Turn("Respondent", self.answer(t, int(share * scale), main)))
        turns.append(Turn("Interviewer", [[Sentence(closing_q)]]))
        turns.append(Turn("Respondent", [[Sentence(closing_a)]]))
        self.fit(turns, plan)
        return turns, len(plan) + 1

    def fit(self, turns: list[Turn], plan) -> None:
        """Keep the document inside WORD_RANGE: trim long answers or add to short ones."""
        def total() -> int:
            return sum(len(s.text.split()) + 0 for t in turns for para in t.paragraphs for s in para) + len(turns)

        answers = [i for i in range(1, len(turns) - 2, 2)]
        while total() > WORD_RANGE[1]:
            i = max(answers, key=lambda k: sum(len(p) for p in turns[k].paragraphs))
            if sum(len(p) for p in turns[i].paragraphs) <= 3:
                break
            last = turns[i].paragraphs[-1]
            last.pop()
            if not last:
                turns[i].paragraphs.pop()
        while total() < WORD_RANGE[0]:
            i = self.rng.choice(answers)
            topic = plan[i // 2][0]
            turns[i].paragraphs[-1].extend(self.coded(topic) if self.rng.random() < 0.5 else self.neutral(topic))


def _tags_ok(text: str, tags: frozenset[str]) -> bool:
    m = _TAGS.match(text)
    return not m or frozenset(m.group(1)[1::2]) <= tags


def _strip_tags(text: str) -> str:
    m = _TAGS.match(text)
    return text[m.end():] if m else text


# A stop before the end, an ellipsis, a decimal, a leftover slot, doubled space, a title or an
# initial before the final stop ("... and so had I." reads as an initial to the importer).
_BAD = re.compile(r"[.!?](?!$)|\.\.|\d\.\d|\{|\}|\s{2,}|\b(?:Dr|Mr|Mrs|Ms|St|etc|vs)\.|(?:^|\s)[A-Z]\.$")


def check_sentence(text: str) -> None:
    """Raise ValueError unless ``text`` is one clean sentence for a rule-based sentencizer."""
    if not text or text[-1] not in ".!?" or _BAD.search(text) or text != text.strip() or "\n" in text:
        raise ValueError(f"not one clean sentence: {text!r}")


def render_document(persona: Persona, seed: int = DEFAULT_SEED) -> Document:
    """One transcript file's text, with the reference coding as offsets into its body."""
    interview = Interview(persona, seed)
    turns, exchanges = interview.build()
    head = ["---"]
    for key, value in persona.front_matter():
        head.append(f"{key}: {value}")
    head.append("---")
    prefix = "\n".join(head) + "\n"
    pieces: list[str] = []
    rows: list[tuple[str, int, int, str]] = []
    units: list[tuple[int, int]] = []
    pos = 0

    def emit(text: str) -> None:
        nonlocal pos
        pieces.append(text)
        pos += len(text)

    for n, turn in enumerate(turns):
        if n:
            emit("\n\n")
        for k, para in enumerate(turn.paragraphs):
            if k:
                emit("\n\n")
            if k == 0:
                emit(turn.speaker + ": ")
            for j, sentence in enumerate(para):
                if turn.speaker == "Respondent":
                    check_sentence(sentence.text)
                if j:
                    emit(" ")
                start = pos
                emit(sentence.text)
                if turn.speaker == "Respondent":
                    units.append((start, pos))
                    for code in sentence.codes:
                        rows.append((code, start, pos, sentence.text))
    emit("\n")
    body = "".join(pieces)
    return Document(persona, prefix + body, body, rows, units, len(body.split()), exchanges)


def generate(seed: int = DEFAULT_SEED, limit: int | None = None) -> list[Document]:
    """The corpus in memory: experts then graduates, the first ``limit`` of each group if given."""
    people = build_population(seed)
    experts = [p for p in people if p.group == "expert"]
    graduates = [p for p in people if p.group == "graduate"]
    if limit is not None:
        experts, graduates = experts[:limit], graduates[:limit]
    return [render_document(p, seed) for p in experts + graduates]


# ----------------------------------------------------------------------------- output

def reference_csv(documents: list[Document]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["document", "code", "start", "end", "text"])
    for doc in documents:
        for code, start, end, text in doc.rows:
            writer.writerow([doc.persona.id, code, start, end, text])
    return buf.getvalue()


def readme(documents: list[Document], seed: int) -> str:
    experts = [d for d in documents if d.persona.group == "expert"]
    graduates = [d for d in documents if d.persona.group == "graduate"]
    words = [d.words for d in documents]
    per_code = Counter(code for d in documents for code, *_ in d.rows)
    cities = Counter(d.persona.city for d in experts)
    countries = Counter(d.persona.degree_country for d in graduates)
    coded_units = sum(len({(s, e) for _, s, e, _ in d.rows}) for d in documents)
    lines = [
        "# Demo corpus (SYNTHETIC)",
        "",
        "**Every transcript in this folder is synthetic.** The interviews were written by a program,",
        "not spoken by anyone: no real person, organisation or statement is behind them. The study's",
        "real transcripts (143 expert interviews from fall 2018 and 44 interviews with graduates of",
        "foreign universities) are confidential and are not part of cotag. This corpus has the same",
        "shape, so the tool can be tried, tested and benchmarked on something realistic.",
        "",
        "Regenerate it byte for byte with:",
        "",
        "    python -m cotag.demo.generate --out transcripts --seed " + str(seed),
        "",
        f"(seed {seed} is the default; `--limit N` writes only the first N documents of each group).",
        "The phrase banks are in `src/cotag/demo/` (`phrases.py` coded sentences, `talk.py` uncoded talk,",
        "`guide.py` the interview guide, `lexicon.py` places, names and numbers).",
        "",
        "## Shape",
        "",
        f"- `experts/E001.md` ... : {len(experts)} expert interviews, dated fall 2018, in the seven fieldwork",
        "  cities (" + ", ".join(f"{c} {n}" for c, n in cities.items()) + ").",
        "  Attributes: id, group (expert), gender, age (24-64), occupation, sector (civil service, science,",
        "  education, private sector), place (city or region), city (fieldwork city), language (Kazakh or",
        "  Russian; the text is the English translation), interview_date, synthetic.",
        f"- `graduates/G001.md` ... : {len(graduates)} interviews with holders of foreign master's and doctoral",
        "  degrees, dated 2022-2023 (they mention the January 2022 unrest). Attributes: id, group (graduate),",
        "  gender, age, occupation, sector, place, degree_level (master or phd), field, degree_country",
        "  (" + ", ".join(f"{c} {n}" for c, n in sorted(countries.items())) + "),",
        "  residence_country, years_abroad, language, interview_date, synthetic.",
        f"- Words per file: {min(words):,} to {max(words):,} ({sum(words):,} in all); 20 to 40 exchanges each.",
        "- Format: Markdown with YAML front matter, UTF-8, LF line endings. Turns are paragraphs labelled",
        "  `Interviewer:` or `Respondent:`, separated by a blank line; an unlabelled paragraph continues the",
        "  respondent's turn. Each sentence ends with `.`, `?` or `!` and is one sentence unit.",
        "",
        "## reference.csv",
        "",
        "The coding the generator knows, with the codes of `codebooks/migration.yaml`: columns",
        "`document,code,start,end,text`, one row per (respondent sentence, code). `start` and `end` are",
        "Python string offsets (code points) into the document body, i.e. the file's text after the line",
        "that closes the front matter; `text` is exactly `body[start:end]`, one whole sentence. Only",
        "respondent sentences are coded, each with at most two codes; about half of them carry none.",
        f"It has {sum(per_code.values()):,} rows over {coded_units:,} coded sentences.",
        "",
        "| code | rows |",
        "|---|---|",
    ]
    for code in CODE_KEYS:
        lines.append(f"| {code} | {per_code.get(code, 0)} |")
    lines.append("")
    return "\n".join(lines)


def write_corpus(out: Path | str, seed: int = DEFAULT_SEED, limit: int | None = None) -> list[Document]:
    """Generate and write the corpus under ``out``; return the documents."""
    out = Path(out)
    documents = generate(seed, limit)
    for sub in ("experts", "graduates"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for doc in documents:
        folder = "experts" if doc.persona.group == "expert" else "graduates"
        _write(out / folder / f"{doc.persona.id}.md", doc.text)
    _write(out / "reference.csv", reference_csv(documents))
    _write(out / "README.md", readme(documents, seed))
    return documents


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cotag.demo.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="transcripts", help="output folder (default: transcripts/)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents of each group")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    documents = write_corpus(args.out, args.seed, args.limit)
    rows = sum(len(d.rows) for d in documents)
    words = sum(d.words for d in documents)
    print(f"wrote {len(documents)} transcripts ({words:,} words, {rows:,} reference rows) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
