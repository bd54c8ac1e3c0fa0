"""Code queries: `wages AND NOT family`, `(corruption OR lowpay) NEAR/2 family`, `wages OVERLAP emigration`.

An expression evaluates, per coder and per document, to a set of *passages*: stretches of the document's
text, kept as sorted, non-overlapping, non-touching character ranges (a set of characters). A code stands
for the text its codings cover (with its sub-codes); AND, OR and NOT are intersection, union and
complement of those characters; X OVERLAP Y keeps the passages of X that share a character with a passage
of Y and those of Y that share one with X; X NEAR/n Y does the same for passages at most n units
(sentences) apart. See docs/queries.md.

The functions over a project read in the session they are given; services.queries opens the transaction.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, Union

from cotag.errors import CotagError

if TYPE_CHECKING:
    from cotag.export.quotes import QuoteTable
    from cotag.export.scope import Scope, Selection
    from cotag.project import Project
    from cotag.store.session import Session

Span = tuple[int, int]
Passages = list[Span]

KEYWORDS = ("AND", "OR", "NOT", "OVERLAP", "NEAR")


# ---------------------------------------------------------------- the expression

@dataclass(frozen=True)
class Code:
    key: str
    position: int = 0


@dataclass(frozen=True)
class Not:
    operand: "Expr"


@dataclass(frozen=True)
class Binary:
    op: str  # AND, OR, OVERLAP, NEAR
    left: "Expr"
    right: "Expr"
    distance: int = 0  # NEAR/n

    def __str__(self) -> str:
        return f"NEAR/{self.distance}" if self.op == "NEAR" else self.op


Expr = Union[Code, Not, Binary]


class QueryError(CotagError):
    """A query that cannot be read: the message names the position and the token."""


@dataclass(frozen=True)
class Token:
    kind: str  # CODE, AND, OR, NOT, OVERLAP, NEAR, (, ), END
    text: str
    position: int  # 1-based character position in the expression
    distance: int = 0


_TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|"(?P<quoted>[^"]*)"|(?P<word>[^\s()"]+)|(?P<bad>"))')
_NEAR = re.compile(r"NEAR/(\d+)\Z", re.I)


def _error(source: str, position: int, message: str) -> QueryError:
    pointer = " " * (position - 1) + "^"
    return QueryError(f"query: {message} at position {position}\n  {source}\n  {pointer}")


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    at = 0
    while at < len(source):
        match = _TOKEN.match(source, at)
        if match is None or match.end() == at:  # only trailing spaces are left
            break
        position = match.start(match.lastgroup) + 1 if match.lastgroup else at + 1
        if match.group("paren"):
            tokens.append(Token(match.group("paren"), match.group("paren"), position))
        elif match.group("quoted") is not None:
            tokens.append(Token("CODE", match.group("quoted"), position))
        elif match.group("bad"):
            raise _error(source, position, 'a quote " that is not closed')
        else:
            word = match.group("word")
            upper = word.upper()
            near = _NEAR.match(word)
            if near:
                tokens.append(Token("NEAR", word, position, int(near.group(1))))
            elif upper == "NEAR" or upper.startswith("NEAR/"):
                raise _error(source, position, f"{word!r}: write NEAR/n with a whole number of units, e.g. NEAR/2")
            elif upper in KEYWORDS:
                tokens.append(Token(upper, word, position))
            else:
                tokens.append(Token("CODE", word, position))
        at = match.end()
    tokens.append(Token("END", "", len(source.rstrip()) + 1))
    return tokens


class _Parser:
    """Precedence, tightest first: NOT; OVERLAP and NEAR/n; AND; OR. Binary operators group from the left."""

    def __init__(self, source: str):
        self.source = source
        self.tokens = tokenize(source)
        self.at = 0

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def fail(self, token: Token, expected: str) -> QueryError:
        found = "the end of the query" if token.kind == "END" else repr(token.text)
        return _error(self.source, token.position, f"expected {expected}, found {found}")

    def parse(self) -> Expr:
        if self.peek().kind == "END":
            raise _error(self.source, 1, "the query is empty")
        expr = self.or_()
        token = self.peek()
        if token.kind != "END":
            raise self.fail(token, "AND, OR, OVERLAP, NEAR/n or the end")
        return expr

    def or_(self) -> Expr:
        expr = self.and_()
        while self.peek().kind == "OR":
            self.take()
            expr = Binary("OR", expr, self.and_())
        return expr

    def and_(self) -> Expr:
        expr = self.proximity()
        while self.peek().kind == "AND":
            self.take()
            expr = Binary("AND", expr, self.proximity())
        return expr

    def proximity(self) -> Expr:
        expr = self.not_()
        while self.peek().kind in ("OVERLAP", "NEAR"):
            token = self.take()
            expr = Binary(token.kind, expr, self.not_(), token.distance)
        return expr

    def not_(self) -> Expr:
        if self.peek().kind == "NOT":
            self.take()
            return Not(self.not_())
        return self.atom()

    def atom(self) -> Expr:
        token = self.take()
        if token.kind == "CODE":
            if not token.text:
                raise _error(self.source, token.position, 'an empty code key ""')
            return Code(token.text, token.position)
        if token.kind == "(":
            expr = self.or_()
            close = self.peek()
            if close.kind != ")":
                raise self.fail(close, f"')' to close the '(' at position {token.position}")
            self.take()
            return expr
        raise self.fail(token, "a code key, NOT or '('")


def parse(source: str) -> Expr:
    return _Parser(source).parse()


def codes_in(expr: Expr) -> list[Code]:
    if isinstance(expr, Code):
        return [expr]
    if isinstance(expr, Not):
        return codes_in(expr.operand)
    return codes_in(expr.left) + codes_in(expr.right)


def render(expr: Expr) -> str:
    """The expression with every grouping in parentheses: how cotag read it."""
    if isinstance(expr, Code):
        return expr.key if expr.key.upper() not in KEYWORDS and re.fullmatch(r"[^\s()\"]+", expr.key) \
            else f'"{expr.key}"'
    if isinstance(expr, Not):
        return f"NOT {render(expr.operand)}"
    return f"({render(expr.left)} {expr} {render(expr.right)})"


# ---------------------------------------------------------------- passages

def normalize(spans: Iterable[Span]) -> Passages:
    """Sorted, merged (overlapping or touching) ranges; empty ones dropped."""
    out: Passages = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def union(a: Passages, b: Passages) -> Passages:
    return normalize([*a, *b])


def intersect(a: Passages, b: Passages) -> Passages:
    out: Passages = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return normalize(out)


def complement(a: Passages, length: int) -> Passages:
    out: Passages = []
    at = 0
    for start, end in a:
        if start > at:
            out.append((at, min(start, length)))
        at = max(at, end)
    if at < length:
        out.append((at, length))
    return normalize(out)


@dataclass(frozen=True)
class UnitStarts:
    """Where a document's units start: a passage's units are those from the one holding its first character
    (or the last one before it) to the one holding its last."""

    starts: Sequence[int]

    def range(self, span: Span) -> tuple[int, int]:
        if not self.starts:
            return 0, 0
        first = max(bisect_right(self.starts, span[0]) - 1, 0)
        last = max(bisect_left(self.starts, span[1]) - 1, first)
        return first, last


def _close(a: Passages, b: Passages, near: Callable[[Span, Span], bool]) -> Passages:
    keep = [x for x in a if any(near(x, y) for y in b)] + [y for y in b if any(near(x, y) for x in a)]
    return normalize(keep)


def overlap(a: Passages, b: Passages) -> Passages:
    return _close(a, b, lambda x, y: x[0] < y[1] and y[0] < x[1])


def near(a: Passages, b: Passages, distance: int, units: UnitStarts) -> Passages:
    def within(x: Span, y: Span) -> bool:
        (f1, l1), (f2, l2) = units.range(x), units.range(y)
        return max(0, f2 - l1, f1 - l2) <= distance

    return _close(a, b, within)


def evaluate(expr: Expr, *, coded: Callable[[str], Passages], length: int, units: UnitStarts) -> Passages:
    """The passages of one document (of one coder): coded(key) gives the text coded with key or its sub-codes."""
    if isinstance(expr, Code):
        return coded(expr.key)
    if isinstance(expr, Not):
        return complement(evaluate(expr.operand, coded=coded, length=length, units=units), length)
    left = evaluate(expr.left, coded=coded, length=length, units=units)
    right = evaluate(expr.right, coded=coded, length=length, units=units)
    if expr.op == "AND":
        return intersect(left, right)
    if expr.op == "OR":
        return union(left, right)
    if expr.op == "OVERLAP":
        return overlap(left, right)
    return near(left, right, expr.distance, units)


# ---------------------------------------------------------------- over a project

def run_query(selection: "Selection", source: str, *, attribution_overrides: Iterable[str] = (),
              config: dict | None = None) -> "QuoteTable":
    """The query's passages in a resolved selection (with texts and units) as a quote table."""
    import numpy as np

    from cotag.export.attribution import build_attribution
    from cotag.export.quotes import FIELDS, QuoteTable, _clean
    from cotag.export.scope import chosen_code_ids

    expr = parse(source)
    subtree = {}
    for code in codes_in(expr):
        if code.key not in subtree:
            try:
                subtree[code.key] = chosen_code_ids(selection.tree, [code.key]) or set()
            except CotagError as exc:
                raise _error(source, code.position, str(exc).replace("--codes: ", "")) from None
    attribution = build_attribution(config=config, overrides=attribution_overrides,
                                    groups={d.group for d in selection.documents})
    attribution.check(attributes=selection.project_attributes)
    codings, units = selection.codings, selection.units
    assert units is not None, "run_query needs resolve(..., with_text=True, with_units=True)"
    covering = selection.covering
    # Every chosen coder, and (with every coder chosen) each who covered a document: a coder whose codings there
    # are all of other codes still has a NOT there, as they have when chosen alone.
    coders = sorted(set(codings.coder) | set(selection.coders or [])
                    | {name for names in (covering or {}).values() for name in names})
    by_doc: dict[int, list[int]] = {}
    for i, doc_id in enumerate(codings.document_id.tolist()):
        by_doc.setdefault(doc_id, []).append(i)
    code_ids = codings.code_id.tolist()
    starts, ends = codings.start.tolist(), codings.end.tolist()
    label = render(expr)
    data: dict[str, list[Any]] = {name: [] for name in FIELDS}
    covered = selection.coded_document_ids
    for document in sorted(selection.documents, key=lambda d: d.external_id):
        if document.id not in covered:
            continue  # nobody has coded it: NOT would call all of it a finding
        # Units are ordered by document: its rows are one slice.
        rows = np.arange(np.searchsorted(units.document_id, document.id, side="left"),
                         np.searchsorted(units.document_id, document.id, side="right"))
        unit_starts = units.start[rows].tolist()
        unit_ends = units.end[rows].tolist()
        speakers = [units.speaker[i] for i in rows.tolist()]
        unit_index = units.index[rows].tolist()
        where = UnitStarts(unit_starts)
        for coder in coders:
            if covering is not None and coder not in covering.get(document.id, ()):
                continue  # a coder who never coded this interview says nothing about it, NOT included
            spans: dict[str, list[Span]] = {key: [] for key in subtree}
            for i in by_doc.get(document.id, []):
                if codings.coder[i] == coder:
                    for key, ids in subtree.items():
                        if code_ids[i] in ids:
                            spans[key].append((starts[i], ends[i]))
            if not any(spans.values()) and not _has_not(expr):
                continue
            merged = {key: normalize(v) for key, v in spans.items()}
            passages = evaluate(expr, coded=merged.__getitem__, length=len(document.text), units=where)
            for start, end in passages:
                # Whitespace at a passage's edges is no part of it (NOT keeps the spaces between codings); a
                # passage of whitespace alone is no passage.
                while start < end and document.text[start].isspace():
                    start += 1
                while end > start and document.text[end - 1].isspace():
                    end -= 1
                if start == end:
                    continue
                first, last = where.range((start, end)) if unit_starts else (0, -1)
                # Speakers of the units the passage shares characters with, each once, in order.
                speaker = " / ".join(dict.fromkeys(
                    speakers[u] for u in range(first, last + 1)
                    if speakers[u] and unit_starts[u] < end and unit_ends[u] > start))
                data["code"].append(label)
                data["code_name"].append(label)
                data["path"].append((f"Query: {label}",))
                data["text"].append(_clean(document.text[start:end]))
                data["attribution"].append(attribution.render(group=document.group, attributes=document.attributes,
                                                              document=document.external_id, speaker=speaker))
                data["document"].append(document.external_id)
                data["group"].append(document.group)
                data["attributes"].append(document.attributes)
                data["speaker"].append(speaker)
                data["coder"].append(coder)
                data["memo"].append("")
                data["start"].append(start)
                data["end"].append(end)
                # Numbered from 1, as `export quotes` and the transcript screen number units.
                data["unit"].append(unit_index[first] + 1 if unit_starts else None)
    return QuoteTable(data=data, attribute_keys=selection.attribute_keys(), coding_label=selection.coding_label,
                      title=f"Query: {label}")


