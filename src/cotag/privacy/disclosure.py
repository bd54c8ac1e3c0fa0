"""The disclosure check: how many respondents share the attribution a quote prints (k), and coarsening to a minimum k.

A reader who knows the study can match "(female, 38, civil servant, Aktau)" against the people it could be. k is
the number of respondents in the whole corpus whose attribution reads exactly the same; k = 1 names one person.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import yaml

from cotag.errors import CotagError
from cotag.export.attribution import Attribution, build_attribution, format_value, parse_template
from cotag.privacy.suggestions import gazetteer

if TYPE_CHECKING:
    from cotag.store.session import Session

DEFAULT_ORDER = ("age", "place", "occupation", "gender")
AGE_BAND = 10
COARSE, DROPPED = 1, 2


@dataclass(frozen=True)
class Respondent:
    document: str
    group: str
    attributes: Mapping[str, Any]


def corpus_respondents(session: Session) -> list[Respondent]:
    """Every document of the project (the whole corpus, whatever an export selects): its id, group, attributes."""
    from cotag.store.documents import document_columns

    return [Respondent(d.external_id, d.group, d.attributes) for d in document_columns(session)]


@lru_cache(maxsize=1)
def _shipped_sectors() -> dict[str, str]:
    data = yaml.safe_load(resources.files("cotag.privacy").joinpath("sectors.yaml").read_text(encoding="utf-8"))
    return {" ".join(str(k).casefold().split()): str(v) for k, v in (data or {}).items()}


def privacy_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    section = (config or {}).get("privacy") or {}
    if not isinstance(section, Mapping):
        raise CotagError("cotag.toml: [privacy] must be a table")
    return dict(section)


def coarsen_order(config: Mapping[str, Any] | None) -> list[str]:
    order = privacy_config(config).get("coarsen", list(DEFAULT_ORDER))
    if not isinstance(order, list) or not all(isinstance(a, str) and a.strip() for a in order):
        raise CotagError(f"cotag.toml: [privacy] coarsen must be a list of attribute names, e.g. "
                         f"{list(DEFAULT_ORDER)}, got {order!r}")
    return [a.strip() for a in order]


def sector_map(config: Mapping[str, Any] | None) -> dict[str, str]:
    own = privacy_config(config).get("sectors") or {}
    if not isinstance(own, Mapping):
        raise CotagError("cotag.toml: [privacy.sectors] must be a table of occupation = \"sector\"")
    return {**_shipped_sectors(), **{" ".join(str(k).casefold().split()): str(v) for k, v in own.items()}}


def age_band(value: Any) -> str | None:
    text = format_value(value)
    match = re.fullmatch(r"\s*(\d{1,3})(?:\.0+)?\s*", text or "")
    if not match:
        return None
    low = int(match.group(1)) // AGE_BAND * AGE_BAND
    return f"{low}-{low + AGE_BAND - 1}"


# What one step coarser means, per attribute; an attribute not listed has no coarser level, only dropping.
COARSER = {"age": "10-year bands", "place": "region", "occupation": "sector"}


@dataclass
class Coarsening:
    """Per attribute: COARSE (age band, region, sector) or DROPPED. Applied to every respondent alike."""

    levels: dict[str, int] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.levels)

    def value(self, attribute: str, value: Any, attributes: Mapping[str, Any]) -> Any:
        level = self.levels.get(attribute, 0)
        if level == 0 or value is None:
            return value
        if level >= DROPPED:
            return None
        if attribute == "age":
            return age_band(value)
        if attribute == "place":
            text = format_value(value)
            return gazetteer().region_of(text) if text else None
        if attribute == "occupation":
            own = format_value(attributes.get("sector"))
            if own:  # the respondent's own sector, where the corpus records it
                return own
            text = format_value(value)
            return self.sectors.get(" ".join(text.casefold().split())) if text else None
        return None

    def apply(self, attributes: Mapping[str, Any]) -> dict[str, Any]:
        if not self.levels:
            return dict(attributes)
        return {k: self.value(k, v, attributes) for k, v in attributes.items()}

    def describe(self) -> list[str]:
        out = []
        for attribute, level in self.levels.items():
            if level >= DROPPED:
                out.append(f"{attribute} left out")
            else:
                out.append(f"{attribute} to {COARSER[attribute]}")
        return out


def attribution_for(attributes: Iterable[str] | None, config: Mapping[str, Any] | None,
                    groups: Iterable[str]) -> Attribution:
    """The project's attribution (what quotes print), or one template of the given attributes for every group."""
    if attributes:
        names = [a.strip() for a in attributes if a.strip()]
        template = parse_template("(" + ", ".join("{" + n + "}" for n in names) + ")",
                                  label="--attributes")
        return Attribution(default=template, chosen=frozenset({"default"}))
    return build_attribution(config=config, groups=groups)


