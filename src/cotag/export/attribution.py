"""Attribution templates: `({gender}, {age}, {occupation}, {place})` rendered per respondent, missing parts dropped."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from cotag.errors import CotagError

# The papers' style: experts by who and where they are, graduates by where they studied.
DEFAULT_TEMPLATE = "({gender}, {age}, {occupation}, {place})"
GROUP_TEMPLATES = {
    "expert": "({gender}, {age}, {occupation}, {place})",
    "graduate": "({gender}, {age}, graduated from {degree_country|adj|a} university)",
}
DEFAULT_KEY = "default"

# Placeholders every document has, besides its own attributes.
BUILTIN_FIELDS = ("id", "group", "speaker")

# Country -> adjective for `|adj`. A country not listed is used as it is ("a Uzbekistan university" still reads).
COUNTRY_ADJECTIVES = {
    "usa": "US", "us": "US", "united states": "US", "united states of america": "US", "america": "American",
    "uk": "British", "united kingdom": "British", "great britain": "British", "britain": "British",
    "england": "English", "scotland": "Scottish", "wales": "Welsh", "ireland": "Irish",
    "canada": "Canadian", "germany": "German", "austria": "Austrian", "hungary": "Hungarian",
    "russia": "Russian", "russian federation": "Russian", "south korea": "South Korean", "korea": "Korean",
    "republic of korea": "South Korean", "australia": "Australian", "new zealand": "New Zealand",
    "switzerland": "Swiss", "france": "French", "netherlands": "Dutch", "the netherlands": "Dutch",
    "belgium": "Belgian", "italy": "Italian", "spain": "Spanish", "portugal": "Portuguese", "greece": "Greek",
    "sweden": "Swedish", "norway": "Norwegian", "denmark": "Danish", "finland": "Finnish",
    "poland": "Polish", "czech republic": "Czech", "czechia": "Czech", "slovakia": "Slovak",
    "slovenia": "Slovenian", "croatia": "Croatian", "serbia": "Serbian", "romania": "Romanian",
    "bulgaria": "Bulgarian", "estonia": "Estonian", "latvia": "Latvian", "lithuania": "Lithuanian",
    "ukraine": "Ukrainian", "belarus": "Belarusian", "georgia": "Georgian", "armenia": "Armenian",
    "azerbaijan": "Azerbaijani", "turkey": "Turkish", "türkiye": "Turkish", "israel": "Israeli",
    "china": "Chinese", "japan": "Japanese", "taiwan": "Taiwanese", "hong kong": "Hong Kong",
    "singapore": "Singaporean", "malaysia": "Malaysian", "india": "Indian", "mongolia": "Mongolian",
    "uae": "Emirati", "united arab emirates": "Emirati", "qatar": "Qatari", "saudi arabia": "Saudi",
    "egypt": "Egyptian", "kazakhstan": "Kazakhstani", "kyrgyzstan": "Kyrgyz", "uzbekistan": "Uzbek",
    "tajikistan": "Tajik", "turkmenistan": "Turkmen", "mexico": "Mexican", "brazil": "Brazilian",
    "argentina": "Argentinian",
}

# Words that start with a vowel letter but a consonant sound ("a US university", "a European university").
_CONSONANT_SOUND = ("uni", "use", "usu", "uk", "ukr", "ural", "eu", "one", "once")
_VOWEL_SOUND = ("hour", "honest", "honour", "honor", "heir")
# An acronym is read letter by letter: "an MBA", "an NGO", "a US ...".
_VOWEL_SOUND_LETTERS = set("AEFHILMNORSX")


def _article(word: str) -> str:
    first = word.split()[0] if word.split() else word
    bare = first.strip("\"'«“(")
    if not bare:
        return "a"
    if bare.isupper() and len(bare) <= 5 and bare.isalpha():
        return "an" if bare[0] in _VOWEL_SOUND_LETTERS else "a"
    lower = bare.lower()
    if lower.startswith(_VOWEL_SOUND):
        return "an"
    if lower.startswith(_CONSONANT_SOUND):
        return "a"
    return "an" if lower[0] in "aeiou" else "a"


def _adjective(value: str) -> str:
    return COUNTRY_ADJECTIVES.get(value.strip().lower(), value.strip())


FILTERS = {
    "adj": _adjective,
    "a": lambda v: f"{_article(v)} {v}",
    "lower": str.lower,
    "upper": str.upper,
    "title": str.title,
    "cap": lambda v: v[:1].upper() + v[1:],
}


def format_value(value: Any) -> str | None:
    """A printable attribute value, or None when it is missing (None, empty, NaN)."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        parts = [p for p in (format_value(v) for v in value) if p]
        return "; ".join(parts) or None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class Placeholder:
    name: str
    filters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Part:
    """One comma-separated part: literal text and placeholders; dropped whole when a placeholder is missing."""

    tokens: tuple[str | Placeholder, ...]

    def render(self, values: Mapping[str, Any]) -> str | None:
        out: list[str] = []
        for token in self.tokens:
            if isinstance(token, str):
                out.append(token)
                continue
            value = format_value(values.get(token.name))
            if value is None:
                return None
            for name in token.filters:
                value = FILTERS[name](value)
            out.append(value)
        text = " ".join("".join(out).split())
        return text or None


