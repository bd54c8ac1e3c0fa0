"""`cotag codings import`: codings from a CSV table, every row checked first; a file with any bad row adds nothing."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cotag.coding import IMPORT, active_code
from cotag.errors import CotagError, ImportRefused
from cotag.store.rows import row_id

if TYPE_CHECKING:
    from cotag.store.session import Session


@dataclass
class CodingsImport:
    """What `cotag codings import` did."""

    path: str
    rows: int = 0
    added: int = 0
    already_present: int = 0
    coders_created: list[str] = field(default_factory=list)
    by_coder: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "added": self.added, "already_present": self.already_present,
                "coders_created": self.coders_created, "by_coder": self.by_coder}


_POSITION_COLUMNS = (("start", "end"), ("unit",), ("unit_start", "unit_end"))
Record = tuple[int, dict[str, str]]  # (line number in the file, the row's cells by lower-case column name)


def read_table(path: Path) -> list[Record]:
    """The rows of a codings CSV with their line numbers, after checking its header.

    Columns: document, coder, code, then start,end (character offsets) or unit
    or unit_start,unit_end (unit numbers, from 1), and an optional memo."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CotagError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in ("document", "coder", "code") if name not in header]
        if missing:
            raise ImportRefused(f"{path}: line 1: missing column(s) {', '.join(missing)} "
                                f"(found: {', '.join(header) or 'nothing'})")
        if not any(all(c in header for c in cols) for cols in _POSITION_COLUMNS):
            raise ImportRefused(f"{path}: line 1: needs start,end (offsets) or unit or unit_start,unit_end columns")
        reader.fieldnames = header
        records: list[Record] = []
        line = 2
        for record in reader:
            records.append((line, {k: (v or "").strip() for k, v in record.items() if k is not None}))
            line = reader.line_num + 1
    return records


def add_codings(session: Session, *, path: Path, records: list[Record], lead: str | None = None) -> CodingsImport:
    """Check every row of the table, then add the new codings (coders created on first use; rows for the
    consensus coder need `lead`). Any bad row refuses the whole file, naming each bad line."""
    from cotag.store import codings as coding_store
    from cotag.store import coders as coder_store
    from cotag.store.database import begin_write
    from cotag.store.events import log_event
    from cotag.store.models import CONSENSUS_CODER

    report = CodingsImport(path=str(path), rows=len(records))
    errors: list[str] = []
    # One import at a time: a second run of the same file waits, then finds every row already present.
    begin_write(session)
    lead_row = coder_store.require_lead(session, name=lead) if lead else None
    documents: dict[str, Any] = {}
    codes: dict[str, Any] = {}
    wanted: list[tuple[int, dict[str, Any], str]] = []
    for line, record in records:
        problems: list[str] = []
        document = _import_document(session, documents, record.get("document", ""), problems)
        code = _import_code(session, codes, record.get("code", ""), problems)
        coder = record.get("coder", "")
        if not coder:
            problems.append("coder is empty")
        elif coder == CONSENSUS_CODER and lead_row is None:
            problems.append(f"rows for the {CONSENSUS_CODER!r} coder need --lead NAME")
        span = _import_span(record, document, problems) if document else None
        if problems or document is None or code is None or span is None:
            errors.append(f"line {line}: " + "; ".join(problems))
            continue
        wanted.append((line, {"document_id": document["id"], "code_id": row_id(code), "start": span[0],
                              "end": span[1], "memo": record.get("memo", "")}, coder))
    if errors:
        raise ImportRefused(f"{path}: {len(errors)} bad row(s) of {len(records)}, nothing imported:\n  "
                            + "\n  ".join(errors))

    coder_ids: dict[str, int] = {}
    for _, _, name in wanted:
        if name in coder_ids:
            continue
        existing = coder_store.get_coder(session, name=name)
        if existing is None:
            role = "consensus" if name == CONSENSUS_CODER else "coder"
            existing = coder_store.get_or_create_coder(session, name=name, role=role)
            report.coders_created.append(name)
        coder_ids[name] = row_id(existing)
    seen: set[tuple] = set()
    rows: list[dict[str, Any]] = []
    for _, values, name in wanted:
        values = {**values, "coder_id": coder_ids[name]}
        key = (values["document_id"], values["code_id"], values["coder_id"], values["start"], values["end"])
        if key in seen or coding_store.find_live(session, document_id=key[0], code_id=key[1], coder_id=key[2],
                                                 start=key[3], end=key[4]):
            report.already_present += 1
            continue
        seen.add(key)
        rows.append(values)
        report.by_coder[name] = report.by_coder.get(name, 0) + 1
    report.added = coding_store.add_codings(session, rows=rows)
    log_event(session, kind=IMPORT, actor=lead_row.name if lead_row else "", payload=report.as_dict())
    return report


def _import_document(session: Session, cache: dict[str, Any], external_id: str, problems: list[str]) -> dict | None:
    from cotag.store.documents import get_document

    if not external_id:
        problems.append("document is empty")
        return None
    if external_id not in cache:
        document = get_document(session, external_id=external_id)
        if document is None:
            cache[external_id] = None
        else:
            from cotag.store.codings import unit_spans

            cache[external_id] = {"id": row_id(document), "length": len(document.text),
                                  "units": unit_spans(session, document_id=row_id(document))}
    if cache[external_id] is None:
        problems.append(f"no document {external_id!r} in the project")
    return cache[external_id]


def _import_code(session: Session, cache: dict[str, Any], key: str, problems: list[str]):
    if not key:
        problems.append("code is empty")
        return None
    if key not in cache:
        try:
            cache[key] = active_code(session, key=key)
        except CotagError as exc:
            cache[key] = exc
    if isinstance(cache[key], CotagError):
        problems.append(str(cache[key]))
        return None
    return cache[key]


def _import_span(record: dict[str, str], document: dict, problems: list[str]) -> tuple[int, int] | None:
    def number(name: str) -> int | None:
        try:
            return int(record[name])
        except ValueError:
            problems.append(f"{name} {record[name]!r} is not a whole number")
            return None

    before = len(problems)
    units = {row[0]: (row[1], row[2]) for row in document["units"]}
    if record.get("start") or record.get("end"):
        start = number("start") if record.get("start") else None
        end = number("end") if record.get("end") else None
        if start is None or end is None:
            if len(problems) == before:
                problems.append("start and end must both be given")
            return None
        if not (0 <= start < end <= document["length"]):
            problems.append(f"span {start}–{end} is not inside the document (0–{document['length']}, start < end)")
            return None
        return start, end
    if record.get("unit"):
        first = last = number("unit")
    elif record.get("unit_start") or record.get("unit_end"):
        first = number("unit_start") if record.get("unit_start") else None
        last = number("unit_end") if record.get("unit_end") else None
        if (first is None or last is None) and len(problems) == before:
            problems.append("unit_start and unit_end must both be given")
    else:
        problems.append("no position: give start,end or unit or unit_start,unit_end")
        return None
    if first is None or last is None:
        return None
    # People number units from 1 (the transcript screen, exports); Unit.index counts from 0.
    if first == 0 or last == 0:
        problems.append("unit 0: units are numbered from 1 (the first sentence is unit 1; changed in this "
                        "version, when units were numbered from 0)")
        return None
    if first - 1 not in units or last - 1 not in units or first > last:
        problems.append(f"unit {first}" + (f"–{last}" if last != first else "")
                        + f" is not in the document (units 1–{len(units)}, first ≤ last)")
        return None
    return units[first - 1][0], units[last - 1][1]
