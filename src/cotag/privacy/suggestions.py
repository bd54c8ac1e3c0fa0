"""What `cotag pseudonyms suggest` proposes: front-matter names, speakers' names, places and institutions from
the gazetteer of Kazakhstan shipped as gazetteer.yaml, capitalised words, and a spaCy pipeline's entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Iterable, Mapping

import yaml

from cotag.errors import CotagError
from cotag.privacy.layer import KINDS, PERSON_ATTRIBUTES, Entry, Pseudonymiser, _key

# ---------------------------------------------------------------- the gazetteer

@dataclass(frozen=True)
class Gazetteer:
    """Kazakhstan's cities (with their regions), regions, landmarks and institutions, shipped as gazetteer.yaml."""

    city_region: dict[str, str]  # casefolded name or variant -> region
    names: dict[str, tuple[str, str]]  # casefolded name or variant -> (canonical name, kind)
    spellings: dict[str, str]  # casefolded name or variant -> as the gazetteer writes it

    def region_of(self, place: str) -> str | None:
        return self.city_region.get(_key(place))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    data = yaml.safe_load(resources.files("cotag.privacy").joinpath("gazetteer.yaml").read_text(encoding="utf-8"))
    city_region: dict[str, str] = {}
    names: dict[str, tuple[str, str]] = {}
    spellings: dict[str, str] = {}
    for city, info in data["cities"].items():
        for name in [city, *info.get("variants", [])]:
            city_region[_key(name)] = info["region"]
            names[_key(name)] = (city, "place")
    for region, variants in data["regions"].items():
        for name in [region, *variants]:
            city_region[_key(name)] = region
            names[_key(name)] = (region, "place")
    for group in data.get("places", []):
        for name in group:
            names[_key(name)] = (group[0], "place")
    for group in data.get("institutions", []):
        for name in group:
            names[_key(name)] = (group[0], "organisation")
    for group in [*data["cities"].items(), *data["regions"].items()]:
        name, rest = group
        for spelling in [name, *(rest.get("variants", []) if isinstance(rest, dict) else rest)]:
            spellings[_key(spelling)] = spelling
    for group in [*data.get("places", []), *data.get("institutions", [])]:
        for spelling in group:
            spellings[_key(spelling)] = spelling
    return Gazetteer(city_region=city_region, names=names, spellings=spellings)


# ---------------------------------------------------------------- suggestions

# Front-matter attributes that name an organisation (those that name a person: layer.PERSON_ATTRIBUTES).
ORGANISATION_ATTRIBUTES = {"employer", "organisation", "organization", "company", "university", "workplace",
                           "institution", "school"}
# Speaker labels that are roles, not names.
ROLE_SPEAKERS = {"interviewer", "respondent", "interviewee", "moderator", "participant", "speaker", "i", "r", "q",
                 "a", "int", "resp", "p", "iv", "ie", "unknown"}
# Capitalised words that name no one: the calendar, countries, languages and peoples (too common to identify).
COMMON_CAPITALISED = {
    "i", "i'm", "i've", "i'd", "i'll", "mr", "mrs", "ms", "dr", "ok", "okay", "internet", "covid", "god", "soviet",
    "union", "europe", "european", "asia", "asian", "central", "america", "american", "africa", "western", "eastern",
    "kazakh", "kazakhs", "kazakhstan", "kazakhstani", "russians", "english", "tenge", "dollars", "euro",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "nauryz", "christmas", "ramadan", "interviewer", "respondent", "phd", "master", "masters", "bachelor",
}


def _common_words() -> set[str]:
    from cotag.export.attribution import COUNTRY_ADJECTIVES

    words = set(COMMON_CAPITALISED)
    for country, adjective in COUNTRY_ADJECTIVES.items():
        words.add(country.casefold())
        words.add(adjective.casefold())
    return words


@dataclass
class Found:
    real: str
    kind: str
    source: str
    pseudonym: str = ""
    count: int = 0
    documents: list[str] = field(default_factory=list)


@dataclass
class SuggestInput:
    """What suggest reads of one document."""

    document: str
    text: str
    attributes: Mapping[str, Any]
    speakers: Iterable[str] = ()


_UPPER = "A-ZА-ЯЁӘІҢҒҮҰҚӨҺ"
_CAPITALISED = re.compile(rf"(?<![\w'’-])[{_UPPER}][\w'’-]*(?:[ \t]+[{_UPPER}][\w'’-]*)*")
_TOKEN = re.compile(r"\w+")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;…]|[\"“«(\n-])\s*$")
SPACY_KINDS = {"PERSON": "person", "PER": "person", "GPE": "place", "LOC": "place", "FAC": "place",
               "ORG": "organisation", "NORP": None}


