"""How an export writes values: attribute types chosen across documents (REFI Variables), each value as
its typed element, and text escaped for the XML the exporter writes as text."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from decimal import Decimal
from typing import Any

from cotag.refi import (
    xml_safe,
)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _written_float(value: float) -> str:
    # xsd:decimal has no exponent; repr() round-trips through Decimal exactly.
    return format(Decimal(repr(value)), "f")


def _text_kind(value: str) -> str | None:
    """What a string attribute holds, when it is written exactly as REFI writes that type."""
    if value in ("true", "false"):
        return "Boolean"
    if re.fullmatch(r"-?(0|[1-9][0-9]*)", value):
        return "Integer"
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", value):
        try:
            if _written_float(float(value)) == value:
                return "Float"
        except ValueError:
            return None
        return None
    if _ISO_DATE.match(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            return None
        return "Date"
    return None


def variable_type(values: list[Any]) -> tuple[str, bool]:
    """(typeOfVariable, as_json) for one attribute across documents; JSON whenever a type would be lost.

    Text that every document writes as a date (2023-05-01), a whole number, a decimal or
    true/false gets that type, so other tools can sort and filter it (QualCoder, NVivo); an
    integer attribute with a decimal value somewhere is Float."""
    present = [v for v in values if v is not None]
    if not present:
        return "Text", False
    if all(isinstance(v, bool) for v in present):
        return "Boolean", False
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "Integer", False
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in present):
        if all(isinstance(v, float) for v in present):
            return "Float", False
        return "Text", True  # 3 and 3.0 would come back alike
    if all(isinstance(v, str) for v in present):
        kinds = {_text_kind(v) for v in present}
        if kinds == {"Integer", "Float"}:
            return "Float", False
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind is not None:
            return kind, False
        return "Text", False
    return "Text", True


def _value_parts(type_name: str, as_json: bool, value: Any) -> tuple[str, str] | None:
    """(element, text) of one VariableValue's value; None for an attribute present and empty (None)."""
    if as_json:
        return "TextValue", xml_safe(json.dumps(value, ensure_ascii=False))
    if value is None:
        return None
    if isinstance(value, str) and type_name != "Text":
        # A typed text attribute: written as it is, which is already the type's lexical form.
        return f"{type_name}Value", value
    if type_name == "Boolean":
        return "BooleanValue", "true" if value else "false"
    if type_name == "Integer":
        return "IntegerValue", str(value)
    if type_name == "Float":
        return "FloatValue", _written_float(value)
    return "TextValue", xml_safe(str(value))


def _value_element(parent, type_name: str, as_json: bool, value: Any, ns: str) -> None:
    from lxml import etree

    parts = _value_parts(type_name, as_json, value)
    if parts is not None:
        etree.SubElement(parent, f"{{{ns}}}{parts[0]}").text = parts[1]


_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;",
                                    "\r": "&#13;", "\t": "&#9;"})


def _text(value: str) -> str:
    """Element text as XML (the caller has made it XML-safe)."""
    return value.translate(_TEXT_ESCAPES)


def _attribute(value: str) -> str:
    """An attribute value as XML, line breaks and tabs kept (as lxml writes them)."""
    return value.translate(_ATTRIBUTE_ESCAPES)


