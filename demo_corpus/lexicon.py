"""Slot vocabulary for the demo generator (banks/lexicon.yaml) and numbers in words."""

from __future__ import annotations

from demo_corpus.phrases import load

_lexicon = load("lexicon")

CITIES: list[dict] = _lexicon["cities"]
OTHER_KZ_CITIES: list[str] = _lexicon["other_kz_cities"]
RU_CITIES: list[str] = _lexicon["ru_cities"]
WEST_COUNTRIES: list[str] = _lexicon["west_countries"]
#: region -> [(country as said, weight)]
DESTINATIONS: dict[str, list[tuple[str, int]]] = {
    region: list(weights.items()) for region, weights in _lexicon["destinations"].items()}
FOREIGN_CITIES: list[str] = _lexicon["foreign_cities"]
#: (country, country as said, university towns, weight)
DEGREE_COUNTRIES: list[tuple[str, str, list[str], int]] = [
    (d["country"], d["said"], d["towns"], d["weight"]) for d in _lexicon["degree_countries"]]
NAMES_M: list[str] = _lexicon["names_m"]
NAMES_F: list[str] = _lexicon["names_f"]
RELATIVES_M: list[str] = _lexicon["relatives_m"]
RELATIVES_F: list[str] = _lexicon["relatives_f"]
RELATIVES: list[str] = _lexicon["relatives"]
COLLEAGUES: list[str] = _lexicon["colleagues"]
PROFESSIONS_PL: list[str] = _lexicon["professions_pl"]
PROFESSIONS_A: list[str] = _lexicon["professions_a"]
INDUSTRIES: list[str] = _lexicon["industries"]
ACADEMIC_FIELDS: list[str] = _lexicon["academic_fields"]
MONTHS: list[str] = _lexicon["months"]
#: sector -> [(occupation, workplaces, [lowest, highest monthly pay in thousand tenge])]
OCCUPATIONS: dict[str, list[tuple[str, list[str], list[int]]]] = {
    sector: [(job["occupation"], job["workplaces"], job["pay"]) for job in jobs]
    for sector, jobs in _lexicon["occupations"].items()}
#: (field of study, occupations)
GRAD_FIELDS: list[tuple[str, list[str]]] = list(_lexicon["grad_fields"].items())
SECTOR_OF_OCCUPATION: dict[str, str] = _lexicon["sector_of_occupation"]
#: Slots drawn once per interview and then kept.
SLOT_CHOICES: dict[str, list[str]] = _lexicon["slot_choices"]

_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(n: int) -> str:
    """English words for 0 <= n < 1,000,000 ("one hundred and twenty thousand")."""
    if n < 0 or n >= 1_000_000:
        raise ValueError(n)
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + ("" if unit == 0 else "-" + _UNITS[unit])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = _UNITS[hundreds] + " hundred"
        return head if rest == 0 else head + " and " + number_words(rest)
    thousands, rest = divmod(n, 1000)
    head = number_words(thousands) + " thousand"
    if rest == 0:
        return head
    return head + (" and " if rest < 100 else " ") + number_words(rest)


def digits(n: int) -> str:
    """Digits with thousands separated by commas, never a decimal point ("4,500")."""
    return f"{n:,}"