def suggest(documents: Iterable[SuggestInput], *, nlp: Callable[[str], Any] | None = None) -> list[Found]:
    """Strings worth a pseudonym: front-matter names, speakers' names, gazetteer places and institutions,
    capitalised words that are not common words, and a spaCy pipeline's entities when one is given."""
    gaz = gazetteer()
    common = _common_words()
    found: dict[str, Found] = {}

    def note(real: str, kind: str, source: str, document: str, times: int = 1) -> None:
        real = " ".join(real.split()).strip(" '’-")
        if len(real) < 2 or not re.search(r"[^\W\d_]", real):
            return
        key = _key(real)
        item = found.get(key)
        if item is None:
            item = found[key] = Found(real, kind, source)
        elif item.kind == "other" and kind != "other":  # a spaCy entity says more than a capital letter
            item.kind, item.source = kind, source
        item.count += times
        if document not in item.documents:
            item.documents.append(document)

    docs = list(documents)
    lower_words: set[str] = set()
    for doc in docs:
        lower_words.update(w for w in _TOKEN.findall(doc.text) if w.islower())

    # Every gazetteer spelling as a whole-word, case-insensitive search.
    gazetteer_regex = Pseudonymiser([Entry(name, "-", "other") for name in gaz.names])
    for doc in docs:
        for key, value in doc.attributes.items():
            if not isinstance(value, str) or not value.strip():
                continue
            if key.casefold() in PERSON_ATTRIBUTES:
                note(value, "person", "front matter", doc.document, 0)
            elif key.casefold() in ORGANISATION_ATTRIBUTES:
                note(value, "organisation", "front matter", doc.document, 0)
        for speaker in set(doc.speakers):
            if speaker and speaker.casefold() not in ROLE_SPEAKERS and not re.search(r"\d", speaker):
                note(speaker, "person", "speaker", doc.document, 0)
        for start, end, _ in gazetteer_regex.find(doc.text):
            surface = doc.text[start:end]
            if not surface[0].isupper():  # "oral exam" is not the city of Oral
                continue
            kind = gaz.names[_key(surface)][1]
            # "AKTAU" and "Aktau" are one proposal, written as the gazetteer writes it.
            note(gaz.spellings[_key(surface)], kind, "gazetteer", doc.document)
        for match in _CAPITALISED.finditer(doc.text):
            words = match.group(0).split()
            sentence_initial = bool(_SENTENCE_START.search(doc.text[max(0, match.start() - 3):match.start()]))
            # A sentence's first word is capitalised anyway ("Basically", "Excuse"): a lone sentence-initial word
            # is not taken, and a phrase loses its first word when the corpus also writes that word in lower case.
            if sentence_initial and len(words) == 1:
                continue

            def is_common(word: str) -> bool:
                return _key(word) in common or _key(word).rstrip("s") in common

            while words and (is_common(words[0]) or (sentence_initial and words[0].lower() in lower_words)):
                words = words[1:]
                sentence_initial = False
            while words and is_common(words[-1]):
                words = words[:-1]
            if not words:
                continue
            phrase = re.sub(r"['’]s$", "", " ".join(words))  # "Dauren's" is Dauren
            if _key(phrase) in gaz.names or all(w.lower() in lower_words for w in words):
                continue
            note(phrase, "other", "capitalised", doc.document)
        if nlp is not None:
            # Paragraph by paragraph: a whole transcript may pass spaCy's length limit, and entities do not span
            # paragraphs.
            paragraphs = (p for p in re.split(r"\n\s*\n", doc.text) if p.strip())
            for parsed in (nlp.pipe(paragraphs) if hasattr(nlp, "pipe") else map(nlp, paragraphs)):
                for ent in parsed.ents:
                    entity_kind = SPACY_KINDS.get(ent.label_, "other")
                    if entity_kind is not None:
                        note(ent.text, entity_kind, f"spaCy {ent.label_}", doc.document)
    # The gazetteer and spaCy know better than a capitalised word what a string is.
    for item in found.values():
        if _key(item.real) in gaz.names:
            item.kind, item.source = gaz.names[_key(item.real)][1], "gazetteer"
    return _with_pseudonyms(sorted(found.values(), key=lambda f: (KINDS.index(f.kind), -f.count, f.real.casefold())))


def _with_pseudonyms(found: list[Found]) -> list[Found]:
    """Suggested pseudonyms: `[person 1]`, `[place 2]`...; a gazetteer place's spellings share one pseudonym."""
    gaz = gazetteer()
    counters: dict[str, int] = {}
    by_canonical: dict[str, str] = {}
    for item in found:
        canonical = gaz.names.get(_key(item.real), (item.real, item.kind))[0]
        if canonical in by_canonical:
            item.pseudonym = by_canonical[canonical]
            continue
        counters[item.kind] = counters.get(item.kind, 0) + 1
        label = {"other": "name"}.get(item.kind, item.kind)
        item.pseudonym = by_canonical[canonical] = f"[{label} {counters[item.kind]}]"
    return found


def load_pipeline(name: str | None) -> tuple[Any | None, str]:
    """A spaCy pipeline for entity suggestions, or None and why not. No model is required; none is downloaded."""
    try:
        import spacy
    except ImportError:
        return None, "spaCy is not installed: no entity suggestions (pip install spacy and a model to add them)"
    if name is None:
        installed = sorted(spacy.util.get_installed_models())
        preferred = [m for m in ("xx_ent_wiki_sm", "ru_core_news_sm", "en_core_web_sm") if m in installed]
        if not installed:
            return None, "no spaCy model is installed: no entity suggestions"
        name = (preferred or installed)[0]
    try:
        return spacy.load(name), f"entities from the spaCy model {name}"
    except OSError as exc:
        raise CotagError(f"spaCy model {name!r} cannot be loaded ({exc}); install it or leave out --spacy-model")\
            from None