def k_values(respondents: list[Respondent], attribution: Attribution,
             coarsening: Coarsening | None = None) -> dict[str, tuple[str, int]]:
    """document -> (the attribution a quote prints, how many respondents of the corpus print the same)."""
    printed = {}
    for r in respondents:
        attributes = coarsening.apply(r.attributes) if coarsening else r.attributes
        # {id} and {speaker} would name the document itself; k is about who the respondent is.
        printed[r.document] = attribution.render(group=r.group, attributes=attributes)
    counts = Counter(printed.values())
    return {doc: (text, counts[text]) for doc, text in printed.items()}


def choose_coarsening(respondents: list[Respondent], quoted: Iterable[str], attribution: Attribution,
                      min_k: int, *, order: Iterable[str] = DEFAULT_ORDER, sectors: Mapping[str, str] | None = None
                      ) -> tuple[dict[str, Coarsening], dict[str, tuple[str, int]]]:
    """Per quoted respondent, the least coarsening, stepping through `order`, that makes its k at least min_k.

    The steps: each attribute in order goes one step coarser (age to bands, place to region, occupation to
    sector); then each is left out in the same order, then any other attribute the templates print. A respondent
    stops at the first step where its printed attribution is shared by min_k respondents of the corpus, counted
    with everyone coarsened the same way (who else could have printed these words). Returns the coarsening and
    (attribution, k) of each quoted respondent.
    """
    if min_k < 1:
        raise CotagError(f"--min-k {min_k}: give a number of respondents, 1 or more")
    if min_k > len(respondents):
        raise CotagError(f"--min-k {min_k}: the corpus has only {len(respondents)} respondents")
    order = list(dict.fromkeys(order))
    printed_names = attribution.placeholders
    others = sorted(printed_names - set(order) - {"id", "group", "speaker"})
    steps = [(a, COARSE) for a in order if a in COARSER and a in printed_names]
    steps += [(a, DROPPED) for a in order + others if a in printed_names]
    sectors = dict(sectors if sectors is not None else _shipped_sectors())
    # Everyone follows the same steps, so the corpus is rendered once per step, not once per respondent.
    stages: list[tuple[Coarsening, dict[str, tuple[str, int]]]] = []

    def stage(n: int) -> tuple[Coarsening, dict[str, tuple[str, int]]]:
        while len(stages) <= n:
            levels = {}
            for attribute, level in steps[:len(stages)]:
                levels[attribute] = level
            coarsening = Coarsening(levels=levels, sectors=sectors)
            stages.append((coarsening, k_values(respondents, attribution, coarsening)))
        return stages[n]

    chosen: dict[str, Coarsening] = {}
    result: dict[str, tuple[str, int]] = {}
    for document in sorted(set(quoted)):
        for n in range(len(steps) + 1):
            coarsening, ks = stage(n)
            if document not in ks:
                break  # not a document of the corpus
            if ks[document][1] >= min_k or n == len(steps):
                chosen[document], result[document] = coarsening, ks[document]
                break
        if document in result and result[document][1] < min_k:
            raise CotagError(f"--min-k {min_k}: even with every attribute left out, {document}'s attribution is "
                             f"shared by {result[document][1]} (does the template print {{id}} or {{speaker}}?)")
    return chosen, result


def describe_coarsening(chosen: Mapping[str, Coarsening]) -> list[str]:
    """What an export coarsened, with how many respondents: "age to 10-year bands (12 respondents)"."""
    counts: Counter[str] = Counter()
    for coarsening in chosen.values():
        counts.update(coarsening.describe())
    return [f"{what} ({n} respondent{'s' if n != 1 else ''})" for what, n in counts.items()]


def disclosure_report(session: Session, *, config: Mapping[str, Any] | None = None, attributes: Iterable[str] | None = None,
                      k: int = 3) -> dict[str, Any]:
    """Every respondent's attribution and k; those below the threshold k first listed under 'below'."""
    if k < 1:
        raise CotagError(f"--k {k}: give a number of respondents, 1 or more")
    respondents = corpus_respondents(session)
    attribution = attribution_for(attributes, config, {r.group for r in respondents})
    # A misspelt attribute would print nothing for anyone, and everyone would look safe.
    attribution.check(attributes={name for r in respondents for name in r.attributes})
    ks = k_values(respondents, attribution)
    rows: list[dict[str, Any]] = [
        {"document": r.document, "group": r.group, "attribution": ks[r.document][0], "k": ks[r.document][1]}
        for r in sorted(respondents, key=lambda r: r.document)]
    below = sorted((row for row in rows if row["k"] < k), key=lambda row: (row["k"], row["document"]))
    return {"threshold": k, "respondents": len(rows), "attributes": list(attributes) if attributes else None,
            "below": below, "unique": sum(1 for row in rows if row["k"] == 1), "all": rows}