def _has_not(expr: Expr) -> bool:
    if isinstance(expr, Code):
        return False
    if isinstance(expr, Not):
        return True
    return _has_not(expr.left) or _has_not(expr.right)


def query_selection(session: "Session", source: str, scope: "Scope") -> "Selection":
    """Resolve the scope for a query: its codes (each with its subtree), whose coding, which respondents; and who
    covered each document, so that a coder's NOT speaks only for the documents that coder coded (or marked done),
    as coded_document_ids does for the coding as a whole."""
    from cotag.export.scope import Scope, chosen_code_ids, load_tree, resolve
    from cotag.store import plain_reads

    expr = parse(source)  # a bad query fails before the project is read
    tree = load_tree(session)
    for code in codes_in(expr):
        try:
            chosen_code_ids(tree, [code.key])
        except CotagError as exc:
            raise _error(source, code.position, str(exc).replace("--codes: ", "")) from None
    narrowed = Scope(codes=tuple(dict.fromkeys(c.key for c in codes_in(expr))), coders=scope.coders,
                     consensus=scope.consensus, all_coders=scope.all_coders, groups=scope.groups,
                     documents=scope.documents, where=scope.where)
    from cotag.export.scope import load_units

    selection = resolve(session, narrowed, with_text=True, with_units=True)
    # resolve reads the units of documents with codings of these codes; a NOT reaches every covered document.
    selection.units = load_units(session, set(selection.coded_document_ids))
    names = {coder_id: name for coder_id, name, _ in plain_reads.coders(session)}
    wanted = None if selection.coders is None else [i for i, n in names.items() if n in set(selection.coders)]
    covering: dict[int, set[str]] = {}
    for coder_id, document_id in (plain_reads.done_pairs(session, coder_ids=wanted)
                                  | plain_reads.coded_pairs(session, coder_ids=wanted)):
        covering.setdefault(document_id, set()).add(names[coder_id])
    selection.covering = {d: frozenset(c) for d, c in covering.items()}
    return selection