_PLACEHOLDER = re.compile(r"^\s*([^\W\d][\w-]*)\s*((?:\|\s*[a-z]+\s*)*)$")


@dataclass(frozen=True)
class Template:
    """A parsed template. Commas separate parts; an outer wrapper such as the parentheses stays only if a part does."""

    source: str
    prefix: str
    parts: tuple[Part, ...]
    suffix: str

    @property
    def placeholders(self) -> set[str]:
        return {t.name for p in self.parts for t in p.tokens if isinstance(t, Placeholder)}

    def render(self, values: Mapping[str, Any]) -> str:
        kept = [text for text in (part.render(values) for part in self.parts) if text]
        if not kept:
            return ""
        return f"{self.prefix}{', '.join(kept)}{self.suffix}"


def parse_template(source: str, *, label: str = "attribution template") -> Template:
    """Parse `({gender}, {age|cap}, ...)`; `{{` and `}}` are literal braces. Errors name the template and the fault."""
    if not isinstance(source, str):
        raise CotagError(f"{label}: a template must be text, got {source!r}")
    parts: list[list[str | Placeholder]] = [[]]
    i, n = 0, len(source)
    literal: list[str] = []

    def flush() -> None:
        if literal:
            parts[-1].append("".join(literal))
            literal.clear()

    while i < n:
        ch = source[i]
        if ch == "{" and source.startswith("{{", i):
            literal.append("{")
            i += 2
        elif ch == "}" and source.startswith("}}", i):
            literal.append("}")
            i += 2
        elif ch == "{":
            close = source.find("}", i)
            if close < 0:
                raise CotagError(f"{label} {source!r}: '{{' at position {i} is never closed (write {{{{ for a brace)")
            inner = source[i + 1:close]
            match = _PLACEHOLDER.match(inner)
            if not match:
                raise CotagError(f"{label} {source!r}: bad placeholder {{{inner}}}: write {{attribute}} or "
                                 f"{{attribute|filter}} with filters {', '.join(FILTERS)}")
            filters = tuple(f.strip() for f in match.group(2).split("|") if f.strip())
            for name in filters:
                if name not in FILTERS:
                    raise CotagError(f"{label} {source!r}: unknown filter {name!r} in {{{inner}}} "
                                     f"(filters: {', '.join(FILTERS)})")
            flush()
            parts[-1].append(Placeholder(match.group(1), filters))
            i = close + 1
        elif ch == "}":
            raise CotagError(f"{label} {source!r}: '}}' at position {i} closes nothing (write }}}} for a brace)")
        elif ch == ",":
            flush()
            parts.append([])
            i += 1
        else:
            literal.append(ch)
            i += 1
    flush()
    # The wrapper: punctuation before the first part and after the last, e.g. "(" and ")".
    prefix = suffix = ""
    first, last = parts[0], parts[-1]
    if first and isinstance(first[0], str):
        head = re.match(r"^[^\w{]*", first[0]).group(0)  # type: ignore[union-attr]  # `*` always matches
        prefix, first[0] = head.lstrip() if head.strip() else "", first[0][len(head):]
    if last and isinstance(last[-1], str):
        tail = re.search(r"[^\w}]*$", last[-1]).group(0)  # type: ignore[union-attr]  # `*` always matches
        suffix, last[-1] = tail.rstrip() if tail.strip() else "", last[-1][:len(last[-1]) - len(tail)]
    cleaned = tuple(Part(tuple(t for t in p if t != "")) for p in parts)
    return Template(source=source, prefix=prefix, parts=tuple(p for p in cleaned if p.tokens), suffix=suffix)


