"""The project's pseudonym table, pseudonyms.yaml: accepted entries and open or rejected proposals.

The layer that reads a text through the entries is layer.py; what proposes entries, suggestions.py. Their
names are re-exported here, where the rest of cotag has always imported them from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from cotag.errors import CotagError
from cotag.files import write_atomically
from cotag.privacy.layer import KINDS, PERSON_ATTRIBUTES, Entry, Layered, Pseudonymiser, Replacement, _key, check_kind
from cotag.privacy.suggestions import Found, Gazetteer, SuggestInput, gazetteer, load_pipeline, suggest

__all__ = ["FILE_NAME", "KINDS", "PERSON_ATTRIBUTES", "Entry", "Found", "Gazetteer", "Layered", "Proposal",
           "PseudonymTable", "Pseudonymiser", "Replacement", "SuggestInput", "check_kind", "gazetteer",
           "load_pipeline", "load_table", "pseudonymise_export", "suggest", "table_path"]

FILE_NAME = "pseudonyms.yaml"


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
        """Write the table in one rename. An existing file is updated in place (ruamel round trip, as the
        codebook writer updates a codebook): the lead's comments, order and quoting stay; changed fields are
        rewritten, entries and proposals that left the table are removed, new ones appended."""
        data = self._rows()
        text = None
        if self.path.exists():
            old = self.path.read_text(encoding="utf-8")
            try:
                text = _updated_text(old, data)
            except Exception as exc:  # noqa: BLE001 - ruamel refuses some files PyYAML reads (duplicate keys...)
                # Written afresh, the file would lose the lead's comments: refuse, naming why, unless it has none.
                if any(line.lstrip().startswith("#") or " #" in line for line in old.splitlines()):
                    mark = getattr(exc, "problem_mark", None)
                    where = f" line {mark.line + 1}" if mark is not None else ""
                    raise CotagError(
                        f"{self.path}{where}: cannot update this file keeping its comments "
                        f"({getattr(exc, 'problem', None) or exc}); fix that, or remove the comments to let cotag "
                        f"rewrite it; nothing was changed") from None
                text = None
        if text is None:
            text = _HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        # One rename: a reader (an export, the TUI) never sees half a table, and a failed write keeps the old
        # one; the file's mode stays (cotag.files).
        try:
            write_atomically(self.path, text)
        except OSError as exc:
            raise CotagError(f"{self.path}: cannot write ({exc})") from None

    def _rows(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "entries": [{"real": e.real, "pseudonym": e.pseudonym, "kind": e.kind} for e in self.entries],
            "proposals": [{"id": p.id, "real": p.real, "kind": p.kind, "pseudonym": p.pseudonym, "source": p.source,
                           "count": p.count, "documents": list(p.documents), "status": p.status}
                          for p in self.proposals],
        }

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


_HEADER = ("# cotag pseudonyms: real string -> pseudonym. This file holds the real names: keep it out of\n"
           "# every shared folder and repository. `cotag pseudonyms list|suggest|accept|reject|add` edit it.\n"
           "# Comments written here are kept when cotag rewrites the file.\n")
# How a row of each list is known again in the file: an entry by its real string (any case), a proposal by id.
_ROW_KEYS: dict[str, Callable[[Any], str]] = {"entries": lambda row: _key(str(row.get("real", ""))),
                                              "proposals": lambda row: str(row.get("id", ""))}


def _updated_text(text: str, data: dict[str, list[dict[str, Any]]]) -> str | None:
    """The file's text with its two lists brought to `data`, comments kept (codebook/comments.py moves the
    comment lines of a removed row); None when the result would not read back as `data`."""
    from io import StringIO

    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from cotag.codebook.comments import _guess_indent, remove_item
    from cotag.codebook.yamlsafe import _rt_yaml

    rt = _rt_yaml()
    sequence, offset = _guess_indent(text, "entries")
    rt.indent(mapping=2, sequence=sequence, offset=offset)
    document = rt.load(text)
    if not isinstance(document, CommentedMap):
        return None
    for name, rows in data.items():
        seq = document.get(name)
        if not isinstance(seq, CommentedSeq):
            seq = document[name] = CommentedSeq()
        key_of = _ROW_KEYS[name]
        wanted = {key_of(row): row for row in rows}
        # Rows that left the table go (their trailing comments stay in the file); the rest are updated in place,
        # a field rewritten only where its value changed, so the lead's quoting and layout stay.
        for position in reversed(range(len(seq))):
            if not isinstance(seq[position], CommentedMap) or key_of(seq[position]) not in wanted:
                remove_item(seq, position)
        if not seq and not wanted:
            # An empty list is written `[]`, which has no room for the comment lines above its first row or
            # kept at its end: the key is left empty (read as no rows) and the lines follow it.
            slot = document.ca.items.get(name) or [None, None, None, None]
            tokens = [*(slot[3] or []), *((seq.ca.comment or [None, None])[1] or []), *(seq.ca.end or [])]
            unique = list({id(token): token for token in tokens}.values())
            if unique:
                slot[3] = None
                document[name] = None
                _after_key(document, name, "".join(token.value for token in unique))
            continue
        present = {key_of(row): row for row in seq}
        for key, row in wanted.items():
            mapping = present.get(key)
            if mapping is None:
                mapping = CommentedMap()
                last = seq[-1] if seq else None
                if isinstance(last, CommentedMap) and last.fa.flow_style():
                    mapping.fa.set_flow_style()  # a table written one row a line gets its new rows so too
                seq.append(mapping)
            for field_name, value in row.items():
                if mapping.get(field_name) != value:
                    mapping[field_name] = CommentedSeq(value) if isinstance(value, list) else value
    out = StringIO()
    rt.dump(document, out)
    result = out.getvalue()
    # Checked before anything is written: the file must say what the table holds.
    read = yaml.safe_load(result) or {}
    for name, rows in data.items():
        fields = [list(row) for row in rows]
        if [{k: item.get(k) for k in keys} for item, keys in zip(read.get(name) or [], fields)] != rows \
                or len(read.get(name) or []) != len(rows):
            return None
    return result


def _after_key(document: Any, name: str, lines: str) -> None:
    """Comment lines after the line of a top-level key whose value is a scalar or `[]`."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    slot = document.ca.items.setdefault(name, [None, None, None, None])
    if slot[2] is not None:
        slot[2].value = slot[2].value.rstrip("\n") + "\n" + lines
    else:
        slot[2] = CommentToken("\n" + lines, CommentMark(0))


def table_path(root: Path) -> Path:
    return Path(root) / FILE_NAME


def load_table(project) -> PseudonymTable:
    return PseudonymTable.load(table_path(project.root))


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