def export_query(project: "Project", session: "Session", source: str, path: Path | None, *, fmt: str | None = None,
                 scope: "Scope", attribution_overrides: Iterable[str] = ()) -> tuple[dict[str, Any], str | None]:
    """Write the query's passages with the quote table's writers; returns a summary and, without path, the text."""
    from cotag.export import writers
    from cotag.export.quotes import quote_summary

    fmt = writers.output_format(path, fmt, example="query", resolved=_format(path, fmt))
    selection = query_selection(session, source, scope)
    table = run_query(selection, source, attribution_overrides=attribution_overrides, config=project.config)
    if fmt == "txt":
        text = plain_text(table)
        if path is None:
            return {**quote_summary(table, path, fmt), "query": table.title[len("Query: "):]}, text
        from cotag.files import write_atomically

        write_atomically(path, text)
        return {**quote_summary(table, path, fmt), "query": table.title[len("Query: "):]}, None
    out = writers.write(table, path, fmt)
    return {**quote_summary(table, path, fmt), "query": table.title[len("Query: "):]}, out


def _format(path: Path | None, fmt: str | None) -> str:
    from cotag.export import writers

    if (fmt or "").lower().lstrip(".") in ("txt", "text"):
        return "txt"
    if fmt is None and path is not None and path.suffix.lower() == ".txt":
        return "txt"
    return writers.resolve_format(path, fmt)