@dataclass
class Attribution:
    """Templates per group, with a default for any other group."""

    default: Template
    by_group: dict[str, Template] = field(default_factory=dict)
    chosen: frozenset[str] = frozenset()  # groups whose template the user wrote (cotag.toml or command line)

    def template_for(self, group: str) -> Template:
        return self.by_group.get(group, self.default)

    def render(self, *, group: str, attributes: Mapping[str, Any], document: str = "", speaker: str = "") -> str:
        values = {"id": document, "group": group, "speaker": speaker, **attributes}
        return self.template_for(group).render(values)

    @property
    def placeholders(self) -> set[str]:
        names = set(self.default.placeholders)
        for template in self.by_group.values():
            names |= template.placeholders
        return names

    def check(self, *, attributes: Iterable[str]) -> None:
        """Refuse a placeholder in a user's template that no document has (a typo would blank every attribution).

        The built-in templates are not checked: a project without graduates has no degree_country, and needs none.
        """
        known = set(attributes) | set(BUILTIN_FIELDS)
        for group, template in [(DEFAULT_KEY, self.default), *self.by_group.items()]:
            if group not in self.chosen:
                continue
            unknown = sorted(template.placeholders - known)
            if unknown:
                raise CotagError(f"attribution template for {group} {template.source!r}: unknown attribute "
                                 f"{{{unknown[0]}}} (attributes: {', '.join(sorted(known))})")

    def describe(self) -> dict[str, str]:
        return {DEFAULT_KEY: self.default.source, **{g: t.source for g, t in self.by_group.items()}}


_GROUP_ASSIGNMENT = re.compile(r"^\s*([^\W\d][\w-]*)\s*=(.*)$", re.S)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def build_attribution(*, config: Mapping[str, Any] | None = None, overrides: Iterable[str] = (),
                      groups: Iterable[str] = ()) -> Attribution:
    """Built-in templates, then cotag.toml [export.attribution], then the command line.

    A bare command-line template replaces every group's; `group="..."` sets one group's (and `default="..."`
    the fallback). `groups` are the project's groups, to catch a misspelt group on the command line.
    """
    sources: dict[str, str] = {DEFAULT_KEY: DEFAULT_TEMPLATE, **GROUP_TEMPLATES}
    chosen: set[str] = set()
    section = ((config or {}).get("export") or {}).get("attribution") or {}
    if not isinstance(section, Mapping):
        raise CotagError("cotag.toml: [export.attribution] must be a table of group = \"template\"")
    for key, value in section.items():
        if not isinstance(value, str):
            raise CotagError(f"cotag.toml: [export.attribution] {key} must be a quoted template, got {value!r}")
        sources[key] = value
        chosen.add(key)
    known_groups = set(groups)
    bare: list[str] = []
    assigned: dict[str, str] = {}
    for item in overrides:
        match = _GROUP_ASSIGNMENT.match(item)
        if match:
            name = match.group(1)
            if name != DEFAULT_KEY and name not in known_groups:
                raise CotagError(
                    f"--attribution {item!r}: no group named {name!r} "
                    f"(groups: {', '.join(sorted(known_groups)) or 'none'}); "
                    f"a template that itself starts with 'name=' must be written default=\"...\"")
            assigned[name] = _unquote(match.group(2))
        else:
            bare.append(_unquote(item))
    if len(bare) > 1:
        raise CotagError("--attribution: give one template for all groups, or group=\"template\" per group")
    if bare:
        sources = {DEFAULT_KEY: bare[0]}
        chosen = {DEFAULT_KEY}
    sources.update(assigned)
    chosen |= set(assigned)
    default = parse_template(sources.pop(DEFAULT_KEY), label="attribution template for default")
    by_group = {g: parse_template(s, label=f"attribution template for {g}") for g, s in sources.items()}
    return Attribution(default=default, by_group=by_group, chosen=frozenset(chosen))
