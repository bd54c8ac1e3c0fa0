"""Filling a template for one respondent: slot values, alternatives, discourse markers."""

from __future__ import annotations

import random
import re
from functools import lru_cache

from demo_corpus import lexicon, phrases
from demo_corpus.entries import ALTERNATIVE, SLOT
from demo_corpus.people import Persona, weighted


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
        if name in lexicon.SLOT_CHOICES:
            if name not in self.sticky:
                self.sticky[name] = rng.choice(lexicon.SLOT_CHOICES[name])
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
            return weighted(rng, options)
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
        text = ALTERNATIVE.sub(lambda m: self.rng.choice(m.group(1).split("|")), template)
        text = SLOT.sub(lambda m: self.slot(m.group(1)), text)
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
            prefix = self.rng.choice(phrases.PERSONAL_PREFIXES if personal else phrases.PREFIXES)
            word = sentence.split()[0]
            keep = word.strip(",") in self.proper or word == "I" or word.startswith("I'")
            body = sentence if keep else sentence[:1].lower() + sentence[1:]
            return prefix + body
        if r < 0.3 and not any(s.strip(", ") in sentence for s in phrases.SUFFIXES):
            return sentence[:-1] + self.rng.choice(phrases.PERSONAL_SUFFIXES if personal else phrases.SUFFIXES) + "."
        return sentence


_PERSONAL = frozenset({"i", "my", "we", "our", "me", "i'm", "i've", "i'd", "i'll", "us"})
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
