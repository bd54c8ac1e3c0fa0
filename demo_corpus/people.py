"""The respondents: who is interviewed, where and when, and what each tends to talk about."""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass
from dataclasses import field as dc_field

from demo_corpus import lexicon
from demo_corpus.entries import CODE_KEYS

DEFAULT_SEED = 2018
N_EXPERTS = 143
N_GRADUATES = 44


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


def weighted(rng: random.Random, pairs) -> str:
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
    # The "cotag-demo/" seed strings date from when the generator lived in cotag.demo; they stay,
    # since any change to them rewrites every file of the committed corpus.
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
                stance=weighted(rng, (("leave", 3), ("stay", 4), ("undecided", 4))),
            )
            people.append(p)

    # Graduates: interviewed from spring 2022 to autumn 2023.
    first = _dt.date(2022, 3, 1)
    span = (_dt.date(2023, 10, 31) - first).days
    days = sorted(rng.randrange(span) for _ in range(N_GRADUATES))
    for k in range(N_GRADUATES):
        day = first + _dt.timedelta(days=days[k])
        level = "phd" if rng.random() < 0.3 else "master"
        code, phrase, towns, _ = weighted(rng, [(c, c[3]) for c in lexicon.DEGREE_COUNTRIES])
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
            language = weighted(rng, (("Russian", 5), ("English", 4), ("Kazakh", 2)))
            home = birth
        else:
            residence, res_phrase = "Kazakhstan", "Kazakhstan"
            res_city = birth if rng.random() < 0.4 else rng.choice(("Almaty", "Nur-Sultan", "Nur-Sultan"))
            place = _home_name(res_city, day)
            language = weighted(rng, (("Russian", 6), ("Kazakh", 4)))
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
            stance=weighted(rng, (("leave", 5), ("stay", 3), ("undecided", 3))),
        )
        p.residence_phrase = res_phrase
        people.append(p)

    for p in people:
        p.tags = _tags(p)
        p.destinations = _destinations(p)
        _shape_weights(p, random.Random(f"cotag-demo/{seed}/weights/{p.id}"))
    return people