def plain_text(table: "QuoteTable") -> str:
    """The quote table for reading or pasting: each passage, then its attribution and source."""
    lines = [table.title, "", table.summary_line(), ""]
    several = len(set(table.data["coder"])) > 1
    d = table.data
    for text, attribution, document, coder in zip(d["text"], d["attribution"], d["document"], d["coder"]):
        source = f"{document} · {coder}" if several else document
        lines += [f'"{text}"', f"  — {attribution} · {source}".replace(" —  · ", " — "), ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- saved queries

QUERIES_FILE = "queries.yaml"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


def queries_path(project: "Project") -> Path:
    return project.root / QUERIES_FILE


def saved_queries(project: "Project") -> dict[str, dict[str, Any]]:
    import yaml

    path = queries_path(project)
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CotagError(f"{path}: not readable YAML ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) and isinstance(v.get("query"), str)
                                             for v in data.values()):
        raise CotagError(f"{path}: expected `NAME: {{query: EXPR, ...}}` entries")
    return {str(k): v for k, v in data.items()}


def save_query(project: "Project", name: str, source: str, *, options: dict[str, Any]) -> Path:
    """Store the query (checked first) and its scope options under name, replacing one of that name."""
    import yaml

    from cotag.files import write_atomically

    if not _NAME.match(name):
        raise CotagError(f"--save {name!r}: a name is letters, digits, '_', '-', '.' (e.g. pay-vs-family)")
    parse(source)
    queries = saved_queries(project)
    queries[name] = {"query": source, **{k: v for k, v in options.items() if v not in (None, [], (), False)}}
    path = queries_path(project)
    write_atomically(path, yaml.safe_dump(queries, allow_unicode=True, sort_keys=True))
    return path


def saved_query(project: "Project", name: str) -> dict[str, Any]:
    queries = saved_queries(project)
    if name not in queries:
        known = ", ".join(sorted(queries)) or "none yet (save one with --save NAME)"
        raise CotagError(f"--saved: no saved query {name!r} (saved: {known})")
    return queries[name]


def stored_scope(entry: dict[str, Any], *, coding: "Scope | None" = None, own: str | None = None) -> "Scope":
    """The scope a saved query was stored with. Whose coding: the stored choice, else `coding` (the analysis
    screen's); with `own` (a coder who is not the lead) only that coder's own coding, whatever was stored, so a
    saved query never shows a blind coder another coder's quotes."""
    from cotag.export.scope import Scope

    def names(value: Any) -> tuple[str, ...] | None:
        if value is None or value == []:
            return None
        items = value if isinstance(value, list) else str(value).split(",")
        return tuple(str(v).strip() for v in items if str(v).strip()) or None

    coders, consensus, all_coders = names(entry.get("coder")), bool(entry.get("consensus")), \
        bool(entry.get("all_coders"))
    if own is not None:
        coders, consensus, all_coders = (own,), False, False
    elif not (coders or consensus or all_coders) and coding is not None:
        coders, consensus, all_coders = coding.coders, coding.consensus, coding.all_coders
    return Scope(coders=coders, consensus=consensus, all_coders=all_coders, groups=names(entry.get("group")),
                 documents=names(entry.get("documents")), where=tuple(str(w) for w in entry.get("where") or ()))


def run_saved(project: "Project", session: "Session", name: str, *, coding: "Scope | None" = None,
              own: str | None = None) -> "QuoteTable":
    """A saved query's quote table (what the analysis screen shows); see stored_scope for whose coding."""
    entry = saved_query(project, name)
    source = entry["query"]
    selection = query_selection(session, source, stored_scope(entry, coding=coding, own=own))
    table = run_query(selection, source, attribution_overrides=list(entry.get("attribution") or []),
                      config=project.config)
    return table
