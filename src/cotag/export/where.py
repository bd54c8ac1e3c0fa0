"""`--where` conditions on respondents: =, !=, <, >, <=, >=, ranges (age=30..39) and lists (place=Almaty,Astana).

Numbers are compared as numbers and dates as dates; text only for equality. Conditions on different
attributes must all hold; plain `=` conditions repeated for one attribute mean either value (as before
operators existed).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from cotag.errors import CotagError

OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
_CONDITION = re.compile(r"^\s*([^=!<>]+?)\s*(!=|<=|>=|=|<|>)\s*(.*?)\s*$", re.S)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
RANGE = ".."


@dataclass(frozen=True)
class Condition:
    item: str  # as the user typed it, for messages
    name: str
    op: str  # "=" (one of values, or in the range), "!=" (none of values), "<", ">", "<=", ">="
    values: tuple[str, ...] = ()
    low: Any = None  # a range's bounds, or the bound of <, >, <=, >=; None: open
    high: Any = None

    @property
    def is_range(self) -> bool:
        return self.low is not None or self.high is not None


def _bound(item: str, text: str) -> float | _dt.date:
    """A comparison bound: a number or an ISO date; anything else is an error naming the item."""
    if _NUMBER.fullmatch(text):
        return float(text)
    if _DATE.fullmatch(text):
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            raise CotagError(f"--where {item!r}: {text!r} is not a real date") from None
    raise CotagError(f"--where {item!r}: {text!r} is neither a number nor a date (YYYY-MM-DD); "
                     "<, >, <=, >= and ranges compare numbers or dates")


def parse_condition(item: str, known_values: Callable[[str], set[str]] | None = None) -> Condition:
    """One --where item. known_values(name) gives the attribute's values, so that a value holding a comma
    that some document really has (`place=Almaty, centre`) is not split into a list."""
    match = _CONDITION.match(item)
    if not match or not match.group(1).strip():
        raise CotagError(f"--where {item!r}: write attribute=value (or !=, <, >, <=, >=; a range 30..39; "
                         "a list a,b), e.g. --where gender=female --where age=30..39")
    name, op, value = match.group(1).strip(), match.group(2), match.group(3)
    if op in ("=", "!=") and value.startswith(("=", "<", ">")):
        raise CotagError(f"--where {item!r}: unknown operator {op + value[0]!r} (operators: {', '.join(OPERATORS)})")
    if op in ("<", ">", "<=", ">="):
        if value.startswith(("=", "<", ">", "!")):
            raise CotagError(f"--where {item!r}: unknown operator {op + value[0]!r} "
                             f"(operators: {', '.join(OPERATORS)})")
        if not value:
            raise CotagError(f"--where {item!r}: no value after {op!r}")
        bound = _bound(item, value)
        return Condition(item, name, op, low=bound)
    if op == "=" and RANGE in value and not (known_values and value.casefold() in known_values(name)):
        low_text, _, high_text = value.partition(RANGE)
        low_text, high_text = low_text.strip(), high_text.strip()
        if not low_text and not high_text:
            raise CotagError(f"--where {item!r}: a range needs a bound, e.g. {name}=30..39")
        low = _bound(item, low_text) if low_text else None
        high = _bound(item, high_text) if high_text else None
        if low is not None and high is not None:
            if type(low) is not type(high):
                raise CotagError(f"--where {item!r}: a range of a number and a date")
            if low > high:  # type: ignore[operator]  # same kind: checked just above
                raise CotagError(f"--where {item!r}: the range is empty ({low_text} is after {high_text})")
        return Condition(item, name, "..", low=low, high=high)
    values: tuple[str, ...]
    if known_values and value.casefold() in known_values(name):
        values = (value,)
    else:
        values = tuple(v.strip() for v in value.split(",") if v.strip()) or ("",)
    return Condition(item, name, op, values=values)


def comparable(value: Any, like: Any) -> Any:
    """value as the bound's kind (a number, or a date), or None when it cannot be read so."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(like, float):
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
            return float(value)
        return None
    if isinstance(value, str):
        text = value.strip()[:10]
        if _DATE.fullmatch(text):
            try:
                return _dt.date.fromisoformat(text)
            except ValueError:
                return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return None


def _compares(condition: Condition, value: Any) -> bool:
    bound = condition.low if condition.low is not None else condition.high
    got = comparable(value, bound)
    if got is None:
        return False
    if condition.op == "..":
        return ((condition.low is None or got >= condition.low)
                and (condition.high is None or got <= condition.high))
    return {"<": got < bound, ">": got > bound, "<=": got <= bound, ">=": got >= bound}[condition.op]


def build_filter(items: Sequence[str], *, known: set[str], value_of: Callable[[Any, str], Any],
                 text_of: Callable[[Any], str | None], everyone: Iterable[Any]) -> Callable[[Any], bool] | None:
    """A predicate over documents for the --where items, after checking every name and value against everyone."""
    if not items:
        return None
    everyone = list(everyone)
    cache: dict[str, set[str]] = {}

    def present(name: str) -> set[str]:
        if name not in cache:
            cache[name] = {v for v in (text_of(value_of(d, name)) for d in everyone) if v is not None}
        return cache[name]

    folded = lambda name: {v.casefold() for v in present(name)}  # noqa: E731
    conditions = [parse_condition(item, folded if any(c in item for c in ",.") else None) for item in items]
    for condition in conditions:
        if condition.name not in known:
            raise CotagError(f"--where: unknown attribute {condition.name!r} (attributes: {', '.join(sorted(known))})")
        if condition.values:  # a value no respondent has is a typo, not an empty table
            shown = sorted(present(condition.name), key=str.casefold)
            for value in condition.values:
                if value.casefold() not in folded(condition.name):
                    listed = ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")
                    raise CotagError(f"--where: no document has {condition.name}={value!r} "
                                     f"({condition.name} values: {listed or 'none'})")
        else:
            bound = condition.low if condition.low is not None else condition.high
            if not any(comparable(value_of(d, condition.name), bound) is not None for d in everyone):
                kind = "numbers" if isinstance(bound, float) else "dates"
                raise CotagError(f"--where {condition.item!r}: no document's {condition.name} is one of the "
                                 f"{kind} it compares with")
    # Plain "=" on one attribute, repeated: either value (the meaning --where always had).
    either: dict[str, set[str]] = {}
    others: list[Condition] = []
    for condition in conditions:
        if condition.op == "=":
            either.setdefault(condition.name, set()).update(v.casefold() for v in condition.values)
        else:
            others.append(condition)

    def matches(document: Any) -> bool:
        for name, values in either.items():
            text = text_of(value_of(document, name))
            if text is None or text.casefold() not in values:
                return False
        for condition in others:
            value = value_of(document, condition.name)
            if condition.op == "!=":
                text = text_of(value)
                if text is None or text.casefold() in {v.casefold() for v in condition.values}:
                    return False
            elif not _compares(condition, value):
                return False
        return True

    return matches
