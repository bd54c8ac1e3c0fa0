"""Reading one field's value from a codebook file: each normaliser returns the clean value or raises _Bad,
whose message completes 'FIELD ...'."""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Iterable
from io import StringIO
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarbool import ScalarBoolean

from cotag.codebook.model import _HEX_RE, _KEY_RE, COLOUR_NAMES, STATUSES
from cotag.keys import RESERVED_KEYS

# --------------------------------------------------------------------------
# Reading values
# --------------------------------------------------------------------------


class _Bad(Exception):
    """A field value of the wrong kind; the message completes 'FIELD ...'."""


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, ScalarBoolean))


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if _is_bool(value):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return "a date"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _text(value: Any) -> str | None:
    """Text from a scalar: strings as they are, whole numbers as written (``key: 01`` is "01")."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not _is_bool(value):
        if type(value) is not int:
            # ruamel keeps how a number with a leading zero, 0x, 0o or "_" was written (a
            # ScalarInt); str() would turn "01" into "1" and "0x1f" into "31". Write it back out.
            out = StringIO()
            YAML(typ="rt").dump(value, out)
            return out.getvalue().split("\n", 1)[0]
        return str(int(value))
    return None


def _norm_name(value: Any) -> str:
    if value is None:
        raise _Bad("is empty")
    text = _text(value)
    if text is None:
        raise _Bad(f"must be text, not {_describe(value)}")
    text = text.strip()
    if not text:
        raise _Bad("is empty")
    return text


def _norm_description(value: Any) -> str:
    if value is None:
        return ""
    text = _text(value)
    if text is None:
        raise _Bad(f"must be text, not {_describe(value)} (put it in quotes)")
    return text.strip()


def _norm_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        text = str(value).strip()
        return [text] if text else []
    if isinstance(value, list):
        items: list[str] = []
        for index, item in enumerate(value, start=1):
            item_text = _text(item)
            if item_text is None or not item_text.strip():
                kind = "empty" if item_text is not None else _describe(item)
                raise _Bad(f"item {index} is {kind}: each item must be text")
            items.append(item_text.strip())
        return items
    raise _Bad(f"must be a string or a list of strings, not {_describe(value)}")


def _norm_colour(value: Any) -> str:
    if value is None:
        raise _Bad(
            'is empty; quote hex colours (colour: "#d9534f") because # starts a YAML comment'
        )
    if not isinstance(value, str):
        raise _Bad(f"must be text, not {_describe(value)}")
    colour = str(value).strip().lower()
    if colour in COLOUR_NAMES or _HEX_RE.match(colour):
        return colour
    hint = ""
    close = difflib.get_close_matches(colour, list(COLOUR_NAMES), n=1)
    if close:
        hint = f" (did you mean '{close[0]}'?)"
    raise _Bad(
        f"'{value}' is not a colour{hint}: use #rgb, #rrggbb or one of "
        + ", ".join(COLOUR_NAMES)
    )


def _norm_shortcut(value: Any) -> str:
    if value is None:
        raise _Bad('is empty; write it in quotes (shortcut: "1")')
    text = _text(value)
    if text is None:
        raise _Bad(f"must be one character, not {_describe(value)}")
    if text == "":
        raise _Bad("is empty")
    if len(text) > 1:
        raise _Bad(f"'{text}' is longer than one character")
    if not text.isprintable() or text.isspace():
        raise _Bad(f"{text!r} is not a visible character")
    if text in RESERVED_KEYS:
        raise _Bad(f"'{text}' is reserved for {RESERVED_KEYS[text]}")
    return text


def _norm_status(value: Any) -> str:
    if value is None:
        return STATUSES[0]
    text = value.strip().lower() if isinstance(value, str) else None
    if text in STATUSES:
        return text
    shown = f"'{value}'" if isinstance(value, str) else _describe(value)
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(text or "", list(STATUSES), n=1)
        if close:
            hint = f" (did you mean '{close[0]}'?)"
    raise _Bad(f"{shown} is not a status{hint}: use 'active' or 'retired'")


def _norm_parent(value: Any) -> str | None:
    if value is None:
        return None
    text = _text(value)
    if text is None:
        raise _Bad(f"must be the key of another code, not {_describe(value)}")
    return text.strip() or None


def _slug_hint(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.strip().lower()).strip("-_")
    if slug and _KEY_RE.match(slug) and slug != text:
        return f" (try '{slug}')"
    return ""


def _unknown_field_message(name: Any, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    shown = str(name)
    hint = ""
    close = difflib.get_close_matches(shown, allowed, n=1, cutoff=0.6)
    if close:
        hint = f" (did you mean '{close[0]}'?)"
    return f"unknown field '{shown}'{hint}; allowed fields: " + ", ".join(allowed)


