"""Pseudonyms as a layer over the stored text: the table (pseudonyms.yaml), proposals, and the offset map.

The stored text and every coding offset stay as they are. `Pseudonymiser.apply(text)` gives the pseudonymised
text and a map from original offsets to pseudonymised ones, so a coding [start, end) is shown or exported as the
span of the pseudonymised text that covers the same words.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import yaml

from cotag.errors import CotagError
from cotag.files import write_atomically

KINDS = ("person", "place", "organisation", "other")
FILE_NAME = "pseudonyms.yaml"

# Russian and Kazakh case endings: "Караганда" is also "Караганды", "Караганде", "Карагандой"; "Иванов" is also
# "Иванова", "Ивановым"; Kazakh adds "Алматыда", "Алматыдан", "Астанаға". A Cyrillic entry matches its stem
# (the word less a final vowel, й or ь) followed by one of these. Longest first: the regex takes the first that fits.
_CYRILLIC_ENDINGS = sorted({
    # Russian
    "а", "я", "ы", "и", "у", "ю", "е", "о", "ь", "й", "ой", "ей", "ою", "ею", "ом", "ем", "ым", "им", "ов", "ев",
    "ах", "ях", "ам", "ям", "ами", "ями", "ий", "ый", "ая", "яя", "ое", "ее", "ую", "юю", "ых", "их", "ого", "его",
    "ому", "ему", "ыми", "ими", "на", "не",
    # Kazakh
    "да", "де", "та", "те", "дан", "ден", "тан", "тен", "нан", "нен", "ға", "ге", "қа", "ке", "ның", "нің", "дың",
    "дің", "тың", "тің", "ны", "ні", "ды", "ді", "ты", "ті", "ын", "ін", "н", "мен", "бен", "пен", "дағы", "дегі",
    "тағы", "тегі"}, key=len, reverse=True)
# A Latin-script name transliterated from Russian declines too ("Marat" -> "Marata", "Maratom"; "Ivanov" ->
# "Ivanova"); English adds the plural. The possessive ("Marat's") needs nothing: the name ends at the apostrophe.
_LATIN_PERSON_ENDINGS = sorted({"ovoy", "ovym", "ovu", "ova", "oy", "oj", "oi", "om", "ym", "ov", "a", "u", "e", "y",
                                "i", "s"}, key=len, reverse=True)
_STEM_VOWELS = set("аяоеыийьуәіөүұ")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass
class Entry:
    """One accepted row of the table: every occurrence of `real` (any case, its inflected forms) reads `pseudonym`."""

    real: str
    pseudonym: str
    kind: str = "other"


@dataclass
class Proposal:
    """A string `cotag pseudonyms suggest` found; open until the lead accepts or rejects it."""

    id: str
    real: str
    kind: str
    pseudonym: str
    source: str
    count: int = 0
    documents: list[str] = field(default_factory=list)
    status: str = "open"  # open | rejected (accepted proposals become entries and leave this list)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise CotagError(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
    return kind


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class PseudonymTable:
    """The project's pseudonyms.yaml: entries and proposals. It holds the real names, so no export ever includes it."""

    path: Path
    entries: list[Entry] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)

    # ------------------------------------------------------------ file

    @classmethod
    def load(cls, path: Path) -> "PseudonymTable":
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark is not None else ""
            raise CotagError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CotagError(f"{path}: cannot read ({exc})") from None
        if not isinstance(data, dict):
            raise CotagError(f"{path}: expected a mapping with 'entries' and 'proposals'")
        table = cls(path)
        for n, item in enumerate(data.get("entries") or [], 1):
            if not isinstance(item, dict) or not isinstance(item.get("real"), str) \
                    or not isinstance(item.get("pseudonym"), str) or not item["real"].strip():
                raise CotagError(f"{path}: entry {n} needs text 'real' and 'pseudonym', got {item!r}")
            kind = str(item.get("kind", "other"))
            if kind not in KINDS:
                raise CotagError(f"{path}: entry {n} ({item['real']!r}): unknown kind {kind!r} "
                                 f"(kinds: {', '.join(KINDS)})")
            table.entries.append(Entry(item["real"], item["pseudonym"], kind))
        for n, item in enumerate(data.get("proposals") or [], 1):
            if not isinstance(item, dict) or not isinstance(item.get("real"), str) or "id" not in item:
                raise CotagError(f"{path}: proposal {n} needs 'id' and text 'real', got {item!r}")
            table.proposals.append(Proposal(
                id=str(item["id"]), real=item["real"], kind=str(item.get("kind", "other")),
                pseudonym=str(item.get("pseudonym", "")), source=str(item.get("source", "")),
                count=int(item.get("count", 0) or 0), documents=[str(d) for d in item.get("documents") or []],
                status=str(item.get("status", "open"))))
        return table

    def save(self) -> None:
        data = {
            "entries": [{"real": e.real, "pseudonym": e.pseudonym, "kind": e.kind} for e in self.entries],
            "proposals": [{"id": p.id, "real": p.real, "kind": p.kind, "pseudonym": p.pseudonym, "source": p.source,
                           "count": p.count, "documents": p.documents, "status": p.status} for p in self.proposals],
        }
        header = ("# cotag pseudonyms: real string -> pseudonym. This file holds the real names: keep it out of\n"
                  "# every shared folder and repository. `cotag pseudonyms list|suggest|accept|reject|add` edit it.\n")
        # One rename: a reader (an export, the TUI) never sees half a table, and a failed write keeps the old one.
        try:
            write_atomically(self.path, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        except OSError as exc:
            raise CotagError(f"{self.path}: cannot write ({exc})") from None

    # ------------------------------------------------------------ editing

    def find(self, real: str) -> Entry | None:
        key = _key(real)
        return next((e for e in self.entries if _key(e.real) == key), None)

    def add(self, real: str, pseudonym: str, kind: str = "other", *, replace: bool = False) -> Entry:
        real, pseudonym = real.strip(), " ".join(pseudonym.split())
        check_kind(kind)
        if not real or not re.search(r"\w", real):
            raise CotagError(f"real string {real!r}: give a name, place or organisation (letters or digits)")
        if not pseudonym:
            raise CotagError(f"pseudonym for {real!r} is empty")
        existing = self.find(real)
        if existing is not None and not replace:
            raise CotagError(f"{real!r} already has the pseudonym {existing.pseudonym!r} "
                             f"(`cotag pseudonyms add --replace` to change it)")
        # A pseudonym that contains a real string would be replaced again, or leak it: refuse both.
        leaks = Pseudonymiser(self.entries + [Entry(real, pseudonym, kind)]).find(pseudonym)
        if leaks:
            raise CotagError(f"pseudonym {pseudonym!r} contains the real string {leaks[0][2].real!r}; choose another")
        if existing is not None:
            existing.pseudonym, existing.kind = pseudonym, kind
            entry = existing
        else:
            entry = Entry(real, pseudonym, kind)
            self.entries.append(entry)
        self.proposals = [p for p in self.proposals if _key(p.real) != _key(real)]
        return entry

    def remove(self, real: str) -> Entry:
        entry = self.find(real)
        if entry is None:
            raise CotagError(f"{real!r} is not in {self.path.name}")
        self.entries.remove(entry)
        return entry

    def proposal(self, proposal_id: str) -> Proposal:
        for p in self.proposals:
            if p.id == proposal_id:
                return p
        known = ", ".join(p.id for p in self.proposals if p.status == "open") or "none open"
        raise CotagError(f"no proposal {proposal_id!r} in {self.path.name} (open: {known})")

    def accept(self, ids: Iterable[str], *, pseudonym: str | None = None) -> list[Entry]:
        proposals = [self.proposal(i) for i in ids]  # every id checked before anything changes
        return [self.add(p.real, pseudonym or p.pseudonym, p.kind, replace=True) for p in proposals]

    def reject(self, ids: Iterable[str]) -> list[Proposal]:
        proposals = [self.proposal(i) for i in ids]
        for p in proposals:
            p.status = "rejected"
        return proposals

    def merge(self, found: Iterable["Found"]) -> list[Proposal]:
        """Add what suggest found and is neither an entry nor already proposed (rejected ones stay rejected)."""
        known = {_key(e.real) for e in self.entries}
        layer = self.pseudonymiser()
        by_key = {_key(p.real): p for p in self.proposals}
        numbers = [int(p.id[1:]) for p in self.proposals if re.fullmatch(r"p\d+", p.id)]
        next_id = max(numbers, default=0) + 1
        added: list[Proposal] = []
        for item in found:
            key = _key(item.real)
            # Already an entry, or a form an entry replaces whole ("Bekovoy" once "Bekova" is in the table).
            if key in known or any(s == 0 and e == len(item.real) for s, e, _ in layer.find(item.real)):
                continue
            if key in by_key:
                by_key[key].count, by_key[key].documents = item.count, item.documents
                continue
            proposal = Proposal(id=f"p{next_id}", real=item.real, kind=item.kind, pseudonym=item.pseudonym,
                                source=item.source, count=item.count, documents=item.documents)
            next_id += 1
            self.proposals.append(proposal)
            by_key[key] = proposal
            added.append(proposal)
        return added

    def pseudonymiser(self) -> "Pseudonymiser":
        return Pseudonymiser(self.entries)


def table_path(root: Path) -> Path:
    return Path(root) / FILE_NAME


def load_table(project) -> PseudonymTable:
    return PseudonymTable.load(table_path(project.root))


# ---------------------------------------------------------------- the layer

@dataclass(frozen=True)
class Replacement:
    start: int  # in the original text
    end: int
    new_start: int  # in the pseudonymised text
    new_end: int
    entry: Entry


@dataclass
class Layered:
    """A text and its pseudonymised reading, with the offset map between them."""

    original: str
    text: str
    replacements: list[Replacement]

    @cached_property
    def _starts(self) -> list[int]:
        return [r.start for r in self.replacements]

    def map_start(self, position: int) -> int:
        i = bisect.bisect_right(self._starts, position) - 1
        if i < 0:
            return position
        r = self.replacements[i]
        if position < r.end:  # inside a replaced string: from the start of its pseudonym
            return r.new_start
        return position + r.new_end - r.end

    def map_end(self, position: int) -> int:
        i = bisect.bisect_left(self._starts, position) - 1
        if i < 0:
            return position
        r = self.replacements[i]
        if position <= r.end:  # ends inside a replaced string: through the end of its pseudonym
            return r.new_end
        return position + r.new_end - r.end

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        new_start = self.map_start(start)
        return new_start, max(new_start, self.map_end(end))

    def span(self, start: int, end: int) -> str:
        """The pseudonymised text of the original span [start, end)."""
        new_start, new_end = self.map_span(start, end)
        return self.text[new_start:new_end]


def _word_pattern(entry: Entry) -> str:
    words = entry.real.split()
    escaped = [re.escape(w) for w in words]
    last = words[-1]
    inflect = entry.kind in ("person", "place", "organisation")
    if inflect and _CYRILLIC.search(last) and len(last) >= 4:
        stem = last[:-1] if last[-1].lower() in _STEM_VOWELS else last
        endings = "|".join(re.escape(e) for e in sorted({*_CYRILLIC_ENDINGS, last[len(stem):]} - {""},
                                                        key=len, reverse=True))
        # The bare stem is another word ("Дан" is not "Дана"): an ending is required where one was cut off.
        escaped[-1] = f"{re.escape(stem)}(?:{endings}){'' if stem != last else '?'}"
    elif entry.kind == "person" and last.isalpha() and len(last) >= 3:
        stem = last[:-1] if len(last) >= 4 and last[-1].lower() in "aeiouy" else last
        latin = sorted({*_LATIN_PERSON_ENDINGS, last[len(stem):]} - {""}, key=len, reverse=True)
        escaped[-1] = f"{re.escape(stem)}(?:{'|'.join(latin)}){'' if stem != last else '?'}"
    return r"\s+".join(escaped)


_WORD_START = re.compile(r"(?<!\w)\w")


def _prefix(real: str) -> str:
    """The index key of a string: its first two letters, or one when its first word is one letter long."""
    first = real.split()[0]
    return (first[:2] if len(first) >= 2 else first[:1]).lower()


class Pseudonymiser:
    """Replaces every entry's real string (case-insensitive, whole words, inflected forms) by its pseudonym."""

    def __init__(self, entries: Iterable[Entry]):
        self.entries = [e for e in entries if re.search(r"\w", e.real)]
        # One alternation of every entry is slow (each position of a transcript tries them all): entries are
        # indexed by how their first word begins, and only the few that begin so are tried at a word's start.
        self._by_prefix: dict[str, list[tuple[re.Pattern, Entry]]] = {}
        for entry in self.entries:
            matchable = Entry(re.sub(r"^\W+", "", entry.real), entry.pseudonym, entry.kind)
            pattern = re.compile(_word_pattern(matchable) + r"(?!\w)", re.IGNORECASE)
            self._by_prefix.setdefault(_prefix(matchable.real), []).append((pattern, entry))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def find(self, text: str) -> list[tuple[int, int, Entry]]:
        """Every occurrence, left to right, as (start, end, entry); where several fit, the longest."""
        found: list[tuple[int, int, Entry]] = []
        if not self.entries or not text:
            return found
        by_prefix = self._by_prefix
        position = 0
        while True:
            word = _WORD_START.search(text, position)
            if word is None:
                return found
            start = word.start()
            best: tuple[int, int, Entry] | None = None
            for key in {text[start:start + 2].lower(), text[start].lower()}:
                for pattern, entry in by_prefix.get(key, ()):
                    match = pattern.match(text, start)
                    if match and (best is None or match.end() > best[1]):
                        best = (start, match.end(), entry)
            if best is not None:
                found.append(best)
                position = best[1]
            else:
                position = start + 1

    def apply(self, text: str) -> Layered:
        parts: list[str] = []
        replacements: list[Replacement] = []
        at = new_at = 0
        for start, end, entry in self.find(text):
            parts.append(text[at:start])
            new_at += start - at
            parts.append(entry.pseudonym)
            replacements.append(Replacement(start, end, new_at, new_at + len(entry.pseudonym), entry))
            new_at += len(entry.pseudonym)
            at = end
        parts.append(text[at:])
        return Layered(text, "".join(parts), replacements)

    def attributes(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """A respondent's attributes for an export: values pseudonymised, and a name attribute (name, surname,
        interviewer, ...) the table does not cover withheld, since it is a name whatever the table says."""
        out = {}
        for key, value in values.items():
            shown = self(value)
            if key.casefold() in PERSON_ATTRIBUTES and isinstance(value, str) and value.strip() and shown == value:
                shown = "[name withheld]"
            out[key] = shown
        return out

    def __call__(self, value: Any) -> Any:
        """Pseudonymise a value of any shape an export writes (text, lists, mappings); other values pass through."""
        if isinstance(value, str):
            return self.apply(value).text if self.entries else value
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self(v) for v in value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        return value


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

# Front-matter attributes whose values are people's names, and those that name an organisation.
PERSON_ATTRIBUTES = {"name", "respondent", "respondent_name", "full_name", "first_name", "last_name", "surname",
                     "patronymic", "nickname", "interviewer", "interviewer_name", "interviewee"}
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


def pseudonymise_export(project, documents: list, codings: list, memos: list) -> tuple[list, list, list]:
    """Copies of what a project export writes, read through the pseudonym layer (the stored rows are untouched).

    Documents get the pseudonymised text and attribute values; each coding moves to the span of the
    pseudonymised text covering the same words; memos and coding memos are pseudonymised. Refuses an empty table,
    so an export meant to be safe is never silently written with the real names.
    """
    import dataclasses

    table = load_table(project)
    layer = table.pseudonymiser()
    if not layer:
        raise CotagError(f"--pseudonymise: {table.path} has no pseudonyms yet "
                         f"(`cotag pseudonyms suggest`, then accept or add)")
    layered = {d.external_id: layer.apply(d.text) for d in documents}
    new_documents = [d.model_copy(update={"text": layered[d.external_id].text,
                                          "attributes": layer.attributes(d.attributes or {})})
                     for d in documents]
    new_codings = []
    for row in codings:
        start, end = layered[row.document].map_span(row.start, row.end) if row.document in layered \
            else (row.start, row.end)
        new_codings.append(dataclasses.replace(row, start=start, end=end, memo=layer(row.memo or "")))
    new_memos = [dataclasses.replace(m, title=layer(m.title or ""), text=layer(m.text or "")) for m in memos]
    return new_documents, new_codings, new_memos
