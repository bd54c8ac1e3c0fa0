"""What the table exports (matrices, the cell quotes, the bundle, the codebook appendix) print, read through the
pseudonym layer for `--pseudonymise`.

A matrix counts, but its column heads are attribute values (a city, an employer, a name), its read-me repeats the
filters (`place=Aktau`), and the codebook appendix quotes transcripts in its examples. Each helper returns a copy;
the stored rows and the figures are untouched.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Iterable

from cotag.errors import CotagError
from cotag.privacy.pseudonyms import Pseudonymiser, load_table

if TYPE_CHECKING:
    from cotag.export.charts import FrequencyChart
    from cotag.export.codebook_appendix import CodebookAppendix
    from cotag.export.matrix import AttributeMatrix
    from cotag.export.scope import Scope

NOTE = "Names, places and organisations are pseudonymised ({n} pseudonyms)."


def export_layer(project) -> Pseudonymiser:
    """The project's pseudonym layer for an export; an empty table is refused, so an export meant to be safe is
    never written with the real names."""
    table = load_table(project)
    layer = table.pseudonymiser()
    if not layer:
        raise CotagError(f"--pseudonymise: {table.path} has no pseudonyms yet "
                         f"(`cotag pseudonyms suggest`, then accept or add)")
    return layer


def note(layer: Pseudonymiser) -> str:
    return NOTE.format(n=len(layer.entries))


def value_label(layer: Pseudonymiser, attribute: str, value: Any) -> str:
    """An attribute value as a column head prints it: pseudonymised, and a name attribute's value withheld."""
    return str(layer.attributes({attribute: value})[attribute])


def column_labels(layer: Pseudonymiser, by: str, values: Iterable[str], *,
                  taken: Iterable[str] = ()) -> dict[str, str]:
    """Each attribute value as a column head, legend or chart label prints it (value -> label): pseudonymised, a
    name attribute's value withheld, and numbered where two read alike (Aktau and its old name Shevchenko, both
    `[city A]`), so no two columns merge. Age bands are numbers the layer never changes; `taken` are heads in
    use already (the total's)."""
    from cotag.export.matrix import AGE_BAND, MISSING

    values = list(values)
    if by == AGE_BAND:
        return {value: value for value in values}
    mapping: dict[str, str] = {}
    used = set(taken)
    for value in values:
        label = value if value == MISSING else value_label(layer, by, value)
        shown, n = label, 2
        while shown in used:
            shown, n = f"{label} ({n})", n + 1
        used.add(shown)
        mapping[value] = shown
    return mapping


def scope(scope: "Scope", layer: Pseudonymiser) -> "Scope":
    """The scope as a file's read-me lists it: filters such as `place=Aktau` pseudonymised."""
    return replace(scope, where=tuple(layer(w) for w in scope.where),
                   groups=tuple(layer(g) for g in scope.groups) if scope.groups else scope.groups)


def matrix(result: "AttributeMatrix", layer: Pseudonymiser) -> "AttributeMatrix":
    """A code x attribute matrix with its column heads pseudonymised.

    Values that read alike once pseudonymised (Aktau and its old name Shevchenko, both `[city A]`) keep separate
    columns, numbered: the counts were made per value and are not added up here. The columns are sorted by their
    new heads, so their order does not give away the real names' alphabetical order.
    """
    from cotag.export.matrix import AGE_BAND, MISSING

    if result.by == AGE_BAND:
        return result  # bands are numbers the layer never changes
    mapping = column_labels(layer, result.by, result.values, taken={result.total_label})
    if all(mapping[v] == v for v in result.values):
        return result
    values = sorted((mapping[v] for v in result.values), key=lambda v: (v == MISSING, v.casefold()))
    order = [*values, result.total_label]

    def rename(frame: Any) -> Any:
        return frame.rename(columns=mapping)[order]

    return replace(result, values=values, n={mapping.get(k, k): v for k, v in result.n.items()},
                   respondents=rename(result.respondents), excerpts=rename(result.excerpts),
                   share=rename(result.share),
                   total_excerpts={mapping.get(k, k): v for k, v in result.total_excerpts.items()})


def chart(result: "FrequencyChart", layer: Pseudonymiser) -> "FrequencyChart":
    """A frequency chart whose bars and legend name attribute values: the values pseudonymised, numbered where two
    read alike, as a matrix's column heads are."""
    from cotag.export.matrix import AGE_BAND, MISSING

    if result.by == AGE_BAND:
        return result
    mapping = column_labels(layer, result.by, result.values)
    values = sorted(mapping.values(), key=lambda v: (v == MISSING, v.casefold()))
    back = {shown: value for value, shown in mapping.items()}
    return replace(result, values=values, n={v: result.n[back[v]] for v in values},
                   percent={v: result.percent[back[v]] for v in values}, names=[layer(n) for n in result.names])


def appendix(result: "CodebookAppendix", layer: Pseudonymiser) -> "CodebookAppendix":
    """The codebook appendix with every text pseudonymised: names, definitions, rules, examples (often a
    transcript's words), and the group heads."""
    groups = {g: layer(g) for g in result.groups}
    codes = [replace(code, name=layer(code.name), path=tuple(layer(p) for p in code.path),
                     definition=layer(code.definition), include=layer(code.include), exclude=layer(code.exclude),
                     examples=layer(code.examples),
                     per_group={groups[g]: counts for g, counts in code.per_group.items()},
                     agreement=replace(code.agreement, note=layer(code.agreement.note)))
             for code in result.codes]
    return replace(result, codes=codes, groups=[groups[g] for g in result.groups],
                   n={groups.get(k, k): v for k, v in result.n.items()}, scope=scope(result.scope, layer))
